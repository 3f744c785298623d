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
