"""Knot DNS serving pre-signed zone files, so that the good zone's two nameservers run different software.

Knot only serves here: no signing of its own, no NOTIFY, no transfers (Knot refuses AXFR without an ACL).
"""
from __future__ import annotations

from pathlib import Path

from .errors import require_binary
from .process import ServerProcess


def write_config(directory: Path, address: str, zones: dict[str, Path]) -> Path:
    """knot.conf listening on `address`:53 and serving `zones` (absolute name -> signed file)."""
    lines = [
        "server:",
        f'    rundir: "{directory}"',
        f"    listen: {address}@53",
        "    udp-workers: 2",
        # Knot's TCP listen queue is a fixed 10; one listening socket per worker (reuseport) multiplies
        # it, so a benchmark's burst of connections is queued rather than dropped.
        "    tcp-workers: 4",
        "    tcp-reuseport: on",
        "    background-workers: 1",
        "log:",
        "  - target: stderr",
        "    any: info",
        "control:",
        f'    listen: "{directory}/knot.sock"',
        "database:",
        f'    storage: "{directory}"',
        "template:",
        "  - id: default",
        f'    storage: "{directory}"',
        "    zonefile-sync: -1",  # never write back into the zone files
        "    zonefile-load: whole",
        "    journal-content: none",
        "zone:",
    ]
    for name, path in zones.items():
        lines += [f"  - domain: {name}", f'    file: "{path}"']
    conf = directory / "knot.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


def knot_process(directory: Path, conf: Path) -> ServerProcess:
    knotd = require_binary("knotd", "knot")
    return ServerProcess(
        "knotd", [knotd, "-c", str(conf), "-s", str(directory / "knot.sock")], directory / "knotd.log", cwd=directory
    )
