"""The iterative resolver on a scripted DNS (a fake prober): referrals, glue, glueless nameservers,
CNAMEs, caching, and a circular glueless delegation that must end rather than hang."""
from __future__ import annotations

import asyncio

from kindns.checks import CheckConfig, RootServer
from kindns.checks.messages import render
from kindns.checks.resolve import IterativeResolver
from tests.checks.builders import probe, rrset

ROOT = "10.0.0.1"


class ScriptedDNS:
    """Answers `ask` from a table {(server, qname, qtype): kwargs for builders.probe}; the rest time out."""

    def __init__(self, table):
        self.table = table
        self.asked: list[tuple[str, str, str]] = []

    async def ask(self, server, qname, qtype, **_options):
        qname = qname if qname.endswith(".") else qname + "."
        self.asked.append((server, qname, qtype))
        await asyncio.sleep(0)
        answer = self.table.get((server, qname, qtype)) or self.table.get((server, qname, "*"))
        if answer is None:
            return probe(server, qname, qtype, error="timeout")
        return probe(server, qname, qtype, **answer)


def referral(zone: str, servers: dict[str, str | None]):
    """A referral to `zone` naming `servers` (host -> glue address, or None for no glue)."""
    ns = rrset("\n".join(f"{zone} 3600 IN NS {host}" for host in servers))
    glue = [rrset(f"{host} 3600 IN A {address}") for host, address in servers.items() if address]
    return {"flags": "QR", "authority": [ns], "additional": glue}


def resolver_for(table) -> tuple[IterativeResolver, ScriptedDNS]:
    dns_ = ScriptedDNS(table)
    config = CheckConfig(root_hints=(RootServer("a.root.", ROOT),), trust_anchors=(), allow_private=True)
    return IterativeResolver(config, dns_), dns_


def test_a_delegation_is_followed_from_the_root_and_seen_from_the_parent():
    table = {
        (ROOT, "example.test.", "*"): referral("test.", {"ns.nic.test.": "10.0.0.2"}),
        ("10.0.0.2", "example.test.", "*"): referral("example.test.", {"ns1.example.test.": "10.0.0.3",
                                                                         "ns2.example.test.": "10.0.0.4"}),
    }
    resolver, dns_ = resolver_for(table)
    walk = asyncio.run(resolver.delegation("example.test"))
    assert walk.cut.name == "test." and walk.error is None
    assert walk.referral_to.ns_names == ["ns1.example.test.", "ns2.example.test."]
    assert walk.referral_to.glue == {"ns1.example.test.": ["10.0.0.3"], "ns2.example.test.": ["10.0.0.4"]}
    assert [a[0] for a in dns_.asked] == [ROOT, "10.0.0.2"]


def test_concurrent_requests_for_one_delegation_share_one_walk():
    table = {
        (ROOT, "example.test.", "*"): referral("test.", {"ns.nic.test.": "10.0.0.2"}),
        ("10.0.0.2", "example.test.", "*"): referral("example.test.", {"ns1.example.test.": "10.0.0.3"}),
    }
    resolver, dns_ = resolver_for(table)

    async def many():
        return await asyncio.gather(*(resolver.delegation("example.test") for _ in range(5)))

    walks = asyncio.run(many())
    assert all(w is walks[0] for w in walks)
    assert len(dns_.asked) == 2


def test_glueless_nameservers_are_looked_up_and_cnames_followed():
    table = {
        (ROOT, "example.test.", "*"): referral("test.", {"ns.nic.test.": "10.0.0.2"}),
        (ROOT, "ns.hoster.test.", "*"): referral("test.", {"ns.nic.test.": "10.0.0.2"}),
        ("10.0.0.2", "example.test.", "*"): referral("example.test.", {"ns.hoster.test.": None}),
        ("10.0.0.2", "ns.hoster.test.", "A"): {"answer": [rrset("ns.hoster.test. 300 IN CNAME real.hoster.test.")]},
        ("10.0.0.2", "real.hoster.test.", "A"): {"answer": [rrset("real.hoster.test. 300 IN A 10.0.0.9")]},
        ("10.0.0.2", "ns.hoster.test.", "AAAA"): {"authority": []},
    }
    resolver, _dns = resolver_for(table)
    walk = asyncio.run(resolver.delegation("example.test"))
    assert walk.referral_to.servers == [("ns.hoster.test.", "10.0.0.9")]


def test_a_circular_glueless_delegation_ends_without_addresses():
    # a.test is served by ns.b.test, and b.test by ns.a.test, neither with glue.
    table = {
        ("10.0.0.2", "a.test.", "*"): referral("a.test.", {"ns.b.test.": None}),
        ("10.0.0.2", "b.test.", "*"): referral("b.test.", {"ns.a.test.": None}),
    }
    for name in ("a.test.", "b.test.", "ns.a.test.", "ns.b.test."):
        table[(ROOT, name, "*")] = referral("test.", {"ns.nic.test.": "10.0.0.2"})
    table[("10.0.0.2", "ns.a.test.", "*")] = referral("a.test.", {"ns.b.test.": None})
    table[("10.0.0.2", "ns.b.test.", "*")] = referral("b.test.", {"ns.a.test.": None})
    resolver, _dns = resolver_for(table)

    async def bounded():
        return await asyncio.wait_for(resolver.delegation("a.test"), timeout=5)

    walk = asyncio.run(bounded())
    assert walk.referral_to.ns_names == ["ns.b.test."] and walk.referral_to.servers == []


def test_no_answer_from_the_root_is_an_error_with_its_probes():
    resolver, _dns = resolver_for({})
    walk = asyncio.run(resolver.delegation("example.test"))
    assert walk.referral_to is None and render(walk.error) == "no nameserver of . answered"
    assert [p.error for p in walk.probes] == ["timeout"]
