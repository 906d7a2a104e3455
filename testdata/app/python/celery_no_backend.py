# No result backend in this file: it cannot be judged.
result_expires = None
CELERY_RESULT_EXPIRES = 0
