// Nothing in this file may be reported.
const { Queue, Worker } = require("bullmq");
const Bull = require("bull");
const { defaults } = require("./defaults");

const a = new Queue("a", { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 86400 } } });
const b = new Queue("b", { ...defaults });
const c = new Queue("c", { connection, defaultJobOptions: { ...defaults.jobs } });
const d = new Queue("d", { connection, defaultJobOptions: { removeOnComplete: keep, removeOnFail: keep } });
const e = new Queue("e", sharedOptions);
const JOB_OPTS = { removeOnComplete: 1000, removeOnFail: 5000 };
const f = new Queue("f", { connection, defaultJobOptions: JOB_OPTS });

// every add() sets both options
const g = new Queue("g", { connection });
g.add("x", data, { removeOnComplete: true, removeOnFail: 100 });
g.addBulk([{ name: "y", data, opts: { removeOnComplete: 1, removeOnFail: 1 } }]);

// a Worker for the queue bounds both (BullMQ 3.9+)
const h = new Queue("h", { connection });
const worker = new Worker("h", processor, { connection, removeOnComplete: { age: 3600 }, removeOnFail: { count: 100 } });

// Bull: Queue(name, url, opts), and Queue(name, opts) called without new
const i = new Bull("i", "redis://localhost:6379", { defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
const j = Bull("j", { defaultJobOptions: { removeOnComplete: 10, removeOnFail: 10 } });
const k = new Bull("k", process.env.REDIS_URL);
// a comment: removeOnComplete: false

// an add on something that is not known to be a queue, without explicit false
cart.add("item", data);
