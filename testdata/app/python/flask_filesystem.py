# Long lifetimes and a zero timeout whose data is not in Redis: not reported.
from datetime import timedelta

SESSION_TYPE = "filesystem"
PERMANENT_SESSION_LIFETIME = timedelta(days=3650)
CACHE_TYPE = "SimpleCache"
CACHE_DEFAULT_TIMEOUT = 0
