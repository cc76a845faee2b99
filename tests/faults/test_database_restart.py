"""PostgreSQL restarted under load, behind a multi-worker gunicorn: once it is back, no request fails.

Web workers keep their connections (``DB_CONN_MAX_AGE``); a restart kills them server-side. Without a
health check the first request on each worker answered 500 ("terminating connection due to
administrator command"). The server here is a PostgreSQL of the test's own (pgserver), not the machine's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest

from core.redis_urls import another_db
from tests.conftest import ROOT, _free_port

SIGN_IN = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from accounts.models import User
user = User.objects.create_user("restart@example.com")
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "accounts.backends.ShopperBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()})
session.create()
print(session.session_key)
"""


@pytest.fixture
def own_postgresql():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, about XDG_RUNTIME_DIR
        import pgserver
        from pgserver._commands import pg_ctl

    directory = Path(tempfile.mkdtemp(prefix="pgf-"))  # short: the socket path lives under it
    server = pgserver.get_server(directory / "pg", cleanup_mode="stop")
    server.psql("CREATE DATABASE faults")
    socket_dir = server.get_postmaster_info().socket_dir
    server.url = f"postgresql://postgres@{quote(str(socket_dir), safe='')}/faults"

    def restart() -> None:
        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user)
        for _ in range(100):  # "back" means a new connection gets in (pg_ctl -w can return a beat early)
            try:
                if "(1 row)" in server.psql("SELECT 1"):
                    return
            except subprocess.CalledProcessError:
                pass
            time.sleep(0.05)

    server.restart = restart
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_no_request_fails_once_postgresql_is_back_after_a_restart(own_postgresql, own_redis):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": own_postgresql.url,
        "REDIS_URL": own_redis.url,
        "TEST_REDIS_URL": own_redis.url,
        "TEST_GATEWAY_REDIS_URL": another_db(own_redis.url, 14),  # not the xdist worker's, which the environment names
        "DEBUG": "0",
    }
    manage(env, "migrate", "--noinput", "-v0")
    session_key = manage(env, "shell", "-c", SIGN_IN).strip().splitlines()[-1]
    port = _free_port()
    log = own_postgresql.pgdata.parent / "gunicorn.log"
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),  # a file, not a pipe: a full pipe would block the workers' logging
    )
    url = f"http://127.0.0.1:{port}/store/account/orders/"
    answers: list[tuple[float, int]] = []  # (when the request started, status)

    def get() -> None:
        started = time.monotonic()
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session_key}"})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - loopback
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception:  # refused, reset, cut short: no answer at all
            status = 0

        answers.append((started, status))

    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            get()

    try:
        deadline = time.monotonic() + 30
        while not answers or answers[-1][1] != 200:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
            get()
        warm = [threading.Thread(target=lambda: [get() for _ in range(10)]) for _ in range(3)]
        for thread in warm + [None]:  # in parallel, so that every worker holds a connection
            thread.start() if thread else [t.join(30) for t in warm]
        assert {status for _, status in answers[-30:]} == {200}
        # 1. Restarted while the workers sit idle with their connections: the next requests must not fail.
        own_postgresql.restart()
        idle_back = time.monotonic()
        for _ in range(10):
            get()
        # 2. Restarted under load from three clients.
        threads = [threading.Thread(target=load) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        restart_began = time.monotonic()
        own_postgresql.restart()
        back = time.monotonic()
        time.sleep(4)
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        web.terminate()
        web.wait(10)
    after_idle = [status for started, status in answers if idle_back <= started < restart_began]
    assert len(after_idle) >= 10 and set(after_idle) == {200}, (after_idle, log.read_text()[-3000:])
    after = [status for started, status in answers if started >= back]
    during = [status for started, status in answers if restart_began <= started < back]
    print(
        f"restart took {back - restart_began:.2f} s; {len(during)} requests during it, "
        f"{sum(s != 200 for s in during)} failed; {len(after)} after, {sum(s != 200 for s in after)} failed"
    )
    assert len(after) >= 10 and set(after) == {200}, (after, log.read_text()[-3000:])
