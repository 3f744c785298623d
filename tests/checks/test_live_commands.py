"""The command each failing or warning check prints is the one that shows its fault: run with the real dig
against the lab's servers, for every check the lab's broken role zones break (tests/dnslab/zones.py), its
output shows what the check found — the RRSIG's expiration in the past, the transferred records, RA and an
answer, serials that differ, a key tag the DS does not name...
"""
from __future__ import annotations

import re
import shlex
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from kindns.checks import run_zone_checks
from kindns.checks.zone_checks import EXPIRY_WARNING_DAYS, network_prefix
from tests.dnslab.zones import EXPECTED_VERDICTS, IPV6_ROLES

pytestmark = pytest.mark.dns

CASES = [(role, check_id) for role, verdicts in EXPECTED_VERDICTS.items() if role not in IPV6_ROLES
         for check_id, verdict in verdicts.items() if verdict in ("fail", "warn")]


@pytest.fixture(scope="module")
def printed(dns_lab, lab_config):
    """(role, check) -> (the outcome, each command of its printed text with what dig printed), every command
    run at once (a silent server keeps dig waiting for its own timeouts)."""
    roles = sorted({role for role, _check in CASES})
    reports = dict(zip(roles, run_zone_checks([dns_lab.zones[role] for role in roles], lab_config)))
    outcomes = {(role, check_id): reports[role].result(check_id) for role, check_id in CASES}
    commands = sorted({command for outcome in outcomes.values() if outcome.command
                       for command in outcome.command["text"].split("; ")})

    def run(command: str) -> str:
        done = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=60)
        return done.stdout + done.stderr

    with ThreadPoolExecutor(max_workers=16) as pool:
        outputs = dict(zip(commands, pool.map(run, commands)))
    return {case: (outcome, [(c, outputs[c]) for c in outcome.command["text"].split("; ")] if outcome.command
                   else []) for case, outcome in outcomes.items()}


# -- reading dig's output ---------------------------------------------------------------------------

def section(output: str, name: str) -> list[list[str]]:
    """The records of one section of dig's output (+multi records joined), as fields."""
    found = re.search(rf";; {name} SECTION:\n(.*?)(?:\n\n|\Z)", output, re.S)
    if not found:
        return []
    text = re.sub(r"\(\s*|\s*\)", " ", re.sub(r";[^\n]*", "", found.group(1)))  # comments, +multi's brackets
    records, current = [], []
    for line in text.splitlines():
        if line and not line[0].isspace() and current:
            records.append(current)
            current = []
        current += line.split()
    return records + ([current] if current else [])


def of_type(records: list[list[str]], rdtype: str) -> list[list[str]]:
    """Records of that type; each as [owner, ttl, class, type, rdata fields...]."""
    return [r for r in records if len(r) > 3 and r[3] == rdtype]


def flags(output: str) -> set[str]:
    found = re.search(r";; flags:([^;]*);", output)
    return set(found.group(1).split()) if found else set()


def no_answer(output: str) -> bool:
    return "timed out" in output or "no servers could be reached" in output


def rrsig_expirations(output: str) -> list[int]:
    """The expiration of every RRSIG in the answer (YYYYMMDDHHMMSS, as +multi prints it), as Unix time."""
    import calendar
    stamps = [r[8] for r in of_type(section(output, "ANSWER"), "RRSIG")]
    return [calendar.timegm(time.strptime(stamp, "%Y%m%d%H%M%S")) for stamp in stamps]


def key_tags(output: str) -> set[str]:
    """The key ids +multi prints beside each DNSKEY."""
    return set(re.findall(r"key id = (\d+)", output))


# -- what each check's fault looks like -------------------------------------------------------------

def shows_unsigned(outputs):
    [(_c, out)] = outputs
    assert "status: NOERROR" in out and not of_type(section(out, "ANSWER"), "DNSKEY")


def shows_one_nameserver(outputs):
    [(_c, out)] = outputs
    assert len(of_type(section(out, "AUTHORITY"), "NS")) == 1


def shows_one_prefix(outputs):
    [(_c, out)] = outputs
    glue = of_type(section(out, "ADDITIONAL"), "A")
    assert glue and len({network_prefix(r[4]) for r in glue}) == 1, glue


def shows_transfer(outputs):
    [(_c, out)] = outputs
    records = [line.split() for line in out.splitlines() if line and not line.startswith(";")]
    assert sum(1 for r in records if len(r) > 3 and r[3] == "SOA") == 2 and len(records) > 4  # the whole zone


def shows_recursion(outputs):
    [(command, out)] = outputs
    assert "+recurse" in command and "ra" in flags(out) and "aa" not in flags(out)
    assert section(out, "ANSWER"), out


def shows_signatures_expired(outputs):
    expirations = [e for _c, out in outputs for e in rrsig_expirations(out)]
    assert expirations and min(expirations) < time.time(), outputs


def shows_signatures_expiring(outputs):
    expirations = [e for _c, out in outputs for e in rrsig_expirations(out)]
    assert expirations and time.time() < min(expirations) < time.time() + EXPIRY_WARNING_DAYS * 86400


def shows_broken_chain(outputs):
    """Either an expired signature, or a DS naming a key the zone does not publish."""
    expirations = [e for _c, out in outputs for e in rrsig_expirations(out)]
    if expirations and min(expirations) < time.time():
        return
    ds = [r[4] for _c, out in outputs for r in of_type(section(out, "ANSWER"), "DS")]
    keys = {tag for _c, out in outputs for tag in key_tags(out)}
    assert ds and keys and not set(ds) & keys, (ds, keys)


def shows_deprecated_algorithm(outputs):
    [(_c, out)] = outputs
    algorithms = {r[6] for r in of_type(section(out, "ANSWER"), "DNSKEY")}
    assert "5" in algorithms and "alg = RSASHA1" in out


def shows_nsec3_iterations(outputs):
    [(_c, out)] = outputs
    [param] = of_type(section(out, "ANSWER"), "NSEC3PARAM")
    assert param[4:] == ["1", "0", "10", "C0FFEE"]


def shows_serials_differ(outputs):
    serials = {r[6] for _c, out in outputs for r in of_type(section(out, "ANSWER"), "SOA")}
    assert len(outputs) >= 2 and len(serials) >= 2, serials


def shows_not_authoritative(outputs):
    [(_c, out)] = outputs
    assert no_answer(out) or "aa" not in flags(out) or "status: NOERROR" not in out


def shows_ns_sets_differ(outputs):
    (_p, parent), (_z, child) = outputs
    at_parent = {r[4] for r in of_type(section(parent, "AUTHORITY"), "NS")}
    in_zone = {r[4] for r in of_type(section(child, "ANSWER"), "NS")}
    assert at_parent and in_zone and at_parent != in_zone


def shows_transport_fault(outputs):
    if len(outputs) == 2:   # with EDNS and without: only the second is answered
        (_e, with_edns), (plain, without) = outputs
        assert no_answer(with_edns) and "+noedns" in plain and "status: NOERROR" in without
        return
    [(command, out)] = outputs
    assert no_answer(out) or ("+tcp" in command and "connection refused" in out), out


SHOWS = {
    "dnssec-signed": shows_unsigned,
    "ns-count": shows_one_nameserver,
    "ns-diversity": shows_one_prefix,
    "axfr-restricted": shows_transfer,
    "no-open-recursion": shows_recursion,
    "dnssec-valid": shows_broken_chain,
    "dnssec-algorithm": shows_deprecated_algorithm,
    "dnssec-nsec3-params": shows_nsec3_iterations,
    "soa-serial-consistency": shows_serials_differ,
    "ns-authoritative": shows_not_authoritative,
    "ns-consistency": shows_ns_sets_differ,
    "transport": shows_transport_fault,
}


def test_every_check_the_lab_breaks_has_a_way_to_show_it():
    assert {check_id for _role, check_id in CASES} <= set(SHOWS) | {"dnssec-signature-expiry"}


@pytest.mark.parametrize("role, check_id", CASES)
def test_the_printed_command_shows_the_fault(dns_lab, printed, role, check_id):
    outcome, outputs = printed[(role, check_id)]
    assert outcome.command and outcome.command["kind"] == "reproduce", outcome.to_dict()
    assert outcome.advice.endswith("Reproduce with: " + outcome.command["text"])
    for command, _output in outputs:
        # The zone's own records, except for recursion: a name outside the zone, as asked.
        assert command.startswith("dig @") and (dns_lab.zones[role] in command or check_id == "no-open-recursion")
    if check_id == "dnssec-signature-expiry":
        shows = shows_signatures_expired if outcome.verdict == "fail" else shows_signatures_expiring
    else:
        shows = SHOWS[check_id]
    shows(outputs)
