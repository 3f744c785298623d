"""The prober against tiny misbehaving servers on 127.0.0.1: every failure becomes evidence, never an
exception, and nothing is sent where the address policy forbids it."""
from __future__ import annotations

import asyncio
import socket

import dns.message
import dns.rrset

from kindns.checks import CheckConfig
from kindns.checks.query import Prober

LOCAL = "127.0.0.1"


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((LOCAL, 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((LOCAL, port))
                except OSError:
                    continue
                return port


class UdpServer(asyncio.DatagramProtocol):
    """Answers each datagram with whatever `reply(query_wire)` returns (None: stays silent)."""

    def __init__(self, reply):
        self.reply = reply
        self.received = 0

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.received += 1
        answer = self.reply(data)
        if answer is not None:
            self.transport.sendto(answer, addr)


def good_answer(wire: bytes, records: int = 1) -> bytes:
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    response.answer.append(dns.rrset.from_text(
        query.question[0].name, 300, "IN", "TXT", *[f'"record {i} {"x" * 100}"' for i in range(records)]))
    return response.to_wire(max_size=65535)


def ask(reply, *, allow_private=True, **config):
    """Run one query against a UDP server built on `reply`; returns (probe, server)."""
    async def run():
        port = free_port()
        server = UdpServer(reply)
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: server, local_addr=(LOCAL, port))
        try:
            prober = Prober(CheckConfig(root_hints=(), trust_anchors=(), allow_private=allow_private,
                                        dns_port=port, **{"timeout": 0.3, "retries": 1, **config}))
            probe = await prober.ask(LOCAL, "example.test.", "TXT")
            tcp = await prober.ask(LOCAL, "example.test.", "SOA", transport="tcp")
            return probe, tcp, server
        finally:
            transport.close()
    return asyncio.run(run())


def test_a_good_answer_is_recorded_with_its_evidence():
    probe, _tcp, _server = ask(good_answer)
    assert probe.answered and probe.error is None and probe.rcode == "NOERROR"
    evidence = probe.to_evidence()
    assert evidence["server"] == LOCAL and evidence["query"] == "example.test. TXT"
    assert "aa" in [f.lower() for f in evidence["flags"]]
    assert evidence["records"][0].startswith("example.test. 300 IN TXT")
    assert evidence["dig"].startswith(f"dig @{LOCAL} -p ") and "example.test. TXT +norecurse +dnssec" in evidence["dig"]


def test_a_malformed_answer_is_evidence_not_a_crash():
    probe, _tcp, _server = ask(lambda wire: wire[:2] + b"\x84\x00\x00\x01\x00\x05" + b"\x00" * 6 + b"\xff" * 20)
    assert not probe.answered
    assert probe.error == "malformed"


def test_a_silent_server_times_out_after_the_retries():
    probe, _tcp, server = ask(lambda wire: None)
    assert probe.error == "timeout" and probe.attempts == 2
    assert server.received == 2
    assert 500 <= probe.elapsed_ms < 2000


def test_an_answer_over_the_size_limit_is_refused():
    probe, _tcp, _server = ask(lambda wire: good_answer(wire, records=10), max_response_size=512)
    assert probe.error == "too-large" and "512-byte limit" in probe.error_detail


def test_a_closed_tcp_port_is_a_refused_connection():
    _probe, tcp, _server = ask(good_answer)
    assert tcp.error == "connection-refused"


def test_loopback_is_not_probed_unless_allowed():
    probe, tcp, server = ask(good_answer, allow_private=False)
    assert server.received == 0
    assert probe.error == "refused-by-policy" and "loopback" in probe.error_detail
    assert tcp.error == "refused-by-policy"
    assert probe.to_evidence()["error"] == "refused-by-policy"


def test_a_truncated_answer_is_asked_again_over_tcp_and_the_evidence_says_so():
    async def run():
        port = free_port()

        def truncated(wire):
            response = dns.message.make_response(dns.message.from_wire(wire))
            response.flags |= dns.flags.TC | dns.flags.AA
            return response.to_wire()

        async def over_tcp(reader, writer):
            length = int.from_bytes(await reader.readexactly(2), "big")
            answer = good_answer(await reader.readexactly(length), records=20)
            writer.write(len(answer).to_bytes(2, "big") + answer)
            await writer.drain()
            writer.close()

        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: UdpServer(truncated), local_addr=(LOCAL, port))
        server = await asyncio.start_server(over_tcp, LOCAL, port)
        try:
            prober = Prober(CheckConfig(root_hints=(), trust_anchors=(), allow_private=True, dns_port=port,
                                        timeout=1.0))
            probe = await prober.ask(LOCAL, "example.test.", "TXT")
            prober.close()
            return probe
        finally:
            transport.close()
            server.close()
    probe = asyncio.run(run())
    assert probe.truncated_retry and probe.answered and len(probe.find("answer", "TXT")) == 20
    evidence = probe.to_evidence()
    assert evidence["transport"] == "udp+tcp" and "asked again over TCP" in evidence["note"]


def test_an_answer_under_another_message_id_is_not_taken_for_the_answer():
    probe, _tcp, server = ask(lambda wire: bytes([wire[0] ^ 0xFF, wire[1]]) + good_answer(wire)[2:])
    assert probe.error == "timeout" and server.received == 2


def test_an_answer_to_another_question_is_a_bad_response():
    def other_question(wire):
        query = dns.message.make_query("other.test.", "TXT")
        query.id = int.from_bytes(wire[:2], "big")
        return good_answer(query.to_wire())
    probe, _tcp, _server = ask(other_question)
    assert probe.error == "bad-response"


def test_a_trimmed_answer_keeps_everything_but_the_glue_and_is_stored_whole():
    from kindns.checks.query import parse_answer, without_glue

    query = dns.message.make_query("example.test.", "NS", use_edns=0, payload=1232)
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text("example.test.", 300, "IN", "NS", "ns1.example.test."))
    response.additional.append(dns.rrset.from_text("ns1.example.test.", 300, "IN", "A", "192.0.2.1"))
    response.additional.append(dns.rrset.from_text("ns1.example.test.", 300, "IN", "AAAA", "2001:db8::1"))
    wire = response.to_wire()
    trimmed = parse_answer(wire, trimmed=True)
    assert trimmed.answer == response.answer and not trimmed.additional and trimmed.edns == 0
    assert parse_answer(wire).additional == response.additional
    assert without_glue(wire[:-3]) == wire[:-3]  # records that cannot be walked: left to the parser


def test_ipv6_servers_are_asked_through_ipv6_sockets():
    async def run():
        port = free_port()
        server = UdpServer(good_answer)
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: server, local_addr=("::1", port))
        try:
            prober = Prober(CheckConfig(root_hints=(), trust_anchors=(), allow_private=True, dns_port=port,
                                        timeout=1.0))
            probe = await prober.ask("::1", "example.test.", "TXT")
            prober.close()
            return probe
        finally:
            transport.close()
    probe = asyncio.run(run())
    assert probe.answered and probe.server == "::1"


def test_queries_written_directly_are_the_ones_dnspython_builds():
    import itertools

    from kindns.checks.query import _make_query, query_wire

    for qname, qtype, rd, do, edns, payload, qclass in itertools.product(
            ["example.org.", ".", "xn--caf-dma.example.", "a" * 63 + ".test."], ["A", "SOA", "DNSKEY", "AXFR", "TXT"],
            [True, False], [True, False], [True, False], [1232, 4096], ["IN", "CH"]):
        query = _make_query(qname, qtype, rd, do, edns, payload, qclass)
        query.id = 0
        assert query_wire(qname, qtype, rd, do, edns, payload, qclass) == query.to_wire(), \
            (qname, qtype, rd, do, edns, qclass)


def ask_over_tcp(reply, qtype="AXFR"):
    """One TCP query to a server that answers the query's wire with `reply(wire)` (bytes to send as
    they are, length prefix included; None: close the connection at once)."""
    async def run():
        port = free_port()

        async def serve(reader, writer):
            length = int.from_bytes(await reader.readexactly(2), "big")
            answer = reply(await reader.readexactly(length))
            if answer is not None:
                writer.write(answer)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, LOCAL, port)
        try:
            prober = Prober(CheckConfig(root_hints=(), trust_anchors=(), allow_private=True, dns_port=port,
                                        timeout=1.0, retries=0))
            return await prober.ask(LOCAL, "example.test.", qtype, transport="tcp")
        finally:
            server.close()
    return asyncio.run(run())


def framed(message: bytes) -> bytes:
    return len(message).to_bytes(2, "big") + message


def test_a_tcp_answer_is_taken_only_for_the_query_asked():
    good = ask_over_tcp(lambda wire: framed(good_answer(wire)), "SOA")
    assert good.answered and good.wire is not None and good.size == len(good.wire) and not good.trimmed
    other_id = ask_over_tcp(lambda wire: framed(bytes([wire[0] ^ 0xFF, wire[1]]) + good_answer(wire)[2:]))
    assert other_id.error == "bad-response"

    def other_question(wire):
        query = dns.message.make_query("other.test.", "AXFR")
        query.id = int.from_bytes(wire[:2], "big")
        return framed(good_answer(query.to_wire()))
    assert ask_over_tcp(other_question).error == "bad-response"


def test_a_refusal_over_tcp_may_leave_the_question_out_as_dnspython_allows():
    def refused(wire, keep_question):
        response = dns.message.make_response(dns.message.from_wire(wire))
        response.set_rcode(dns.rcode.REFUSED)
        if not keep_question:
            response.question = []
        return framed(response.to_wire())
    for keep_question in (True, False):
        probe = ask_over_tcp(lambda wire: refused(wire, keep_question))
        assert probe.answered and probe.rcode == "REFUSED"

    def empty_noerror(wire):
        response = dns.message.make_response(dns.message.from_wire(wire))
        response.question = []
        return framed(response.to_wire())
    assert ask_over_tcp(empty_noerror).error == "bad-response"


def test_a_tcp_connection_closed_before_the_whole_answer_is_evidence():
    closed = ask_over_tcp(lambda wire: None)
    assert closed.error == "connection-closed" and "EOFError" in closed.error_detail
    cut_short = ask_over_tcp(lambda wire: framed(good_answer(wire))[:-5])
    assert cut_short.error == "connection-closed"
    assert cut_short.failure() == {"code": "connection-closed", "args": {}}


def test_an_answer_that_comes_again_byte_for_byte_but_its_id_is_parsed_once():
    async def run():
        port = free_port()
        serial = iter(range(100))

        def answer(wire):  # the same answer twice, then a different one
            number = next(serial)
            return good_answer(wire, records=1 if number < 2 else 2)
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: UdpServer(answer), local_addr=(LOCAL, port))
        try:
            prober = Prober(CheckConfig(root_hints=(), trust_anchors=(), allow_private=True, dns_port=port,
                                        timeout=1.0))
            probes = [await prober.ask(LOCAL, "example.test.", "TXT") for _ in range(3)]
            prober.close()
            return probes
        finally:
            transport.close()
    first, again, other = asyncio.run(run())
    assert first.message is again.message and other.message is not first.message
    assert first.wire is not again.wire and first.wire[2:] == again.wire[2:]  # each keeps its own bytes
    assert len(first.find("answer", "TXT")) == 1 and len(other.find("answer", "TXT")) == 2


def test_a_question_asked_once_per_run_is_shared_and_a_lost_answer_is_asked_again_by_those_who_waited():
    from kindns.checks.collect import Collector

    async def run(drop_first):
        port = free_port()
        served = iter(range(100))
        server = UdpServer(lambda wire: None if drop_first and next(served) == 0 else good_answer(wire))
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: server, local_addr=(LOCAL, port))
        collector = Collector(CheckConfig(root_hints=(), trust_anchors=(), allow_private=True, dns_port=port,
                                          timeout=0.3, retries=0))
        try:
            probes = await asyncio.gather(*(collector.ask_once(LOCAL, "outside.test.", "A", server_name=name,
                                                               recursion_desired=True)
                                            for name in ("ns1.one.test.", "ns1.two.test.", "ns1.three.test.")))
            later = await collector.ask_once(LOCAL, "outside.test.", "A", server_name="ns1.four.test.",
                                             recursion_desired=True)
            return probes + [later], server.received
        finally:
            collector.close()
            transport.close()

    probes, received = asyncio.run(run(drop_first=False))
    assert received == 1 and all(p.answered and p.message is probes[0].message for p in probes)
    assert [p.server_name for p in probes] == ["ns1.one.test.", "ns1.two.test.", "ns1.three.test.", "ns1.four.test."]
    assert [p.to_evidence()["server_name"] for p in probes] == [p.server_name for p in probes]

    probes, received = asyncio.run(run(drop_first=True))
    # The first asker keeps its timeout; the two that only waited ask again, together.
    assert probes[0].error == "timeout" and all(p.answered for p in probes[1:]) and received == 2
