"""Redis goes away and comes back, or loses everything, under a real worker, its scheduler and the cron runner.

Each test starts the real processes (``manage.py rqworker --worker-class core.worker.Worker``, ``manage.py
run_cron``, gunicorn) against a redis-server of its own (``own_redis``), injects the fault and waits for the
work, or the health endpoint, to come back. The seconds each took are printed (``pytest -s``).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from django.urls import reverse
from rq import Queue
from rq import Worker as RQWorker

from core.redis_urls import another_db
from tests.conftest import ROOT, _free_port, worker_database_url
from tests.faults.jobs import mark, pause

# Longer than redis-py's own retries (ten, backing off up to a second: about 5 s at most), so each process
# sees Redis gone rather than one slow command.
OUTAGE_SECONDS = 7
# RQ blocks for worker_ttl - 15 s per dequeue, then heartbeats: about every 2 s here.
WORKER_TTL = 17
WORKER = ["rqworker", "default", "notifications", "--with-scheduler", "--worker-class", "core.worker.Worker"]


class Processes:
    """Processes a test starts, each in a session of its own (its scheduler and work horse with it), its
    output in a file; all of them stopped at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, *command],
                cwd=ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((process, log))
        return process

    def output(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-20000:]}" for _, log in self.started)

    def wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Seconds until ``condition()`` held; fails the test, with the processes' output, after ``timeout``."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if condition():
                return time.monotonic() - start
            time.sleep(0.1)
        pytest.fail(f"{what}: not within {timeout} s\n{self.output()}")

    def stop_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):  # what is left of its session: scheduler, work horse
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def redis_env(url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": url,
        "TEST_REDIS_URL": url,
        "TEST_GATEWAY_REDIS_URL": another_db(url, 14),  # not the xdist worker's, which the environment names
    }


def start_worker(processes: Processes, own_redis) -> subprocess.Popen:
    """The Procfile's worker, with a short TTL; returns once it is registered and its scheduler holds the locks."""
    worker = processes.start(
        "worker", ["manage.py", *WORKER, "--worker-ttl", str(WORKER_TTL)], redis_env(own_redis.url)
    )
    client = own_redis.client()
    processes.wait_until(
        lambda: RQWorker.all(connection=client) and client.exists("rq:scheduler-lock:default"), 30, "worker start"
    )
    return worker


def outage(own_redis) -> None:
    """Redis down for OUTAGE_SECONDS, then up again, empty (it keeps nothing on disk)."""
    own_redis.stop()
    time.sleep(OUTAGE_SECONDS)
    own_redis.start()


@pytest.mark.django_db(transaction=True)
def test_cron_runner_outlives_a_redis_restart_and_enqueues_again(own_redis, processes):
    cron = processes.start("cron", ["manage.py", "run_cron", "tests.faults.cron_config"], redis_env(own_redis.url))
    client = own_redis.client()
    processes.wait_until(lambda: client.llen("rq:queue:default") > 0, 30, "first enqueue")

    outage(own_redis)
    client = own_redis.client()
    seconds = processes.wait_until(lambda: client.llen("rq:queue:default") > 0, 15, "enqueue after the restart")
    print(f"cron enqueued again {seconds:.1f} s after Redis was back")
    assert cron.poll() is None
    # its heartbeat registered it again: the step after the enqueue, so a moment later on a busy machine
    processes.wait_until(lambda: client.zcard("rq:cron_schedulers") == 1, 5, "heartbeat after the restart")

    own_redis.stop()  # and it still stops cleanly on SIGTERM, Redis away or not
    time.sleep(1)
    stopping = time.monotonic()
    cron.send_signal(signal.SIGTERM)
    assert cron.wait(timeout=15) == 0, processes.output()
    print(f"cron stopped {time.monotonic() - stopping:.1f} s after SIGTERM with Redis away")


@pytest.mark.django_db(transaction=True)
def test_worker_scheduler_runs_scheduled_jobs_again_soon_after_a_redis_restart(own_redis, processes):
    worker = start_worker(processes, own_redis)
    client = own_redis.client()
    Queue("default", connection=client).enqueue_in(timedelta(seconds=1), mark, "scheduled")
    processes.wait_until(lambda: client.llen("scheduled") == 1, 15, "scheduled job before the outage")

    outage(own_redis)
    back = time.monotonic()
    client = own_redis.client()
    queue = Queue("default", connection=client)
    queue.enqueue_in(timedelta(seconds=1), mark, "scheduled")
    queue.enqueue(mark, "queued")
    processes.wait_until(lambda: client.llen("scheduled") == 1, 20, "scheduled job after the restart")
    print(f"scheduled job (due 1 s after) ran {time.monotonic() - back:.1f} s after Redis was back")
    processes.wait_until(lambda: client.llen("queued") == 1, 5, "queued job after the restart")
    assert worker.poll() is None


@pytest.mark.django_db(transaction=True)
def test_worker_outlives_redis_going_away_in_the_middle_of_a_job(own_redis, processes):
    worker = start_worker(processes, own_redis)
    client = own_redis.client()
    Queue("default", connection=client).enqueue(pause, "started", 2)
    processes.wait_until(lambda: client.llen("started") == 1, 15, "job started")

    outage(own_redis)  # the job ends, and the worker tries to record that, while Redis is away
    back = time.monotonic()
    client = own_redis.client()
    Queue("default", connection=client).enqueue(mark, "queued")
    processes.wait_until(lambda: client.llen("queued") == 1, 15, "job queued after the restart")
    print(f"next job ran {time.monotonic() - back:.1f} s after Redis was back")
    assert worker.poll() is None


@pytest.mark.django_db(transaction=True)
def test_worker_restarts_its_dead_scheduler_at_once(own_redis, processes):
    worker = start_worker(processes, own_redis)
    # The scheduler is forked once the worker is up: on a busy machine that is a moment after it registered.
    processes.wait_until(lambda: len(psutil.Process(worker.pid).children()) == 1, 15, "the scheduler started")
    (scheduler,) = psutil.Process(worker.pid).children()  # idle: no work horse, only the scheduler
    scheduler.kill()
    client = own_redis.client()
    Queue("default", connection=client).enqueue_in(timedelta(seconds=1), mark, "scheduled")

    seconds = processes.wait_until(lambda: client.llen("scheduled") == 1, 15, "scheduled job after the kill")
    print(f"scheduled job (due 1 s after) ran {seconds:.1f} s after the scheduler was killed")
    assert [child.pid for child in psutil.Process(worker.pid).children()] != [scheduler.pid]


@pytest.mark.django_db(transaction=True)
def test_healthz_is_green_again_within_a_minute_after_a_redis_restart_or_flush(own_redis, processes, client, settings):
    settings.RQ_QUEUES = {name: {**conf, "URL": own_redis.url} for name, conf in settings.RQ_QUEUES.items()}
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": own_redis.url}}

    def healthy() -> bool:
        return client.get(reverse("healthz"), HTTP_ACCEPT="application/json").status_code == 200

    assert not healthy()  # no worker yet
    start_worker(processes, own_redis)
    processes.wait_until(healthy, 30, "healthz green with the worker running")

    own_redis.restart()
    seconds = processes.wait_until(healthy, 60, "healthz green after a Redis restart")
    print(f"healthz green {seconds:.1f} s after a Redis restart")

    own_redis.flush()
    seconds = processes.wait_until(healthy, 60, "healthz green after a flush")
    print(f"healthz green {seconds:.1f} s after a flush")
    # and the worker registered itself again, so RQ's dashboard lists it
    queue = Queue("default", connection=own_redis.client())
    processes.wait_until(lambda: len(RQWorker.all(queue=queue)) == 1, 5, "worker registered again")


def get(port: int, path: str) -> tuple[int, str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    start = time.monotonic()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode(), time.monotonic() - start
    finally:
        connection.close()


def test_livez_answers_and_readyz_is_unready_without_the_database(own_redis, processes):
    closed_port = _free_port()
    port = _free_port()
    env = {
        **redis_env(own_redis.url),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed_port}/aftersale",
    }
    own_redis.stop()  # Redis away too: /livez needs neither
    command = ["-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    processes.start("web", command, env)

    def listening() -> bool:
        try:
            return get(port, "/livez")[0] == 200
        except OSError:
            return False

    processes.wait_until(listening, 30, "gunicorn serving /livez")
    status, body, seconds = get(port, "/livez")
    assert (status, body) == (200, "OK\n") and seconds < 1

    status, body, seconds = get(port, "/readyz")
    assert status == 503, body
    answer = json.loads(body)
    assert answer["status"] == "unready" and answer["database"] != "OK" and answer["redis"] != "OK"
    assert seconds < 4  # the probes' own timeouts, not a hung connect
    print(f"/readyz answered 503 in {seconds:.2f} s")


@pytest.mark.django_db
def test_readyz_is_ready_but_degraded_with_redis_down(own_redis, client, settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": own_redis.url}}
    response = client.get(reverse("readyz"))
    assert response.status_code == 200 and response.json() == {"status": "ready", "database": "OK", "redis": "OK"}

    own_redis.stop()
    start = time.monotonic()
    response = client.get(reverse("readyz"))
    seconds = time.monotonic() - start
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "degraded" and answer["database"] == "OK" and answer["redis"] != "OK"
    assert seconds < 3
    print(f"/readyz answered 200 (degraded) in {seconds:.2f} s with Redis down")
