# A database result backend: results are not in Redis.
broker_url = "redis://redis:6379/0"
result_backend = "db+postgresql://user:pw@db/celery"
result_expires = None
