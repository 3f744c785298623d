"""Which addresses the engine may send queries to.

Operators type addresses and publish nameserver names; either can point at our own network. Unless the
registry allows it (tests do, for loopback), only public unicast addresses are probed, and a refusal is
recorded as evidence rather than silently skipped.
"""
from __future__ import annotations

import ipaddress

from .messages import msg

# NAT64's well-known prefix (RFC 6052): a translator sends 64:ff9b::a.b.c.d to the IPv4 address a.b.c.d.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: IPv4-mapped (::ffff:a.b.c.d), 6to4 (2002::/16), Teredo
    (2001::/32: its server and its client) and NAT64 (64:ff9b::/96). A query to it reaches those hosts,
    so it is judged as they are."""
    if ip.version == 4:
        return []
    found = [ip.ipv4_mapped] if ip.ipv4_mapped is not None else []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in NAT64_PREFIX:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def address_refusal(address: str, allow_private: bool) -> dict | None:
    """Why `address` must not be probed (a message, see messages.py), or None when it may be.

    Multicast and the unspecified address are refused even when private space is allowed: no DNS
    server answers there and a query would go to a whole segment. The message names no setting: it is
    shown to operators, who cannot change ours.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return msg("address-invalid")
    if ip.version == 6 and ip.ipv4_mapped is not None:  # a socket sends it to the IPv4 address, over IPv4
        refusal = address_refusal(str(ip.ipv4_mapped), allow_private)
        return msg("address-leads-to", address=str(ip.ipv4_mapped), reason=refusal) if refusal else None
    if ip.is_multicast:
        return msg("address-multicast")
    if ip.is_unspecified:
        return msg("address-unspecified")
    if allow_private:
        return None
    for ipv4 in embedded_ipv4(ip):
        refusal = address_refusal(str(ipv4), allow_private)
        if refusal:
            return msg("address-leads-to", address=str(ipv4), reason=refusal)
    for test, code in (
        (ip.is_loopback, "address-loopback"),
        (ip.is_link_local, "address-link-local"),
        (ip.version == 6 and ip.is_site_local, "address-not-public"),
        (ip.is_private, "address-private"),
        (ip.is_reserved, "address-not-public"),
        (not ip.is_global, "address-not-public"),
    ):
        if test:
            return msg(code)
    return None
