# A long age whose sessions are not in Redis, or whose value cannot be known.
import os

CACHES = {
    "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://r/0"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "local"
SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600


def other():
    # Not the module-level setting.
    SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600
    return SESSION_COOKIE_AGE
