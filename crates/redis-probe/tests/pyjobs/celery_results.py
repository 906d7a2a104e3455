"""Drives real Celery for `cleanup_celery.rs`.

Usage: REDIS_PORT=P celery_results.py fill          -> JSON of task/group/chord ids
       REDIS_PORT=P celery_results.py state IDS.json -> JSON: what Celery reads for each id
       REDIS_PORT=P celery_results.py finish IDS.json -> runs a worker on 'later' (the chord's
                                                         waiting part) and 'celery' (its body);
                                                         JSON: the chord body's result
Workers are started here and stopped by their PID (SIGTERM, then SIGKILL).
"""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from celery import Celery, chord, group  # noqa: E402
from celery.result import AsyncResult, GroupResult  # noqa: E402

from celery_test_app import URL, add, app, charge_card, tsum  # noqa: E402


def worker(queues):
    celery_bin = os.path.join(os.path.dirname(sys.executable), "celery")
    return subprocess.Popen(
        [celery_bin, "-A", "celery_test_app", "worker", "--pool=solo", "-Q", queues,
         "-n", f"cleanup-test-{os.getpid()}@127.0.0.1", "--loglevel=WARNING"],
        cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))


def stop(w):
    if w.poll() is None:
        w.send_signal(signal.SIGTERM)
        try:
            w.wait(timeout=20)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def done(*_):
    sys.stdout.flush()
    # Skip interpreter teardown: AsyncResult.__del__ would unsubscribe while Python shuts down.
    os._exit(0)


def fill():
    w = worker("celery")
    try:
        ok = [add.delay(i, i) for i in range(4)]
        failed = [charge_card.delay(i) for i in range(2)]
        g = group(add.s(i, 1) for i in range(3)).apply_async()
        g.save()
        # A chord whose header waits on a queue no worker reads yet: its state keys
        # (<group>.j/.d/.s) stay, without TTL, until `finish`.
        c = chord([add.s(1, 1), add.s(2, 2).set(queue="later")], tsum.s())()
        header_gid = c.parent.id
        for r in ok + failed + list(g.results):
            r.get(timeout=60, propagate=False)
        deadline = time.time() + 30
        while time.time() < deadline and AsyncResult(c.parent.results[0].id).state != "SUCCESS":
            time.sleep(0.1)
    finally:
        stop(w)
    # A second app with a global_keyprefix writes through the same backend code.
    prefixed = Celery("prefixed", broker=URL, backend=URL)
    prefixed.conf.update(result_expires=None,
                         result_backend_transport_options={"global_keyprefix": "myapp"})
    prefixed.backend.store_result("prefixed-task-1", 42, "SUCCESS")
    print(json.dumps({
        "ok": [r.id for r in ok],
        "failed": [r.id for r in failed],
        "group": g.id,
        "group_members": [r.id for r in g.results],
        "chord_group": header_gid,
        "chord_done_part": c.parent.results[0].id,
        "chord_waiting_part": c.parent.results[1].id,
        "chord_body": c.id,
    }))


def state(ids):
    client = app.backend.client
    tasks = {}
    for tid in ids["ok"] + ids["failed"] + ids["group_members"] + [ids["chord_done_part"]]:
        r = AsyncResult(tid, app=app)
        tasks[tid] = {"state": r.state, "result": r.result if r.state == "SUCCESS" else None,
                      "ttl": client.ttl(f"celery-task-meta-{tid}")}
    g = GroupResult.restore(ids["group"], app=app)
    gid = ids["chord_group"]
    print(json.dumps({
        "tasks": tasks,
        "group_restored": g is not None and [r.id for r in g.results] == ids["group_members"],
        "group_ttl": client.ttl(f"celery-taskset-meta-{ids['group']}"),
        "chord_ttls": {s: client.ttl(f"celery-taskset-meta-{gid}{s}") for s in [".j", ".d", ".s"]},
        "prefixed_ttl": client.ttl("myapp_celery-task-meta-prefixed-task-1"),
    }))


def finish(ids):
    w = worker("later,celery")
    try:
        value = AsyncResult(ids["chord_body"], app=app).get(timeout=60)
    finally:
        stop(w)
    print(json.dumps({"chord_body": value}))


what = sys.argv[1]
if what == "fill":
    fill()
else:
    with open(sys.argv[2]) as f:
        loaded = json.load(f)
    (state if what == "state" else finish)(loaded)
done()
