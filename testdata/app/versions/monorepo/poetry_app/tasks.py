from celery import Celery

app = Celery("worker", broker="redis://redis:6379/0", backend="redis://redis:6379/1")
app.conf.result_expires = None
app.conf.result_failure_expires = 0
