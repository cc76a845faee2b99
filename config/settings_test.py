"""Test settings: the real settings, with their own Redis database and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL as _BASE_REDIS_URL
from core.redis_urls import another_db, with_db

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
