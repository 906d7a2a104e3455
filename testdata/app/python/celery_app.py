# Celery app with a Redis result backend, configured in code.
from datetime import timedelta

from celery import Celery

app = Celery("proj", broker="redis://redis:6379/0", backend="redis://redis:6379/1")
app.conf.update(
    result_expires=None,  # expect: celery-result-expires-disabled
    task_serializer="json",
)
app.conf.result_failure_expires = 0  # expect: celery-result-expires-disabled

other = Celery("other", backend="rediss://redis:6380/1")
other.conf.update({"result_expires": timedelta(seconds=0)})  # expect: celery-result-expires-disabled

# The words in comments and strings are not settings: result_expires = None
HELP = "app.conf.result_expires = None"
