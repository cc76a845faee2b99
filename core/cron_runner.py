"""The periodic jobs' runner (the Procfile's ``cron``, ``manage.py run_cron config.cron``).

RQ's ``CronScheduler.start`` has no reconnect: the first ConnectionError while Redis restarts ends the
process, and the periodic jobs (the sweeper among them) stop until someone starts it again. This runner
catches Redis connection errors and timeouts anywhere in its loop (enqueue, save, heartbeat, birth),
logs them, waits a second or two and carries on, with each job's next run time kept in memory: a job
that fell due while Redis was away is enqueued when it is back (once, not once per missed interval).
"""

from __future__ import annotations

import logging
import signal
import threading
import time

import redis
from django_rq.cron import DjangoCronScheduler
from rq.exceptions import SchedulerNotFound, StopRequested

# Waits between attempts while Redis is away: 1 s, then 2 s (redis-py retries within each attempt).
BACKOFF_CAP_SECONDS = 2.0
# Redis calls give up after this instead of hanging on a server that accepts but does not answer.
SOCKET_TIMEOUT_SECONDS = 10
SOCKET_CONNECT_TIMEOUT_SECONDS = 5

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)


class CronRunner(DjangoCronScheduler):
    def __init__(self, logging_level: int = logging.INFO, name: str = "") -> None:
        super().__init__(logging_level=logging_level, name=name)
        self._stop_requested = False
        self._wake = threading.Event()  # set by SIGTERM/SIGINT: a sleep or a backoff ends at once

    def _install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)

    def _request_stop(self, signum, frame) -> None:
        """The first signal stops the loop once its current step is done; a second one stops it mid-call."""
        if self._stop_requested:
            raise StopRequested()
        self.log.info("CronRunner %s: signal %s, stopping", self.name, signum)
        self._stop_requested = True
        self._wake.set()

    def _set_timeouts(self) -> None:
        # django_rq's connection has no socket timeout: a paused Redis would hang the loop for good.
        self.connection.connection_pool.connection_kwargs.update(
            socket_timeout=SOCKET_TIMEOUT_SECONDS, socket_connect_timeout=SOCKET_CONNECT_TIMEOUT_SECONDS
        )

    def start(self) -> None:
        self.log.info("CronRunner %s: starting with %d jobs", self.name, len(self.get_jobs()))
        self._set_timeouts()
        self._install_signal_handlers()
        registered = False
        failures = 0
        down_since = 0.0
        try:
            while not self._stop_requested:
                try:
                    if not registered:
                        self.register_birth()
                        registered = True
                    if self.enqueue_jobs():
                        self.save()  # the next run times, for django_rq's dashboard
                    self.heartbeat()
                except REDIS_DOWN as error:
                    failures += 1
                    down_since = down_since or time.monotonic()
                    wait = min(float(2 ** (failures - 1)), BACKOFF_CAP_SECONDS)
                    self.log.warning(
                        "CronRunner %s: Redis unavailable (%s), attempt %d; retrying in %g s",
                        self.name,
                        error,
                        failures,
                        wait,
                    )
                    self._wake.wait(wait)
                    continue
                if failures:
                    self.log.info("CronRunner %s: Redis back after %.1f s", self.name, time.monotonic() - down_since)
                    failures, down_since = 0, 0.0
                self._wake.wait(self.calculate_sleep_interval())
        except StopRequested:
            pass
        finally:
            self._unregister()
            self.log.info("CronRunner %s: stopped", self.name)

    def _unregister(self) -> None:
        """Leave the registry on the way out; with Redis away, RQ drops the stale entry after 2 minutes."""
        try:
            self.register_death()
        except (*REDIS_DOWN, SchedulerNotFound) as error:
            self.log.warning("CronRunner %s: could not unregister: %s", self.name, error)
