"""Real Django cache sessions for `cleanup_sessions.rs`: the built-in RedisCache (db 0, no
KEY_PREFIX: keys `:1:django.contrib.sessions.cache<key>`), SESSION_ENGINE "cache", sessions
created by SessionMiddleware through the test client.

Usage: django_sessions.py PORT fill N   -> JSON [session key] (plus two ordinary cache entries)
       django_sessions.py PORT get KEY…  -> JSON {key: session data or null}, read by SessionStore
"""
import json
import sys

import django
from django.conf import settings
from django.http import JsonResponse
from django.urls import path

port, what, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]


def login(request, user_id):
    request.session["user_id"] = user_id
    return JsonResponse({"ok": True})


urlpatterns = [path("login/<int:user_id>/", login)]

settings.configure(
    SECRET_KEY="test-not-secret",
    ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.sessions"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
    DATABASES={},
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": f"redis://127.0.0.1:{port}/0"}},
    SESSION_ENGINE="django.contrib.sessions.backends.cache",
)
django.setup()

from django.contrib.sessions.backends.cache import SessionStore  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

if what == "fill":
    keys = []
    for i in range(int(args[0])):
        client = Client()
        assert client.get(f"/login/{i}/").status_code == 200
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    cache.set("product_detail:1", {"id": 1})              # TIMEOUT default: 300 s
    cache.set("site_config", {"banner": "x"}, timeout=None)  # no TTL
    print(json.dumps(keys))
elif what == "get":
    out = {}
    for key in args:
        store = SessionStore(session_key=key)
        out[key] = dict(store.load()) if store.exists(key) else None
    print(json.dumps(out))
else:
    sys.exit(f"unknown command {what}")
