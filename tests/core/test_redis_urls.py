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


def test_each_xdist_worker_has_a_pair_of_redis_databases_of_its_own():
    from config.settings_test import xdist_redis_dbs

    base = "redis://127.0.0.1:6379/0"
    pairs = [xdist_redis_dbs(f"gw{n}", base) for n in range(8)]
    dbs = [db for pair in pairs for db in pair]
    assert pairs[:2] == [(2, 3), (4, 5)] and len(set(dbs)) == 16
    assert not {0, 1, 12, 13, 14} & set(dbs)  # the demo's, the benchmark's and a serial run's
    # never the app's own database nor its gateway's, whichever the base URL names
    assert xdist_redis_dbs("gw0", "redis://127.0.0.1:6379/1") == (3, 4)  # the app on 1, its gateway on 2
    assert xdist_redis_dbs("gw1", "unix:///tmp/redis.sock?db=4") == (5, 6)
