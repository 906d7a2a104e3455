"""Real Celery app for `cleanup_celery.rs`: Redis broker and result backend in db 0, results
kept forever (`result_expires=None`: the backend writes plain SET, no TTL)."""
import os

from celery import Celery

URL = f"redis://127.0.0.1:{int(os.environ['REDIS_PORT'])}/0"

app = Celery("cleanup_test", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=None,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task
def add(x, y):
    return x + y


@app.task
def tsum(values):
    return sum(values)


@app.task
def charge_card(order_id):
    raise ValueError(f"payment gateway rejected order {order_id}")
