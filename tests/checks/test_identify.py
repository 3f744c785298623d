"""Which software serves a zone or a resolver, as the lab's real servers say (version.bind in the CHAOS
class, NSID), and how sure that is."""
from __future__ import annotations

import pytest

from kindns.checks import run_resolver_checks, run_zone_checks
from kindns.checks.identify import HIGH, LOW, MEDIUM, identify, software_in

pytestmark = pytest.mark.dns


@pytest.mark.parametrize("text, software", [
    ("9.18.49-1~deb12u3-Debian", "bind"), ("Knot DNS 3.2.6", "knot"), ("unbound 1.17.1", "unbound"),
    ("NSD 4.6.1", "nsd"), ("PowerDNS Authoritative Server 4.7.3", "powerdns"),
    ("PowerDNS Recursor 4.8.8", "powerdns-recursor"), ("Knot Resolver 5.6.0", "knot-resolver"),
    ("Microsoft DNS 10.0.17763", "windows"), ("none of your business", None), ("", None),
])
def test_version_texts_name_their_software(text, software):
    assert software_in(text) == software


def test_the_lab_servers_say_what_they_are(dns_lab, lab_config):
    bind_only, mixed = run_zone_checks([dns_lab.zones["open-axfr"], dns_lab.zones["good"]], lab_config)
    assert bind_only.software["software"] == "bind" and bind_only.software["confidence"] == HIGH
    assert all(text.startswith("9.") for text in bind_only.software["said"].values())
    # The good zone's nameservers are BIND and Knot, one each: neither is chosen (the operator declares).
    assert mixed.software["software"] is None and mixed.software["confidence"] == LOW
    assert any("Knot DNS" in text for text in mixed.software["said"].values())
    assert any(text.startswith("9.") for text in mixed.software["said"].values())
    [resolver] = run_resolver_checks([dns_lab.resolvers["validating"]], "public", lab_config)
    assert resolver.software["software"] == "unbound" and resolver.software["confidence"] == HIGH
    # The identity question shows in no check's evidence: it is a fact about the servers, not a verdict.
    assert "version.bind" not in str([c.evidence for c in bind_only.checks])


def _hidden(dns_lab, lab_config, software: str, role: str, statements: list[tuple[str, str]]):
    """The report of a throwaway lab server of `software` that hides what it is, and its snapshot."""
    from kindns.checks import snapshot_from_dict
    from kindns.checks.fixes import Block
    from tests.dnslab.proof import proof_server

    block = {"bind": "options", "knot": "server", "unbound": "server"}[software]
    with proof_server(dns_lab, software, role, [Block(block, "", statements)]) as server:
        if role == "zone":
            [report] = run_zone_checks([server.zone], lab_config)
        else:
            [report] = run_resolver_checks([server.address], "public", lab_config)
    snapshot = snapshot_from_dict(report.snapshot)
    return report, (snapshot.servers[0] if role == "zone" else snapshot)


def test_a_bind_that_hides_its_version_and_id_is_known_by_its_answers(dns_lab, lab_config):
    report, server = _hidden(dns_lab, lab_config, "bind", "zone",
                             [("version", "none"), ("server-id", "none"), ("hostname", "none"), ("recursion", "no")])
    # It names nothing, so id.server was asked too; both answers come from BIND's built-in CHAOS zones.
    assert server.identity.find("answer", "TXT") is None and server.server_id is not None
    assert report.software == {"software": "bind", "confidence": MEDIUM, "said": {}, "basis": "behaviour"}


def test_a_knot_that_hides_its_version_and_identity_names_nothing(dns_lab, lab_config):
    report, server = _hidden(dns_lab, lab_config, "knot", "zone", [("version", '""'), ("identity", '""')])
    assert server.identity.rcode == "REFUSED" and server.server_id.rcode == "REFUSED"
    assert report.software["software"] is None and report.software["confidence"] == LOW


def test_an_unbound_that_hides_its_version_shows_its_id_but_names_nothing(dns_lab, lab_config):
    import socket

    report, _snapshot = _hidden(dns_lab, lab_config, "unbound", "resolver", [("hide-version", "yes")])
    assert report.software["software"] is None and report.software["confidence"] == LOW
    # Its id.server answer (the host's name) is shown as what the server said, for the operator to read.
    [said] = report.software["said"].values()
    assert said == f"id.server {socket.gethostname()}"


def test_a_server_that_names_its_version_is_not_asked_its_id(dns_lab, lab_config):
    from kindns.checks import snapshot_from_dict

    [report] = run_zone_checks([dns_lab.zones["open-axfr"]], lab_config)
    servers = snapshot_from_dict(report.snapshot).servers
    assert all(s.identity.answered and s.server_id is None for s in servers)


def test_most_servers_naming_one_software_is_medium_and_a_tie_names_none(dns_lab, lab_config):
    [bind_only] = run_zone_checks([dns_lab.zones["open-axfr"]], lab_config)
    from kindns.checks import snapshot_from_dict

    servers = snapshot_from_dict(bind_only.snapshot).servers
    probes = {s.address: s.identity for s in servers}
    assert identify(probes).confidence == HIGH
    probes["192.0.2.9"] = None  # a server that said nothing (not asked before the deadline)
    assert identify(probes).software == "bind" and identify(probes).confidence == MEDIUM
