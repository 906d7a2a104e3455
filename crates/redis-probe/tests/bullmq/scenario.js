// Real BullMQ data and checks for tests/cleanup_bullmq.rs (run with NODE_PATH at the
// workloads' node_modules, which hold bullmq).
//
//   pair PORT PREFIX Q1 Q2     the same jobs in both queues, in two phases with a cutoff between
//                              them, then one slow job per queue held active (locked) by its
//                              worker until the key PREFIX:redis-audit-test:release exists;
//                              prints `READY {"cutoff": ms}`, then `DONE` when the slow jobs
//                              have completed
//   simple PORT PREFIX Q C F   C completed and F failed jobs, with logs
//   clean PORT PREFIX Q TYPE CUTOFF_MS     BullMQ's own queue.clean(now - CUTOFF_MS, 0, TYPE)
//   clean-keep PORT PREFIX Q TYPE KEEP     queue.clean(0, count - KEEP, TYPE)
//   check PORT PREFIX Q [ID...]            JSON: counts, completed and failed ids, and per id
//                                          (given or listed) whether it exists, state, logs
//   churn PORT PREFIX Q MS     completes a job every ~20 ms for MS ms; prints STARTED, DONE
//   colon PORT                 JSON: the error of new Queue("a:b"), if any
"use strict";
const { Queue, Worker, FlowProducer, Job } = require("bullmq");
const IORedis = require("ioredis");

const [cmd, portArg, ...rest] = process.argv.slice(2);
const connection = { host: "127.0.0.1", port: Number(portArg), maxRetriesPerRequest: null };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitCounts(queue, want, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await queue.getJobCounts();
    if (Object.entries(want).every(([k, v]) => c[k] === v)) return c;
    if (Date.now() > deadline) {
      throw new Error(`timeout on ${queue.name}: want ${JSON.stringify(want)}, have ${JSON.stringify(c)}`);
    }
    await sleep(20);
  }
}

function worker(name, prefix, releaseKey, raw) {
  return new Worker(
    name,
    async (job) => {
      await job.log(`start ${job.name} ${job.id}`);
      await job.log("second line");
      if (job.data.fail) throw new Error("boom");
      if (job.name === "slow") {
        while (!(await raw.exists(releaseKey))) await sleep(30);
      }
      return { id: job.id };
    },
    { connection, prefix, concurrency: 1 },
  );
}

async function pair(prefix, names) {
  const raw = new IORedis(connection);
  const releaseKey = `${prefix}:redis-audit-test:release`;
  const flows = new FlowProducer({ connection, prefix });
  const queues = names.map((n) => new Queue(n, { connection, prefix }));
  const parents = names.map((n) => new Queue(`${n}-parents`, { connection, prefix }));
  const workers = names.map((n) => worker(n, prefix, releaseKey, raw));

  await Promise.all(
    queues.map(async (q) => {
      for (let i = 0; i < 4; i++) await q.add("email", { i });
      await q.add("dedup", { i: 9 }, { deduplication: { id: "d1", ttl: 600000 } });
      for (let i = 0; i < 2; i++) await q.add("email", { i, fail: true });
      // Flow A: parent and children all complete.
      await flows.add({
        name: "parent", queueName: q.name, opts: { jobId: "pA" },
        children: [
          { name: "child", queueName: q.name, opts: { jobId: "cA1" } },
          { name: "child", queueName: q.name, opts: { jobId: "cA2" } },
        ],
      });
      // Flow B: the only child fails; the parent (same queue) waits for children forever.
      await flows.add({
        name: "parent", queueName: q.name, opts: { jobId: "pB" },
        children: [{ name: "child", queueName: q.name, data: { fail: true }, opts: { jobId: "cB1" } }],
      });
      // Flow C: the same with the parent in another queue.
      await flows.add({
        name: "parent", queueName: `${q.name}-parents`, opts: { jobId: "pC" },
        children: [{ name: "child", queueName: q.name, data: { fail: true }, opts: { jobId: "cC1" } }],
      });
      await waitCounts(q, { completed: 8, failed: 4, "waiting-children": 1, active: 0, waiting: 0 });
    }),
  );
  await sleep(100);
  const cutoff = Date.now();
  await sleep(100);
  const slowIds = {};
  await Promise.all(
    queues.map(async (q) => {
      for (let i = 0; i < 3; i++) await q.add("email", { i: 10 + i });
      for (let i = 0; i < 2; i++) await q.add("email", { i: 20 + i, fail: true });
      await waitCounts(q, { completed: 11, failed: 6, active: 0, waiting: 0 });
      const slow = await q.add("slow", {});
      slowIds[q.name] = slow.id;
      for (;;) {
        if ((await raw.exists(`${prefix}:${q.name}:${slow.id}:lock`)) === 1) break;
        await sleep(20);
      }
    }),
  );
  console.log(`READY ${JSON.stringify({ cutoff, slow: slowIds })}`);
  while (!(await raw.exists(releaseKey))) await sleep(30);
  for (const q of queues) {
    while ((await raw.zscore(`${prefix}:${q.name}:completed`, slowIds[q.name])) === null) await sleep(20);
  }
  await Promise.all([...workers.map((w) => w.close()), ...queues.map((q) => q.close())]);
  await Promise.all([...parents.map((q) => q.close()), flows.close()]);
  await raw.quit();
  console.log("DONE");
}

async function simple(prefix, name, nCompleted, nFailed) {
  const q = new Queue(name, { connection, prefix });
  const raw = new IORedis(connection);
  const w = worker(name, prefix, "-", raw);
  for (let i = 0; i < nCompleted; i++) await q.add("email", { i });
  await waitCounts(q, { completed: nCompleted, active: 0, waiting: 0 });
  for (let i = 0; i < nFailed; i++) await q.add("email", { i, fail: true });
  await waitCounts(q, { completed: nCompleted, failed: nFailed, active: 0, waiting: 0 });
  await w.close();
  await q.close();
  await raw.quit();
}

async function check(prefix, name, ids) {
  const q = new Queue(name, { connection, prefix });
  const counts = await q.getJobCounts();
  const completed = (await q.getJobs(["completed"], 0, -1)).map((j) => j.id);
  const failed = (await q.getJobs(["failed"], 0, -1)).map((j) => j.id);
  const jobs = {};
  for (const id of new Set([...ids, ...completed, ...failed])) {
    const job = await Job.fromId(q, id);
    if (job === undefined) {
      jobs[id] = { exists: false };
    } else {
      const logs = await q.getJobLogs(id);
      jobs[id] = { exists: true, name: job.name, state: await job.getState(), logs: logs.count };
    }
  }
  console.log(JSON.stringify({ counts, completed, failed, jobs }));
  await q.close();
}

async function churn(prefix, name, ms) {
  const q = new Queue(name, { connection, prefix });
  const raw = new IORedis(connection);
  const w = worker(name, prefix, "-", raw);
  const end = Date.now() + ms;
  let started = false;
  let n = 0;
  while (Date.now() < end) {
    await q.add("email", { churn: n++ });
    await sleep(20);
    if (!started && (await q.getCompletedCount()) > 0) {
      started = true;
      console.log("STARTED");
    }
  }
  await waitCounts(q, { active: 0, waiting: 0 });
  await w.close();
  await q.close();
  await raw.quit();
  console.log("DONE");
}

async function main() {
  switch (cmd) {
    case "pair":
      return pair(rest[0], rest.slice(1));
    case "simple":
      return simple(rest[0], rest[1], Number(rest[2]), Number(rest[3]));
    case "clean":
    case "clean-keep": {
      const [prefix, name, type, n] = rest;
      const q = new Queue(name, { connection, prefix });
      let ids;
      if (cmd === "clean") {
        ids = await q.clean(Date.now() - Number(n), 0, type);
      } else {
        const count = await q.getJobCountByTypes(type);
        ids = count > Number(n) ? await q.clean(0, count - Number(n), type) : [];
      }
      console.log(JSON.stringify(ids));
      return q.close();
    }
    case "check":
      return check(rest[0], rest[1], rest.slice(2));
    case "churn":
      return churn(rest[0], rest[1], Number(rest[2]));
    case "colon": {
      let error = null;
      try {
        await new Queue("a:b", { connection }).close();
      } catch (e) {
        error = e.message;
      }
      console.log(JSON.stringify({ error }));
      return;
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
