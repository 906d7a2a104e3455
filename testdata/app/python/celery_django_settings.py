# Django settings read by Celery with namespace="CELERY".
import os

CELERY_BROKER_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("REDIS_URL", "redis://localhost:6379/0")
CELERY_RESULT_EXPIRES = 0  # expect: celery-result-expires-disabled
CELERY_TASK_RESULT_EXPIRES = None  # expect: celery-result-expires-disabled
