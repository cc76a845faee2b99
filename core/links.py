"""Absolute links: every link the project emails or shows whole is built from ``settings.SITE_URL``.

Never from the request (``build_absolute_uri``, ``get_host()``, ``request.scheme``): the Host header is the
client's to choose among ``ALLOWED_HOSTS``, and a link sent to a shopper must point at the shop.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def site_url(path: str) -> str:
    """The absolute URL of a path of this site (``reverse()``'s output, a path with its query)."""
    return settings.SITE_URL + path


def on_site(url: str) -> str:
    """The same path, query and fragment as ``url``, on ``SITE_URL``'s scheme and host."""
    parts = urlsplit(url)
    return site_url(urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment)))
