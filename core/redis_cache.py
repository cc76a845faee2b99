"""The Redis cache backend: one client per pool, and what happens when Redis is away.

A soft alias (``shared``, ``sessions``) treats a Redis error as a miss or a no-op: pages render from
PostgreSQL, sessions fall back to their database rows. A write that failed may have left an older
value in Redis (frozen, not restarted), so its key is owed a delete, paid before this process next
reads or writes through that server. A strict alias (``default``: sign-in limits, pending email
changes) raises :class:`~core.redis_outage.RedisUnavailable` instead: a limit that silently allowed
everything, or a code that silently vanished, would be worse than a clear "paused" page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from core.redis_outage import OUTAGE_ERRORS, RedisUnavailable, circuit


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a ``redis.Redis`` per cache call, and redis-py copies ~170 response callbacks each time:
    a third of a cache read's cost. A client over a pool is thread-safe, so one per pool is enough."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


# Keys whose write failed, by server: Redis may still hold what was there before (shared by threads).
_owed: dict[str, set[str]] = {}
_owed_lock = threading.Lock()


class RedisCache(DjangoRedisCache):
    """``OPTIONS["STRICT"]``: raise on an outage instead of missing. Other OPTIONS go to redis-py."""

    _cache: Any  # Django's client (a cached_property the stubs don't declare)

    def __init__(self, server, params) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.strict = bool(options.pop("STRICT", False))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._server = server if isinstance(server, str) else ",".join(server)

    def _call(self, operation: Callable[[Any], Any], fallback: Any, *, writes: Iterable[str] = ()):
        if circuit.allows(self._server):
            try:
                self._pay_owed_deletes()
                result = operation(self._cache)
            except OUTAGE_ERRORS as error:
                circuit.failed(self._server, error)
            else:
                circuit.succeeded(self._server)
                return result
        if self.strict:
            raise RedisUnavailable(self._server)
        if writes:
            with _owed_lock:
                _owed.setdefault(self._server, set()).update(writes)
        return fallback

    def run_raw(self, operation: Callable[[Any], Any]) -> Any:
        """``operation(client)`` on the raw redis-py client (scripts, sorted sets), through the circuit:
        on an outage a strict alias raises, a soft one answers None."""
        return self._call(lambda cache: operation(cache.get_client(write=True)), None)

    def _pay_owed_deletes(self) -> None:
        if not _owed.get(self._server):
            return
        with _owed_lock:
            keys = list(_owed.get(self._server, ()))
        if keys:
            self._cache.delete_many(keys)
            with _owed_lock:
                _owed[self._server].difference_update(keys)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._call(lambda c: c.add(key, value, timeout), False, writes=[key])

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(lambda c: c.get(key, default), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        self._call(lambda c: c.set(key, value, timeout), None, writes=[key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        return self._call(lambda c: c.touch(key, timeout), False)

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(lambda c: c.delete(key), False, writes=[key])

    def get_many(self, keys, version=None):
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        found = self._call(lambda c: c.get_many(key_map.keys()), {})
        return {key_map[k]: v for k, v in found.items()}

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        return self._call(lambda c: c.has_key(key), False)

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        # Django's contract: ValueError for a missing key; an unreachable one is missing too.
        result = self._call(lambda c: c.incr(key, delta), None, writes=[key])
        if result is None:
            raise ValueError(f"Key '{key}' not found")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        if not data:
            return []
        safe = {self.make_and_validate_key(key, version=version): value for key, value in data.items()}
        timeout = self.get_backend_timeout(timeout)
        self._call(lambda c: c.set_many(safe, timeout), None, writes=list(safe))
        return []

    def delete_many(self, keys, version=None):
        safe = [self.make_and_validate_key(key, version=version) for key in keys]
        if safe:
            self._call(lambda c: c.delete_many(safe), None, writes=safe)

    def clear(self):
        return self._call(lambda c: c.clear(), False)
