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


def test_a_server_that_hides_its_version_names_nothing(dns_lab, lab_config):
    from kindns.checks.fixes import Block
    from tests.dnslab.proof import proof_server

    hidden = [Block("options", "", [("version", "none"), ("recursion", "no")])]
    with proof_server(dns_lab, "bind", "zone", hidden) as server:
        [report] = run_zone_checks([server.zone], lab_config)
    assert report.software["software"] is None and report.software["confidence"] == LOW


def test_most_servers_naming_one_software_is_medium_and_a_tie_names_none(dns_lab, lab_config):
    [bind_only] = run_zone_checks([dns_lab.zones["open-axfr"]], lab_config)
    from kindns.checks import snapshot_from_dict

    servers = snapshot_from_dict(bind_only.snapshot).servers
    probes = {s.address: s.identity for s in servers}
    assert identify(probes).confidence == HIGH
    probes["192.0.2.9"] = None  # a server that said nothing (not asked before the deadline)
    assert identify(probes).software == "bind" and identify(probes).confidence == MEDIUM
