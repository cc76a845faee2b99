"""One date and time format per language (babel's), in the active zone, the zone always named."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core import dates

MOMENT = datetime(2026, 12, 8, 16, 37, tzinfo=UTC)


def read(value, render, *, language="en", zone="UTC", **kwargs) -> str:
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        return render(value, **kwargs)


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "Europe/Paris", "December 8, 2026, 5:37\u202fPM CET"),
        ("en", "Asia/Tokyo", "December 9, 2026, 1:37\u202fAM JST"),
        ("de", "Europe/Berlin", "8. Dezember 2026, 17:37 CET"),
        ("fr", "America/New_York", "8 décembre 2026, 11:37 EST"),
        ("ja", "Asia/Tokyo", "2026年12月9日 1:37 JST"),
        ("nl", "Asia/Dubai", "8 december 2026, 20:37 GMT+04:00"),  # a zone without letters: its offset
        ("pt-br", "America/Sao_Paulo", "8 de dezembro de 2026 13:37 -03:00 GMT"),  # months in lower case
        ("cs", "Europe/Prague", "8. prosince 2026 17:37 CET"),  # the month in the genitive
    ],
)
def test_a_moment_in_the_readers_language_and_zone_names_the_zone(language, zone, expected):
    assert read(MOMENT, dates.when, language=language, zone=zone) == expected


def test_a_deadline_today_is_its_time_and_zone_and_another_day_the_whole_moment():
    now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert read(MOMENT, dates.deadline, zone="Europe/Paris", now=now) == "5:37\u202fPM CET"
    tomorrow = MOMENT + timedelta(days=1)
    assert read(tomorrow, dates.deadline, zone="Europe/Paris", now=now) == "December 9, 2026, 5:37\u202fPM CET"
    # Today is where the reader is: 16:37 UTC is tomorrow in Tokyo.
    assert read(MOMENT, dates.deadline, zone="Asia/Tokyo", now=now) == "December 9, 2026, 1:37\u202fAM JST"


def test_days_and_iso_text_from_stored_contexts():
    assert read(date(2026, 12, 3), dates.day) == "December 3, 2026"
    assert read("2026-12-03", dates.day, language="de") == "3. Dezember 2026"
    assert read("2026-12-08T16:37:00+00:00", dates.day, zone="Asia/Tokyo") == "December 9, 2026"
    assert read("2026-12-08T16:37:00+00:00", dates.when, zone="UTC") == "December 8, 2026, 4:37\u202fPM UTC"
    assert read("", dates.when) == read(None, dates.day) == read("soon", dates.deadline) == ""


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("Asia%2FTokyo", "Asia/Tokyo"),
        ("Europe/Atlantis", ""),
        ("../../etc/passwd", ""),
        ("", ""),
        (None, ""),
        ("x" * 500, ""),
    ],
)
def test_only_zones_this_machine_knows_are_taken(name, valid):
    assert dates.valid_time_zone(name) == valid


def test_the_template_filters():
    template = Template("{% load when %}{{ at|when }} | {{ at|deadline }} | {{ at|day }}")
    with translation.override("en"), timezone.override(ZoneInfo("Europe/Paris")):
        rendered = template.render(Context({"at": MOMENT + timedelta(days=400)}))
    assert rendered == "January 12, 2028, 5:37\u202fPM CET | January 12, 2028, 5:37\u202fPM CET | January 12, 2028"
