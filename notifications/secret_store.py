"""Where a message's secrets (a sign-in code, a sign-in link) wait until the email is sent: Redis, never
PostgreSQL. The strict ``default`` cache alias: with Redis away it raises ``RedisUnavailable`` rather than
lose a code silently (sign-in pauses with it, docs/decisions.md "Faults")."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import caches

from core.redis_outage import RedisUnavailable

logger = logging.getLogger("aftersale.notifications")


class SecretsGone(Exception):
    """The message's secrets expired or were lost (Redis flushed, erased): it can't be sent any more."""


def secrets_key(message_id: int) -> str:
    return f"notifications:secrets:{message_id}"


def _store():
    return caches["default"]


def hold(message_id: int, secrets: dict[str, str], *, ttl: int) -> None:
    """Keep a message's secrets for ``ttl`` seconds (their own lifetime): gone by then, sent or not."""
    _store().set(secrets_key(message_id), dict(secrets), timeout=ttl)


def read(message_id: int, names: Iterable[str]) -> dict[str, str]:
    """The secrets of a message, all of ``names``, or SecretsGone."""
    held = _store().get(secrets_key(message_id))
    if not isinstance(held, dict) or not set(names) <= held.keys():
        raise SecretsGone(f"message {message_id}: its secrets expired, or were erased once it was sent")
    return held


def are_held(message_id: int) -> bool:
    return _store().has_key(secrets_key(message_id))


def erase(message_ids: Iterable[int]) -> None:
    """Forget the secrets of these messages. Best effort: with Redis away they still expire at their TTL."""
    keys = [secrets_key(message_id) for message_id in message_ids]
    if not keys:
        return
    try:
        _store().delete_many(keys)
    except RedisUnavailable:
        logger.warning("Secrets of %d messages not erased (Redis away); they expire at their TTL", len(keys))
