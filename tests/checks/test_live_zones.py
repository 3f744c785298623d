"""Every zone check against the lab's real servers: the good zone passes everything, and each broken
zone fails (or warns on) exactly what it breaks and nothing else."""
from __future__ import annotations

import json
import time

import pytest

from kindns.checks import ZONE_CHECKS, run_zone_checks
from kindns.checks.messages import render
from tests.checks.labconfig import config_for_lab
from tests.dnslab.zones import EXPECTED_VERDICTS, IPV6_ROLES, skip_without

pytestmark = pytest.mark.dns

# role -> the checks whose verdict differs from "pass" on that zone: the lab's own table
EXPECTED = EXPECTED_VERDICTS


@pytest.fixture(scope="module")
def lab_reports(dns_lab, lab_config):
    """Every role zone checked once, in one concurrent run, by role."""
    roles = list(dns_lab.zones)
    reports = run_zone_checks([dns_lab.zones[role] for role in roles], lab_config)
    return dict(zip(roles, reports))


def test_the_lab_has_every_role_this_module_expects(dns_lab):
    assert set(dns_lab.zones) == set(EXPECTED) - (set() if dns_lab.ipv6 else IPV6_ROLES)


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("check_id", list(ZONE_CHECKS))
def test_verdict(dns_lab, lab_reports, role, check_id):
    skip_without(dns_lab, role)
    result = lab_reports[role].result(check_id)
    expected = EXPECTED[role].get(check_id, "pass")
    assert result.verdict == expected, f"{role}: {result.summary}"
    assert result.evidence and "dig " in result.advice


def test_summaries_name_what_is_wrong(dns_lab, lab_reports):
    lame = dns_lab.nameservers("lame")
    assert any(address in lab_reports["lame"].result("ns-authoritative").summary for address in lame.values())
    assert "ns3.ns-mismatch" in lab_reports["ns-mismatch"].result("ns-consistency").summary
    assert "algorithm 5" in lab_reports["deprecated-algorithm"].result("dnssec-algorithm").summary
    assert "transferred the zone" in lab_reports["open-axfr"].result("axfr-restricted").summary
    assert "AS64501" in lab_reports["good"].result("ns-diversity").summary
    assert "proves there is no DS with a signed NSEC record" in lab_reports["unsigned"].result("dnssec-valid").summary


def test_new_server_classes_are_named_in_the_summaries_and_evidence(dns_lab, lab_reports):
    silent = dns_lab.nameservers("silent")[f"ns2.{dns_lab.zones['silent']}"]
    for check_id in ("transport", "ns-authoritative"):
        assert silent in lab_reports["silent"].result(check_id).summary
    signed = lab_reports["silent"].result("dnssec-signed")
    assert any(e["finding"] == "NOT_HEARD" and silent in render(e["message"]) for e in signed.evidence)
    assert "only queries without EDNS" in lab_reports["edns-drop"].result("transport").summary
    truncated = [p for e in lab_reports["truncating"].result("transport").evidence for p in e["probes"]
                 if p["transport"] == "udp+tcp"]
    assert truncated and all("truncated" in p["note"] for p in truncated)
    lame_free = lab_reports["truncating"].result("ns-authoritative")
    assert lame_free.verdict == "pass" and "lame" not in lame_free.summary


def test_evidence_records_server_query_rcode_flags_and_time(lab_reports):
    axfr = lab_reports["open-axfr"].result("axfr-restricted").to_dict()
    probe = axfr["evidence"][0]["probes"][0]
    assert probe["query"].endswith("AXFR") and probe["transport"] == "tcp"
    assert probe["rcode"] == "NOERROR" and "AA" in probe["flags"]
    assert any(" SOA " in record for record in probe["records"])
    assert probe["time_ms"] > 0
    json.dumps([r.to_dict() for r in lab_reports.values()])  # everything serialises


def test_a_dead_root_server_is_skipped_and_the_zone_still_measured(dns_lab, tmp_path):
    hints = tmp_path / "hints"
    hints.write_text(". 3600 NS dead.root.test.\ndead.root.test. 3600 A 127.0.0.243\n"
                     + dns_lab.root_hints.read_text())
    from kindns.checks import load_root_hints

    config = config_for_lab(dns_lab, root_hints=load_root_hints(hints), timeout=0.3)
    [report] = run_zone_checks([dns_lab.zones["good"]], config)
    assert {c.verdict for c in report.checks} == {"pass"}


def test_a_dead_hierarchy_gives_errors_without_hanging(dns_lab, tmp_path):
    hints = tmp_path / "hints"
    hints.write_text(". 3600 NS dead.root.test.\ndead.root.test. 3600 A 127.0.0.243\n")
    from kindns.checks import load_root_hints

    config = config_for_lab(dns_lab, root_hints=load_root_hints(hints), timeout=0.3, retries=1)
    started = time.monotonic()
    [report] = run_zone_checks([dns_lab.zones["good"]], config)
    assert time.monotonic() - started < 3
    assert {c.verdict for c in report.checks} == {"error"}
    evidence = report.result("transport").evidence[0]
    assert evidence["probes"][0]["server"] == "127.0.0.243" and evidence["probes"][0]["error"] == "timeout"


def test_the_zone_deadline_stops_collection_and_reports_errors(dns_lab):
    config = config_for_lab(dns_lab, zone_deadline=0.001)
    started = time.monotonic()
    [report] = run_zone_checks([dns_lab.zones["good"]], config)
    assert time.monotonic() - started < 2
    assert {c.verdict for c in report.checks} == {"error"}
    assert "deadline" in report.result("ns-count").summary


def test_loopback_is_refused_without_allow_private_and_the_evidence_says_so(dns_lab):
    config = config_for_lab(dns_lab, allow_private=False)
    [report] = run_zone_checks([dns_lab.zones["good"]], config)
    assert {c.verdict for c in report.checks} == {"error"}
    probe = report.result("dnssec-signed").evidence[0]["probes"][0]
    assert probe["error"] == "refused-by-policy" and "loopback" in probe["error_detail"]
    assert probe["time_ms"] < 100  # nothing was sent, so nothing was waited for


def test_the_cli_checks_lab_zones_and_prints_json(app, runner, dns_lab):
    app.config["KINDNS_CHECK_ASN_ZONE_V4"] = dns_lab.asn_zone_v4
    result = runner.invoke(args=["kindns", "check", dns_lab.zones["good"], dns_lab.zones["open-axfr"] + ".",
                                 "--root-hints", str(dns_lab.root_hints), "--trust-anchor",
                                 str(dns_lab.trust_anchor), "--allow-private", "--json"])
    assert result.exit_code == 0, result.output
    good, axfr = json.loads(result.stdout)
    assert good["target"] == dns_lab.zones["good"] and axfr["target"] == dns_lab.zones["open-axfr"]
    assert {c["verdict"] for c in good["checks"]} == {"pass"}
    assert {c["id"]: c["verdict"] for c in axfr["checks"]}["axfr-restricted"] == "fail"


def test_the_cli_prints_a_table(app, runner, dns_lab):
    app.config["KINDNS_CHECK_ASN_ZONE_V4"] = dns_lab.asn_zone_v4
    result = runner.invoke(args=["kindns", "check", dns_lab.zones["lame"], "--root-hints", str(dns_lab.root_hints),
                                 "--trust-anchor", str(dns_lab.trust_anchor), "--allow-private"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "ns-authoritative" in line)
    assert line.split()[0] == "FAIL" and "lame" in line


def test_reports_stream_as_zones_finish_and_keep_their_order_in_run_zone_checks(dns_lab, lab_config):
    import asyncio

    from kindns.checks import iter_zone_checks

    names = [dns_lab.zones["good"], dns_lab.zones["lame"], dns_lab.zones["good"]]

    async def collect():
        return [report.target async for report in iter_zone_checks(names, lab_config.replace(concurrency=2))]

    assert sorted(asyncio.run(collect())) == sorted(names)
    seen = []
    reports = run_zone_checks(names, lab_config, progress=lambda report: seen.append(report.target))
    assert [r.target for r in reports] == names and sorted(seen) == sorted(names)


def test_a_run_shared_between_worker_processes_gives_the_same_verdicts(dns_lab, lab_config):
    from kindns.checks.runner import processes_for

    names = [dns_lab.zones[role] for role in ("good", "open-axfr", "lame", "good")]
    config = lab_config.replace(processes=2, processes_from=2)
    assert processes_for(len(names), config) == 2
    seen = []
    reports = run_zone_checks(names, config, progress=lambda report: seen.append(report.target))
    assert [r.target for r in reports] == names and sorted(seen) == sorted(names)
    for report, role in zip(reports, ("good", "open-axfr", "lame", "good")):
        assert {c.id: c.verdict for c in report.checks} == {c: EXPECTED[role].get(c, "pass") for c in ZONE_CHECKS}


def test_every_lab_report_rejudged_from_its_stored_snapshot_is_the_same_without_a_query(lab_reports, monkeypatch):
    import socket

    from kindns.checks import rejudge
    from kindns.checks.query import Prober

    stored = {role: json.loads(json.dumps(report.snapshot)) for role, report in lab_reports.items()}

    def refuse(*args, **kwargs):
        raise AssertionError("re-judging tried to use the network")
    monkeypatch.setattr(Prober, "ask", refuse)
    monkeypatch.setattr(socket, "socket", refuse)
    for role, report in lab_reports.items():
        again = rejudge(stored[role])
        assert again.to_dict() == report.to_dict(), role


def test_an_ipv6_nameserver_is_asked_over_ipv6_and_judged_on_its_own_prefix(dns_lab, lab_reports):
    skip_without(dns_lab, "ipv6")
    report = lab_reports["ipv6"]
    assert "::/48" in report.result("ns-diversity").summary
    transport = report.result("transport").evidence
    assert any(p["server"] == "::1" and p["transport"] == "udp" for e in transport for p in e["probes"])
    assert "::1" in report.result("ns-count").evidence[0]["addresses"]


def test_every_finding_of_the_lab_renders_and_speaks_only_through_the_catalogue(lab_reports):
    from tests.checks.messagecheck import outcome_faults

    faults = [fault for report in lab_reports.values() for outcome in report.checks
              for fault in outcome_faults(outcome)]
    assert faults == []
    for role, report in lab_reports.items():
        assert report.unmeasured is None, role  # every role zone is measured; the errors are of one check


def test_a_zone_nobody_delegates_is_one_finding_with_the_parents_answer(dns_lab, lab_config):
    from tests.checks.messagecheck import message_faults

    [report] = run_zone_checks([f"not-delegated.{dns_lab.zones['good'].split('.', 1)[1]}"], lab_config)
    assert {c.verdict for c in report.checks} == {"error"}
    assert render(report.unmeasured["message"]) == \
        "not delegated: the parent says not-delegated.test does not exist (NXDOMAIN)"
    assert message_faults(report.unmeasured["message"]) == []
    assert report.unmeasured["probes"][-1]["rcode"] == "NXDOMAIN"
    assert report.to_dict()["unmeasured"]["summary"] == report.checks[0].summary
