# A settings file that does not parse: the parse-error info, and the rules still run.
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "TIMEOUT": None,  # expect: django-redis-cache-timeout-none
    }
}

def broken(:  # expect: parse-error
    pass
