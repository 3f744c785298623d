"""Snapshots as plain JSON-safe data, so a run's collected answers can be stored and judged again later
(after a policy change, say) without asking any server again.

    data = snapshot_to_dict(snapshot)      # json.dumps(data) works
    same = snapshot_from_dict(data)        # a ZoneSnapshot or ResolverSnapshot judging exactly as before

Nothing is lost: every DNS answer is kept as its wire format (base64), trust anchors as presentation
text, everything else as it is (why something is missing as a message, see messages.py; version 1 kept
English sentences there, which are read back as messages). Probes are stored once in a table and referred to by position, so a
probe cited in several places (the delegation, a chain link) is still one probe after a round trip.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from typing import Any

import dns.exception
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from .messages import msg
from .query import Probe, parse_answer
from .snapshot import AsnAnswer, ChainLink, ResolverSnapshot, ServerSnapshot, ZoneSnapshot

FORMAT = "kindns-snapshot"
VERSION = 2
READABLE_VERSIONS = (1, 2)
KINDS = {"zone": ZoneSnapshot, "resolver": ResolverSnapshot}
# Fields holding snapshots of their own: a list of them, or a mapping to them.
NESTED = {"servers": ServerSnapshot, "chain": ChainLink, "asn": AsnAnswer}
PROBE_FIELDS = [f.name for f in dataclasses.fields(Probe) if f.name not in ("message", "_evidence", "wire")]


class SnapshotFormatError(ValueError):
    """Data that is not a stored snapshot (or is damaged); the message says what is wrong."""


def snapshot_to_dict(snapshot: ZoneSnapshot | ResolverSnapshot) -> dict:
    """The snapshot as JSON-safe data (see the module docstring); `snapshot_from_dict` reverses it."""
    kind = "zone" if isinstance(snapshot, ZoneSnapshot) else "resolver"
    table: list[dict] = []
    seen: dict[int, int] = {}

    def probe_ref(probe: Probe) -> dict:
        index = seen.get(id(probe))
        if index is None:
            index = seen[id(probe)] = len(table)
            table.append(_probe_to_dict(probe))
        return {"probe": index}

    def encode(value: Any) -> Any:
        if isinstance(value, Probe):
            return probe_ref(value)
        if dataclasses.is_dataclass(value):
            return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        return value

    fields = {f.name: getattr(snapshot, f.name) for f in dataclasses.fields(snapshot)}
    if kind == "zone":
        fields["trust_anchors"] = [_rdata_text(anchor) for anchor in snapshot.trust_anchors]
    body = {name: encode(value) for name, value in fields.items()}
    return {"format": FORMAT, "version": VERSION, "kind": kind, "probes": table, "snapshot": body}


def snapshot_from_dict(data: dict) -> ZoneSnapshot | ResolverSnapshot:
    """A snapshot from `snapshot_to_dict`'s data; SnapshotFormatError when the data is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotFormatError("not a stored snapshot (no 'format': 'kindns-snapshot')")
    if data.get("version") not in READABLE_VERSIONS:
        raise SnapshotFormatError(f"stored snapshot version {data.get('version')!r} is not {VERSION}")
    cls = KINDS.get(data.get("kind"))
    if cls is None:
        raise SnapshotFormatError(f"unknown snapshot kind {data.get('kind')!r}")
    try:
        probes = [_probe_from_dict(p) for p in data["probes"]]

        def decode(value: Any) -> Any:
            if isinstance(value, dict) and set(value) == {"probe"}:
                return probes[value["probe"]]
            if isinstance(value, list):
                return [decode(v) for v in value]
            if isinstance(value, dict):
                return {k: decode(v) for k, v in value.items()}
            return value

        body = {name: decode(value) for name, value in data["snapshot"].items()}
        if data["version"] == 1:
            body = _from_version_1(body)
        for name, nested in NESTED.items():
            if name in body and cls is ZoneSnapshot:
                items = body[name]
                body[name] = {k: _build(nested, v) for k, v in items.items()} if isinstance(items, dict) \
                    else [_build(nested, v) for v in items]
        if cls is ZoneSnapshot:
            body["trust_anchors"] = tuple(_rdata_from_text(text) for text in body.get("trust_anchors", ()))
        return _build(cls, body)
    except SnapshotFormatError:
        raise
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise SnapshotFormatError(f"damaged stored snapshot: {type(exc).__name__}: {exc}") from None


# Version 1's sentences (the only ones it could hold) and the messages that say the same.
VERSION_1_SENTENCES = [
    (r"the parent says (?P<zone>\S+) does not exist \(NXDOMAIN\)", "parent-nxdomain"),
    (r"the parent answered (?P<rcode>\S+) for (?P<zone>\S+)", "parent-rcode"),
    (r"the parent has no delegation \(NS records\) for (?P<zone>\S+)", "parent-no-ns"),
    (r"no server of the parent zone answered for (?P<zone>\S+)", "parent-silent"),
    (r"no usable address for any nameserver of (?P<zone>\S+)", "cut-no-address"),
    (r"no nameserver of (?P<zone>\S+) answered", "cut-no-answer"),
    (r"more than (?P<num>\d+) referrals", "too-many-referrals"),
    (r"the deadline of (?P<seconds>[\d.]+) s was reached before every answer came", "deadline-reached"),
    (r"no A or AAAA record found", "no-address-record"),
    (r"TXT answer without an AS number", "asn-no-number"),
    (r"no TXT answer \((?P<rcode>[A-Z]+)\)", "asn-no-txt"),
]


def _message_from_version_1(text: Any) -> Any:
    """A version 1 sentence as the message version 2 keeps (untranslated English when unknown)."""
    if not isinstance(text, str):
        return text
    for pattern, code in VERSION_1_SENTENCES:
        found = re.fullmatch(pattern, text)
        if found:
            args: dict[str, Any] = {k: (int(v) if k == "num" else float(v) if k == "seconds" else v)
                                    for k, v in found.groupdict().items()}
            if code == "asn-no-txt":
                args = {"reason": msg("answer-rcode", rcode=args["rcode"])}
            if code == "deadline-reached" and args["seconds"] == int(args["seconds"]):
                args["seconds"] = int(args["seconds"])
            return msg(code, **args)
    return msg("untranslated", text=text)


def _from_version_1(body: dict) -> dict:
    for name in ("delegation_error", "incomplete"):
        if body.get(name):
            body[name] = _message_from_version_1(body[name])
    if isinstance(body.get("address_errors"), dict):
        body["address_errors"] = {ns: _message_from_version_1(why) for ns, why in body["address_errors"].items()}
    if isinstance(body.get("asn"), dict):
        for answer in body["asn"].values():
            if isinstance(answer, dict) and answer.get("error"):
                answer["error"] = _message_from_version_1(answer["error"])
    return body


def _build(cls: type, values: dict) -> Any:
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = set(values) - known
    if unknown:
        raise SnapshotFormatError(f"unknown fields for {cls.__name__}: {', '.join(sorted(unknown))}")
    if cls is AsnAnswer and "asns" in values:
        values = {**values, "asns": tuple(values["asns"])}
    return cls(**values)


def _probe_to_dict(probe: Probe) -> dict:
    out = {name: getattr(probe, name) for name in PROBE_FIELDS}
    message = probe.message
    if message is not None:
        # The answer exactly as received; a built one (tests) is rendered without shuffling its records.
        wire = probe.wire or getattr(message, "wire", None) or message.to_wire(want_shuffle=False)
        out["wire"] = base64.b64encode(wire).decode("ascii")
    return out


def _probe_from_dict(data: dict) -> Probe:
    values = {name: data[name] for name in PROBE_FIELDS if name in data}
    probe = Probe(**values)
    wire = data.get("wire")
    if wire is not None:
        try:
            probe.wire = base64.b64decode(wire, validate=True)
            probe.message = parse_answer(probe.wire, probe.trimmed)
        except (binascii.Error, ValueError, dns.exception.DNSException) as exc:
            raise SnapshotFormatError(f"a stored DNS message cannot be read: {exc}") from None
    return probe


def _rdata_text(rdata: Any) -> str:
    return f"{dns.rdatatype.to_text(rdata.rdtype)} {rdata.to_text()}"


def _rdata_from_text(text: str) -> Any:
    rdtype, _, rest = text.partition(" ")
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, rest)
    except (dns.exception.DNSException, ValueError) as exc:
        raise SnapshotFormatError(f"a stored trust anchor cannot be read: {exc}") from None
