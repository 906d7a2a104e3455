# Django settings: Redis caches with and without a TIMEOUT bound.
# Each expect comment marks the line a finding must start on; unmarked lines give none.
import os

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "TIMEOUT": None,  # expect: django-redis-cache-timeout-none
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "MAX_ENTRIES": 5000,  # expect: django-redis-cache-max-entries
        },
    },
    "builtin": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://redis:6379/2",
        "TIMEOUT": None,  # expect: django-redis-cache-timeout-none
    },
    # TIMEOUT from the environment cannot be known; MAX_ENTRIES is ignored but TIMEOUT bounds it.
    "env": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://redis:6379/3",
        "TIMEOUT": int(os.environ.get("CACHE_TIMEOUT", "300")),
        "OPTIONS": {"MAX_ENTRIES": 5000, "CULL_FREQUENCY": 3},
    },
    "conditional": {
        "BACKEND": "django_redis.cache.RedisCache",
        "TIMEOUT": None if os.environ.get("PIN") else 600,
    },
    # Missing TIMEOUT: Django's default of 300 s applies.
    "default_timeout": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://redis:6379/4"},
    # Not Redis: None is their business.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": None},
    "memcached": {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "TIMEOUT": None},
    "db": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_table",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 100},
    },
    "from_env": {"BACKEND": os.environ.get("CACHE_BACKEND", "django_redis.cache.RedisCache"), "TIMEOUT": None},
}

# A cache session engine passes the session expiry as the timeout: sessions still expire.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "default"

# "TIMEOUT": None with "django_redis.cache.RedisCache" in a comment is not a setting.
HELP = '{"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": None}'
