import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";

const connection = new IORedis(process.env.QUEUE_REDIS_URL!, { maxRetriesPerRequest: null });

export const emails = new Queue("emails", { connection, defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 } });
