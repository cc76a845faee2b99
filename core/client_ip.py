"""The shopper's address for limits, read through trusted proxies only.

``TRUSTED_PROXIES`` (settings) is empty (the app faces the internet: the connection's address is the
client), a hop count (``"1"``: one reverse proxy in front, which appends the address it saw to
``X-Forwarded-For``), or networks (``"10.0.0.0/8,192.168.1.5"``: proxies are known by address; the
client is the last address in the chain that is not one of them). Anything a client writes into
``X-Forwarded-For`` itself sits to the left of what the trusted proxies appended, so it is never read.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_trusted_proxies(value: str) -> int | tuple[Network, ...]:
    """``""`` → 0 hops; ``"2"`` → 2 hops; ``"10.0.0.0/8, ::1"`` → those networks. Raises ValueError."""
    value = (value or "").strip()
    if not value:
        return 0
    if value.isdigit():
        return int(value)
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = parse_trusted_proxies(getattr(settings, "TRUSTED_PROXIES", ""))
    if not trusted:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if isinstance(trusted, int):
        # Each trusted hop appended one address: the client is the hop-th from the right.
        if len(chain) < trusted or _address(chain[-trusted]) is None:
            return remote  # fewer hops than configured: not through our proxies, or misconfigured
        return str(_address(chain[-trusted]))
    connected = _address(remote)
    if connected is None or not any(connected in network for network in trusted):
        return remote  # not from one of our proxies: its header is the client's own words
    address = connected
    for part in reversed(chain):
        hop = _address(part)
        if hop is None:
            break  # garbage: the last proxy-vouched address stands
        address = hop
        if not any(hop in network for network in trusted):
            break
    return str(address)
