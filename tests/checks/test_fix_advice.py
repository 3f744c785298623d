"""Fix-it advice as operators read it: the catalogue (a fix for every software on every finding it covers,
placeholders filled from the report), and the command line (`--software`) on the lab's broken zones."""
from __future__ import annotations

import json

import pytest

from kindns.checks.fixes import (
    AUTHORITATIVE, FIXES, LIVE, PLACEHOLDERS, RESOLVING, SOFTWARE, fix_for, fixes_data,
)
from kindns.checks.messages import ADVICE
from kindns.checks.runner import judge_zone  # noqa: F401  (fills the catalogue)

COVERED = {  # the practices the issue names, by the codes whose fixes carry them
    "zone transfers": "AXFR_ALLOWED", "recursion on authoritative servers": "RECURSION_AVAILABLE",
    "signing": "NOT_SIGNED", "re-signing": "SIGNATURE_EXPIRING", "algorithm": "ALGORITHM_DEPRECATED",
    "NSEC3": "NSEC3_ITERATIONS", "TCP": "NO_TCP", "validation": "BOGUS_ACCEPTED",
    "QNAME minimisation": "NOT_MINIMISING", "open resolver": "OPEN_TO_US", "DNS over TLS": "NO_ENCRYPTED_TRANSPORT",
}


@pytest.mark.parametrize("code", COVERED.values())
def test_each_practice_has_a_fix_for_bind_and_the_other_software_of_its_kind(code):
    assert code in ADVICE, "a finding code the checks emit"
    kinds = RESOLVING if code in ("BOGUS_ACCEPTED", "NOT_MINIMISING", "OPEN_TO_US", "NO_ENCRYPTED_TRANSPORT") \
        else AUTHORITATIVE
    software = [s for s in kinds if fix_for(code, s)]
    assert "bind" in software and len(software) >= 3, software


def test_every_fix_is_for_known_software_and_codes_the_checks_emit():
    for fix in FIXES:
        assert fix.software in SOFTWARE and fix.software != "other"
        assert all(code in ADVICE for code in fix.codes), fix.codes


def test_the_zone_fills_the_placeholder_and_documentation_values_stand_for_the_rest():
    [fix] = fixes_data(["AXFR_ALLOWED"], "fail", "bind", zone="example.net", verify="dig @192.0.2.1 example.net AXFR")
    assert 'zone "example.net" {\n    allow-transfer { 192.0.2.53; };\n};' in fix["config"]
    assert "allow-transfer { none; };" in fix["config"]
    assert fix["apply"] == ["rndc reconfig"] and fix["verify"].startswith("dig ")
    assert fix["proof"] == LIVE and PLACEHOLDERS["secondaries"] in fix["text"]
    assert fixes_data(["AXFR_ALLOWED"], "pass", "bind") == [] and fixes_data(["AXFR_ALLOWED"], "fail", None) == []
    assert fixes_data(["AXFR_ALLOWED"], "fail", "other") == []  # unknown software: the generic advice alone


def test_knot_fix_is_yaml_with_the_acl_before_the_zone():
    config = fix_for("AXFR_ALLOWED", "knot").config({"zone": "example.net"})
    assert config.index("acl:") < config.index("zone:")
    assert "  - domain: example.net\n    acl: [ secondaries ]" in config


@pytest.mark.dns
def test_the_cli_prints_the_fix_for_the_software_asked(dns_lab, runner):
    args = ["kindns", "check", dns_lab.zones["open-axfr"], "--root-hints", str(dns_lab.root_hints),
            "--trust-anchor", str(dns_lab.trust_anchor), "--allow-private"]
    table = runner.invoke(args=args + ["--software", "bind"])
    assert table.exit_code == 0, table.output
    assert "For BIND 9:" in table.output and "allow-transfer { none; };" in table.output
    assert "Then apply it with: rndc reconfig" in table.output and "Proven:" in table.output
    knot = runner.invoke(args=args + ["--software", "knot", "--json"])
    [report] = json.loads(knot.output)
    axfr = next(c for c in report["checks"] if c["id"] == "axfr-restricted")
    assert axfr["verdict"] == "fail" and axfr["fixes"][0]["software"] == "knot"
    assert axfr["fixes"][0]["apply"] == ["knotc reload"] and "acl:" in axfr["fixes"][0]["config"]
    assert " AXFR " in axfr["fixes"][0]["verify"]
    # Not asked: the software the servers say they run (the lab's open-axfr zone is served by BIND).
    seen = runner.invoke(args=args)
    assert "Fix-it advice for BIND 9, which its servers say they run (every server says so)." in seen.output
    assert "Then apply it with: rndc reconfig" in seen.output
    plain = runner.invoke(args=args + ["--software", "other"])
    assert "For BIND 9:" not in plain.output and "rndc" not in plain.output  # the general advice alone
    refused = runner.invoke(args=args + ["--software", "djbdns"])
    assert refused.exit_code == 2 and "--software" in refused.output


@pytest.mark.dns
def test_the_signing_fix_ends_with_the_command_that_prints_the_ds_for_the_registrar(dns_lab, runner):
    zone = dns_lab.zones["unsigned"]
    args = ["kindns", "check", zone, "--root-hints", str(dns_lab.root_hints), "--trust-anchor",
            str(dns_lab.trust_anchor), "--allow-private", "--software", "knot"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert (f"Once the zone is signed (a few seconds later), give the parent zone (through your registrar) the DS record this prints: keymgr {zone} ds"
            in result.output)
    [report] = json.loads(runner.invoke(args=args[:-2] + ["--software", "bind", "--json"]).output)
    signed = next(c for c in report["checks"] if c["id"] == "dnssec-signed")
    assert signed["fixes"][0]["parent_ds"] == [
        f"dig @127.0.0.1 +norecurse +noall +answer {zone} DNSKEY | dnssec-dsfromkey -2 -f - {zone}"]
    assert signed["fixes"][0]["proof"] == "live"


@pytest.mark.dns
@pytest.mark.parametrize("software,watch", [("bind", "parental-agents { 198.51.100.53; };"),
                                            ("knot", "address: 198.51.100.53")])
def test_the_algorithm_fix_hands_the_parent_the_cds_records_when_the_rollover_is_ready(dns_lab, runner, software,
                                                                                      watch):
    zone = dns_lab.zones["deprecated-algorithm"]
    args = ["kindns", "check", zone, "--root-hints", str(dns_lab.root_hints), "--trust-anchor",
            str(dns_lab.trust_anchor), "--allow-private", "--software", software]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert watch in result.output  # the server watches the parent: the operator replaces the documentation address
    assert ("When this prints a record of the new algorithm (a day or more later), give the parent zone (through "
            "your registrar) exactly these DS records, in place of the old ones: "
            f"dig @127.0.0.1 +norecurse +noall +answer {zone} CDS") in result.output


@pytest.mark.dns
def test_check_resolver_prints_the_fix_for_the_resolver_software(dns_lab, runner):
    result = runner.invoke(args=["kindns", "check-resolver", dns_lab.resolvers["non-validating"], "--category",
                                 "public", "--root-hints", str(dns_lab.root_hints), "--trust-anchor",
                                 str(dns_lab.trust_anchor), "--allow-private", "--signed-name", dns_lab.signed_name,
                                 "--bogus-name", dns_lab.bogus_name, "--qname-min-zone", dns_lab.qname_min_name])
    assert result.exit_code == 0, result.output
    # Unbound says what it is, so its advice is given without asking.
    assert "Fix-it advice for Unbound, which its servers say they run (every server says so)." in result.output
    assert "qname-minimisation: yes" in result.output and 'module-config: "validator iterator"' in result.output
    assert "Then apply it with: unbound-control reload" in result.output
