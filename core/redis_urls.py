"""Pick a database number inside a Redis URL, for tcp (`redis://host/N`) and socket (`unix:///path?db=N`) forms."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))
