# Correct or unknowable Celery configurations: no finding.
from celery import Celery

# None in the constructor is ignored by Celery (the 1-day default stays).
app = Celery("proj", backend="redis://redis:6379/1", result_expires=None)

# Overridden later in the same block.
app.conf.result_expires = None
app.conf.result_expires = 3600

# None for failed results falls back to result_expires.
app.conf.result_failure_expires = None

rpc = Celery("rpc", backend="rpc://")
rpc.conf.update(result_expires=None)
