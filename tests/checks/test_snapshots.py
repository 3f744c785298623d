"""Snapshots as stored data: a round trip through JSON keeps every verdict, summary and piece of evidence,
re-judging asks nobody anything, and data that is not a stored snapshot is refused with a clear error."""
from __future__ import annotations

import json
import socket

import pytest

from kindns.checks import (
    SnapshotFormatError, ZoneSnapshot, rejudge, snapshot_from_dict, snapshot_to_dict,
)
from kindns.checks.query import Prober
from kindns.checks.runner import judge_resolver, judge_zone
from tests.checks.builders import NS1, NS2, probe, resolver_snapshot, server_snapshot, zone_snapshot


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to send a query or open a socket fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("re-judging tried to use the network")
    monkeypatch.setattr(Prober, "ask", refuse)
    monkeypatch.setattr(socket, "socket", refuse)


def stored(snapshot) -> dict:
    """What a registry would keep: the snapshot's data after a trip through JSON text."""
    return json.loads(json.dumps(snapshot_to_dict(snapshot)))


def test_a_zone_snapshot_survives_json_and_judges_the_same(no_network):
    original = zone_snapshot(servers=[server_snapshot(*NS1, axfr="ALLOWED"), server_snapshot(*NS2, serial=7)])
    report = judge_zone(original)
    again = rejudge(stored(original))
    assert again.to_dict() == report.to_dict()
    assert {c.verdict for c in again.checks} >= {"fail", "pass"}


def test_a_resolver_snapshot_survives_json_and_judges_the_same(no_network):
    original = resolver_snapshot("public", validates=False, dot=False)
    assert rejudge(stored(original)).to_dict() == judge_resolver(original).to_dict()


def test_shared_probes_stay_shared_and_anchors_and_messages_are_exact():
    original = zone_snapshot()
    data = snapshot_to_dict(original)
    # The referral is both the delegation and the last probe of the walk: stored once.
    assert data["snapshot"]["delegation"] == data["snapshot"]["delegation_probes"][0]
    back = snapshot_from_dict(stored(original))
    assert isinstance(back, ZoneSnapshot) and back.delegation is back.delegation_probes[0]
    assert back.trust_anchors == original.trust_anchors
    assert back.servers[0].dnskey.message.to_wire() == original.servers[0].dnskey.message.to_wire()
    assert back.chain[1].ds.message.answer == original.chain[1].ds.message.answer


def test_a_probe_without_an_answer_keeps_its_error():
    original = zone_snapshot()
    original.servers[1].axfr = probe(NS2[1], "example.test.", "AXFR", error="timeout", transport="tcp")
    back = snapshot_from_dict(stored(original))
    assert back.servers[1].axfr.message is None and back.servers[1].axfr.error == "timeout"


@pytest.mark.parametrize("data, message", [
    ({"zone": "example.test"}, "not a stored snapshot"),
    ({"format": "kindns-snapshot", "version": 99, "kind": "zone"}, "version 99"),
    ({"format": "kindns-snapshot", "version": 1, "kind": "printer"}, "unknown snapshot kind"),
    ({"format": "kindns-snapshot", "version": 1, "kind": "zone", "probes": [], "snapshot": {"colour": 1}},
     "unknown fields"),
    ({"format": "kindns-snapshot", "version": 1, "kind": "zone", "probes": [],
      "snapshot": {"zone": "x", "now": 0, "ds": {"probe": 3}}}, "damaged"),
])
def test_data_that_is_not_a_snapshot_is_refused_with_a_reason(data, message):
    with pytest.raises(SnapshotFormatError, match=message):
        rejudge(data)


def test_a_damaged_stored_message_is_refused_not_judged():
    data = stored(zone_snapshot())
    data["probes"][0]["wire"] = "AAAA"
    with pytest.raises(SnapshotFormatError, match="cannot be read"):
        snapshot_from_dict(data)


def test_a_version_1_snapshot_reads_its_english_reasons_back_as_messages(no_network):
    """Runs stored before the engine spoke in messages kept English sentences where a reason was missing."""
    from kindns.checks.messages import render

    original = zone_snapshot()
    original.servers = []
    data = stored(original)
    data["version"] = 1
    data["snapshot"]["delegation_error"] = "the parent says example.test does not exist (NXDOMAIN)"
    data["snapshot"]["incomplete"] = "the deadline of 30 s was reached before every answer came"
    data["snapshot"]["address_errors"] = {"ns1.example.test.": "no A or AAAA record found"}
    data["snapshot"]["asn"]["192.0.2.1"]["error"] = "no TXT answer (NXDOMAIN)"
    data["snapshot"]["asn"]["198.51.100.2"]["error"] = "something said in another way"
    back = snapshot_from_dict(data)
    assert back.delegation_error == {"code": "parent-nxdomain", "args": {"zone": "example.test"}}
    assert back.incomplete == {"code": "deadline-reached", "args": {"seconds": 30}}
    assert render(back.address_errors["ns1.example.test."]) == "no A or AAAA record found"
    assert render(back.asn["192.0.2.1"].error) == "no TXT answer (rcode NXDOMAIN)"
    assert back.asn["198.51.100.2"].error == {"code": "untranslated", "args": {"text": "something said in another way"}}
    report = rejudge(data)
    assert render(report.unmeasured["message"]) == \
        "not delegated: the parent says example.test does not exist (NXDOMAIN)"
    assert stored(back)["version"] == 2
