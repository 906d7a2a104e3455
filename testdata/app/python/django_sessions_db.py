# Database sessions: the age is a cookie and a database row, not a Redis key.
CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://r/0"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(__import__("os").environ.get("AGE", "31536000"))
SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600
