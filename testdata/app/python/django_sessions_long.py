# Sessions in the Redis cache for a year: the cache engine gives each session
# SESSION_COOKIE_AGE as its TTL.
DAY = 60 * 60 * 24

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://redis:6379/1",
        "TIMEOUT": 3600,
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 365 * DAY  # expect: django-session-cookie-age-long
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
