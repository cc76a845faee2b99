"""Test settings: the real settings, with their own Redis databases and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL as _BASE_REDIS_URL
from core.redis_urls import another_db, db_of, with_db

# Databases tests never take: the demo's (0) and its gateway's (1), the benchmark's (12), a serial run's (13, 14).
_TAKEN = {0, 1, 12, 13, 14}


def xdist_redis_dbs(worker: str, base_url: str) -> tuple[int, int]:
    """The (app, test gateway) Redis databases of pytest-xdist worker ``worker`` ("gw0", "gw1", …): a pair of
    its own, from database 2 up, never one named above nor ``base_url``'s own or its gateway's."""
    taken = _TAKEN | {db_of(base_url), db_of(another_db(base_url, 1))}
    index = int(worker.removeprefix("gw"))
    free = [db for db in range(2, 64 + 2 * index) if db not in taken]
    return free[2 * index], free[2 * index + 1]


_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER and os.environ.get("AFTERSALE_TEST_REDIS_WORKER") != _WORKER:
    # An xdist worker: tests flush their databases, so each worker takes a pair of its own. Exported, so that
    # the processes its tests start (RQ workers, gunicorn, manage.py) read the same pair (marked as done).
    _base = os.environ.get("TEST_REDIS_URL") or _BASE_REDIS_URL
    _app_db, _gateway_db = xdist_redis_dbs(_WORKER, _base)
    os.environ["TEST_REDIS_URL"] = with_db(_base, _app_db)
    os.environ["TEST_GATEWAY_REDIS_URL"] = with_db(_base, _gateway_db)
    os.environ["AFTERSALE_TEST_REDIS_WORKER"] = _WORKER

# Tests flush their Redis database; keep it away from the demo's (db 0).
REDIS_URL = os.environ.get("TEST_REDIS_URL") or with_db(_BASE_REDIS_URL, 13)
CACHES["default"].update(LOCATION=REDIS_URL, KEY_PREFIX="aftersale-test")  # noqa: F405
CACHES["sessions"].update(LOCATION=REDIS_URL, KEY_PREFIX="aftersale-test")  # noqa: F405
CACHES["shared"].update(LOCATION=REDIS_URL, KEY_PREFIX=f"aftersale-test:{CACHE_RELEASE}")  # noqa: F405
RQ_QUEUES = {name: {**conf, "URL": REDIS_URL} for name, conf in RQ_QUEUES.items()}  # noqa: F405
# The test gateway's books, flushed before each test too (tests/conftest.py); 14: 12 is the benchmark's.
TEST_GATEWAY_REDIS_URL = os.environ.get("TEST_GATEWAY_REDIS_URL") or another_db(REDIS_URL, 14)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The manifest storage needs collectstatic; tests render admin pages without it.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
