"""A UDP-only DNS front: forwards each datagram on <listen>:53 to <backend>:53 and relays the answer back.

It never opens a TCP socket, so the nameserver it fronts answers over UDP and refuses TCP — the `no-tcp`
role. Runs as its own process (python udprelay.py LISTEN BACKEND) so that it keeps answering whatever the
test process is doing; it only ever sends to the backend given, which the lab keeps inside 127.0.0.0/8.
"""
from __future__ import annotations

import asyncio
import ipaddress
import sys

TIMEOUT = 3.0


class _Exchange(asyncio.DatagramProtocol):
    """One query to the backend; resolves `answer` with the first datagram back."""

    def __init__(self, answer: asyncio.Future) -> None:
        self.answer = answer

    def datagram_received(self, data: bytes, addr) -> None:
        if not self.answer.done():
            self.answer.set_result(data)


class Front(asyncio.DatagramProtocol):
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, client) -> None:
        asyncio.get_running_loop().create_task(self.relay(data, client))

    async def relay(self, query: bytes, client) -> None:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future = loop.create_future()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Exchange(answer), remote_addr=(self.backend, 53)
        )
        try:
            transport.sendto(query)
            data = await asyncio.wait_for(answer, TIMEOUT)
            self.transport.sendto(data, client)
        except asyncio.TimeoutError:
            pass  # like a lost datagram: the client retries or times out
        finally:
            transport.close()


async def main(listen: str, backend: str) -> None:
    if not ipaddress.ip_address(backend).is_loopback:
        raise SystemExit("the relay only forwards to loopback addresses")
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Front(backend), local_addr=(listen, 53))
    print(f"udp relay {listen}:53 -> {backend}:53", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
