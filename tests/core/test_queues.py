"""core.queues: jobs queued for after a commit go to Redis together, and only if they commit."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from redis import Redis
from redis.client import Pipeline

from core import queues


def job(*args):
    return args


def queued(name: str) -> int:
    queue = queues.get_queue(name)
    return queue.count + queue.scheduled_job_registry.count


def count_round_trips(monkeypatch) -> list:
    """Every command or pipeline sent to Redis (a real server; only counted on the way)."""
    sent = []
    for cls in (Redis, Pipeline):
        original = cls.execute_command if cls is Redis else cls.execute

        def counted(self, *args, _original=original, **kwargs):
            sent.append(args[:1])
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "execute_command" if cls is Redis else "execute", counted)
    return sent


@pytest.mark.django_db(transaction=True)
def test_jobs_of_one_transaction_go_to_redis_in_one_round_trip_after_commit(monkeypatch):
    later = timezone.now() + timedelta(days=2)
    for name in ("default", "notifications"):  # RQ asks the server's version once per queue and process
        queues.enqueue_many(name, [(job, (0,), None, {})])
    pipelines = count_round_trips(monkeypatch)
    with transaction.atomic():
        queues.enqueue_on_commit("notifications", [(job, (1,), None, {})])
        queues.enqueue_on_commit("notifications", [(job, (2,), None, {})])
        queues.enqueue_on_commit("default", [(job, (3,), later, {}), (job, (4,), None, {})])
        assert pipelines == []
    assert len(pipelines) == 1  # both queues live on one Redis: one round trip
    assert queued("notifications") == queued("default") == 3


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_or_transaction_queues_nothing():
    with transaction.atomic():
        queues.enqueue_on_commit("notifications", [(job, ("kept",), None, {})])
        with pytest.raises(RuntimeError), transaction.atomic():
            queues.enqueue_on_commit("notifications", [(job, ("dropped",), None, {})])
            raise RuntimeError
        queues.enqueue_on_commit("notifications", [(job, ("kept too",), None, {})])
    jobs = queues.get_queue("notifications").jobs
    assert sorted(j.args[0] for j in jobs) == ["kept", "kept too"]

    with pytest.raises(RuntimeError), transaction.atomic():
        queues.enqueue_on_commit("notifications", [(job, ("never",), None, {})])
        raise RuntimeError
    assert len(queues.get_queue("notifications").jobs) == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_jobs_are_queued_at_once():
    queues.enqueue_on_commit("default", [(job, (1,), None, {})])
    assert queued("default") == 1


def test_a_job_tried_once_is_queued_without_a_retry():
    # RQ refuses Retry(max=0): a *_MAX_ATTEMPTS setting of 1 used to make every enqueue of the job fail.
    queues.enqueue("default", job, 1, retry=queues.retry(attempts=1, intervals=[10]))
    assert queued("default") == 1 and queues.get_queue("default").jobs[0].retries_left is None
    retry = queues.retry(attempts=3, intervals=[10, 60])
    assert retry is not None and retry.max == 2 and retry.intervals == [10, 60]
