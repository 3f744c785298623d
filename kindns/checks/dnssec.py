"""DNSSEC judgement helpers: follow the chain of trust through a snapshot, with dnspython's dnssec module.

Pure functions over collected probes; no queries. Validation here measures the chain (does each DS
match a key, does each signature verify in its window); whether the algorithms are acceptable is the
separate `dnssec-algorithm` check, so dnspython's own algorithm policy is not applied.
"""
from __future__ import annotations

import base64
import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Any, Iterator

import dns.dnssec
import dns.name
import dns.rdatatype
import dns.rrset

from .messages import msg
from .query import Probe
from .snapshot import ChainLink, ZoneSnapshot

ANY_ALGORITHM = dns.dnssec.allow_all_policy


@dataclass
class ChainResult:
    """Where validation from the trust anchor ended: 'secure', 'insecure' or 'bogus', and why (a message)."""

    status: str
    detail: dict | None
    probes: list[Probe] = field(default_factory=list)
    keys: dns.rrset.RRset | None = None   # the zone's validated DNSKEY set when secure
    # The answers whose records show what is wrong (asked again with dig, they show the fault).
    culprits: list[Probe] = field(default_factory=list)
    at_root: bool = False                 # it failed at the root: the trust anchor does not fit


def answer_rrset(probe: Probe | None, owner: str, rdtype: str) -> tuple[dns.rrset.RRset | None,
                                                                         dns.rrset.RRset | None]:
    """(rrset, its RRSIGs) of `rdtype` at `owner`: from the answer section when that type was asked, else
    from the authority section (the apex NS set of an authoritative SOA answer, the DS set of a referral)."""
    if probe is None or not probe.answered:
        return None, None
    section = "answer" if probe.qtype == rdtype else "authority"
    return probe.find(section, rdtype, owner), probe.find(section, "RRSIG", owner, covers=rdtype)


def signature_problem(rrset: dns.rrset.RRset, sigs: dns.rrset.RRset | None, keys: dns.rrset.RRset,
                      now: float) -> dict | None:
    """None when some RRSIG over `rrset` verifies with `keys` at `now`, else why none does (a message).

    Within the judging of one snapshot the same records and signatures, served by each of the zone's
    servers, are verified once (`judging_with`)."""
    if sigs is None or len(sigs) == 0:
        return msg("no-rrsig", owner=rrset.name.to_text(), type=dns.rdatatype.to_text(rrset.rdtype))
    seen = _verified.get()
    if seen is None:
        return _signature_problem(rrset, sigs, keys, now)
    key = (rrset.name, rrset.rdtype, frozenset(map(_record_key, rrset)), frozenset(map(_record_key, sigs)),
           frozenset(map(_record_key, keys)), now)
    if key not in seen:
        seen[key] = _signature_problem(rrset, sigs, keys, now)
    return seen[key]


def _record_key(rdata: Any) -> Any:
    """What tells one record from another, for the memo of verified signatures: for signatures and keys
    (most of what is compared) their fields, which is cheaper than their canonical wire form (the
    signer's name is compared without regard to case, as in that form); for other types that form."""
    if rdata.rdtype == dns.rdatatype.RRSIG:
        return (rdata.type_covered, rdata.algorithm, rdata.labels, rdata.original_ttl, rdata.expiration,
                rdata.inception, rdata.key_tag, rdata.signer, rdata.signature)
    if rdata.rdtype == dns.rdatatype.DNSKEY:
        return (rdata.flags, rdata.protocol, rdata.algorithm, rdata.key)
    return rdata.to_digestable()


# dnspython's reasons for a signature that does not verify, as the vocabulary's codes.
VALIDATION_FAILURES = {"expired": "signature-expired", "not yet valid": "signature-not-yet-valid",
                       "verify failure": "signature-verify-failure", "unknown key": "signature-unknown-key"}


def _signature_problem(rrset: dns.rrset.RRset, sigs: dns.rrset.RRset, keys: dns.rrset.RRset,
                       now: float) -> dict | None:
    reasons = []
    for sig in sigs:
        try:
            dns.dnssec.validate_rrsig(rrset, sig, {keys.name: keys}, now=now, policy=ANY_ALGORITHM)
            return None
        except dns.dnssec.ValidationFailure as exc:
            reason = msg(VALIDATION_FAILURES.get(str(exc), "signature-invalid"))
        except dns.dnssec.UnsupportedAlgorithm:
            reason = msg("algorithm-unsupported")
        reasons.append(msg("rrsig-failure", key_tag=sig.key_tag, algorithm=int(sig.algorithm), reason=reason))
    return msg("no-valid-rrsig", owner=rrset.name.to_text(), type=dns.rdatatype.to_text(rrset.rdtype),
               reasons=reasons)


def keys_matching(owner: str, dnskeys: dns.rrset.RRset, anchors: list[Any]) -> dns.rrset.RRset:
    """The DNSKEYs of `dnskeys` that a DS (by digest) or an identical DNSKEY among `anchors` names."""
    matched = dns.rrset.RRset(dnskeys.name, dnskeys.rdclass, dns.rdatatype.DNSKEY)
    for key in dnskeys:
        for anchor in anchors:
            if anchor.rdtype == dns.rdatatype.DNSKEY:
                hit = anchor == key
            else:
                try:
                    hit = dns.dnssec.make_ds(owner, key, anchor.digest_type, policy=ANY_ALGORITHM) == anchor
                except (dns.dnssec.UnsupportedAlgorithm, ValueError):
                    hit = False
            if hit:
                matched.add(key)
    return matched


def _trusted_keys(owner: str, dnskey_probe: Probe | None, anchors: list[Any], now: float,
                  anchor_source: str) -> tuple[dns.rrset.RRset | None, dict | None]:
    """The zone's DNSKEY set once a DS/anchor matches one of its keys and that key signs the set; else
    None and why (a message). `anchor_source` is the vocabulary's name for the anchors."""
    dnskeys, sigs = answer_rrset(dnskey_probe, owner, "DNSKEY")
    if dnskeys is None:
        return None, msg("no-dnskey-set", owner=owner, reason=no_answer(dnskey_probe))
    matched = keys_matching(owner, dnskeys, anchors)
    if len(matched) == 0:
        return None, msg("no-key-matches", owner=owner, tags=[dns.dnssec.key_id(k) for k in dnskeys],
                         anchor=msg(anchor_source),
                         anchor_tags=[getattr(a, "key_tag", "?") for a in anchors])
    problem = signature_problem(dnskeys, sigs, matched, now)
    if problem:
        return None, problem
    return dnskeys, None


def no_answer(probe: Probe | None) -> dict:
    """Why a probe holds no usable answer (a message): not asked, its failure, or its rcode."""
    if probe is None:
        return msg("not-asked")
    return probe.failure() or msg("answer-rcode", rcode=probe.rcode)


def _step(owner: str, keys: dns.rrset.RRset, ds_probe: Probe | None, dnskey_probe: Probe | None,
          now: float) -> ChainResult:
    """One step down: the parent's validated keys vouch for the DS set, which vouches for the keys."""
    used = [p for p in (ds_probe, dnskey_probe) if p is not None]
    at_parent = [ds_probe] if ds_probe is not None else []
    ds_set, ds_sigs = answer_rrset(ds_probe, owner, "DS")
    if ds_set is None:
        if ds_probe is None or not ds_probe.answered or ds_probe.rcode != "NOERROR":
            return ChainResult("bogus", msg("ds-unreadable", owner=owner, reason=no_answer(ds_probe)), used,
                               culprits=at_parent)
        return ChainResult("insecure", msg("chain-no-ds", zone=owner), used, culprits=at_parent)
    problem = signature_problem(ds_set, ds_sigs, keys, now)
    if problem:
        return ChainResult("bogus", msg("ds-signature", owner=owner, problem=problem), used, culprits=at_parent)
    child_keys, problem = _trusted_keys(owner, dnskey_probe, list(ds_set), now, "parent-ds-set")
    if child_keys is None:
        # A DS that matches no key shows in both answers (its key tag, theirs); a bad signature in the keys'.
        culprits = used if problem["code"] == "no-key-matches" else [p for p in (dnskey_probe,) if p is not None]
        return ChainResult("bogus", problem, used, culprits=culprits)
    return ChainResult("secure", None, used, child_keys)


class ValidationCache:
    """Validation results of the zone cuts above the checked zones, for one judging run.

    Every zone under a cut shares its chain links within a run, so each chain prefix is validated once
    per minute of `now` (all that signature windows need). The cache belongs to the run, not to the
    snapshots, which judges only read; it keeps the links it has seen alive, so their identities hold.
    """

    def __init__(self) -> None:
        self._results: dict[tuple[tuple[ChainLink, ...], int], ChainResult] = {}

    def get(self, links: tuple[ChainLink, ...], minute: int) -> ChainResult | None:
        return self._results.get((links, minute))

    def put(self, links: tuple[ChainLink, ...], minute: int, result: ChainResult) -> None:
        self._results[(links, minute)] = result


_run_cache: contextvars.ContextVar[ValidationCache | None] = contextvars.ContextVar("validation_cache", default=None)
_verified: contextvars.ContextVar[dict | None] = contextvars.ContextVar("verified_signatures", default=None)


@contextlib.contextmanager
def judging_with(cache: ValidationCache | None) -> Iterator[None]:
    """Judge one snapshot inside: the judges share `cache` (a judging run's; None: validate every ancestor
    afresh) and verify each distinct signature once (a memo that ends with the snapshot, so memory does
    not grow with the number of zones)."""
    token, memo = _run_cache.set(cache), _verified.set({})
    try:
        yield
    finally:
        _run_cache.reset(token)
        _verified.reset(memo)


def _ancestors(snapshot: ZoneSnapshot) -> ChainResult:
    """Validate the cuts above the zone, root first (each prefix once per judging run, see ValidationCache)."""
    links = tuple(snapshot.chain)
    if not links or links[0].zone != ".":
        return ChainResult("bogus", msg("root-keys-missing"), at_root=True)
    cache = _run_cache.get()
    minute = int(snapshot.now // 60)
    result: ChainResult | None = None
    for index, link in enumerate(links):
        prefix = links[:index + 1]
        cached = cache.get(prefix, minute) if cache is not None else None
        if cached is None:
            if index == 0:
                keys, problem = _trusted_keys(".", link.dnskey, list(snapshot.trust_anchors), snapshot.now,
                                              "trust-anchor")
                used = [link.dnskey] if link.dnskey is not None else []
                cached = ChainResult("secure", None, used, keys) if keys is not None else \
                    ChainResult("bogus", problem, used, culprits=used, at_root=True)
            else:
                cached = _step(link.zone, result.keys, link.ds, link.dnskey, snapshot.now)
            if cache is not None:
                cache.put(prefix, minute, cached)
        result = cached
        if result.status != "secure":
            return result
    return result


def validate_chain(snapshot: ZoneSnapshot, zone_dnskey: Probe | None) -> ChainResult:
    """Validate from the trust anchor down through each cut to the zone's own DNSKEY set."""
    above = _ancestors(snapshot)
    if above.status != "secure":
        return above
    result = _step(snapshot.zone + ".", above.keys, snapshot.ds, zone_dnskey, snapshot.now)
    result.probes = above.probes[-2:] + result.probes
    return result


@dataclass
class DenialProof:
    """Whether the parent proves the zone has no DS: 'proven', 'parent-insecure' (nothing to prove under
    an unsigned parent), 'missing' (no proof), 'invalid' (a proof that does not verify) or 'not-measured',
    with the arguments of the finding that says so and the probes that show it.

    The arguments: `proof` (a message) when proven or parent-insecure; `parent` and `rcode` when
    missing; `kind` and `problem` when invalid; `reason` when not measured."""

    status: str
    args: dict
    probes: list[Probe] = field(default_factory=list)


def no_ds_proof(snapshot: ZoneSnapshot) -> DenialProof:
    """An unsigned zone under a signed parent is insecure, rather than bogus, only when the parent's
    signed NSEC or NSEC3 records prove there is no DS (RFC 4035 section 5.2, RFC 5155 section 8.6)."""
    above = _ancestors(snapshot)
    if above.status != "secure":
        return DenialProof("parent-insecure", {"proof": msg("parent-insecure", reason=above.detail)},
                           above.probes[-2:])
    apex = snapshot.zone + "."
    ds = snapshot.ds
    if ds is None or not ds.answered:
        return DenialProof("not-measured", {"reason": no_answer(ds)}, [ds] if ds else [])
    owner = dns.name.from_text(apex)
    for rrset in ds.section("authority"):
        if rrset.rdtype == dns.rdatatype.NSEC and rrset.name == owner:
            proof = _denies_ds(rrset, "NSEC", ds, above.keys, snapshot.now)
            if proof is not None:
                return proof
        if rrset.rdtype == dns.rdatatype.NSEC3:
            proof = _nsec3_denies_ds(rrset, owner, ds, above.keys, snapshot.now)
            if proof is not None:
                return proof
    return DenialProof("missing", {"parent": snapshot.parent, "rcode": ds.rcode}, [ds])


def _denies_ds(rrset: dns.rrset.RRset, kind: str, probe: Probe, keys: Any, now: float) -> DenialProof | None:
    record = rrset[0]
    if _has_type(record, dns.rdatatype.DS) or not _has_type(record, dns.rdatatype.NS):
        return None
    sigs = probe.find("authority", "RRSIG", rrset.name.to_text(), covers=kind)
    problem = signature_problem(rrset, sigs, keys, now)
    if problem:
        return DenialProof("invalid", {"kind": kind, "problem": problem}, [probe])
    return DenialProof("proven", {"proof": msg("ds-absence-proven", kind=kind, types=_types(record))}, [probe])


def _nsec3_denies_ds(rrset: dns.rrset.RRset, owner: dns.name.Name, probe: Probe, keys: Any,
                     now: float) -> DenialProof | None:
    record = rrset[0]
    try:
        hashed = dns.dnssec.nsec3_hash(owner, record.salt, record.iterations, record.algorithm)
    except (ValueError, dns.dnssec.ValidationFailure):
        return None
    label = rrset.name.labels[0].decode("ascii", "replace").upper()
    if label == hashed:
        return _denies_ds(rrset, "NSEC3", probe, keys, now)
    following = base64.b32hexencode(record.next).decode("ascii").rstrip("=")
    covered = label < hashed < following or (following <= label and (hashed > label or hashed < following))
    if covered and record.flags & 1:  # opt-out: unsigned delegations in this range need no proof of their own
        sigs = probe.find("authority", "RRSIG", rrset.name.to_text(), covers="NSEC3")
        problem = signature_problem(rrset, sigs, keys, now)
        if problem is None:
            return DenialProof("proven", {"proof": msg("ds-absence-opt-out")}, [probe])
    return None


def _has_type(record: Any, rdtype: int) -> bool:
    window, offset = divmod(int(rdtype), 256)
    for number, bitmap in record.windows:
        if number == window:
            octet, bit = divmod(offset, 8)
            return octet < len(bitmap) and bool(bitmap[octet] & (0x80 >> bit))
    return False


def _types(record: Any) -> list[str]:
    return [dns.rdatatype.to_text(window * 256 + octet * 8 + bit)
            for window, bitmap in record.windows for octet, byte in enumerate(bitmap)
            for bit in range(8) if byte & (0x80 >> bit)]
