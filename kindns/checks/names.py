"""Validation and canonical forms of what operators type: zone names and IP addresses.

A name has one canonical form (lower-case A-labels, no trailing dot, every A-label valid under IDNA 2008),
so that every comparison — a zone typed twice, or declared by two organisations — is plain string equality.

Messages are English templates marked with `N_` for the translation catalogue: this library has no Flask,
so the web app translates `InvalidName.template` with its `params` when it shows one.
"""
from __future__ import annotations

import ipaddress

import dns.name
import idna

from .safety import address_refusal

MAX_NAME_LENGTH = 253  # presentation form without the trailing dot (RFC 1035's 255 octets on the wire)
MAX_LABEL_LENGTH = 63
ACE_PREFIX = "xn--"

# Special-use names (RFC 6761 and IANA's Special-Use Domain Names registry) that are no DNS zone anywhere:
# resolvers answer them themselves, refuse them, or hand them to another protocol.
NOT_DNS_NAMES = {
    "localhost": "RFC 6761",
    "invalid": "RFC 6761",
    "local": "RFC 6762, multicast DNS",
    "onion": "RFC 7686, Tor",
}
# Names never delegated in the public DNS, which private hierarchies (a company's, the tests' DNS lab) do use.
# Reverse zones of private address space (10.in-addr.arpa, d.f.ip6.arpa, ...) count too: see
# `require_public_name`.
PRIVATE_USE_NAMES = {
    "test": "RFC 6761",
    "example": "RFC 6761",
    "alt": "RFC 9476",
    "internal": "ICANN, for private use",
    "home.arpa": "RFC 8375",
}
REVERSE_ZONES = {"in-addr.arpa": (4, 8), "ip6.arpa": (6, 4)}  # suffix -> IP version, address bits per label


def N_(message: str) -> str:
    """Mark `message` for the translation catalogue; it is translated where it is shown."""
    return message


class InvalidName(ValueError):
    """A zone name that cannot be declared; the message says why, for the person who typed it.

    `str()` is the English message; `template` % `params` is the same, for translating first."""

    def __init__(self, template: str, **params: object):
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


def _under(name: str, suffix: str) -> bool:
    return name == suffix or name.endswith("." + suffix)


def _a_label(label: str) -> str:
    """The canonical A-label of one label as typed (already lower-case or UTS 46-mapped)."""
    if label.isascii():
        if label.startswith(ACE_PREFIX):
            try:
                unicode_label = idna.decode(label)
                round_trip = idna.alabel(unicode_label).decode("ascii")
            except (idna.IDNAError, UnicodeError) as exc:
                raise InvalidName(N_("'%(label)s' is not a valid internationalised label (%(reason)s)."),
                                  label=label[:70], reason=str(exc)[:120]) from None
            if round_trip != label:
                raise InvalidName(N_("'%(label)s' is not in its canonical form; write it as '%(canonical)s'."),
                                  label=label[:70], canonical=round_trip)
            return label
        # Plain ASCII: letters, digits and hyphens, and underscores, which DNS names may carry (_dmarc...).
        if not all(ch.isalnum() or ch in "-_" for ch in label):
            raise InvalidName(N_("The label '%(label)s' contains characters not allowed in a zone name."),
                              label=label[:70])
        return label
    try:
        return idna.alabel(label).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidName(N_("'%(label)s' is not a valid internationalised label (%(reason)s)."),
                          label=label[:70], reason=str(exc)[:120]) from None


def normalise_zone_name(text: str) -> str:
    """The canonical form of a zone name: lower-case A-labels, no trailing dot.

    Accepts Unicode (IDNA 2008 with UTS 46 mapping), any case and one trailing dot. Refuses the root,
    empty labels, A-labels that do not decode to a valid IDNA 2008 label, IP addresses, and names that
    are no DNS zone anywhere (localhost, invalid, local, onion).
    """
    raw = text.strip()
    if any(ch.isspace() for ch in raw):
        raise InvalidName(N_("A zone name cannot contain spaces."))
    try:
        ipaddress.ip_address(raw.strip("[]"))
    except ValueError:
        pass
    else:
        raise InvalidName(N_("'%(text)s' is an IP address, not a zone name."), text=raw[:60])
    if not raw.isascii():
        try:  # maps case and width, and the ideographic full stop to "."
            raw = idna.uts46_remap(raw, std3_rules=False, transitional=False)
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidName(N_("Not a valid internationalised domain name: %(reason)s."),
                              reason=str(exc)[:120]) from None
    raw = raw.lower()
    if raw.endswith("."):
        raw = raw[:-1]
    if not raw:
        raise InvalidName(N_("Enter a zone name, such as example.org."))
    labels = raw.split(".")
    if "" in labels:
        raise InvalidName(N_("A zone name cannot contain an empty label (two dots in a row)."))
    labels = [_a_label(label) for label in labels]
    for label in labels:
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidName(N_("The label '%(label)s…' is longer than %(max)d characters."),
                              label=label[:20], max=MAX_LABEL_LENGTH)
    name = ".".join(labels)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidName(N_("A zone name is at most %(max)d characters long."), max=MAX_NAME_LENGTH)
    if labels[-1].isdigit():
        # No top-level domain is all digits (RFC 3696, section 2), so this is an address or a typing slip.
        raise InvalidName(N_("'%(name)s' ends in a number; a zone name ends with a top-level domain such as "
                             "org."), name=name[:70])
    for suffix, source in NOT_DNS_NAMES.items():
        if _under(name, suffix):
            raise InvalidName(N_("'%(suffix)s' is a special-use name (%(source)s), never a DNS zone."),
                              suffix=suffix, source=source)
    try:
        dns.name.from_text(name)
    except dns.exception.DNSException as exc:  # pragma: no cover - the checks above catch these first
        raise InvalidName(str(exc)) from None
    return name


def _reverse_zone_network(name: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The address block a reverse zone (x.y.in-addr.arpa, n.n.ip6.arpa) covers, None for other names."""
    for suffix, (version, bits) in REVERSE_ZONES.items():
        if not name.endswith("." + suffix):
            continue
        labels = name[: -len(suffix) - 1].split(".")[::-1]
        width = 32 if version == 4 else 128
        if len(labels) * bits > width:
            return None
        try:
            values = [int(label, 10 if version == 4 else 16) for label in labels]
        except ValueError:
            return None
        if any(value >= 2**bits or (version == 6 and len(label) != 1) for value, label in zip(values, labels)):
            return None
        number = 0
        for value in values:
            number = (number << bits) | value
        number <<= width - len(values) * bits
        return ipaddress.ip_network((number, len(values) * bits))
    return None


def require_public_name(name: str) -> None:
    """Refuse (InvalidName) a canonical zone name that is never delegated in the public DNS: a private-use
    or test name, or the reverse zone of private address space. Only a private DNS hierarchy serves those."""
    for suffix, source in PRIVATE_USE_NAMES.items():
        if _under(name, suffix):
            raise InvalidName(N_("'%(suffix)s' is reserved (%(source)s) and never delegated in the public DNS."),
                              suffix=suffix, source=source)
    network = _reverse_zone_network(name)
    if network is not None and network.prefixlen >= 8 and all(
            address_refusal(str(address), allow_private=False)
            for address in (network.network_address, network.broadcast_address)):
        raise InvalidName(N_("%(name)s is the reverse zone of %(network)s, address space that is never "
                             "delegated in the public DNS."), name=name, network=str(network))


def normalise_ip_address(text: str) -> str:
    """The compressed textual form of an IPv4 or IPv6 address; ValueError with a clear message otherwise.

    An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is the IPv4 address it maps, so that it is judged, stored
    and compared as that address."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        raise ValueError(f"'{text.strip()[:60]}' is not an IPv4 or IPv6 address.") from None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)
