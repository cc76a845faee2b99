"""RQ queues over one Redis connection pool per process; each enqueue is one round trip.

django-rq's ``get_queue`` opens a new connection pool, so a new socket and its handshake, on every call,
and RQ's own ``enqueue`` then makes three round trips. Enqueues happen inside requests (a commit queues
its emails and payment reminders), where that was most of the cost of queueing.
"""

from __future__ import annotations

import functools
from datetime import datetime

import django_rq
from django.conf import settings
from redis import Redis
from rq import Queue


@functools.cache
def _redis(url: str) -> Redis:
    return Redis.from_url(url)  # redis-py resets the pool in a forked child (RQ's work horse)


def get_queue(name: str) -> Queue:
    return django_rq.get_queue(name, connection=_redis(settings.RQ_QUEUES[name]["URL"]))


def enqueue(queue_name: str, func, *args, at: datetime | None = None, **options) -> None:
    """Queue ``func(*args)`` now, or at ``at``, in one pipeline. ``options`` are RQ's (retry, job_timeout)."""
    enqueue_many(queue_name, [(func, args, at, options)])


def enqueue_many(queue_name: str, jobs: list[tuple]) -> None:
    """Queue several (func, args, at, options) jobs in one round trip."""
    queue = get_queue(queue_name)
    with queue.connection.pipeline() as pipe:
        for func, args, at, options in jobs:
            if at is None:
                queue.enqueue(func, *args, pipeline=pipe, **options)
            else:
                queue.enqueue_at(at, func, *args, pipeline=pipe, **options)
        pipe.execute()
