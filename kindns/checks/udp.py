"""DNS over UDP for a whole run through a few shared sockets, instead of a new socket per query.

A check run sends thousands of small queries; opening, binding and closing a socket (and an asyncio
transport) for each one cost more CPU than parsing the answer. Here each address family has a small
pool of sockets on random ports; a query goes out on one of them with a random message id, and an
answer is accepted only from the address and port asked, with that id and the QR bit (anything else is
dropped, as dnspython's `ignore_unexpected` does). Whether it answers the question asked is for the
caller to judge (`answers_question`): a server that sends garbage under the right id has answered.
"""
from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import socket
from typing import Any

SOCKETS_PER_FAMILY = 8
RECEIVE_BUFFER = 4 * 1024 * 1024   # room for a burst of answers; the kernel may give less
_random = random.SystemRandom()


def message_id() -> int:
    """A random message id (RFC 5452: unpredictable ids make forged answers harder)."""
    return _random.getrandbits(16)


class UdpTimeout(Exception):
    """No acceptable answer within the timeout."""


@functools.lru_cache(maxsize=8192)
def canonical_address(address: str) -> str:
    """The address as the kernel reports a datagram's source (compressed IPv6, no zone)."""
    return ipaddress.ip_address(address).compressed


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, channel: UdpChannel) -> None:
        self.channel = channel
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
            if option is None:
                continue
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
                break
            except OSError:
                continue

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.channel.received(self, data, addr)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (e.g. port unreachable) cannot be tied to one query on a shared socket: the
        # query then simply times out, as a lost datagram would.
        pass


class UdpChannel:
    """The shared sockets of one run (one event loop)."""

    def __init__(self) -> None:
        self._endpoints: dict[int, list[_Endpoint]] = {}
        self._opening: dict[int, asyncio.Future] = {}
        self._pending: dict[tuple[int, str, int, int], asyncio.Future] = {}
        self._turn = 0

    async def _pool(self, family: int) -> list[_Endpoint]:
        pool = self._endpoints.get(family)
        if pool is not None:
            return pool
        opening = self._opening.get(family)
        if opening is None:
            opening = self._opening[family] = asyncio.ensure_future(self._open(family))
        return await asyncio.shield(opening)

    async def _open(self, family: int) -> list[_Endpoint]:
        loop = asyncio.get_running_loop()
        local = "::" if family == socket.AF_INET6 else "0.0.0.0"
        pool = []
        for _ in range(SOCKETS_PER_FAMILY):
            _transport, endpoint = await loop.create_datagram_endpoint(
                lambda: _Endpoint(self), local_addr=(local, 0), family=family)
            pool.append(endpoint)
        self._endpoints[family] = pool
        return pool

    async def exchange(self, wire: bytes, server: str, port: int, timeout: float) -> bytes:
        """Send `wire` (its id is replaced) and return the first acceptable answer's bytes; raises
        UdpTimeout, or OSError when the datagram cannot even be sent."""
        address = canonical_address(server)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        pool = await self._pool(family)
        self._turn = (self._turn + 1) % len(pool)
        endpoint = pool[self._turn]
        slot = id(endpoint)
        for _ in range(64):
            query_id = message_id()
            key = (slot, address, port, query_id)
            if key not in self._pending:
                break
        else:  # pragma: no cover - 64 collisions in a row would take 65,000 queries to one server at once
            raise OSError("no free message id for this server")
        future = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            endpoint.transport.sendto(query_id.to_bytes(2, "big") + wire[2:], (address, port))
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise UdpTimeout() from None
        finally:
            self._pending.pop(key, None)

    def received(self, endpoint: _Endpoint, data: bytes, addr: Any) -> None:
        if len(data) < 12 or not data[2] & 0x80:   # shorter than a header, or not a response
            return
        key = (id(endpoint), canonical_address(addr[0]), addr[1], int.from_bytes(data[:2], "big"))
        future = self._pending.get(key)
        if future is not None and not future.done():
            future.set_result(data)

    @staticmethod
    def answers_question(data: bytes, question: bytes) -> bool:
        """One question, the one asked: `question` is the question section as sent (the name compared
        without regard to case, RFC 4343)."""
        name_end = 12 + len(question) - 4
        return (data[4:6] == b"\x00\x01" and data[12:name_end].lower() == question[:-4].lower()
                and data[name_end:name_end + 4] == question[-4:])

    def close(self) -> None:
        for pool in self._endpoints.values():
            for endpoint in pool:
                if endpoint.transport is not None:
                    endpoint.transport.close()
        self._endpoints.clear()
