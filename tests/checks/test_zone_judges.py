"""The zone judges on hand-built snapshots: each check's verdict for a good zone and for each defect."""
from __future__ import annotations

import pytest

from kindns.checks import ZONE_CHECKS
from kindns.checks.messages import msg, render
from kindns.checks.runner import judge_zone
from tests.checks.builders import (
    APEX, DAY, NS1, NS2, NOW, make_key, probe, rrset, server_snapshot, zone_snapshot,
)


def verdicts(snapshot) -> dict[str, str]:
    return {check_id: spec.run(snapshot).verdict for check_id, spec in ZONE_CHECKS.items()}


def result(snapshot, check_id: str):
    return ZONE_CHECKS[check_id].run(snapshot)


def test_a_good_zone_passes_every_check():
    assert verdicts(zone_snapshot()) == {check_id: "pass" for check_id in ZONE_CHECKS}


def test_an_unsigned_zone_fails_signing_and_the_other_dnssec_checks_do_not_apply():
    got = verdicts(zone_snapshot(signed=False))
    assert got["dnssec-signed"] == "fail"
    assert {got[c] for c in ("dnssec-valid", "dnssec-algorithm", "dnssec-nsec3-params",
                             "dnssec-signature-expiry")} == {"n/a"}
    assert "not signed" in result(zone_snapshot(signed=False), "dnssec-signed").summary


@pytest.mark.parametrize("proof, why", [
    ("", "no signed NSEC or NSEC3"),
    ("NS DS RRSIG NSEC", "no signed NSEC or NSEC3"),   # the NSEC says a DS exists: no proof of absence
])
def test_an_unsigned_zone_without_the_parents_proof_of_no_ds_is_not_just_insecure(proof, why):
    snapshot = zone_snapshot(signed=False, ds_proof=proof)
    outcome = result(snapshot, "dnssec-valid")
    assert outcome.verdict == "fail" and why in outcome.summary
    assert result(snapshot, "dnssec-algorithm").verdict == "n/a"


def test_an_unsigned_zone_with_the_parents_proof_says_which_record_proves_it():
    outcome = result(zone_snapshot(signed=False), "dnssec-valid")
    assert outcome.verdict == "n/a" and "signed NSEC record (types NS, RRSIG, NSEC)" in outcome.summary


def test_no_ds_at_the_parent_fails_signing_and_leaves_the_chain_insecure():
    snapshot = zone_snapshot(ds_key=None)
    signed = result(snapshot, "dnssec-signed")
    assert signed.verdict == "fail" and "no DS" in signed.summary
    valid = result(snapshot, "dnssec-valid")
    assert valid.verdict == "fail" and "no DS" in valid.summary


def test_a_ds_that_matches_no_key_makes_the_chain_bogus():
    snapshot = zone_snapshot(ds_key=make_key(APEX))
    outcome = result(snapshot, "dnssec-valid")
    assert outcome.verdict == "fail"
    assert "matches the parent's DS set" in outcome.summary
    assert result(snapshot, "dnssec-signed").verdict == "pass"


def test_a_tampered_signature_makes_the_chain_bogus():
    servers = [server_snapshot(*NS1, sign_options={"tamper": True}), server_snapshot(*NS2)]
    outcome = result(zone_snapshot(servers=servers), "dnssec-valid")
    assert outcome.verdict == "fail"
    assert "verify failure" in outcome.summary


def test_expired_signatures_fail_validity_and_expiry():
    expired = {"inception": NOW - 40 * DAY, "expiration": NOW - DAY}
    servers = [server_snapshot(*NS1, sign_options=expired), server_snapshot(*NS2, sign_options=expired)]
    snapshot = zone_snapshot(servers=servers)
    assert result(snapshot, "dnssec-valid").verdict == "fail"
    expiry = result(snapshot, "dnssec-signature-expiry")
    assert expiry.verdict == "fail" and "expired 1.0 days ago" in expiry.summary


def test_signatures_expiring_within_seven_days_warn():
    soon = {"expiration": NOW + 3 * DAY}
    servers = [server_snapshot(*NS1, sign_options=soon), server_snapshot(*NS2)]
    snapshot = zone_snapshot(servers=servers)
    assert result(snapshot, "dnssec-valid").verdict == "pass"
    expiry = result(snapshot, "dnssec-signature-expiry")
    assert expiry.verdict == "warn" and "expires in 3.0 days" in expiry.summary
    assert NS1[1] in expiry.summary


def test_signatures_from_the_future_fail_expiry():
    future = {"inception": NOW + DAY}
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1, sign_options=future), server_snapshot(*NS2)])
    assert result(snapshot, "dnssec-signature-expiry").verdict == "fail"


@pytest.mark.parametrize("algorithm, verdict", [(13, "pass"), (8, "pass"), (5, "fail"), (7, "fail"),
                                                (10, "warn"), (1, "fail")])
def test_dnskey_algorithms_are_judged_by_rfc_8624(algorithm, verdict):
    snapshot = zone_snapshot()
    key = rrset(f"{APEX} 3600 IN DNSKEY 257 3 {algorithm} AwEAAcw5QLr0")
    snapshot.servers[0].dnskey = probe(NS1[1], APEX, "DNSKEY", answer=[key])
    snapshot.servers[1].dnskey = probe(NS2[1], APEX, "DNSKEY", answer=[key])
    outcome = result(snapshot, "dnssec-algorithm")
    assert outcome.verdict == verdict
    if verdict != "pass":
        assert f"algorithm {algorithm}" in outcome.summary


def test_a_sha1_only_ds_fails_the_algorithm_check():
    outcome = result(zone_snapshot(ds_digest=1), "dnssec-algorithm")
    assert outcome.verdict == "fail" and "use only digest type 1 (no SHA-256" in outcome.summary


@pytest.mark.parametrize("iterations, salt, verdict", [(0, "-", "pass"), (10, "-", "warn"), (0, "AABB", "warn")])
def test_nsec3_parameters(iterations, salt, verdict):
    snapshot = zone_snapshot()
    param = rrset(f"{APEX} 0 IN NSEC3PARAM 1 0 {iterations} {salt}")
    for server in snapshot.servers:
        server.nsec3param = probe(server.address, APEX, "NSEC3PARAM", answer=[param])
    outcome = result(snapshot, "dnssec-nsec3-params")
    assert outcome.verdict == verdict
    if iterations:
        assert f"{iterations} extra iterations" in outcome.summary


def test_an_open_zone_transfer_fails():
    servers = [server_snapshot(*NS1, axfr="ALLOWED"), server_snapshot(*NS2)]
    outcome = result(zone_snapshot(servers=servers), "axfr-restricted")
    assert outcome.verdict == "fail"
    assert outcome.summary == f"{NS1[0]} ({NS1[1]}) transferred the zone to us"
    assert f"dig @{NS1[1]} {APEX} AXFR" in outcome.advice


def test_a_closed_tcp_connection_counts_as_a_refused_transfer():
    server = server_snapshot(*NS1)
    server.axfr = probe(NS1[1], APEX, "AXFR", transport="tcp", error="connection-closed")
    outcome = result(zone_snapshot(servers=[server, server_snapshot(*NS2)]), "axfr-restricted")
    assert outcome.verdict == "pass"


def test_different_serials_fail():
    servers = [server_snapshot(*NS1), server_snapshot(*NS2, serial=2024010102)]
    outcome = result(zone_snapshot(servers=servers), "soa-serial-consistency")
    assert outcome.verdict == "fail"
    assert "2024010101" in outcome.summary and "2024010102" in outcome.summary


def test_the_ra_flag_on_a_nameserver_fails_open_recursion():
    servers = [server_snapshot(*NS1, ra=True), server_snapshot(*NS2)]
    outcome = result(zone_snapshot(servers=servers), "no-open-recursion")
    assert outcome.verdict == "fail" and "sets RA" in outcome.summary


def test_a_recursive_answer_without_ra_still_fails():
    server = server_snapshot(*NS1)
    server.recursion = probe(NS1[1], "a.root-servers.test.", "A", flags="QR RD", rd=True,
                             answer=[rrset("a.root-servers.test. 300 IN A 192.0.2.100")])
    outcome = result(zone_snapshot(servers=[server, server_snapshot(*NS2)]), "no-open-recursion")
    assert outcome.verdict == "fail" and "recursively" in outcome.summary


def test_a_single_nameserver_fails_the_count_and_warns_on_diversity():
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1)], parent_ns=[NS1[0]], asn={NS1[1]: ("64501",)})
    assert result(snapshot, "ns-count").verdict == "fail"
    diversity = result(snapshot, "ns-diversity")
    assert diversity.verdict == "warn" and "192.0.2.0/24" in diversity.summary


def test_two_names_on_one_address_fail_the_count():
    servers = [server_snapshot(*NS1), server_snapshot(NS2[0], NS1[1])]
    outcome = result(zone_snapshot(servers=servers), "ns-count")
    assert outcome.verdict == "fail" and "1 distinct address" in outcome.summary


def test_a_lame_server_fails_ns_authoritative_but_does_not_spoil_the_dnssec_checks():
    lame = server_snapshot(*NS2)
    for attribute in ("soa", "ns", "dnskey"):
        setattr(lame, attribute, probe(NS2[1], APEX, attribute.upper(), rcode="REFUSED", flags="QR"))
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1), lame])
    outcome = result(snapshot, "ns-authoritative")
    assert outcome.verdict == "fail" and "lame" in outcome.summary and NS2[1] in outcome.summary
    assert result(snapshot, "dnssec-signed").verdict == "pass"
    assert result(snapshot, "soa-serial-consistency").verdict == "pass"


def test_a_parent_and_child_ns_mismatch_warns():
    snapshot = zone_snapshot(parent_ns=[NS1[0], NS2[0], "ns3.example.test."])
    outcome = result(snapshot, "ns-consistency")
    assert outcome.verdict == "warn" and "only at the parent: ns3.example.test." in outcome.summary


def test_same_prefix_warns_and_one_asn_warns():
    servers = [server_snapshot(*NS1), server_snapshot(NS2[0], "192.0.2.2")]
    snapshot = zone_snapshot(servers=servers, asn={NS1[1]: ("64501",), "192.0.2.2": ("64501",)})
    outcome = result(snapshot, "ns-diversity")
    assert outcome.verdict == "warn"
    assert {e["finding"] for e in outcome.evidence} == {"SAME_PREFIX", "SAME_ASN"}


def test_without_as_data_diversity_is_judged_on_prefixes_and_says_so():
    snapshot = zone_snapshot(asn={NS1[1]: (), NS2[1]: ()})
    outcome = result(snapshot, "ns-diversity")
    assert outcome.verdict == "pass"
    assert "judged on prefixes alone" in outcome.summary


def test_no_tcp_fails_transport():
    server = server_snapshot(*NS2)
    server.axfr = probe(NS2[1], APEX, "AXFR", transport="tcp", error="connection-refused")
    server.soa_tcp = probe(NS2[1], APEX, "SOA", transport="tcp", error="connection-refused")
    outcome = result(zone_snapshot(servers=[server_snapshot(*NS1), server]), "transport")
    assert outcome.verdict == "fail" and "UDP only" in outcome.summary


def test_no_edns_fails_transport():
    server = server_snapshot(*NS2)
    soa, _ns = server.soa.message.answer[0], None
    server.soa = probe(NS2[1], APEX, "SOA", answer=[soa], edns=False)
    outcome = result(zone_snapshot(servers=[server_snapshot(*NS1), server]), "transport")
    assert outcome.verdict == "fail" and "without EDNS" in outcome.summary


def dead_server():
    dead = server_snapshot(*NS2)
    for attribute in ("soa", "soa_plain", "soa_tcp", "ns", "dnskey", "nsec3param", "axfr", "recursion"):
        setattr(dead, attribute, probe(NS2[1], APEX, "SOA", error="timeout"))
    return dead


def test_one_dead_server_fails_transport_and_authority_and_the_zone_is_judged_on_the_other():
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1), dead_server()])
    got = verdicts(snapshot)
    assert got["transport"] == got["ns-authoritative"] == "fail"
    assert {v for c, v in got.items() if c not in ("transport", "ns-authoritative")} == {"pass"}
    for check_id in ("transport", "ns-authoritative"):
        outcome = result(snapshot, check_id)
        assert "ns2.example.test." in outcome.summary and "did not answer" in outcome.summary
        assert any(p.get("error") == "timeout" for e in outcome.evidence for p in e.get("probes", []))
    signed = result(snapshot, "dnssec-signed")
    left_out = [e for e in signed.evidence if e["finding"] == "NOT_HEARD"]
    assert left_out and "ns2.example.test." in render(left_out[0]["message"]) and left_out[0]["verdict"] == "n/a"


def test_when_no_server_answers_nothing_is_measured_and_the_report_says_so_once():
    dead = [dead_server(), dead_server()]
    snapshot = zone_snapshot(servers=dead)
    assert set(verdicts(snapshot).values()) == {"error"}
    report = judge_zone(snapshot)
    assert render(report.unmeasured["message"]) == ("not measured: no nameserver of example.test answered any "
                                                    "question (timed out)")
    assert [p["error"] for p in report.unmeasured["probes"]] == ["timeout", "timeout"]
    assert {c.summary for c in report.checks} == {render(report.unmeasured["message"])}


def test_a_server_that_drops_edns_fails_transport_with_both_answers_as_evidence():
    breaking = server_snapshot(*NS2)
    plain_answer = breaking.soa
    for attribute in ("soa", "ns", "dnskey", "nsec3param", "recursion"):
        setattr(breaking, attribute, probe(NS2[1], APEX, "SOA", error="timeout"))
    breaking.soa_plain = plain_answer
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1), breaking])
    got = verdicts(snapshot)
    assert got["transport"] == "fail" and "only queries without EDNS" in result(snapshot, "transport").summary
    assert {v for c, v in got.items() if c != "transport"} == {"pass"}
    evidence = [e for e in result(snapshot, "transport").evidence if e["finding"] == "BREAKS_ON_EDNS"][0]
    assert [p.get("error") for p in evidence["probes"]] == ["timeout", None]


def test_a_truncated_answer_retried_over_tcp_is_an_answer_and_the_evidence_says_so():
    server = server_snapshot(*NS1)
    server.soa.truncated_retry = True
    snapshot = zone_snapshot(servers=[server, server_snapshot(*NS2)])
    assert verdicts(snapshot) == {check_id: "pass" for check_id in ZONE_CHECKS}
    evidence = result(snapshot, "transport").evidence[0]["probes"][0]
    assert evidence["transport"] == "udp+tcp" and "truncated" in evidence["note"]


def test_an_address_refused_by_policy_is_an_error_that_says_why_and_names_no_setting():
    refused = server_snapshot(*NS2)
    for attribute in ("soa", "axfr"):
        setattr(refused, attribute, probe(NS2[1], APEX, "SOA", error="refused-by-policy"))
    outcome = result(zone_snapshot(servers=[server_snapshot(*NS1), refused]), "transport")
    assert outcome.verdict == "error"
    assert outcome.summary == "ns2.example.test. (198.51.100.2): not measured: the address is private"
    assert "KINDNS" not in outcome.summary + outcome.advice and "allow" not in outcome.summary


def test_a_zone_without_delegation_is_an_error_everywhere_and_one_finding_for_the_report():
    snapshot = zone_snapshot()
    snapshot.delegation_error = msg("parent-nxdomain", zone="example.test")
    snapshot.servers = []
    got = {result(snapshot, c).summary for c in ZONE_CHECKS}
    assert set(verdicts(snapshot).values()) == {"error"}
    assert got == {"not delegated: the parent says example.test does not exist (NXDOMAIN)"}
    report = judge_zone(snapshot)
    assert report.unmeasured["message"] == {"code": "NO_DELEGATION", "args": {"reason": snapshot.delegation_error}}
    assert report.unmeasured["probes"][0]["query"] == "example.test. NS"
    assert judge_zone(zone_snapshot()).unmeasured is None


def test_nameservers_without_addresses_leave_nothing_to_measure():
    snapshot = zone_snapshot()
    snapshot.servers = []
    snapshot.address_errors = {NS1[0]: msg("no-address-record"), NS2[0]: msg("no-address-record")}
    report = judge_zone(snapshot)
    assert set(verdicts(snapshot).values()) == {"error"}
    assert render(report.unmeasured["message"]) == ("not measured: no nameserver of example.test has an address "
                                                    "to ask")


def test_a_deadline_leaves_unmeasured_probes_as_errors():
    server = server_snapshot(*NS1)
    server.axfr = None
    snapshot = zone_snapshot(servers=[server, server_snapshot(*NS2)])
    snapshot.incomplete = msg("deadline-reached", seconds=30)
    outcome = result(snapshot, "axfr-restricted")
    assert outcome.verdict == "error"
    assert outcome.summary == ("ns1.example.test. (192.0.2.1): AXFR not measured (the deadline of 30 s was "
                               "reached before every answer came)")


def test_every_result_carries_evidence_and_advice_with_a_dig_command():
    snapshot = zone_snapshot(servers=[server_snapshot(*NS1, axfr="ALLOWED"), server_snapshot(*NS2)])
    for check_id, spec in ZONE_CHECKS.items():
        outcome = spec.run(snapshot)
        assert outcome.evidence, check_id
        assert outcome.command["text"].startswith("dig @"), check_id
        assert outcome.advice.endswith(outcome.command["text"]), check_id  # last, to be copied whole
        assert all({"finding", "verdict", "message", "probes"} <= set(e) for e in outcome.evidence)
        assert all(e["message"]["code"] == e["finding"] for e in outcome.evidence)


def nsec3_denial(owner_hash: str, next_hash: str, types: str, opt_out: bool = False):
    """A DS answer from test. denying example.test.'s DS with one signed NSEC3 record."""
    import base64

    from tests.checks.builders import TLD_KEY

    soa = rrset("test. 3600 IN SOA a.root-servers.test. hostmaster.test. 1 3600 600 864000 300")
    nsec3 = rrset(f"{owner_hash}.test. 300 IN NSEC3 1 {1 if opt_out else 0} 0 - {next_hash} {types}")
    assert base64.b32hexdecode(next_hash + "=" * (-len(next_hash) % 8))
    return probe("192.0.2.200", APEX, "DS", authority=[soa, TLD_KEY.sign(soa), nsec3, TLD_KEY.sign(nsec3)])


def test_an_nsec3_record_matching_the_delegation_without_ds_proves_it_insecure():
    import dns.dnssec

    hashed = dns.dnssec.nsec3_hash(APEX, "", 0, 1)
    snapshot = zone_snapshot(signed=False)
    snapshot.ds = nsec3_denial(hashed, "0" * 32, "NS")
    outcome = result(snapshot, "dnssec-valid")
    assert outcome.verdict == "n/a" and "signed NSEC3 record (types NS)" in outcome.summary


def test_an_opt_out_nsec3_range_covering_the_delegation_proves_it_insecure_and_a_plain_one_does_not():
    import dns.dnssec

    hashed = dns.dnssec.nsec3_hash(APEX, "", 0, 1)  # JBAS736C…: between the two hashes below
    low, high = "I" + "0" * 31, "K" + "0" * 31
    assert low < hashed < high
    snapshot = zone_snapshot(signed=False)
    snapshot.ds = nsec3_denial(low, high, "NS", opt_out=True)
    outcome = result(snapshot, "dnssec-valid")
    assert outcome.verdict == "n/a" and "opt-out" in outcome.summary
    snapshot.ds = nsec3_denial(low, high, "NS", opt_out=False)
    assert result(snapshot, "dnssec-valid").verdict == "fail"
