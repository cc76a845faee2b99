"""The one caching mechanism; docs/architecture.md ("Caching") lists every key, its holder and what clears it.

Two holders:
- Redis (the ``shared`` cache), shared by every process. Its keys start with the release
  (``settings.CACHE_RELEASE``): a deploy that changes what is cached starts from keys of its own.
- This process's memory (the ``process`` cache, :class:`ProcessCache`), in front of Redis for what nearly
  every request reads: small rows, for ``LOCAL_SECONDS``, and renders whose key names the order version
  they were made from (so never stale), bounded in number.

Rows (:func:`cached_rows`) belong to a :class:`CachedModel`: every write clears the keys its rows feed —
save and delete through ``post_save``/``post_delete`` (so cascades and admin's "Delete selected" too),
queryset ``update()`` and bulk writes through :class:`ForgettingQuerySet` (they send no signal). A key
cleared inside a transaction is read from the database, and cached by no one in this process, until that
transaction is over: a value an uncommitted transaction wrote must never reach a cache.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save

# How long another process may go on showing a row after a write (this one forgets at once).
LOCAL_SECONDS = 5.0


_PROCESS_HOLDERS: dict[str, tuple[OrderedDict[str, tuple[float, Any]], threading.Lock]] = {}


class ProcessCache(BaseCache):
    """This process's holder: values kept as they are, never pickled (unpickling rows cost as much as the rest
    of a cached page), least recently used dropped past ``MAX_ENTRIES``. Callers treat values as read-only."""

    def __init__(self, location, params) -> None:
        super().__init__(params)
        # Django makes a cache object per thread; the holder must be the process's, or a write in one
        # thread would leave another thread (runserver, gthread) serving its own older copy.
        self._cache, self._lock = _PROCESS_HOLDERS.setdefault(location, (OrderedDict(), threading.Lock()))

    def _expiry(self, timeout) -> float:
        timeout = self.default_timeout if timeout is DEFAULT_TIMEOUT else timeout
        return float("inf") if timeout is None else time.monotonic() + timeout

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            entry = self._cache.get(key)
            if entry is None:
                return default
            if entry[0] <= time.monotonic():
                del self._cache[key]
                return default
            self._cache.move_to_end(key)
            return entry[1]

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._cache[key] = (self._expiry(timeout), value)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        if self.has_key(key, version=version):
            return False
        self.set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if key not in self._cache:
                return False
            self._cache[key] = (self._expiry(timeout), self._cache[key][1])
            return True

    def has_key(self, key, version=None):
        return self.get(key, _MISSING, version) is not _MISSING

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            return self._cache.pop(key, None) is not None

    def clear(self):
        with self._lock:
            self._cache.clear()


_MISSING = object()


def _process():
    return caches["process"]


def _shared():
    return caches["shared"]


# --- transactions: what this thread's open transaction wrote -----------------------------------------------

_uncommitted = threading.local()


def _open_transaction():
    """The outermost atomic block of a real transaction (a test case's own wrapping block is not one)."""
    return next((block for block in connection.atomic_blocks if not block._from_testcase), None)


def _written_keys() -> dict[str, Any]:
    if not hasattr(_uncommitted, "keys"):
        _uncommitted.keys = {}
    return _uncommitted.keys


def _written_in_open_transaction(key: str) -> bool:
    written = _written_keys()
    block = written.get(key)
    if block is None:
        return False
    if any(open_block is block for open_block in connection.atomic_blocks):
        return True
    del written[key]  # that transaction is over (committed or rolled back)
    return False


def forget(keys: Iterable[str]) -> None:
    """Clear ``keys`` from both holders now, and again when the transaction commits (a reader elsewhere that
    missed in between read the old committed row and may have cached it). Until then this thread reads them
    from the database and caches nothing under them."""
    keys = list(keys)
    _process().delete_many(keys)
    _shared().delete_many(keys)
    block = _open_transaction()
    if block is not None:
        written = _written_keys()
        written.update(dict.fromkeys(keys, block))

        def after_commit():
            for key in keys:
                written.pop(key, None)
            _process().delete_many(keys)
            _shared().delete_many(keys)

        transaction.on_commit(after_commit)


# --- rows ---------------------------------------------------------------------------------------------------


def cached_rows(key: str, load: Callable[[], Any], *, timeout: int = 3600, hold: bool = True):
    """``load()``'s value: from this process (``hold``: kept LOCAL_SECONDS), else Redis, else loaded and kept."""
    if _written_in_open_transaction(key):
        return load()
    if hold and (value := _process().get(key)) is not None:
        return value
    value = _shared().get(key)
    if value is None:
        value = load()
        _shared().set(key, value, timeout=timeout)
    if hold:
        _process().set(key, value, timeout=LOCAL_SECONDS)
    return value


class ForgettingQuerySet(models.QuerySet):
    """``update()`` and the bulk writes, which send no signals, clear what the rows they changed feed."""

    def update(self, **kwargs):
        ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        self._forget(ids)
        return rows

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
        if issubclass(self.model, CachedModel):  # migrations' historical models are plain models
            forget(self.model.cache_keys(ids))


_ForgettingManagerBase = models.Manager.from_queryset(ForgettingQuerySet)


class ForgettingManager(_ForgettingManagerBase):
    """Every CachedModel's manager. A named class rather than ``ForgettingQuerySet.as_manager()``: django-stubs
    types a made-up manager inherited through an abstract model as that model's (``ShippingMethod.objects`` came
    out as a manager of ``ShownOnOrderPages``), a named one as each concrete model's own."""


class CachedModel(models.Model):
    """A model whose rows are read from the cache. One cached under one key (a settings row, a whole small
    table) names it in ``cache_key``; one cached per row overrides ``cache_keys``."""

    cache_key = ""
    objects = ForgettingManager()

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Per model, not for every sender: a receiver for all models would stop Django's fast deletes everywhere.
        post_save.connect(_forget_written_row, sender=cls, weak=False, dispatch_uid=f"cached-rows:{cls.__qualname__}")
        post_delete.connect(
            _forget_written_row, sender=cls, weak=False, dispatch_uid=f"cached-rows-del:{cls.__qualname__}"
        )

    @classmethod
    def cache_keys(cls, ids: Iterable) -> list[str]:
        return [cls.cache_key]


def _forget_written_row(sender, instance, **kwargs) -> None:
    forget(sender.cache_keys([instance.pk]))


class CachedSettingsRow(CachedModel):
    """A one-row settings model: ``load()`` reads it for decisions that lock an order, ``cached()`` for
    what only shows or addresses it."""

    class Meta:
        abstract = True

    @classmethod
    def load(cls):
        raise NotImplementedError

    @classmethod
    def cached(cls):
        return cached_rows(cls.cache_key, cls.load)


# --- renders keyed by version -------------------------------------------------------------------------------


def get_many_versioned(keys: list[str]) -> dict:
    """Values whose keys name the version they were made from, so no copy is ever stale: from this
    process first, then Redis (one round trip for all the others)."""
    local = _process()
    found = local.get_many(keys)
    if missing := [key for key in keys if key not in found]:
        shared = _shared().get_many(missing)
        local.set_many(shared)
        found.update(shared)
    return found


def get_versioned(key: str):
    return get_many_versioned([key]).get(key)


def set_many_versioned(values: dict, timeout: int = 3600) -> None:
    """Keep renders in both holders; never from inside a transaction, whose version may yet be rolled back
    and then reused by another change."""
    if _open_transaction() is not None:
        return
    _shared().set_many(values, timeout=timeout)
    _process().set_many(values, timeout=timeout)
