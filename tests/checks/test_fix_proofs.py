"""Every fix the catalogue calls proven live is proven here: a throwaway BIND, Knot or Unbound starts on the
lab's proof address with a faulty configuration, the real check fails on it, the fix's changes are applied
to the configuration as data, the fix's own command reloads the server, and the same check then passes.
Where the fix ends at the parent (a first signing, an algorithm rollover), the lab's TLD plays the registry:
it publishes the DS records that the fix's own command prints. A rollover takes days, which pass for the
server's keys a day at a time (ProofServer.age) while the zone must go on validating."""

from __future__ import annotations

import contextlib
import itertools
import time
from dataclasses import dataclass, field

import pytest

from kindns.checks import run_resolver_checks, run_zone_checks
from kindns.checks.fixes import FIXES, LIVE, Block, fix_for
from tests.dnslab import unbound as lab_unbound
from tests.dnslab.errors import LabError
from tests.dnslab.proof import proof_server

pytestmark = pytest.mark.dns


@dataclass(frozen=True)
class Proof:
    software: str
    role: str                  # "zone" or "resolver"
    check: str
    code: str                  # the finding the faulty server gives, whose fix is proven
    faulty: tuple[Block, ...]  # the statements that make it fail ("${zone}" is the proof zone)
    category: str = "public"   # a resolver's category
    # Unbound: loopback stands for the Internet (proof.py withdraws Unbound's implicit allow of it), and the
    # faulty configuration allows "everyone", the lab's block, ${lab_net}.
    outside: bool = False
    failing: tuple[str, ...] = ("fail",)
    context: dict = field(default_factory=dict)
    # A key rollover: the zone starts signed with its DS at the lab's TLD, and the fix takes days, which the
    # proof lets pass a day at a time for the server's keys (ProofServer.age), up to `days`.
    secure: bool = False
    days: int = 0


def _blocks(*blocks: tuple) -> tuple[Block, ...]:
    return tuple(Block(block, item, list(statements)) for block, item, statements in blocks)


PROOFS = [
    Proof("bind", "zone", "axfr-restricted", "AXFR_ALLOWED",
          _blocks(("zone", "${zone}", [("allow-transfer", "{ any; }")]))),
    Proof("bind", "zone", "no-open-recursion", "RECURSION_AVAILABLE",
          _blocks(("options", "", [("recursion", "yes"), ("allow-recursion", "{ any; }"),
                                   ("allow-query-cache", "{ any; }"), ("query-source", "address ${address}")]))),
    Proof("bind", "zone", "dnssec-nsec3-params", "NSEC3_ITERATIONS",
          _blocks(("dnssec-policy", "kindns", [("nsec3param", "iterations 10 optout no salt-length 8")]),
                  ("zone", "${zone}", [("dnssec-policy", "kindns"), ("inline-signing", "yes")])),
          failing=("warn",)),
    Proof("bind", "zone", "dnssec-signature-expiry", "SIGNATURE_EXPIRING",
          _blocks(("dnssec-policy", "short", [("signatures-validity", "4d"), ("signatures-refresh", "1d")]),
                  ("zone", "${zone}", [("dnssec-policy", "short"), ("inline-signing", "yes")])),
          failing=("warn",)),
    Proof("knot", "zone", "dnssec-signature-expiry", "SIGNATURE_EXPIRING",
          _blocks(("policy", "kindns", [("rrsig-lifetime", "4d"), ("rrsig-refresh", "1d")]),
                  ("zone", "${zone}", [("dnssec-signing", "on"), ("dnssec-policy", "kindns")])),
          failing=("warn",)),
    Proof("knot", "zone", "axfr-restricted", "AXFR_ALLOWED",
          _blocks(("acl", "anyone", [("address", "0.0.0.0/0"), ("action", "transfer")]),
                  ("zone", "${zone}", [("acl", "[ anyone ]")]))),
    Proof("knot", "zone", "dnssec-nsec3-params", "NSEC3_ITERATIONS",
          _blocks(("policy", "kindns", [("nsec3", "on"), ("nsec3-iterations", "10"), ("nsec3-salt-length", "8")]),
                  ("zone", "${zone}", [("dnssec-signing", "on"), ("dnssec-policy", "kindns")])),
          failing=("warn",)),
    Proof("bind", "zone", "dnssec-signed", "NOT_SIGNED", ()),
    Proof("bind", "zone", "dnssec-algorithm", "ALGORITHM_DEPRECATED",
          _blocks(("dnssec-policy", "sha1", [("keys", "{ csk lifetime unlimited algorithm rsasha1; }")]),
                  ("zone", "${zone}", [("dnssec-policy", "sha1"), ("inline-signing", "yes")])),
          secure=True, days=10),
    Proof("knot", "zone", "dnssec-signed", "NOT_SIGNED", ()),
    Proof("knot", "zone", "dnssec-algorithm", "ALGORITHM_DEPRECATED",
          _blocks(("policy", "kindns", [("algorithm", "rsasha1")]),
                  ("zone", "${zone}", [("dnssec-signing", "on"), ("dnssec-policy", "kindns")])),
          secure=True, days=10),
    Proof("bind", "resolver", "resolver-dnssec-validation", "BOGUS_ACCEPTED",
          _blocks(("options", "", [("dnssec-validation", "no")]))),
    Proof("bind", "resolver", "resolver-qname-minimisation", "NOT_MINIMISING",
          _blocks(("options", "", [("qname-minimization", "off")]))),
    Proof("bind", "resolver", "resolver-access-control", "OPEN_TO_US",
          _blocks(("options", "", [("allow-recursion", "{ any; }"), ("allow-query-cache", "{ any; }")])),
          category="private"),
    Proof("unbound", "resolver", "resolver-dnssec-validation", "BOGUS_ACCEPTED",
          _blocks(("server", "", [("module-config", '"iterator"')]))),
    Proof("unbound", "resolver", "resolver-qname-minimisation", "NOT_MINIMISING",
          _blocks(("server", "", [("qname-minimisation", "no")]))),
    Proof("unbound", "resolver", "resolver-access-control", "OPEN_TO_US",
          _blocks(("server", "", [("access-control", "${lab_net} allow")])), category="private", outside=True),
    Proof("unbound", "resolver", "resolver-encrypted-transport", "NO_ENCRYPTED_TRANSPORT", ()),
    Proof("bind", "resolver", "resolver-encrypted-transport", "NO_ENCRYPTED_TRANSPORT", ()),
]


def _fill(blocks: tuple[Block, ...], values: dict) -> list[Block]:
    from string import Template
    return [Block(b.block, Template(b.item).safe_substitute(values),
                  [(n, Template(v).safe_substitute(values)) for n, v in b.statements]) for b in blocks]


DAY = 86400


def _reports(config, proof: Proof, server):
    if proof.role == "zone":
        return run_zone_checks([server.zone], config)
    return run_resolver_checks([server.address], proof.category, config)


def _verdict(lab, config, proof: Proof, server):
    [report] = _reports(config, proof, server)
    return report.result(proof.check)


def _eventually(lab, config, proof: Proof, server, verdicts: tuple[str, ...], seconds: float = 15.0):
    """The check's outcome once its verdict is one of `verdicts`, or the last one after `seconds` (a server
    that signs or re-signs a zone takes a moment after it starts or reloads)."""
    deadline = time.monotonic() + seconds
    while True:
        outcome = _verdict(lab, config, proof, server)
        if outcome.verdict in verdicts or time.monotonic() > deadline:
            return outcome
        time.sleep(0.5)


def test_every_fix_claimed_live_is_proven_here():
    unproven = [(fix.codes, fix.software) for fix in FIXES if fix.proof == LIVE
                and not any(p.software == fix.software and p.code in fix.codes for p in PROOFS)]
    assert not unproven


def test_only_the_lab_software_is_proven_live():
    assert {fix.software for fix in FIXES if fix.proof == LIVE} <= {"bind", "knot", "unbound"}


@pytest.mark.parametrize("proof", PROOFS, ids=lambda p: f"{p.software}-{p.check}")
def test_the_fix_makes_the_check_pass(dns_lab, lab_config, proof):
    fix = fix_for(proof.code, proof.software)
    assert fix is not None and fix.proof == LIVE and fix.changes and fix.apply
    address = (dns_lab.proof_resolvers[proof.software] if proof.role == "resolver"
               else dns_lab.nameservers_of(dns_lab.proof_zones[proof.software])[0])
    values = {"zone": dns_lab.proof_zones.get(proof.software, ""), "address": address,
              "root_hints": str(dns_lab.root_hints), "lab_net": ".".join(address.split(".")[:2]) + ".0.0/16"}
    with (proof_server(dns_lab, proof.software, proof.role, _fill(proof.faulty, values), proof.outside) as server,
          _registrar(dns_lab, server.zone) as registrar):
        if proof.secure:
            _secure_delegation(server, registrar, address)
        before = _eventually(dns_lab, lab_config, proof, server, proof.failing)
        assert before.verdict in proof.failing, before.summary
        assert proof.code in before.advice_codes, before.summary

        context = {"zone": server.zone, "address": address, "listen": address,
                   "root_key": str(server.directory / "root.key"), "parent_ns": dns_lab.tld_server}
        if "${tls_key}" in repr(fix.changes):
            key, cert = lab_unbound.make_certificate(server.directory, address, dns_lab._ca)
            context.update(tls_key=str(key), tls_cert=str(cert))
        server.apply(fix.filled_changes(context))
        server.run(fix.apply)
        parent_ds = fix.filled_commands(fix.parent_ds, {**context, "primary": address})
        after, valid = _until_it_passes(dns_lab, lab_config, proof, server, registrar, parent_ds)
        assert registrar.published or not parent_ds, f"{parent_ds} printed no DS record\n{server.log_tail()}"
        assert after.verdict == "pass", f"{after.summary}\n{server.log_tail()}"
        # The operator's zone never stopped validating on the way (a rollover's whole point); a day the engine
        # could not measure (error, on a loaded machine) proves nothing either way.
        assert not proof.secure or valid - {"error"} == {"pass"}, valid


def _until_it_passes(lab, config, proof: Proof, server, registrar, parent_ds: list[str], seconds: float = 30.0):
    """The check's outcome once it passes (or the last one, after `seconds` or `proof.days`), and every verdict
    of dnssec-valid on the way. Each round the registrar takes what the fix's commands print for the parent,
    then time passes: half a second, or a day of the server's keys for a fix that takes days."""
    deadline = time.monotonic() + seconds
    valid: set[str] = set()
    for rounds in itertools.count():
        if parent_ds:
            registrar.take(_printed(server, parent_ds))
        [report] = _reports(config, proof, server)
        outcome = report.result(proof.check)
        if proof.secure:
            valid.add(report.result("dnssec-valid").verdict)
        if outcome.verdict == "pass" or (rounds >= proof.days if proof.days else time.monotonic() > deadline):
            return outcome, valid
        if proof.days:
            server.age(DAY)
        else:
            time.sleep(0.5)  # the server signs the zone a moment after it reloads


def _secure_delegation(server, registrar, address: str) -> None:
    """The faulty zone as a careful operator left it: signed, its DS at the TLD and the server told so, and
    long enough ago that every key is in place everywhere."""
    signing = fix_for("NOT_SIGNED", server.software)
    first_ds = signing.filled_commands(signing.parent_ds, {"zone": server.zone, "primary": address})
    deadline = time.monotonic() + 15.0
    while not registrar.take(_printed(server, first_ds)):
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.5)
    server.submitted_ds()
    server.age(3 * DAY)


def _printed(server, commands: list[str]) -> str:
    """What the fix's commands for the parent print now; nothing while the zone is not signed yet
    (dnssec-dsfromkey refuses input without a DNSKEY)."""
    try:
        return "\n".join(server.output(command) for command in commands)
    except LabError:
        return ""


class _Registrar:
    """The lab's TLD as a registry through its registrar: it publishes the DS records the operator gives it
    (DS or CDS lines, as the fix's commands print them), and nothing else."""

    def __init__(self, lab, zone: str) -> None:
        self.lab, self.zone, self.published = lab, zone, []

    def take(self, printed: str) -> bool:
        """Publish the records `printed` holds, if any and if they are new; whether the TLD holds some."""
        ds = sorted(" ".join(["IN", "DS", *tokens[tokens.index(kind) + 1:]])
                    for tokens in map(str.split, printed.splitlines()) if tokens and not tokens[0].startswith(";")
                    for kind in ("DS", "CDS") if kind in tokens)
        if ds and ds != self.published:
            self.lab.publish_ds(self.zone, ds)
            self.published = ds
        return bool(self.published)


@contextlib.contextmanager
def _registrar(lab, zone: str):
    """A registrar for the proof zone; whatever it published is withdrawn at the end, so the next proof starts
    from an insecure delegation again."""
    registrar = _Registrar(lab, zone)
    try:
        yield registrar
    finally:
        if registrar.published and zone:
            lab.publish_ds(zone, [])
