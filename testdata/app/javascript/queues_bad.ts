import { Queue, Worker, QueueOptions } from "bullmq";

export const emails = new Queue("emails", { connection }); // expect: bullmq-job-removal-unset
await emails.add("send", { to });

// removeOnComplete set, removeOnFail not
const reports = new Queue("reports", { connection, defaultJobOptions: { removeOnComplete: 100 } }); // expect: bullmq-job-removal-unset

const opts = { connection, defaultJobOptions: { removeOnComplete: false, removeOnFail: 10 } }; // expect: bullmq-job-removal-unset
const exports_ = new Queue("exports", opts as QueueOptions);

class Mailer {
  private queue = new Queue("mailer", { connection }); // expect: bullmq-job-removal-unset
  async send() {
    await this.queue.add("send", data, { removeOnComplete: true });
  }
}

// a queue constructed elsewhere: only an explicit false is reported
await otherQueue.add("job", data, { removeOnFail: false }); // expect: bullmq-job-removal-unset

// a worker for another queue does not bound this one
const thumbs = new Queue("thumbs", { connection }); // expect: bullmq-job-removal-unset
new Worker("avatars", process, { connection, removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } });
