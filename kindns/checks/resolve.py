"""A small iterative resolver that starts at the configured root hints.

The engine never trusts a local recursive resolver: it walks down from the root like a resolver would,
so it sees each parent's delegation (NS, glue, DS) as the world sees it. Zone cuts, nameserver
addresses and lookups are cached for the run, and concurrent requests for the same thing share one
walk (so a thousand zones under one TLD ask for the TLD's delegation once).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Awaitable, Callable, TypeVar

import dns.name
import dns.rdatatype

from .config import CheckConfig
from .messages import msg
from .query import Probe, Prober, dns_name

MAX_REFERRALS = 16    # deeper than any real delegation chain; stops referral loops
MAX_CNAMES = 8
MAX_GLUELESS_DEPTH = 3  # nameserver names whose own nameservers need resolving, and so on

T = TypeVar("T")


@dataclass
class ZoneCut:
    """A zone and the servers that serve it, as its parent's referral (or the root hints) named them."""

    name: str
    ns_names: list[str]
    # (nameserver name, address) pairs: glue first, then addresses looked up for glueless names
    servers: list[tuple[str, str]]
    glue: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Walk:
    """The end of an iterative walk: the last servers asked and their final answer (or why none)."""

    cut: ZoneCut                          # the zone cut whose servers gave the final answer
    probe: Probe | None                   # that answer; None when no server answered
    probes: list[Probe] = field(default_factory=list)  # every query of the walk, for evidence
    referral_to: ZoneCut | None = None    # when stopping at a delegation: the delegated cut
    error: dict | None = None             # why the walk stopped without an answer (a message)


def _text(name: dns.name.Name) -> str:
    return name.to_text()


def _one_label_below(ancestor: dns.name.Name, name: dns.name.Name) -> dns.name.Name:
    """The name one label below `ancestor` on the way down to `name` (`name` itself when it is that close)."""
    if name == ancestor or not name.is_subdomain(ancestor):
        return name
    return name.split(len(ancestor.labels) + 1)[1]


def _unanswered(cut: ZoneCut, probes: list[Probe]) -> dict:
    """Why no server of a cut answered: when none of them may be probed, the address policy's reason."""
    if probes and all(p.error == "refused-by-policy" for p in probes):
        last = probes[-1]
        return msg("at-server", server=msg("server", name=last.server_name or cut.name, address=last.server),
                   problem=last.failure())
    return msg("cut-no-answer", zone=cut.name)


class IterativeResolver:
    """Iterative lookups from the root hints, cached for one run."""

    def __init__(self, config: CheckConfig, prober: Prober):
        self.config = config
        self.prober = prober
        root_names = sorted({s.name for s in config.root_hints})
        self._cuts: dict[str, ZoneCut] = {
            ".": ZoneCut(".", root_names, [(s.name, s.address) for s in config.root_hints])}
        self._pending: dict[tuple, asyncio.Future] = {}
        self._results: dict[tuple, object] = {}
        # (cut, the name one label below it toward the target) -> the walk now asking that cut
        self._descending: dict[tuple[str, str], asyncio.Future] = {}

    async def once(self, key: tuple, make: Callable[[], Awaitable[T]], keep: bool = True) -> T:
        """Run `make()` once per key for the whole run; concurrent callers await the same result.

        With `keep` false the result is shared only by the callers waiting for it, then forgotten (what is
        asked once per zone must not make memory grow with the number of zones)."""
        while key not in self._results:
            pending = self._pending.get(key)
            if pending is None:
                break
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                # The walk we waited for was cancelled with its zone's deadline: do it ourselves,
                # unless it is we who are being cancelled.
                if asyncio.current_task().cancelling():
                    raise
        else:
            return self._results[key]  # type: ignore[return-value]
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await make()
        except BaseException:
            del self._pending[key]
            future.cancel()
            raise
        if keep:
            self._results[key] = result
        del self._pending[key]
        future.set_result(result)
        return result

    def cuts_above(self, zone: str) -> list[ZoneCut]:
        """The known zone cuts strictly above `zone`, root first (the path its delegation walk took)."""
        name = dns.name.from_text(zone)
        cuts = []
        while name != dns.name.root:
            name = name.parent()
            if _text(name) in self._cuts:
                cuts.append(self._cuts[_text(name)])
        return list(reversed(cuts))

    def closest_cut(self, name: str, strictly_above: bool = False) -> ZoneCut:
        """The deepest known zone cut at or above `name` (strictly above it if asked)."""
        target = dns_name(name)
        candidate = target.parent() if strictly_above and target != dns.name.root else target
        while True:
            cut = self._cuts.get(_text(candidate))
            if cut is not None:
                return cut
            candidate = candidate.parent()

    async def ask_cut(self, cut: ZoneCut, qname: str, qtype: str, probes: list[Probe]) -> Probe | None:
        """Ask the cut's servers in turn until one answers with something other than SERVFAIL/REFUSED."""
        last_answer = None
        for ns_name, address in cut.servers:
            probe = await self.prober.ask(address, qname, qtype, server_name=ns_name)
            probes.append(probe)
            if probe.answered and probe.rcode not in ("SERVFAIL", "REFUSED"):
                return probe
            if probe.answered:
                last_answer = probe
        return last_answer

    async def walk(self, qname: str, qtype: str, stop_at_delegation_of: str | None = None,
                   depth: int = 0) -> Walk:
        """Follow referrals from the closest known cut until an answer, a denial or an error.

        With `stop_at_delegation_of`, starts strictly above that zone and stops at the referral to it,
        so the caller sees the parent's view of the delegation.
        """
        probes: list[Probe] = []
        start = stop_at_delegation_of or qname
        cut = self.closest_cut(start, strictly_above=bool(stop_at_delegation_of))
        target = dns_name(qname)
        for _ in range(MAX_REFERRALS):
            if not cut.servers:
                return Walk(cut, None, probes, error=msg("cut-no-address", zone=cut.name))
            # Only top-level walks wait for another: a walk for a glueless nameserver's address never
            # does, so no two walks can wait for each other through a circular glueless delegation.
            deeper = None if depth else \
                await self._after_walk_heading_the_same_way(cut, target, start, bool(stop_at_delegation_of))
            if deeper is not None:
                cut = deeper
                continue
            step = (cut.name, _text(_one_label_below(dns_name(cut.name), target)))
            here = None  # set when this walk is the one the others heading the same way wait for
            if step not in self._descending:
                here = self._descending[step] = asyncio.get_running_loop().create_future()
            try:
                probe = await self.ask_cut(cut, qname, qtype, probes)
                if probe is None:
                    return Walk(cut, None, probes, error=_unanswered(cut, probes))
                referral = self._referral(probe, cut.name, target)
                if referral is None:
                    return Walk(cut, probe, probes)
                child = await self._cut_from_referral(referral, probe, depth)
                self._cuts.setdefault(child.name, child)
            finally:
                if here is not None:
                    del self._descending[step]
                    here.set_result(None)
            if stop_at_delegation_of is not None and child.name == _text(dns_name(stop_at_delegation_of)):
                return Walk(cut, probe, probes, referral_to=child)
            cut = child
        return Walk(cut, None, probes, error=msg("too-many-referrals", num=MAX_REFERRALS))

    async def _after_walk_heading_the_same_way(self, cut: ZoneCut, target: dns.name.Name, start: str,
                                               strictly_above: bool) -> ZoneCut | None:
        """When another walk is asking `cut` about a name under the same child (a run's first zones
        under one TLD all ask the root about it at once), wait for it and return the deeper cut it
        learnt, if it learnt one on our way: one referral instead of one per zone. None: ask ourselves."""
        if target == dns_name(cut.name):
            return None
        other = self._descending.get((cut.name, _text(_one_label_below(dns_name(cut.name), target))))
        if other is None:
            return None
        await asyncio.shield(other)
        closest = self.closest_cut(start, strictly_above=strictly_above)
        if closest.name != cut.name and dns_name(closest.name).is_subdomain(dns_name(cut.name)):
            return closest
        return None

    @staticmethod
    def _referral(probe: Probe, current: str, target: dns.name.Name) -> dns.name.Name | None:
        """The delegated zone's name if the answer is a referral deeper than `current` toward `target`."""
        if probe.has_flag("AA") or probe.rcode != "NOERROR" or probe.section("answer"):
            return None
        for rrset in probe.section("authority"):
            if rrset.rdtype == dns.rdatatype.NS and target.is_subdomain(rrset.name) \
                    and rrset.name.is_subdomain(dns_name(current)) and rrset.name != dns_name(current):
                return rrset.name
        return None

    async def _cut_from_referral(self, zone: dns.name.Name, probe: Probe, depth: int) -> ZoneCut:
        ns_rrset = probe.find("authority", "NS", _text(zone))
        ns_names = sorted({_text(r.target) for r in ns_rrset}) if ns_rrset else []
        glue: dict[str, list[str]] = {}
        for rrset in probe.section("additional"):
            owner = _text(rrset.name)
            if owner in ns_names and rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                glue.setdefault(owner, []).extend(r.address for r in rrset)
        servers = [(ns, a) for ns in ns_names for a in glue.get(ns, [])]
        glueless = [ns for ns in ns_names if ns not in glue]
        if glueless and depth < MAX_GLUELESS_DEPTH:
            # Glue is only needed for names inside the zone; others are looked up (in parallel).
            found = await asyncio.gather(*(self.addresses_of(ns, depth + 1) for ns in glueless))
            for ns, (addresses, _probes) in zip(glueless, found):
                servers += [(ns, a) for a in addresses]
        return ZoneCut(_text(zone), ns_names, servers, glue)

    async def lookup(self, qname: str, qtype: str, depth: int = 0) -> Walk:
        """An iterative lookup that follows CNAMEs; cached for the run."""
        async def run() -> Walk:
            name = qname
            collected: list[Probe] = []
            for _ in range(MAX_CNAMES):
                result = await self.walk(name, qtype, depth=depth)
                collected += result.probes
                result.probes = collected
                probe = result.probe
                if probe is None or probe.find("answer", qtype, name) is not None:
                    return result
                cname = probe.find("answer", "CNAME", name)
                if cname is None:
                    return result
                name = _text(cname[0].target)
            return result
        if depth > 0:
            # A lookup made while resolving a referral's glueless nameservers is not shared: with a
            # circular glueless delegation it could otherwise end up waiting for itself.
            return await run()
        return await self.once(("lookup", _text(dns_name(qname)), qtype), run)

    async def addresses_of(self, ns_name: str, depth: int = 0) -> tuple[list[str], list[Probe]]:
        """The IPv4 and IPv6 addresses of a host name (empty if it has none or cannot be resolved)."""
        results = await asyncio.gather(self.lookup(ns_name, "A", depth), self.lookup(ns_name, "AAAA", depth))
        addresses: list[str] = []
        probes: list[Probe] = []
        for walk, qtype in zip(results, ("A", "AAAA")):
            probes += walk.probes
            if walk.probe is not None:
                for rrset in walk.probe.section("answer"):
                    if rrset.rdtype == dns.rdatatype.from_text(qtype):
                        addresses += [r.address for r in rrset]
        return sorted(set(addresses), key=addresses.index), probes

    async def delegation(self, zone: str) -> Walk:
        """The parent's view of `zone`: the walk that ends at the referral to it (cached)."""
        return await self.once(("delegation", zone), lambda: self.walk(zone, "NS", stop_at_delegation_of=zone),
                               keep=False)
