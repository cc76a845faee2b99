"""Our RQ worker (the Procfile's ``worker``): RQ's, plus recovery from Redis going away and coming back.

RQ retries a lost connection only while it waits for a job; anywhere else in its loop (the state it
writes around a job, the suspension check, maintenance, a heartbeat between jobs) a ConnectionError ends
the worker. It registers a worker once, at start, so a Redis restart or flush loses the registration for
good; and its scheduler child dies on a ConnectionError and comes back only in the 10-minute maintenance
pass. So this worker:

- logs a Redis connection error or timeout in those places and carries on: the next dequeue waits for
  Redis, backing off up to 5 s, and a job whose end it could not record has run all the same;
- on each heartbeat (RQ's: every ``worker_ttl - 15`` s while idle, every 30 s during a long job, and around
  every job) writes a heartbeat of ours, which ``/healthz`` reads (:func:`live_workers`) and which comes
  back by itself after a restart or flush because it is re-written every time; registers itself again when
  its registration vanished, so RQ's dashboard sees it again; and restarts its scheduler child if that died.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import redis
import rq
from redis.client import Pipeline
from rq import Queue, worker_registration
from rq.job import Job

HEARTBEATS_KEY = "aftersale:worker-heartbeats"
# Members older than this are dropped on each write; with no worker left, the whole set expires after it.
HEARTBEATS_KEPT_SECONDS = 600

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)


def heartbeat_member(name: str, queue_names: Iterable[str]) -> str:
    """The sorted-set member for a worker: its queues, a space, its name (queue names have no spaces)."""
    return f"{','.join(queue_names)} {name}"


def live_workers(connection: redis.Redis, queue: str, within: float) -> list[str]:
    """Names of the workers on ``queue`` whose last heartbeat is at most ``within`` seconds old."""
    members = connection.zrangebyscore(HEARTBEATS_KEY, time.time() - within, "+inf")
    names = []
    for member in members:
        text = member.decode() if isinstance(member, bytes) else str(member)
        queues, _, name = text.partition(" ")
        if queue in queues.split(","):
            names.append(name)
    return names


class Worker(rq.Worker):
    # RQ doubles its wait between reconnection attempts up to 60 s: after a long outage a worker would
    # idle for up to a minute with Redis back.
    max_connection_wait_time = 5.0
    # RQ heartbeats a few times per job: the extras below need not run more than once a second.
    recover_every = 1.0
    _recovered_at = float("-inf")

    def execute_job(self, job: Job, queue: Queue) -> None:
        try:
            super().execute_job(job, queue)
        except REDIS_DOWN as error:
            self.log.error("Worker %s: Redis went away around job %s, carrying on: %s", self.name, job.id, error)

    def set_state(self, state: str, pipeline: Pipeline | None = None) -> None:
        try:
            super().set_state(state, pipeline)  # sets it in memory first: only RQ's dashboard misses it
        except REDIS_DOWN as error:
            self.log.warning("Worker %s: could not record its state %s: %s", self.name, state, error)

    def check_for_suspension(self, burst: bool) -> None:
        try:
            super().check_for_suspension(burst)
        except REDIS_DOWN as error:
            self.log.warning("Worker %s: could not check for suspension: %s", self.name, error)

    def run_maintenance_tasks(self) -> None:
        try:
            super().run_maintenance_tasks()
        except REDIS_DOWN as error:  # not marked done: tried again on the next loop
            self.log.warning("Worker %s: maintenance failed: %s", self.name, error)

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        try:
            super().heartbeat(timeout, pipeline)
        except REDIS_DOWN as error:
            self.log.warning("Worker %s: heartbeat failed: %s", self.name, error)
            return
        # The work horse heartbeats too (as it prepares a job); the scheduler is the parent's to restart.
        if self.is_horse or time.monotonic() - self._recovered_at < self.recover_every:
            return
        try:
            self.write_heartbeat_and_registration()
            self.restart_dead_scheduler()
        except REDIS_DOWN as error:
            self.log.warning("Worker %s: heartbeat extras failed, trying again next heartbeat: %s", self.name, error)
        except Exception:
            self.log.exception("Worker %s: heartbeat extras failed, trying again next heartbeat", self.name)
        else:
            self._recovered_at = time.monotonic()

    def write_heartbeat_and_registration(self) -> None:
        now = time.time()
        registries = [
            worker_registration.REDIS_WORKER_KEYS,
            *(worker_registration.WORKERS_BY_QUEUE_KEY % name for name in self.queue_names()),
        ]
        with self.connection.pipeline(transaction=False) as pipe:
            pipe.zadd(HEARTBEATS_KEY, {heartbeat_member(self.name, self.queue_names()): now})
            pipe.zremrangebyscore(HEARTBEATS_KEY, "-inf", now - HEARTBEATS_KEPT_SECONDS)
            pipe.expire(HEARTBEATS_KEY, HEARTBEATS_KEPT_SECONDS)
            # RQ's heartbeat re-creates the worker's hash with only last_heartbeat in it after a flush.
            pipe.hexists(self.key, "birth")
            for registry in registries:
                pipe.sismember(registry, self.key)
            born, *registered = pipe.execute()[3:]
        if born and all(registered):
            return
        self.log.warning(
            "Worker %s: its registration vanished (Redis restarted or flushed?): registering again", self.name
        )
        with self.connection.pipeline() as pipe:
            pipe.hset(self.key, mapping={**self.serialize(), "state": self.get_state()})
            pipe.expire(self.key, self.worker_ttl + 60)
            worker_registration.register(self, pipe)
            pipe.execute()

    def restart_dead_scheduler(self) -> None:
        """Start the scheduler child again if it ran and died; RQ would wait for its maintenance pass.

        A worker that never started one (another worker holds the locks, or burst mode) is left to RQ;
        so is one that is shutting down (the warm shutdown stops the scheduler on purpose)."""
        scheduler = self.scheduler
        if scheduler is None or scheduler._process is None or self._stop_requested:
            return
        if scheduler._process.is_alive():
            return
        dead = scheduler._process.pid
        if scheduler.acquire_locks(auto_start=True):
            self.log.warning("Worker %s: scheduler process %s died: restarted it", self.name, dead)
        else:
            # Another worker's scheduler holds the locks now and does the scheduling; RQ's maintenance
            # pass tries again (it takes over a scheduler whose process is None).
            self.log.info("Worker %s: scheduler process %s died; another scheduler holds the locks", self.name, dead)
            scheduler._process = None
