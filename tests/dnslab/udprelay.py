"""A UDP-only DNS front: forwards each datagram on <listen>:53 to <backend>:53 and relays the answer back.

It never opens a TCP socket, so the nameserver it fronts answers over UDP and refuses TCP — the `no-tcp`
role. Runs as its own process (python udprelay.py LISTEN BACKEND) so that it keeps answering whatever the
test process is doing; it only ever sends to the backend given, which must be a loopback address.

One socket talks to the backend; each query goes out under a fresh message id (the client's id is put
back in the answer), so concurrent clients never see each other's answers and no socket is made per query.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import sys

TIMEOUT = 3.0  # seconds a query waits for the backend before it is forgotten (like a lost datagram)
RECEIVE_BUFFER = 4 * 1024 * 1024


class Relay:
    def __init__(self, backend: str) -> None:
        self.backend = (backend, 53)
        self.front: asyncio.DatagramTransport | None = None
        self.back: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[tuple, bytes]] = {}  # relay id -> (client address, client's id)
        self.next_id = 0

    def query(self, data: bytes, client) -> None:
        if len(data) < 12 or len(self.pending) >= 65536:
            return
        while self.next_id in self.pending:
            self.next_id = (self.next_id + 1) & 0xFFFF
        relay_id = self.next_id
        self.next_id = (self.next_id + 1) & 0xFFFF
        self.pending[relay_id] = (client, data[:2])
        asyncio.get_running_loop().call_later(TIMEOUT, self.pending.pop, relay_id, None)
        self.back.sendto(relay_id.to_bytes(2, "big") + data[2:], self.backend)

    def answer(self, data: bytes) -> None:
        if len(data) < 12:
            return
        entry = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if entry is not None:
            client, client_id = entry
            self.front.sendto(client_id + data[2:], client)


class _Front(asyncio.DatagramProtocol):
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr) -> None:
        self.relay.query(data, addr)


class _Back(asyncio.DatagramProtocol):
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    def datagram_received(self, data: bytes, addr) -> None:
        if addr[:2] == self.relay.backend:
            self.relay.answer(data)


def _enlarge_receive_buffer(sock) -> None:
    """Room for a burst of a benchmark's queries: the default buffer holds only a few hundred datagrams.
    SO_RCVBUFFORCE (root) goes past the system maximum; without it we take what SO_RCVBUF gives."""
    for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if option is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
            return
        except OSError:
            continue


async def main(listen: str, backend: str) -> None:
    if not ipaddress.ip_address(backend).is_loopback:
        raise SystemExit("the relay only forwards to loopback addresses")
    loop = asyncio.get_running_loop()
    relay = Relay(backend)
    relay.back, _ = await loop.create_datagram_endpoint(lambda: _Back(relay), local_addr=(listen, 0))
    relay.front, _ = await loop.create_datagram_endpoint(lambda: _Front(relay), local_addr=(listen, 53))
    for transport in (relay.front, relay.back):
        _enlarge_receive_buffer(transport.get_extra_info("socket"))
    print(f"udp relay {listen}:53 -> {backend}:53", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
