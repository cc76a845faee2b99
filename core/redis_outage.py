"""What every caller of Redis does when it is away: fail fast, then skip it for a moment.

Redis holds caches, sessions' fast copies, rate-limit windows and the job queues; PostgreSQL holds
everything that matters. So a Redis error must cost a request at most one short timeout, never a 500
for work already committed. After a failure the circuit for that server stays open ``OPEN_SECONDS``:
calls skip Redis at once instead of each waiting for its own timeout (three web workers would
otherwise stall on a frozen Redis). docs/operations.md ("When Redis or PostgreSQL is away").
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter

from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger("aftersale.redis")

# Errors that mean "Redis is not answering" (LOADING after a restart is a ConnectionError too).
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

OPEN_SECONDS = 5.0


def client_options(*, socket_timeout: float = 0.5) -> dict:
    """redis-py options for a caller that must not wait: 0.25 s to connect, ``socket_timeout`` per
    call, one retry (redis-py's default is three, with backoff: ~30 s on a frozen server)."""
    return {
        "socket_connect_timeout": 0.25,
        "socket_timeout": socket_timeout,
        "retry": Retry(NoBackoff(), 1),
    }


class RedisUnavailable(Exception):
    """Redis did not answer (or its circuit is open) where a fallback would be unsafe."""


class Circuit:
    """Per Redis server, in this process: open after a failure, closed again by the next success."""

    def __init__(self) -> None:
        self._open_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # "failed", "skipped": read by tests and /healthz

    def allows(self, server: str) -> bool:
        until = self._open_until.get(server)
        if until is None or time.monotonic() >= until:
            return True
        self.counts["skipped"] += 1
        return False

    def failed(self, server: str, error: BaseException) -> None:
        with self._lock:
            first = server not in self._open_until
            self._open_until[server] = time.monotonic() + OPEN_SECONDS
            self.counts["failed"] += 1
        if first:
            logger.warning("Redis at %s is not answering (%s); skipping it for %ss", server, error, OPEN_SECONDS)

    def succeeded(self, server: str) -> None:
        if server in self._open_until:
            with self._lock:
                if self._open_until.pop(server, None) is not None:
                    logger.warning("Redis at %s answers again", server)

    def is_open(self, server: str) -> bool:
        until = self._open_until.get(server)
        return until is not None and time.monotonic() < until

    def reset(self) -> None:
        with self._lock:
            self._open_until.clear()
            self.counts.clear()


circuit = Circuit()
