# Flask settings that are bounded, not on Redis, or unknowable: none is reported.
import os
from datetime import timedelta

from flask import Flask

app = Flask(__name__)
app.config.update(
    SESSION_TYPE="redis",
    PERMANENT_SESSION_LIFETIME=timedelta(days=30),
    CACHE_TYPE="flask_caching.backends.RedisCache",
    # None means the 300 s default to cachelib, not "forever".
    CACHE_DEFAULT_TIMEOUT=None,
)
app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(os.environ.get("SESSION_HOURS", "8760")))


def configure(other):
    # A local in a function is not a config setting.
    PERMANENT_SESSION_LIFETIME = timedelta(weeks=520)
    return PERMANENT_SESSION_LIFETIME
