"""Limits that hold under concurrency: every attempt takes a slot in Redis *before* the guarded work runs.

Each limit is a sliding window (a sorted set of attempt times) checked and taken by one Lua script, so
simultaneous requests on any number of workers can never take more slots than the limit; several limits
are taken together or not at all. A slot can be given back afterwards (a right sign-in code should not
count against an office's shared address). The windows live in the strict ``default`` cache alias: when
Redis is away, :class:`~core.redis_outage.RedisUnavailable` is raised and the guarded work does not run —
a limit that silently allowed everything would be worse than a "paused" page.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import cast

from django.core.cache import caches

from core.redis_cache import RedisCache

# KEYS: the windows; ARGV: window milliseconds per key, then limits per key, then the slot's member.
# Returns 0 when every slot was taken, else the 1-based index of the first full window (nothing taken).
_TAKE = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local n = #KEYS
for i = 1, n do
  local window = tonumber(ARGV[i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ms - window)
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[n + i]) then return i end
end
for i = 1, n do
  redis.call('ZADD', KEYS[i], ms, ARGV[2 * n + 1])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[i]))
end
return 0
"""


def _windows() -> RedisCache:
    return cast(RedisCache, caches["default"])


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"30/h"``, ``"3/15m"``, ``"100/d"``, ``"5/30s"``: that many attempts per that window."""
        count, _slash, period = text.strip().partition("/")
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        if not count.isdigit() or not period or period[-1] not in units:
            raise ValueError(f"not a rate: {text!r}")
        return cls(int(count), int(period[:-1] or 1) * units[period[-1]])

    @property
    def per_hour(self) -> float:
        return self.count * 3600 / self.seconds


@dataclass(frozen=True)
class Limit:
    """One window: ``name`` says what is counted, ``subject`` whose (an email, an address, a code's id)."""

    name: str
    subject: str
    rate: Rate

    @property
    def key(self) -> str:
        # Subjects are hashed: emails and addresses never sit in Redis in clear, and any string fits.
        digest = hashlib.sha256(self.subject.strip().lower().encode()).hexdigest()[:32]
        return f"limits:{self.name}:{digest}"


@dataclass(frozen=True)
class Slot:
    """Taken slots, which ``give_back`` can return."""

    limits: tuple[Limit, ...]
    member: str


class LimitReached(Exception):
    def __init__(self, limit: Limit) -> None:
        super().__init__(limit.name)
        self.limit = limit


def take(*limits: Limit) -> Slot:
    """Take one slot in every window at once, or none (raises :class:`LimitReached` naming a full one)."""
    cache = _windows()
    member = secrets.token_hex(8)
    keys = [cache.make_and_validate_key(limit.key) for limit in limits]
    args = [limit.rate.seconds * 1000 for limit in limits] + [limit.rate.count for limit in limits] + [member]
    full = cache.run_raw(lambda client: client.eval(_TAKE, len(keys), *keys, *args))
    if full:
        raise LimitReached(limits[int(full) - 1])
    return Slot(limits=tuple(limits), member=member)


def give_back(slot: Slot) -> None:
    """Return a slot (the attempt turned out not to count, e.g. a right code)."""
    cache = _windows()
    keys = [cache.make_and_validate_key(limit.key) for limit in slot.limits]

    def remove(client) -> None:
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.zrem(key, slot.member)
        pipe.execute()

    cache.run_raw(remove)


def used(limit: Limit) -> int:
    """How many slots of the window are taken now (admin and tests)."""
    cache = _windows()
    key = cache.make_and_validate_key(limit.key)

    def count(client) -> int:
        seconds, micros = client.time()
        return client.zcount(key, seconds * 1000 + micros // 1000 - limit.rate.seconds * 1000, "+inf")

    return int(cache.run_raw(count) or 0)


def clear(limit: Limit) -> None:
    cache = _windows()
    key = cache.make_and_validate_key(limit.key)
    cache.run_raw(lambda client: client.delete(key))
