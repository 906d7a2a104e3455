# Flask apps keeping Redis data far too long.
from datetime import timedelta

from flask import Flask
from flask_caching import Cache
from flask_session import Session

app = Flask(__name__)
app.config["SESSION_TYPE"] = "redis"
app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=365)  # expect: flask-session-lifetime-long
Session(app)

cache = Cache(app, config={
    "CACHE_TYPE": "RedisCache",
    "CACHE_DEFAULT_TIMEOUT": 0,  # expect: flask-caching-timeout-zero
})


class ProductionConfig:
    SESSION_TYPE = "redis"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 180  # expect: flask-session-lifetime-long
