# Correct or unknowable session settings: none of these is reported.
import os

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r/0", "TIMEOUT": None},  # expect: django-redis-cache-timeout-none
    "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# TIMEOUT None on the cache does not reach sessions: they pass their own expiry (2 weeks).
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# 30 days is an ordinary "remember me".
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
