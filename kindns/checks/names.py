"""Validation and normalisation of what operators type: zone names and IP addresses."""
from __future__ import annotations

import ipaddress

import dns.name
import idna

MAX_NAME_LENGTH = 253  # presentation form without the trailing dot (RFC 1035's 255 octets on the wire)
MAX_LABEL_LENGTH = 63


class InvalidName(ValueError):
    """A zone name that cannot be a DNS name; the message says why, for the person who typed it."""


def normalise_zone_name(text: str) -> str:
    """The canonical form of a zone name: lower-case A-labels, no trailing dot.

    Accepts Unicode (IDNA 2008 with UTS 46 mapping), any case and an optional trailing dot; the root
    zone is refused since no operator enrols it.
    """
    raw = text.strip()
    if raw.endswith("."):
        raw = raw[:-1]
    if not raw:
        raise InvalidName("Enter a zone name, such as example.org.")
    if any(ch.isspace() for ch in raw):
        raise InvalidName("A zone name cannot contain spaces.")
    if ".." in raw or raw.startswith("."):
        raise InvalidName("A zone name cannot contain an empty label (two dots in a row).")
    try:
        ascii_name = idna.encode(raw, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        # Plain ASCII names with underscores and the like are valid in the DNS though not hostnames.
        if raw.isascii():
            ascii_name = raw
        else:
            raise InvalidName(f"Not a valid internationalised domain name: {exc}.") from None
    ascii_name = ascii_name.lower()
    for label in ascii_name.split("."):
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidName(f"The label '{label[:20]}…' is longer than {MAX_LABEL_LENGTH} characters.")
        if not all(ch.isalnum() or ch in "-_" for ch in label):
            raise InvalidName(f"The label '{label}' contains characters not allowed in a zone name.")
    if len(ascii_name) > MAX_NAME_LENGTH:
        raise InvalidName(f"A zone name is at most {MAX_NAME_LENGTH} characters long.")
    try:
        dns.name.from_text(ascii_name)
    except dns.exception.DNSException as exc:  # pragma: no cover - the checks above catch these first
        raise InvalidName(str(exc)) from None
    return ascii_name


def normalise_ip_address(text: str) -> str:
    """The compressed textual form of an IPv4 or IPv6 address; ValueError with a clear message otherwise."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ValueError(f"'{text.strip()[:60]}' is not an IPv4 or IPv6 address.") from None
