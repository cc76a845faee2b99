"""RQ queues over one Redis connection pool per process; each enqueue is one round trip, and all that a
transaction queues for after its commit go in one.

django-rq's ``get_queue`` opens a new connection pool, so a new socket and its handshake, on every call,
and RQ's own ``enqueue`` then makes three round trips. Enqueues happen inside requests (a commit queues
its emails and payment reminders), where that was most of the cost of queueing.
"""

from __future__ import annotations

import functools
from datetime import datetime

import django_rq
from django.conf import settings
from django.db import transaction
from redis import Redis
from redis.client import Pipeline
from rq import Queue, Retry


@functools.cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url)  # redis-py resets the pool in a forked child (RQ's work horse)


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
    if not connection.in_atomic_block:
        enqueue_many(queue_name, jobs)
        return
    level = set(connection.savepoint_ids)
    batch = next(
        (hook for sids, hook, _ in connection.run_on_commit if isinstance(hook, CommitBatch) and sids == level),
        None,
    )
    if batch is None:
        batch = CommitBatch()
        transaction.on_commit(batch)
    batch.jobs += [(queue_name, *job) for job in jobs]


class CommitBatch:
    """The jobs one transaction queued at one savepoint level; called once it commits."""

    def __init__(self) -> None:
        self.jobs: list[tuple] = []

    def __call__(self) -> None:
        _send(self.jobs)


def _send(jobs: list[tuple]) -> None:
    """(queue_name, func, args, at, options) jobs, in one pipeline per Redis server."""
    pipelines: dict[int, Pipeline] = {}  # by id() of the queue's connection
    for queue_name, func, args, at, options in jobs:
        queue = get_queue(queue_name)
        pipe = pipelines.setdefault(id(queue.connection), queue.connection.pipeline())
        if at is None:
            queue.enqueue(func, *args, pipeline=pipe, **options)
        else:
            queue.enqueue_at(at, func, *args, pipeline=pipe, **options)
    for pipe in pipelines.values():
        with pipe:
            pipe.execute()
