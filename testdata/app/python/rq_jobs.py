# RQ enqueue calls, the @job decorator and workers.
import os

from rq import Queue, Worker
from rq.decorators import job
from rq.job import Job

KEEP_FOREVER = -1
q = Queue("default", connection=redis)

q.enqueue(send_mail, 1, result_ttl=-1)  # expect: rq-result-ttl-negative
q.enqueue_call(func=send_mail, result_ttl="-1", failure_ttl=-1)  # expect: rq-result-ttl-negative, rq-failure-ttl-negative
q.enqueue_in(timedelta(minutes=5), send_mail, result_ttl=KEEP_FOREVER)  # expect: rq-result-ttl-negative
Job.create(send_mail, connection=redis, failure_ttl=-5)  # expect: rq-failure-ttl-negative
Worker([q], connection=redis, default_result_ttl=-1)  # expect: rq-result-ttl-negative


@job("low", connection=redis, result_ttl=-1)  # expect: rq-result-ttl-negative
def report():
    pass


q.enqueue(send_mail, 6, failure_ttl=60 * 60 * 24 * 365 * 3)  # expect: rq-failure-ttl-long


# Bounded, zero, or unknowable TTLs.
q.enqueue(send_mail, 7, failure_ttl=60 * 60 * 24 * 365)  # RQ's own default, exactly
q.enqueue(send_mail, 2, result_ttl=500)
q.enqueue(send_mail, 3, result_ttl=0, failure_ttl=86400)
q.enqueue(send_mail, 4, result_ttl=int(os.environ.get("RESULT_TTL", "-1")))
q.enqueue(send_mail, 5, result_ttl=settings.RQ_RESULT_TTL)
# Not RQ calls, comments and strings: q.enqueue(send_mail, result_ttl=-1)
cache.set("k", "v", result_ttl=-1)
scheduler.create(send_mail, result_ttl=-1)
DOC = "q.enqueue(send_mail, result_ttl=-1)"
