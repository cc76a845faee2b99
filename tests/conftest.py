"""Shared fixtures: the real test Redis, a real RQ worker process, a real SMTP server, a multi-worker web server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import django_rq
import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# Fixtures that start a server or another process: tests using them take seconds, not milliseconds.
SLOW_FIXTURES = {"live_server", "run_worker", "multi_worker_server", "smtp_server", "own_redis", "own_postgresql"}


def is_slow(item: pytest.Item) -> bool:
    if any(item.get_closest_marker(name) for name in ("slow", "browser", "worker")):
        return True
    if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    return getattr(getattr(item, "obj", None), "is_hypothesis_test", False)  # @given and schemathesis


@pytest.hookimpl(tryfirst=True)  # before pytest-django's (tryfirst too, registered earlier), which sorts stably
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, slow tests are handed out first (``--maxschedchunk 1`` keeps this order), so that
    none of them starts last and runs on alone while the other workers are done. pytest-django then puts the
    transactional tests after the others, as ever: their flush empties what migrations wrote (staff groups,
    return reasons)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    items.sort(key=lambda item: not is_slow(item))  # stable: each module's tests keep their order


@pytest.fixture(scope="session")
def redis_databases():
    """This process's Redis databases exist: a server with 16 has room for five xdist workers' pairs."""
    for url in (settings.REDIS_URL, settings.TEST_GATEWAY_REDIS_URL):
        try:
            redis.Redis.from_url(url).ping()
        except redis.ResponseError as error:
            pytest.fail(f"{url}: {error}; run fewer workers (-n) or a redis-server with --databases 64")


@pytest.fixture(autouse=True)
def clean_redis(redis_databases):
    """Each test starts with an empty test Redis database (cache, rate limits, queues), empty test-gateway
    books and empty process caches."""
    from django.core.cache import caches

    from orders.gateway import TestGateway

    django_rq.get_connection("default").flushdb()
    TestGateway().redis.flushdb()  # its own database (TEST_GATEWAY_REDIS_URL)
    caches["process"].clear()  # and this process's fragments, renders and rows
    yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a page a test requested in Dutch leaves Dutch active in
    this thread (middleware activates, nothing deactivates), and code run afterwards would write it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def catalog(db):
    """The demo store's catalog, shipping and tax, with an alert address (shared by every app's tests)."""
    from demo.loader import load_catalog
    from editing.models import EditPolicy
    from storefront.models import StoreSettings

    load_catalog()
    EditPolicy.objects.update(max_quantity_increase=5)
    StoreSettings.objects.update(alert_email="alerts@shop.example")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SMTPInbox:
    host: str
    port: int
    messages: list = field(default_factory=list)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    from aiosmtpd.controller import Controller

    inbox = SMTPInbox(host="127.0.0.1", port=_free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            inbox.messages.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname=inbox.host, port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


def worker_database_url() -> str:
    conf = connection.settings_dict
    host = conf.get("HOST") or ""
    if host.startswith("/"):
        return f"postgresql://{conf['USER']}@{quote(host, safe='')}/{conf['NAME']}"
    port = conf.get("PORT") or 5432
    return f"postgresql://{conf['USER']}:{conf.get('PASSWORD') or ''}@{host}:{port}/{conf['NAME']}"


def worker_env(extra_env: dict | None = None) -> dict:
    """The environment of a worker process of this test run: its database and Redis."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": worker_database_url(),
        "TEST_REDIS_URL": settings.REDIS_URL,
        "REDIS_URL": settings.REDIS_URL,
        "TEST_GATEWAY_REDIS_URL": settings.TEST_GATEWAY_REDIS_URL,  # the books this test reads
        **(extra_env or {}),
    }


@pytest.fixture
def run_worker():
    """Run a real RQ worker (``manage.py rqworker --burst``) against the test database and Redis.

    Tests using it need ``transactional_db``: the worker is another process and sees only committed rows.
    """

    def run(*, queues=("default", "notifications"), extra_env: dict | None = None, timeout: int = 60, at=None):
        """``at``: run the worker and its scheduler (once, burst) as if it were that time."""
        env = worker_env(extra_env)
        command = ["manage.py", "rqworker", *queues, "--burst"]
        if at is not None:
            command = ["-m", "tests.timewarp", at.isoformat(), *command, "--with-scheduler"]
        result = subprocess.run(
            [sys.executable, *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result

    return run


STAFF_PASSWORD = "correct horse battery staple"


def current_totp(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def staff_client(client, db):
    """A client signed in to admin the real way: password, then an authenticator code."""
    from accounts.models import User
    from accounts.services import give_staff_totp

    user = User.objects.create_superuser("staff-test@example.com", STAFF_PASSWORD)
    device, _codes = give_staff_totp(user=user)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.email, "password": STAFF_PASSWORD, "otp_token": current_totp(device)},
    )
    assert response.status_code == 302, "admin sign-in failed"
    return client


@contextlib.contextmanager
def serve_multi_worker(tmp_path, env: dict, *, threads: int = 2):
    """gunicorn with 3 worker processes on the test database and Redis, as ``env`` sets them up (see
    ``worker_env``): yields its port and log. Tests need committed rows (``transactional_db``)."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "3", "--threads", str(threads), "--timeout", "60"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            url = f"http://127.0.0.1:{port}/livez"
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    break
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-5000:]
            time.sleep(0.2)
        yield port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture
def multi_worker_server(transactional_db, tmp_path):
    """``serve_multi_worker`` in this test's environment: what limits and exactly-once promises are tested
    against. Yields its base URL."""
    with serve_multi_worker(tmp_path, {**worker_env(), "SECURE_SSL_REDIRECT": "0"}) as (port, _log):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def localstripe():
    """localstripe (a Stripe-compatible server) on a free port, over real HTTP, for the whole run: its URL."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.localstripe_server", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1).close()  # noqa: S310 - loopback
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def stripe_gateway(settings, localstripe):
    """The app pointed at localstripe (PAYMENT_GATEWAY is Stripe); returns the settings a worker needs too."""
    from tests.stripe_support import settings_for

    values = settings_for(localstripe)
    for name, value in values.items():
        setattr(settings, name, value)
    return values
