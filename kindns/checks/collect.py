"""Collection: ask the DNS what the judges need and put it in snapshots.

All queries about one zone run concurrently. Each result is written into the snapshot as soon as it
arrives, so when the zone's deadline cancels collection, what was learnt so far is still judged.
"""
from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import time
from collections import OrderedDict
from functools import partial
from typing import Any, Awaitable, Callable

import dns.name
import dns.rdatatype

from .config import CheckConfig
from .identify import names_software
from .messages import msg
from .query import Probe, Prober, dns_name
from .resolve import IterativeResolver, ZoneCut
from .snapshot import AsnAnswer, ChainLink, ResolverSnapshot, ServerSnapshot, ZoneSnapshot

# Answers to questions that do not depend on the zone (the recursion test and the server's identity,
# asked of each server address) kept per run: zones on the same servers share them. Bounded, so a run's
# memory does not grow with the number of distinct servers either.
SHARED_ANSWERS = 4096

# Asked of every server in the CHAOS class, with NSID: what software it says it runs (identify.py); and
# of a server whose answer names none, what it says its instance is (its answers' behaviour may tell).
IDENTITY_NAME = "version.bind."
SERVER_ID_NAME = "id.server."

class Collector:
    """Shared state of one run: the prober, the iterative resolver and its caches."""

    def __init__(self, config: CheckConfig):
        self.config = config
        self.prober = Prober(config)
        self.resolver = IterativeResolver(config, self.prober)
        self._shared: OrderedDict[tuple, asyncio.Future] = OrderedDict()

    async def ask_once(self, server: str, qname: str, qtype: str, *, server_name: str | None = None,
                       joined_failure: bool = False, **options: Any) -> Probe:
        """`prober.ask`, but a question that does not depend on the zone is asked of a server address once
        per run: every zone served there cites the same answer (under its own name for the server).

        An unanswered question is not kept, and a zone that only waited for someone else's question that
        went unanswered asks once more (joining whoever else does): one lost answer does not become the
        error of every zone that happened to wait for it. A zone cancelled at its deadline does not
        cancel the question for the others."""
        key = (server, qname, qtype, tuple(sorted(options.items())))
        pending = self._shared.get(key)
        joined = pending is not None
        if pending is None:
            pending = asyncio.ensure_future(self.prober.ask(server, qname, qtype, server_name=server_name,
                                                            **options))
            self._shared[key] = pending
            pending.add_done_callback(partial(self._forget_unanswered, key))
            while len(self._shared) > SHARED_ANSWERS:
                self._shared.popitem(last=False)
        else:
            self._shared.move_to_end(key)
        probe = await asyncio.shield(pending)
        if joined and not probe.answered and not joined_failure:
            return await self.ask_once(server, qname, qtype, server_name=server_name, joined_failure=True,
                                       **options)
        if probe.server_name != server_name:
            probe = dataclasses.replace(probe, server_name=server_name, _evidence=None)
        return probe

    def _forget_unanswered(self, key: tuple, done: asyncio.Future) -> None:
        if done.cancelled() or done.exception() is not None or not done.result().answered:
            if self._shared.get(key) is done:
                del self._shared[key]

    # -- zones -------------------------------------------------------------------------------------

    async def collect_zone(self, snapshot: ZoneSnapshot) -> None:
        """Fill `snapshot` for its zone: the parent's view, then every nameserver address, in parallel."""
        zone = snapshot.zone
        walk = await self.resolver.delegation(zone)
        snapshot.delegation_probes = walk.probes
        snapshot.parent = walk.cut.name
        snapshot.delegation = walk.probe
        parent_cut = walk.cut
        if walk.referral_to is not None:
            child = walk.referral_to
            snapshot.parent_ns, snapshot.glue = list(child.ns_names), dict(child.glue)
        elif walk.probe is not None and walk.probe.rcode == "NOERROR" \
                and walk.probe.find("answer", "NS", zone + ".") is not None:
            # The parent's servers also serve the zone and answered for it directly.
            snapshot.parent_ns = sorted(r.target.to_text() for r in walk.probe.find("answer", "NS", zone + "."))
        else:
            snapshot.delegation_error = walk.error or self._why_no_delegation(walk.probe, zone)
            return

        servers = await self._server_addresses(snapshot)
        snapshot.servers = [ServerSnapshot(ns, address) for ns, address in servers]
        tasks: list[Awaitable[Any]] = []
        if walk.referral_to is not None and _carries_ds_answer(walk.probe, zone + "."):
            snapshot.ds = walk.probe  # a signed parent's referral holds the DS set, or the proof of none
        else:
            tasks.append(_fill(snapshot, "ds", partial(self._ask_cut, parent_cut, zone, "DS")))
        tasks += [self._collect_server(zone, server) for server in snapshot.servers]
        tasks.append(self._collect_chain(snapshot, zone))
        tasks.append(self._collect_asns(snapshot, sorted({a for _ns, a in servers})))
        await asyncio.gather(*tasks)

    @staticmethod
    def _why_no_delegation(probe: Probe | None, zone: str) -> dict:
        if probe is None:
            return msg("parent-silent", zone=zone)
        if probe.rcode == "NXDOMAIN":
            return msg("parent-nxdomain", zone=zone)
        if probe.rcode != "NOERROR":
            return msg("parent-rcode", zone=zone, rcode=probe.rcode)
        return msg("parent-no-ns", zone=zone)

    async def _server_addresses(self, snapshot: ZoneSnapshot) -> list[tuple[str, str]]:
        """(name, address) for every delegated nameserver: glue, else an iterative lookup."""
        pairs: list[tuple[str, str]] = []
        glueless = [ns for ns in snapshot.parent_ns if not snapshot.glue.get(ns)]
        looked_up = await asyncio.gather(*(self.resolver.addresses_of(ns) for ns in glueless))
        found = dict(zip(glueless, (addresses for addresses, _probes in looked_up)))
        for ns in snapshot.parent_ns:
            addresses = snapshot.glue.get(ns) or found.get(ns, [])
            if not addresses:
                snapshot.address_errors[ns] = msg("no-address-record")
            pairs += [(ns, a) for a in addresses]
        return pairs

    def close(self) -> None:
        """Release the run's sockets."""
        for pending in self._shared.values():
            pending.cancel()
        self._shared.clear()
        self.prober.close()

    async def _ask_cut(self, cut: ZoneCut, qname: str, qtype: str) -> Probe | None:
        """Ask a zone cut's servers in turn; the first useful answer, else the last failed probe (as evidence)."""
        probes: list[Probe] = []
        answer = await self.resolver.ask_cut(cut, qname, qtype, probes)
        return answer or (probes[-1] if probes else None)

    async def _collect_server(self, zone: str, server: ServerSnapshot) -> None:
        """Everything the zone checks ask of one nameserver address, all at once."""
        # The zone's own servers' glue is never judged: their answers' additional sections go unparsed.
        ask = partial(self.prober.ask, trim=True)
        where, name = server.address, server.ns_name
        apex = zone + "."
        outside = self.config.recursion_test_name or self.config.root_hints[0].name
        if dns.name.from_text(outside).is_subdomain(dns.name.from_text(apex)):
            outside = "."  # the root name: outside every zone below the root
        soa = asyncio.ensure_future(ask(where, apex, "SOA", server_name=name))

        async def apex_ns() -> Probe:
            # An authoritative SOA answer usually carries the apex NS set (and its RRSIGs) in its
            # authority section: then that is the server's NS answer, and one question fewer.
            first = await asyncio.shield(soa)
            if _carries_apex_ns(first, apex):
                return first
            return await ask(where, apex, "NS", server_name=name)

        try:
            await asyncio.gather(
                self._collect_soa(apex, server, soa),
                _fill(server, "ns", apex_ns),
                _fill(server, "dnskey", partial(ask, where, apex, "DNSKEY", server_name=name)),
                _fill(server, "nsec3param", partial(ask, where, apex, "NSEC3PARAM", server_name=name)),
                self._collect_tcp(apex, server, soa),
                # The same questions for every zone on this address: asked once per run.
                _fill(server, "recursion", partial(self.ask_once, where, outside, "A", server_name=name,
                                                   recursion_desired=True, dnssec_ok=False, trim=True)),
                self._collect_identity(server, partial(self.ask_once, where, server_name=name, dnssec_ok=False,
                                                       qclass="CH", trim=True)),
            )
        finally:
            soa.cancel()

    @staticmethod
    async def _collect_identity(target: Any, ask: Callable[..., Awaitable[Probe]]) -> None:
        """version.bind, then id.server only when the server answered it but named no software (most servers
        name it; one that did not answer at all is not kept waiting for a second time)."""
        target.identity = await ask(IDENTITY_NAME, "TXT")
        if target.identity.answered and not names_software(target.identity):
            target.server_id = await ask(SERVER_ID_NAME, "TXT")

    async def _collect_soa(self, apex: str, server: ServerSnapshot, soa: Awaitable[Probe]) -> None:
        """SOA over UDP with EDNS; without an answer, once more without EDNS (a server or a firewall that
        drops EDNS queries answers that one: Zonemaster's BREAKS_ON_EDNS) and over TCP."""
        server.soa = await asyncio.shield(soa)
        if server.soa.answered or server.soa.truncated_retry or server.soa.error == "refused-by-policy":
            return  # it answered over UDP (a truncated answer too), or we may not ask it
        plain, tcp = await asyncio.gather(
            self.prober.ask(server.address, apex, "SOA", server_name=server.ns_name, edns=False, trim=True),
            self.prober.ask(server.address, apex, "SOA", server_name=server.ns_name, transport="tcp"))
        server.soa_plain, server.soa_tcp = plain, tcp

    async def _collect_tcp(self, apex: str, server: ServerSnapshot, soa: Awaitable[Probe]) -> None:
        """AXFR over TCP; any DNS answer to it (even REFUSED) also shows that TCP works, so SOA over TCP
        is asked here only when it got none (and the UDP SOA did: otherwise _collect_soa asks it). Half
        the TCP connections: servers limit those."""
        server.axfr = await self.prober.ask(server.address, apex, "AXFR", server_name=server.ns_name,
                                            transport="tcp", dnssec_ok=False)
        if not server.axfr.answered and (await asyncio.shield(soa)).answered:
            server.soa_tcp = await self.prober.ask(server.address, apex, "SOA", server_name=server.ns_name,
                                                   transport="tcp")

    async def _collect_chain(self, snapshot: ZoneSnapshot, zone: str) -> None:
        """DNSKEY and DS of every zone cut above the zone, from the root down (cached for the run)."""
        cuts = self.resolver.cuts_above(zone)
        snapshot.chain = [ChainLink(cut.name) for cut in cuts]
        links = await asyncio.gather(*(self._chain_link(cut, parent)
                                       for cut, parent in zip(cuts, [None, *cuts[:-1]])))
        snapshot.chain = list(links)

    async def _chain_link(self, cut: ZoneCut, parent: ZoneCut | None) -> ChainLink:
        async def make() -> ChainLink:
            dnskey, ds = await asyncio.gather(
                self._ask_cut(cut, cut.name, "DNSKEY"),
                self._ask_cut(parent, cut.name, "DS") if parent else _nothing())
            return ChainLink(cut.name, dnskey, ds)
        return await self.resolver.once(("chain", cut.name), make)

    async def _collect_asns(self, snapshot: ZoneSnapshot, addresses: list[str]) -> None:
        snapshot.asn_source = f"{self.config.asn_zone_v4} / {self.config.asn_zone_v6}"
        answers = await asyncio.gather(*(self.asn_of(a) for a in addresses))
        snapshot.asn = {a.address: a for a in answers}

    async def asn_of(self, address: str) -> AsnAnswer:
        """Origin AS of an address from TXT records like '64501 | 192.0.2.0/24 | ZZ | registry | date'."""
        ip = ipaddress.ip_address(address)
        if ip.version == 4:
            qname = ".".join(reversed(address.split("."))) + "." + self.config.asn_zone_v4
        else:
            qname = ".".join(reversed(ip.exploded.replace(":", ""))) + "." + self.config.asn_zone_v6
        walk = await self.resolver.lookup(qname, "TXT")
        answer = AsnAnswer(address, query=qname, probe=walk.probe or (walk.probes[-1] if walk.probes else None))
        txt = walk.probe.find("answer", "TXT") if walk.probe is not None else None
        if txt is None:
            answer.error = walk.error or msg("asn-no-txt", reason=msg("answer-rcode", rcode=walk.probe.rcode))
            return answer
        for record in txt:
            text = b"".join(record.strings).decode("ascii", "replace")
            fields = [f.strip() for f in text.split("|")]
            if fields and fields[0]:
                answer.asns = tuple(sorted(set(answer.asns) | set(fields[0].split())))
                answer.prefix = answer.prefix or (fields[1] if len(fields) > 1 else None)
        if not answer.asns:
            answer.error = msg("asn-no-number")
        return answer

    # -- resolvers ---------------------------------------------------------------------------------

    async def collect_resolver(self, snapshot: ResolverSnapshot) -> None:
        """Ask one resolver address the configured test names, all at once."""
        ask, config, where = self.prober.ask, self.config, snapshot.address
        snapshot.qname_min_marker = config.qname_min_marker
        await asyncio.gather(
            _fill(snapshot, "access", partial(ask, where, config.signed_name, "A", recursion_desired=True,
                                               dnssec_ok=False)),
            _fill(snapshot, "signed", partial(ask, where, config.signed_name, "A", recursion_desired=True)),
            _fill(snapshot, "bogus", partial(ask, where, config.bogus_name, "A", recursion_desired=True)),
            _fill(snapshot, "qname_min", partial(ask, where, config.qname_min_name, "TXT", recursion_desired=True,
                                                  dnssec_ok=False)),
            self._collect_identity(snapshot, partial(ask, where, dnssec_ok=False, qclass="CH")),
            self._collect_encrypted(snapshot, "tls"),
            *([self._collect_encrypted(snapshot, "https")] if snapshot.doh_url else []),
        )

    async def _collect_encrypted(self, snapshot: ResolverSnapshot, transport: str) -> None:
        """The signed name over DNS over TLS or HTTPS, certificate verified; when the certificate is what
        failed, once more without verification, to tell a bad certificate from no service."""
        attribute = "dot" if transport == "tls" else "doh"

        def ask(verify: bool) -> Awaitable[Probe]:
            return self.prober.ask(snapshot.address, self.config.signed_name, "A", recursion_desired=True,
                                   transport=transport, dnssec_ok=False, verify=verify, url=snapshot.doh_url)

        probe = await ask(verify=True)
        setattr(snapshot, attribute, probe)
        if probe.error == "tls-certificate":
            setattr(snapshot, f"{attribute}_unverified", await ask(verify=False))


def _carries_ds_answer(referral: Probe | None, apex: str) -> bool:
    """The referral holds the zone's DS set or an NSEC/NSEC3 denial of it (RFC 4035 section 3.1.4)."""
    if referral is None or not referral.answered:
        return False
    owner = dns_name(apex)
    return any(rrset.rdtype == dns.rdatatype.NSEC3 or (rrset.rdtype in (dns.rdatatype.DS, dns.rdatatype.NSEC)
                                                       and rrset.name == owner)
               for rrset in referral.section("authority"))


def _carries_apex_ns(soa: Probe, apex: str) -> bool:
    """An authoritative SOA answer whose authority section has the apex NS set, with its RRSIGs when the
    SOA came signed."""
    if not soa.answered or not soa.has_flag("AA") or soa.find("authority", "NS", apex) is None:
        return False
    signed = soa.find("answer", "RRSIG", apex, covers="SOA") is not None
    return not signed or soa.find("authority", "RRSIG", apex, covers="NS") is not None


async def _nothing() -> None:
    return None


async def _fill(target: Any, attribute: str, ask: Callable[[], Awaitable[Probe | None]]) -> None:
    """Set `target.attribute` to a probe's result. The question is asked only once this runs, so a
    collection cancelled at its deadline leaves no question made and never awaited."""
    setattr(target, attribute, await ask())


def new_zone_snapshot(zone: str, config: CheckConfig) -> ZoneSnapshot:
    return ZoneSnapshot(zone=zone, now=time.time(), trust_anchors=config.trust_anchors)
