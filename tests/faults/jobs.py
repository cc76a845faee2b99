"""Jobs the fault tests' worker runs: each leaves a trace in the Redis it ran from."""

import time

from rq import get_current_job


def mark(key: str) -> None:
    """Append the time it ran to the list ``key`` (on the job's own Redis connection)."""
    get_current_job().connection.rpush(key, time.time())


def pause(key: str, seconds: float) -> None:
    """Mark ``key``, then take ``seconds``: a job that is running when the test breaks Redis."""
    mark(key)
    time.sleep(seconds)
