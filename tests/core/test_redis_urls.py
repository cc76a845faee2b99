"""Database numbers inside Redis URLs, as redis-py reads them."""

import pytest
from redis.connection import parse_url

from core.redis_urls import another_db, db_of, with_db


@pytest.mark.parametrize(
    ("url", "db", "expected"),
    [
        ("redis://127.0.0.1:6379/0", 1, 1),
        ("redis://127.0.0.1:6379", 1, 1),  # no number: database 0
        ("redis://127.0.0.1:6379/1", 1, 2),  # the URL's own: the next one
        ("redis://127.0.0.1:6379/?db=1", 1, 2),
        ("unix:///tmp/redis.sock", 1, 1),
        ("unix:///tmp/redis.sock?db=1", 1, 2),
    ],
)
def test_another_db_is_never_the_urls_own(url, db, expected):
    other = another_db(url, db)
    assert parse_url(other)["db"] == db_of(other) == expected != db_of(url)


def test_with_db_wins_over_a_db_in_the_query():
    url = with_db("rediss://:secret@example.com:6380/?db=3&ssl_cert_reqs=none", 12)
    assert parse_url(url)["db"] == 12 and "ssl_cert_reqs=none" in url
