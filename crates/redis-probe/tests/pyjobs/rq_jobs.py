"""Drives real RQ for `cleanup_rq.rs`: fills a Redis, requeues a job, reports RQ's view.

Usage: rq_jobs.py PORT fill            -> JSON {category: [job ids]}
       rq_jobs.py PORT requeue ID      -> requeues a finished job through RQ's registry API
       rq_jobs.py PORT reenqueue ID    -> enqueues a new job under a finished job's id ('low')
       rq_jobs.py PORT state IDS.json  -> JSON: per job what RQ sees, registry/queue counts
                                          (the counts run RQ's own registry cleanup)
"""
import json
import os
import subprocess
import sys
from datetime import timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402
from rq.exceptions import NoSuchJobError  # noqa: E402
from rq.job import Job  # noqa: E402
from rq.registry import (  # noqa: E402
    DeferredJobRegistry, FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry)

import rq_test_tasks  # noqa: E402

port, what = int(sys.argv[1]), sys.argv[2]
url = f"redis://127.0.0.1:{port}/0"
conn = Redis.from_url(url)
default = Queue("default", connection=conn)
low = Queue("low", connection=conn)


def fill():
    ids = {
        "forever": [default.enqueue(rq_test_tasks.count_words, "keep " * (i + 1), result_ttl=-1).id
                    for i in range(5)],
        "ttl_500": [default.enqueue(rq_test_tasks.count_words, "short").id for _ in range(2)],
        "ttl_1d": [default.enqueue(rq_test_tasks.count_words, "day", result_ttl=86400).id],
        "failed_default": [default.enqueue(rq_test_tasks.parse_feed, f"https://x/{i}").id for i in range(2)],
        "failed_forever": [default.enqueue(rq_test_tasks.parse_feed, "https://y", failure_ttl=-1).id
                           for _ in range(2)],
        "queued": [low.enqueue(rq_test_tasks.count_words, "later").id for _ in range(3)],
        "scheduled": [default.enqueue_in(timedelta(hours=1), rq_test_tasks.count_words, "s").id
                      for _ in range(2)],
    }
    parent = low.enqueue(rq_test_tasks.count_words, "parent", result_ttl=-1)
    ids["queued"].append(parent.id)
    ids["deferred"] = [default.enqueue(rq_test_tasks.count_words, "child", depends_on=parent,
                                       result_ttl=-1).id]
    rq_bin = os.path.join(os.path.dirname(sys.executable), "rq")
    subprocess.run([rq_bin, "worker", "--burst", "--url", url, "--path", HERE, "-n", "test-worker",
                    "default"], check=True, cwd=HERE, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(json.dumps(ids))


def score(key, job_id):
    """A registry score as JSON can carry it: +inf / -inf as strings."""
    v = conn.zscore(key, job_id)
    return v if v is None or abs(v) != float("inf") else ("inf" if v > 0 else "-inf")


def state(path):
    with open(path) as f:
        ids = json.load(f)
    jobs = {}
    for category, job_ids in ids.items():
        for job_id in job_ids:
            try:
                job = Job.fetch(job_id, connection=conn)
            except NoSuchJobError:
                jobs[job_id] = {"category": category, "exists": False}
                continue
            latest = job.latest_result()
            jobs[job_id] = {
                "category": category,
                "exists": True,
                "status": job.get_status(),
                "return_value": job.return_value(),
                "result_type": latest.type.name if latest else None,
                "job_ttl": conn.ttl(job.key),
                "results_ttl": conn.ttl(f"rq:results:{job_id}"),
                "finished_score": score("rq:finished:default", job_id),
                "failed_score": score("rq:failed:default", job_id),
            }
    finished = FinishedJobRegistry("default", connection=conn)
    failed = FailedJobRegistry("default", connection=conn)
    print(json.dumps({
        "jobs": jobs,
        # .count runs the registries' own cleanup() first
        "finished_count": finished.count,
        "failed_count": failed.count,
        "finished_ids": finished.get_job_ids(),
        "failed_ids": failed.get_job_ids(),
        "scheduled_count": ScheduledJobRegistry("default", connection=conn).count,
        "deferred_count": DeferredJobRegistry("default", connection=conn).count,
        "queued_low": low.count,
        "queued_default": default.count,
    }))


if what == "fill":
    fill()
elif what == "requeue":
    FinishedJobRegistry("default", connection=conn).requeue(sys.argv[3])
elif what == "reenqueue":
    low.enqueue(rq_test_tasks.count_words, "again", job_id=sys.argv[3])
elif what == "state":
    state(sys.argv[3])
else:
    sys.exit(f"unknown command {what}")
