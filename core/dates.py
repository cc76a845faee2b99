"""Dates and times as people read them: in the active language (babel's formats, one per language) and the
active time zone (``django.utils.timezone``: the reader's, set by ``accounts.middleware`` for pages and by
the send job for emails), with the zone always named.

``when`` is a moment ("December 8, 2026, 5:37 PM CET"), ``deadline`` a moment something must happen by (its
time alone when it falls today: "5:37 PM CET"), ``day`` a date ("December 8, 2026"). Pages and emails use
them through ``{% load when %}`` (``core.templatetags.when``), never Django's ``|date``/``|time``: one page
then never mixes "5:14 p.m." and "17:09", and no time is shown without its zone.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache
from urllib.parse import unquote

from babel.dates import format_date, format_time, get_datetime_format, get_timezone_gmt
from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime

from core.money import to_babel_locale

# The cookie static/js/timezone.js sets from the browser (Intl's IANA name); read by accounts.middleware.
TIME_ZONE_COOKIE = "shopper_tz"


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_time_zone(name: str | None) -> str:
    """``name`` if it is an IANA zone this machine knows ("Asia/Tokyo"), else "": a cookie is the client's
    to write, so nothing else reaches ``ZoneInfo``."""
    if not name or len(name) > 192:
        return ""
    name = unquote(name)  # "Asia%2FTokyo", from a client that encoded the cookie
    return name if name in _known_zones() else ""


def store_time_zone() -> str:
    """The store's zone (``TIME_ZONE``): for readers whose own zone is not known."""
    return settings.TIME_ZONE


def zone(name: str) -> dt.tzinfo:
    """The tzinfo of a valid zone name, else the store's (``ZoneInfo`` keeps one instance per name)."""
    return zoneinfo.ZoneInfo(valid_time_zone(name) or store_time_zone())


def current_time_zone_name() -> str:
    """The active zone's name: part of every cache key whose value shows a time (orders.views)."""
    return timezone.get_current_timezone_name()


def _as_datetime(value) -> dt.datetime | None:
    """An aware datetime from a datetime or an ISO string (stored email contexts keep them as text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, dt.datetime):
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, zoneinfo.ZoneInfo(store_time_zone()))


def _locale() -> str:
    return to_babel_locale(translation.get_language() or settings.LANGUAGE_CODE)


def zone_name(value: dt.datetime) -> str:
    """The zone's abbreviation at that moment when it has one ("CET", "CEST", "JST", "EST", "UTC"), else the
    offset in the language's words ("GMT+04:00")."""
    abbreviation = value.tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    return get_timezone_gmt(value, width="long", locale=_locale())


def _parts(value: dt.datetime) -> tuple[str, str]:
    locale = _locale()
    local = timezone.localtime(value)
    time = f"{format_time(local, 'short', tzinfo=local.tzinfo, locale=locale)} {zone_name(local)}"
    return format_date(local.date(), "long", locale=locale), time


def when(value) -> str:
    """A moment in the reader's language and zone, the zone named: "December 8, 2026, 5:37 PM CET"."""
    moment_ = _as_datetime(value)
    if moment_ is None:
        return ""
    date, time = _parts(moment_)
    pattern = get_datetime_format("long", locale=_locale())
    return str(pattern).replace("'", "").replace("{0}", time).replace("{1}", date)


def deadline(value, *, now: dt.datetime | None = None) -> str:
    """A moment something must happen by: its time and zone alone when it is today where the reader is
    ("5:37 PM CET"), else the whole moment (see ``when``). Emails use ``when``: they are read later."""
    moment_ = _as_datetime(value)
    if moment_ is None:
        return ""
    today = timezone.localdate(now or timezone.now())
    if timezone.localtime(moment_).date() == today:
        return _parts(moment_)[1]
    return when(moment_)


def day(value) -> str:
    """A date in the reader's language ("December 8, 2026"); a moment's date where the reader is."""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    if isinstance(value, dt.datetime):
        aware = _as_datetime(value)
        value = timezone.localtime(aware).date() if aware is not None else None
    if not isinstance(value, dt.date):
        return ""
    return format_date(value, "long", locale=_locale())
