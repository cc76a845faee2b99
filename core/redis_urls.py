"""Pick a database number inside a Redis URL, for tcp (`redis://host/N`) and socket (`unix:///path?db=N`) forms."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    # redis-py reads a ?db= before the path: drop it, or it would win over the number asked for.
    others = urlencode([(key, value) for key, value in parse_qsl(parts.query) if key != "db"])
    return urlunsplit(parts._replace(path=f"/{db}", query=others))


def db_of(url: str) -> int:
    """The database a URL names (0 when it names none, as redis-py reads it)."""
    parts = urlsplit(url)
    path = parts.path.strip("/") if parts.scheme != "unix" else ""
    return int(path or dict(parse_qsl(parts.query)).get("db", "0"))


def another_db(url: str, db: int) -> str:
    """``url`` with database ``db``, or ``db + 1`` if that is the URL's own: data that must not share it."""
    return with_db(url, db + 1 if db_of(url) == db else db)
