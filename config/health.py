"""Health endpoints for load balancers, orchestrators and monitoring (docs/operations.md "Production").

- ``/livez``: the process answers. Touches neither the database nor Redis: restart the process if not.
- ``/readyz``: it can serve pages. 200 while the database answers, 503 when it does not. Redis away makes
  it degraded, said in the body, not unready: pages render from PostgreSQL while Redis is away.
- ``/healthz``: the deploy as a whole (django-health-check's view, 500 on a failure): the database, Redis,
  and a heartbeat from an RQ worker on the default queue (core.worker) in the last 90 seconds. The
  heartbeat is re-written by every running worker, so after a Redis restart or flush it is green again
  by itself as soon as a worker heartbeats (RQ's own registration, written once at start, is not).
"""

import asyncio
import dataclasses
import datetime
import functools

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis import Redis, RedisError
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.worker import live_workers

# A worker heartbeats every worker_ttl - 15 s while idle (45 s with the Procfile's --worker-ttl 60).
HEARTBEAT_WITHIN_SECONDS = 90
# A probe answers within this (plus a second), whatever the server at the other end is doing.
PROBE_TIMEOUT = datetime.timedelta(seconds=2)


@functools.cache
def _probe_client(url: str) -> Redis:
    # One try, a second to connect or answer: redis-py's default retries would take seconds on a refusal.
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0))


@dataclasses.dataclass
class Database(checks.Database):
    timeout = PROBE_TIMEOUT


@dataclasses.dataclass
class RedisPing(HealthCheck):
    """The Redis the cache (sessions, rate limits, cached pages) is on answers."""

    cache: str = "default"
    timeout = PROBE_TIMEOUT

    def run(self):
        try:
            _probe_client(settings.CACHES[self.cache]["LOCATION"]).ping()
        except RedisError as error:
            raise ServiceUnavailable(type(error).__name__) from error


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """Jobs settle money and send mail: a deploy with no running worker is not healthy."""

    queue: str = "default"
    timeout = PROBE_TIMEOUT

    def run(self):
        try:
            workers = live_workers(
                _probe_client(settings.RQ_QUEUES[self.queue]["URL"]), self.queue, HEARTBEAT_WITHIN_SECONDS
            )
        except RedisError as error:
            raise ServiceUnavailable(f"cannot read the heartbeats: {type(error).__name__}") from error
        if not workers:
            raise ServiceUnavailable(
                f"no RQ worker on '{self.queue}' sent a heartbeat in the last {HEARTBEAT_WITHIN_SECONDS} seconds"
            )


health_view = HealthCheckView.as_view(checks=[Database, RedisPing, WorkerHeartbeat])


def livez(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("OK\n", content_type="text/plain")
    add_never_cache_headers(response)
    return response


async def readyz(request: HttpRequest) -> JsonResponse:
    database, redis = await asyncio.gather(Database().get_result(), RedisPing().get_result())
    body = {
        "status": "unready" if database.error else "degraded" if redis.error else "ready",
        "database": str(database.error or "OK"),
        "redis": str(redis.error or "OK"),
    }
    response = JsonResponse(body, status=503 if database.error else 200)
    add_never_cache_headers(response)
    return response
