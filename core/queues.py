"""RQ queues over one Redis connection pool per process; each enqueue is one round trip, and all that a
transaction queues for after its commit go in one.

django-rq's ``get_queue`` opens a new connection pool, so a new socket and its handshake, on every call,
and RQ's own ``enqueue`` then makes three round trips. Enqueues happen inside requests (a commit queues
its emails and payment reminders), where that was most of the cost of queueing.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry
from rq.job import Job
from rq.utils import utcparse

from core.redis_outage import OUTAGE_ERRORS, RedisUnavailable, circuit, client_options

logger = logging.getLogger("aftersale.queues")


@functools.cache
def _redis(url: str) -> Redis:
    # redis-py resets the pool in a forked child (RQ's work horse). Short timeouts: an enqueue that
    # cannot reach Redis fails in about a second, and the sweeper queues the job again later.
    return Redis.from_url(url, **client_options(socket_timeout=1.0))


def get_queue(name: str) -> Queue:
    return django_rq.get_queue(name, connection=_redis(settings.RQ_QUEUES[name]["URL"]))


def retry(*, attempts: int, intervals: list[int]) -> Retry | None:
    """RQ's retry option for a job tried ``attempts`` times in all; None for a single attempt (RQ
    refuses ``Retry(max=0)``, so a setting of 1 would otherwise break queueing the job at all)."""
    return Retry(max=attempts - 1, interval=intervals) if attempts > 1 else None


def enqueue(queue_name: str, func, *args, at: datetime | None = None, **options) -> None:
    """Queue ``func(*args)`` now, or at ``at``, in one pipeline. ``options`` are RQ's (retry, job_timeout)."""
    enqueue_many(queue_name, [(func, args, at, options)])


def enqueue_many(queue_name: str, jobs: list[tuple]) -> None:
    """Queue several (func, args, at, options) jobs in one round trip."""
    _send([(queue_name, *job) for job in jobs])


def enqueue_on_commit(queue_name: str, jobs: list[tuple]) -> None:
    """Queue (func, args, at, options) jobs when the current transaction commits (at once outside one).
    Every job a transaction queues this way goes to Redis in one round trip; a rolled-back savepoint drops
    the jobs queued inside it, as Django drops its on_commit callbacks."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # the rows behind these jobs are committed already
        try:
            enqueue_many(queue_name, jobs)
        except (RedisUnavailable, *OUTAGE_ERRORS):
            logger.exception("Jobs not queued (the sweeper will): %s", [job[0] for job in jobs])
        return
    level = set(connection.savepoint_ids)
    batch = next(
        (hook for sids, hook, _ in connection.run_on_commit if isinstance(hook, CommitBatch) and sids == level),
        None,
    )
    if batch is None:
        batch = CommitBatch()
        on_commit(batch)
    batch.jobs += [(queue_name, *job) for job in jobs]


def on_commit(func) -> None:
    """Run ``func`` after the commit; if it fails (Redis away), log it and carry on with the other callbacks.
    The work is committed: the request must not answer 500, and the sweeper queues what was lost."""
    transaction.on_commit(func, robust=True)


def requeue(queue_name: str, jobs: list[tuple], *, now: datetime | None = None) -> int:
    """Queue again (func, args, at, options) jobs that carry a ``job_id``, except those whose job still
    lives: a sweeper pass must not double a job that is merely waiting its turn or running."""
    queue = get_queue(queue_name)
    with queue.connection.pipeline() as pipe:
        for job in jobs:
            pipe.hmget(Job.key_for(job[3]["job_id"]), ["status", "last_heartbeat"])
        found = pipe.execute()
    now = now or timezone.now()
    lost = [job for job, (status, beat) in zip(jobs, found, strict=True) if not _lives(status, beat, now)]
    if lost:
        enqueue_many(queue_name, lost)
    return len(lost)


WAITING_STATUSES = frozenset({"queued", "scheduled", "deferred"})
# A running job's heartbeat comes every 30 s (RQ's job_monitoring_interval); RQ itself gives it 60 s more.
HEARTBEAT_GRACE = timedelta(seconds=90)


def _lives(status: bytes | None, heartbeat: bytes | None, now: datetime) -> bool:
    state = (status or b"").decode()
    if state in WAITING_STATUSES:
        return True
    # "started" by a worker that was killed stays "started": believe it only while it beats.
    return state == "started" and heartbeat is not None and utcparse(heartbeat.decode()) + HEARTBEAT_GRACE > now


class CommitBatch:
    """The jobs one transaction queued at one savepoint level; called once it commits."""

    def __init__(self) -> None:
        self.jobs: list[tuple] = []
        self.__qualname__ = "CommitBatch"  # Django names a failed robust callback by it

    def __call__(self) -> None:
        _send(self.jobs)


def _send(jobs: list[tuple]) -> None:
    """(queue_name, func, args, at, options) jobs, in one pipeline per Redis server."""
    pipelines: dict[str, Pipeline] = {}  # by the queue's Redis URL
    for queue_name, func, args, at, options in jobs:
        server = str(settings.RQ_QUEUES[queue_name]["URL"])
        if not circuit.allows(server):  # Redis failed a moment ago: don't make this request wait again
            raise RedisUnavailable(server)
        queue = get_queue(queue_name)
        try:
            pipe = pipelines.setdefault(server, queue.connection.pipeline())
            if at is None:
                queue.enqueue(func, *args, pipeline=pipe, **options)
            else:
                queue.enqueue_at(at, func, *args, pipeline=pipe, **options)
        except OUTAGE_ERRORS as error:  # RQ asks the server's version outside the pipeline
            circuit.failed(server, error)
            raise
    for server, pipe in pipelines.items():
        with pipe:
            try:
                pipe.execute()
            except OUTAGE_ERRORS as error:
                circuit.failed(server, error)
                raise
        circuit.succeeded(server)
