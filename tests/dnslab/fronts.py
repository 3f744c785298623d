"""Small DNS fronts that make a real nameserver misbehave the way some real deployments do, all served by one
process (python fronts.py MODE,LISTEN[,BACKEND] ...) so that they keep working whatever the tests do:

- `udp-only` LISTEN BACKEND: forwards UDP to the backend's port 53 and never opens TCP (the no-tcp role);
- `drop-edns` LISTEN BACKEND: like a firewall that drops EDNS: UDP queries carrying an additional record
  (an OPT record: lab queries carry no TSIG) get no answer, plain ones are forwarded; TCP is passed through
  whole (the edns-drop role);
- `silent` LISTEN: reads every UDP datagram and accepts every TCP connection, and never answers (the
  silent role: a server that is up but dead).

A front only ever sends to the backend given, which must be a loopback address. One socket talks to each
backend; each query goes out under a fresh message id (the client's id is put back in the answer), so
concurrent clients never see each other's answers and no socket is made per query.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import sys

TIMEOUT = 3.0  # seconds a query waits for the backend before it is forgotten (like a lost datagram)
RECEIVE_BUFFER = 4 * 1024 * 1024
MODES = ("udp-only", "drop-edns", "silent")


class Relay:
    def __init__(self, backend: str, drop_edns: bool) -> None:
        self.backend = (backend, 53)
        self.drop_edns = drop_edns
        self.front: asyncio.DatagramTransport | None = None
        self.back: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[tuple, bytes]] = {}  # relay id -> (client address, client's id)
        self.next_id = 0

    def query(self, data: bytes, client) -> None:
        if len(data) < 12 or len(self.pending) >= 65536:
            return
        if self.drop_edns and int.from_bytes(data[10:12], "big") > 0:
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


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, handle) -> None:
        self.handle = handle

    def datagram_received(self, data: bytes, addr) -> None:
        self.handle(data, addr)


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


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def start_front(mode: str, listen: str, backend: str | None) -> None:
    loop = asyncio.get_running_loop()
    if mode == "silent":
        transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(lambda data, addr: None),
                                                           local_addr=(listen, 53))
        _enlarge_receive_buffer(transport.get_extra_info("socket"))
        held: list[asyncio.StreamWriter] = []

        async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            held.append(writer)  # keep the connection open, read everything, answer nothing
            while await reader.read(65536):
                pass
            held.remove(writer)
            writer.close()
        await asyncio.start_server(swallow, listen, 53)
        return
    if not ipaddress.ip_address(backend).is_loopback:
        raise SystemExit("a front only forwards to loopback addresses")
    relay = Relay(backend, drop_edns=mode == "drop-edns")
    relay.back, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(lambda d, a: relay.answer(d)),
                                                        local_addr=(listen, 0))
    relay.front, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(relay.query), local_addr=(listen, 53))
    for transport in (relay.front, relay.back):
        _enlarge_receive_buffer(transport.get_extra_info("socket"))
    if mode == "drop-edns":
        async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                back_reader, back_writer = await asyncio.open_connection(backend, 53)
            except OSError:
                writer.close()
                return
            await asyncio.gather(_pipe(reader, back_writer), _pipe(back_reader, writer))
        await asyncio.start_server(forward, listen, 53)


async def main(specs: list[str]) -> None:
    for spec in specs:
        mode, listen, *backend = spec.split(",")
        if mode not in MODES:
            raise SystemExit(f"unknown front mode {mode!r}")
        await start_front(mode, listen, backend[0] if backend else None)
        print(f"{mode} front on {listen}:53" + (f" -> {backend[0]}:53" if backend else ""), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
