"""Which addresses the engine may send queries to.

Operators type addresses and publish nameserver names; either can point at our own network. Unless the
registry allows it (tests do, for loopback), only public unicast addresses are probed, and a refusal is
recorded as evidence rather than silently skipped.
"""
from __future__ import annotations

import ipaddress


def address_refusal(address: str, allow_private: bool) -> str | None:
    """Why `address` must not be probed, or None when it may be.

    Multicast and the unspecified address are refused even when private space is allowed: no DNS
    server answers there and a query would go to a whole segment.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"'{address}' is not an IP address"
    if ip.is_multicast:
        return f"{ip} is a multicast address"
    if ip.is_unspecified:
        return f"{ip} is the unspecified address"
    if allow_private:
        return None
    for test, kind in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-global (shared or special-purpose)"),
    ):
        if test:
            return f"{ip} is a {kind} address; probing it is not allowed (use --allow-private or KINDNS_CHECK_ALLOW_PRIVATE)"
    return None
