"""Django's Redis cache with one Redis client per connection pool; models whose rows are cached.

Django's Redis cache builds a new ``redis.Redis`` for every cache operation, and redis-py copies its
table of ~170 response callbacks each time: a third of the cost of a cache read on the pages that make
several. A client over a pool is thread-safe, so one per pool is enough.
"""

import time

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import models, transaction


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class ForgetsCachedRows(models.Model):
    """A model whose rows are read from the cache: every save and delete calls ``forget([pk])``.
    A model cached under one key (a settings row, a whole small table) names it in ``cache_key``;
    one cached per row overrides ``forget``."""

    cache_key = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_now_and_on_commit(type(self), [self.pk])

    def delete(self, *args, **kwargs):
        pk = self.pk
        result = super().delete(*args, **kwargs)
        forget_now_and_on_commit(type(self), [pk])
        return result

    @classmethod
    def forget(cls, ids) -> None:
        forget_key(cls.cache_key)


# Small rows every page reads (settings, rates) are held in this process for a few seconds on top of
# Redis: a Redis round trip, and unpickling the rows, cost as much as the rest of a cached page's work.
# Another process sees a change within this many seconds; this one at once (``forget`` clears both).
LOCAL_SECONDS = 5.0
_local_rows: dict[str, tuple[float, object]] = {}


def held_or_cached(key: str, load, *, timeout: int = 3600):
    """``load()``'s value: held in this process for LOCAL_SECONDS, else from Redis, else loaded and kept in both."""
    now = time.monotonic()
    held = _local_rows.get(key)
    if held is not None and held[0] > now:
        return held[1]
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=timeout)
    _local_rows[key] = (now + LOCAL_SECONDS, value)
    return value


def forget_key(key: str) -> None:
    _local_rows.pop(key, None)
    cache.delete(key)


def clear_local_rows() -> None:
    """Drop this process's copies (tests start each from an empty cache)."""
    _local_rows.clear()


class CachedSettingsRow(ForgetsCachedRows):
    """A one-row settings model: ``load()`` reads it for decisions that lock an order, ``cached()`` for
    what only shows or addresses it. Every save, delete or queryset update clears the cached copies."""

    class Meta:
        abstract = True

    @classmethod
    def load(cls):
        raise NotImplementedError

    @classmethod
    def cached(cls):
        return held_or_cached(cls.cache_key, cls.load)


def get_many_versioned(keys: list[str]) -> dict:
    """Values whose keys name the version they were made from, so no copy is ever stale: from this
    process's copies first, then Redis (one round trip for all the others)."""
    local = caches["versioned"]
    found = local.get_many(keys)
    if missing := [key for key in keys if key not in found]:
        shared = cache.get_many(missing)
        local.set_many(shared)
        found.update(shared)
    return found


def get_versioned(key: str):
    return get_many_versioned([key]).get(key)


def set_many_versioned(values: dict, timeout: int = 3600) -> None:
    cache.set_many(values, timeout=timeout)
    caches["versioned"].set_many(values, timeout=timeout)


class ForgettingQuerySet(models.QuerySet):
    """``update()``, ``delete()`` and the bulk writes call the model's ``forget(ids)`` for the rows they changed."""

    def update(self, **kwargs):
        ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        self._forget(ids)
        return rows

    def delete(self):
        ids = list(self.values_list("pk", flat=True))
        result = super().delete()
        self._forget(ids)
        return result

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        self._forget([obj.pk for obj in created])
        return created

    def bulk_update(self, objs, *args, **kwargs):
        objs = list(objs)
        rows = super().bulk_update(objs, *args, **kwargs)
        self._forget([obj.pk for obj in objs])
        return rows

    def _forget(self, ids) -> None:
        if getattr(self.model, "forget", None):  # migrations' historical models have no methods
            forget_now_and_on_commit(self.model, ids)


def forget_now_and_on_commit(model, ids) -> None:
    """Clear at once, and again when the transaction commits: a reader that missed in between read the
    old row from the database and may have cached it."""
    model.forget(ids)
    transaction.on_commit(lambda: model.forget(ids))
