"""Which software serves a zone or a resolver, as far as the servers say: the answer to version.bind in the
CHAOS class (BIND, Knot, NSD, Unbound, PowerDNS and Knot Resolver name themselves there unless told not
to) and the NSID (RFC 5001). A fact of the snapshot, with how sure it is:

    high    every server names the same software
    medium  most of the servers name one software (others name another, or nothing)
    low     nothing names one software: the servers hide it, refuse CHAOS questions, or name different
            software as often (a zone served by BIND and Knot alike: the operator's declaration decides)

An operator's own declaration always wins over this (the registry shows the advice for the declared
software); a guess only chooses the advice shown when nothing is declared.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .query import Probe

HIGH, MEDIUM, LOW = "high", "medium", "low"

# (pattern over the version text, software); first match wins. BIND answers its bare version ("9.18.24").
PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), s) for p, s in (
    (r"^\s*9\.\d+\.\d+|\bBIND\b", "bind"),
    (r"\bKnot Resolver\b|\bkresd\b", "knot-resolver"),
    (r"\bKnot DNS\b|^\s*knot\b", "knot"),
    (r"\bNSD\b", "nsd"),
    (r"\bunbound\b", "unbound"),
    (r"\bPowerDNS Recursor\b|\bpdns[-_ ]recursor\b", "powerdns-recursor"),
    (r"\bPowerDNS\b|\bpdns\b", "powerdns"),
    (r"\bMicrosoft\b|\bWindows\b", "windows"),
))


@dataclass
class Identity:
    """What the servers said they are, and what that makes of the software."""

    software: str | None             # a key of fixes.SOFTWARE, or None when nothing names it
    confidence: str                  # high, medium or low
    said: dict[str, str] = field(default_factory=dict)   # server address -> version text (and NSID)

    def to_dict(self) -> dict:
        return {"software": self.software, "confidence": self.confidence, "said": dict(self.said)}


def software_in(text: str) -> str | None:
    """The software a version text names, or None."""
    for pattern, software in PATTERNS:
        if pattern.search(text):
            return software
    return None


def _said(probe: Probe | None) -> str:
    if probe is None or not probe.answered or probe.rcode != "NOERROR":
        return ""
    texts = [b"".join(r.strings).decode("utf-8", "replace") for r in probe.find("answer", "TXT") or ()]
    nsid = probe.nsid
    return "; ".join(texts + ([f"NSID {nsid}"] if nsid else []))


def identify(probes: dict[str, Probe | None]) -> Identity:
    """The software named by the identity answers of servers (address -> probe)."""
    said = {address: text for address, probe in probes.items() if (text := _said(probe))}
    named = [s for s in (software_in(text) for text in said.values()) if s]
    if not named:
        return Identity(None, LOW, said)
    counts = Counter(named)
    ranked = counts.most_common(2)
    software, count = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == count:
        return Identity(None, LOW, said)
    confidence = HIGH if count == len(probes) else MEDIUM
    return Identity(software, confidence, said)


def identify_snapshot(snapshot) -> Identity:
    """The identity of a zone's nameservers or of a resolver (a ZoneSnapshot or a ResolverSnapshot)."""
    servers = getattr(snapshot, "servers", None)
    if servers is not None:
        return identify({server.address: server.identity for server in servers})
    return identify({snapshot.address: snapshot.identity})
