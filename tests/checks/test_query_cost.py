"""What checking a well-run zone costs the lab's servers, in queries counted where they leave the engine
(each datagram sent, each TCP connection made), not in time."""
from __future__ import annotations

import collections
from functools import partial

import dns.message
import dns.name
import dns.rdatatype
import pytest

from kindns.checks import ZONE_CHECKS, query
from kindns.checks.runner import RunStats, iter_zone_reports
from kindns.checks.udp import UdpChannel

pytestmark = pytest.mark.dns

# The lab's good zone in a run of its own: its delegation walk from the root, the chain of trust above
# it (the root's and the TLD's keys, the TLD's DS), its servers' AS numbers (one referral to the AS
# zone for both addresses), the recursion test and the identity question (version.bind) at each server,
# and its own questions to each of its two servers.
FIRST_ZONE = 21
# Each further well-run zone on servers and under parents the run already knows: the parent's referral,
# then SOA, DNSKEY, NSEC3PARAM and AXFR of each server (and NS of one that leaves it out of its SOA
# answers). The recursion test, the servers' identity and the ancestors' keys are shared within the run.
FURTHER_ZONE = 10


class Sent(list):
    """Every query that leaves the engine, as (server, transport, name asked, type asked), in order; and
    the index of each one an answer came back to."""

    def __init__(self):
        super().__init__()
        self.answered: set[int] = set()

    def clear(self):
        super().clear()
        self.answered.clear()


@pytest.fixture
def sent(monkeypatch):
    seen = Sent()
    udp_exchange, tcp_exchange = UdpChannel.exchange, query.tcp_exchange

    async def counted(exchange, transport, wire, server, port, timeout):
        question = dns.message.from_wire(wire).question[0]
        seen.append((server, transport, question.name, question.rdtype))
        index = len(seen) - 1
        answer = await exchange(wire, server, port, timeout)
        seen.answered.add(index)
        return answer

    async def udp(self, wire, server, port, timeout):
        return await counted(partial(udp_exchange, self), "udp", wire, server, port, timeout)

    async def tcp(wire, server, port, timeout):
        return await counted(tcp_exchange, "tcp", wire, server, port, timeout)

    monkeypatch.setattr(UdpChannel, "exchange", udp)
    monkeypatch.setattr(query, "tcp_exchange", tcp)
    return seen


def check(names, config):
    # A long timeout: on a busy machine a slow answer would otherwise be asked again, and counted.
    stats = RunStats()
    reports = list(iter_zone_reports(names, config.replace(concurrency=1, processes=1, timeout=10.0), stats))
    for report in reports:
        assert {c.id: c.verdict for c in report.checks} == {c: "pass" for c in ZONE_CHECKS}
    return stats


def test_a_well_run_zone_in_a_run_of_its_own_costs_at_most_its_figure(dns_lab, lab_config, sent):
    stats = check([dns_lab.zones["good"]], lab_config)
    # Distinct questions: one that got no answer is asked again (BIND drops CHAOS answers beyond a few
    # per second, which a run of the test suite can exceed), and the engine's count has that too.
    assert 0 < len(set(sent)) <= FIRST_ZONE, collections.Counter(sent)
    assert stats.queries == len(sent)


def test_zones_checked_at_once_ask_the_root_about_their_tld_once(dns_lab, lab_config, sent):
    names = [dns_lab.zones[role] for role in ("good", "open-axfr", "lame", "unsigned")]
    stats = RunStats()
    list(iter_zone_reports(names, lab_config.replace(concurrency=len(names), processes=1), stats))
    root = {address for _name, address in ((s.name, s.address) for s in lab_config.root_hints)}
    tld = dns.name.from_text(names[0]).parent()
    walks = [q for q in sent if q[0] in root and q[3] == dns.rdatatype.NS and q[2].is_subdomain(tld)]
    assert len(walks) == 1, walks


def test_each_further_well_run_zone_costs_at_most_its_figure_and_asks_nothing_twice(dns_lab, lab_config, sent):
    zone = dns.name.from_text(dns_lab.zones["good"])
    check([dns_lab.zones["good"]], lab_config)
    alone = [q for q in sent if _names(q, zone)]
    sent.clear()
    stats = check([dns_lab.zones["good"]] * 3, lab_config)
    assert stats.queries == len(sent)
    about_the_zone = [q for q in sent if _names(q, zone)]
    assert (len(about_the_zone) - len(alone)) / 2 <= FURTHER_ZONE, collections.Counter(about_the_zone)
    # The questions that do not name the zone (recursion and identity at each server, the chain of trust
    # above it, its servers' AS numbers) were not asked again once answered. (Unanswered ones are: BIND
    # drops CHAOS answers beyond a few per second, which a run of the test suite can exceed.)
    answered_before = set()
    for index, question in enumerate(sent):
        if not _names(question, zone):
            assert question not in answered_before, (question, sent)
            if index in sent.answered:
                answered_before.add(question)


def _names(query: tuple, zone: dns.name.Name) -> bool:
    """Whether the query asks about the zone or a name in it."""
    return query[2].is_subdomain(zone)


def test_a_run_shared_between_worker_processes_counts_the_queries_of_each(dns_lab, lab_config):
    # Each process knows nothing of the other's answers: each pays for a first zone and a further one.
    stats = RunStats()
    config = lab_config.replace(processes=2, processes_from=2, concurrency=2, timeout=10.0)
    reports = list(iter_zone_reports([dns_lab.zones["good"]] * 4, config, stats))
    assert [c.verdict for r in reports for c in r.checks] == ["pass"] * len(ZONE_CHECKS) * 4
    # One process alone would have sent about FIRST_ZONE + FURTHER_ZONE (more only for answers lost).
    assert 2 * (FIRST_ZONE - 1) <= stats.queries < 4 * FIRST_ZONE
