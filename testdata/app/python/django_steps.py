# Cache dicts built in steps, updated, aliased and overridden.
import os

CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://r:6379/0"}}
CACHES["default"]["TIMEOUT"] = None  # expect: django-redis-cache-timeout-none

SESSIONS = {}
SESSIONS["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
SESSIONS["LOCATION"] = "redis://r:6379/1"
SESSIONS["TIMEOUT"] = None  # expect: django-redis-cache-timeout-none
CACHES["sessions"] = SESSIONS

# Overridden later in the same block: the last value wins.
OVERRIDDEN = {"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": None}
OVERRIDDEN["TIMEOUT"] = 600

UPDATED = {"BACKEND": "django_redis.cache.RedisCache"}
UPDATED.update({"TIMEOUT": None})  # expect: django-redis-cache-timeout-none

KWARGS = dict(BACKEND="django_redis.cache.RedisCache", TIMEOUT=None)  # expect: django-redis-cache-timeout-none

if os.environ.get("PINNED"):
    BRANCH = {"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": None}  # expect: django-redis-cache-timeout-none
else:
    BRANCH = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}

# Rebound to something unknown: the old dict no longer counts.
REBOUND = {"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": None}
REBOUND = load_caches()

# Inside a call (tests, settings.configure).
settings.configure(CACHES={"default": {"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": None}})  # expect: django-redis-cache-timeout-none
