"""The lab's address block: a /16 inside 127.0.0.0/8 that no other lab or program on this machine uses.

Every lab picks a random second octet between 100 and 250 and holds an exclusive `flock` on a lock file
named after it for as long as it runs, so labs of test runs that overlap never share addresses; the kernel
drops the lock when the process dies, which lets a later lab recognise and clean up the addresses a killed
lab left on `lo`. `named` only listens on addresses present on an interface, hence the `ip addr add`.
"""
from __future__ import annotations

import fcntl
import ipaddress
import os
import random
import shutil
import socket
import struct
import subprocess
import tempfile
from pathlib import Path

from .errors import LabError, require_binary

# Label of the addresses we add to `lo` (at most 15 characters and starting with the device name), so that
# only addresses this code added are ever removed.
ADDRESS_LABEL = "lo:kdnslab"
SECOND_OCTETS = range(100, 251)


IPV6_ADDRESS = "::1"  # IPv6 has no loopback block: the lab that holds IPV6_LOCK serves ::1 port 53


class AddressBlock:
    """127.<octet>.0.0/16, reserved by an open, locked file until `release()`; and ::1 port 53 too when no
    other lab holds it (`ipv6`)."""

    def __init__(self, octet: int, lock_file, ipv6_lock=None) -> None:
        self.octet = octet
        self._lock_file = lock_file
        self._ipv6_lock = ipv6_lock
        self.added: list[str] = []

    @property
    def ipv6(self) -> bool:
        return self._ipv6_lock is not None

    def address(self, third: int, fourth: int) -> str:
        """127.<octet>.<third>.<fourth>."""
        return f"127.{self.octet}.{third}.{fourth}"

    def contains(self, address: str) -> bool:
        return address.startswith(f"127.{self.octet}.")

    def add_to_loopback(self, addresses: list[str]) -> None:
        """Add each address as a /32 to `lo` (one `ip -batch` call, so a few dozen addresses cost ~10 ms)."""
        todo = [a for a in addresses if a not in self.added and ":" not in a]  # ::1 is always on lo
        if not todo:
            return
        _ip_batch([f"address add {a}/32 dev lo label {ADDRESS_LABEL}" for a in todo])
        self.added.extend(todo)

    def remove_from_loopback(self) -> None:
        """Remove every address this block added (errors ignored: an address may already be gone)."""
        if self.added:
            _ip_batch([f"address del {a}/32 dev lo" for a in self.added], check=False)
            self.added = []

    def release(self) -> None:
        """Remove our addresses and give the block up for other labs."""
        self.remove_from_loopback()
        for name in ("_lock_file", "_ipv6_lock"):
            lock = getattr(self, name)
            if lock is not None:
                lock.close()  # closing drops the flock
                setattr(self, name, None)


def reserve_block(workdir: Path | None = None, rng: random.Random | None = None) -> AddressBlock:
    """Lock a free 127.N.0.0/16: no other lab holds it, nothing listens on it, no foreign address uses it.

    The lock file records our pid and `workdir`, so that a later lab can delete what a killed one left.
    """
    require_binary("ip", "iproute2")
    rng = rng or random.Random()
    octets = list(SECOND_OCTETS)
    rng.shuffle(octets)
    lock_dir = Path(tempfile.gettempdir())
    _remove_stale_addresses(lock_dir)
    listening = _listening_addresses()
    on_lo = _loopback_addresses()
    for octet in octets:
        prefix = f"127.{octet}."
        if any(a.startswith(prefix) for a in listening):
            continue
        lock_file = open(lock_dir / f"kindns-dnslab-127-{octet}.lock", "a")  # "w" would truncate a held lock
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.close()
            continue  # another running lab holds it
        if any(a.startswith(prefix) for a, _ in on_lo):
            lock_file.close()
            continue  # someone else's addresses (ours of a dead lab were removed above)
        lock_file.truncate(0)
        lock_file.write(f"{os.getpid()}\n{workdir or ''}\n")
        lock_file.flush()
        return AddressBlock(octet, lock_file, _reserve_ipv6(lock_dir))
    raise LabError("no free 127.N.0.0/16 block for the DNS lab (N in 100..250)")


def _reserve_ipv6(lock_dir: Path):
    """The lock of ::1 port 53 when no other lab holds it and nothing else listens there, else None."""
    lock_file = open(lock_dir / "kindns-dnslab-ipv6.lock", "a")
    try:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            with socket.socket(socket.AF_INET6, kind) as probe:
                probe.bind((IPV6_ADDRESS, 53))
    except OSError:
        lock_file.close()
        return None
    return lock_file


def _remove_stale_addresses(lock_dir: Path) -> None:
    """Remove our labelled addresses of every block whose lock nobody holds: a lab that was killed before
    it could clean up left them behind."""
    by_octet: dict[int, list[str]] = {}
    for address, label in _loopback_addresses():
        if label == ADDRESS_LABEL:
            by_octet.setdefault(int(address.split(".")[1]), []).append(address)
    for octet, addresses in by_octet.items():
        with open(lock_dir / f"kindns-dnslab-127-{octet}.lock", "a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a running lab owns them
            _ip_batch([f"address del {a}/32 dev lo" for a in addresses], check=False)
            _remove_stale_workdir(Path(lock_file.name), lock_dir)


def _remove_stale_workdir(lock_path: Path, lock_dir: Path) -> None:
    """Delete the workdir a dead lab recorded in its lock file, if it is one of ours in the temp dir."""
    lines = lock_path.read_text().splitlines()
    if len(lines) < 2 or not lines[1]:
        return
    workdir = Path(lines[1])
    if workdir.parent == lock_dir and workdir.name.startswith("kindns-dnslab-") and workdir.is_dir():
        shutil.rmtree(workdir, ignore_errors=True)


def _ip_batch(commands: list[str], check: bool = True) -> None:
    """Run several `ip` commands in one process; `-force` goes on after an error so cleanup is complete."""
    proc = subprocess.run(
        [shutil.which("ip") or "ip", "-force", "-batch", "-"],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
    )
    if check and proc.returncode != 0:
        hint = "" if os.geteuid() == 0 else " (adding addresses to lo needs root)"
        raise LabError(f"`ip` failed{hint}: {proc.stderr.strip()[:500]}")


def _loopback_addresses() -> list[tuple[str, str]]:
    """(address, label) of every IPv4 address on `lo`."""
    out = subprocess.run(
        ["ip", "-4", "-o", "address", "show", "dev", "lo"], capture_output=True, text=True, check=False
    ).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        if "inet" in fields:
            address = fields[fields.index("inet") + 1].split("/")[0]
            # The label, when there is one, is the last field before "valid_lft"/"\".
            label = "lo"
            for field in fields:
                if field.startswith("lo:"):
                    label = field.rstrip("\\")  # `ip -o` ends the line part with a backslash
            found.append((address, label))
    return found


def _listening_addresses() -> set[str]:
    """Local IPv4 addresses of every TCP and UDP socket on this machine (from /proc/net)."""
    found: set[str] = set()
    for table in ("tcp", "udp"):
        try:
            lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local = line.split()[1]
            hex_address = local.split(":")[0]
            found.add(socket.inet_ntoa(struct.pack("<I", int(hex_address, 16))))
    return found


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 — the only addresses the lab may ever send queries to."""
    return ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8")
