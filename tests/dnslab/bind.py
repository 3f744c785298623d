"""One `named` process plays most of the lab's servers: one view per address (`match-destinations`),
each with its own zones and options (recursion on for the open resolver, AXFR open for one zone, a
different copy of a zone, no zone at all for the lame server).

Safety: recursion is off everywhere except the deliberately open view, whose only root hints are the
lab's; NOTIFY is off; no forwarders; the control channel is disabled so two labs never fight over 953.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .apparmor import executable_for
from .errors import require_binary
from .process import ServerProcess


@dataclass
class BindZone:
    name: str  # absolute, with trailing dot
    file: Path
    allow_transfer: bool = False


@dataclass
class BindView:
    address: str
    zones: list[BindZone] = field(default_factory=list)
    recursion: bool = False


def write_config(directory: Path, views: list[BindView], root_hints: Path) -> Path:
    """named.conf for `views` in `directory` (which also gets named's pid, session key and dumps)."""
    addresses = "; ".join(v.address for v in views if ":" not in v.address)
    ipv6 = "; ".join(v.address for v in views if ":" in v.address) or "none"
    parts = [
        "options {",
        f'    directory "{directory}";',
        f'    pid-file "{directory}/named.pid";',
        f'    session-keyfile "{directory}/session.key";',
        f'    managed-keys-directory "{directory}";',
        f'    dump-file "{directory}/cache.dump";',
        f'    statistics-file "{directory}/named.stats";',
        f"    listen-on port 53 {{ {addresses}; }};",
        f"    listen-on-v6 port 53 {{ {ipv6}; }};",
        "    automatic-interface-scan no;",
        "    recursion no;",
        "    allow-transfer { none; };",
        "    notify no;",
        "    dnssec-validation no;",
        "    empty-zones-enable no;",
        "    max-cache-size 4m;",
        # One named plays every server: let a benchmark's hundreds of TCP connections queue, not be
        # dropped (the default listen queue of 10 makes clients retransmit SYNs after a second).
        "    tcp-listen-queue 512;",
        "    tcp-clients 2000;",
        "    minimal-responses no-auth-recursive;",
        "    check-integrity no;",
        "};",
        "controls { };",
    ]
    for number, view in enumerate(views):
        parts.append(f'view "v{number}-{view.address}" {{')
        parts.append("    match-clients { any; };")
        parts.append(f"    match-destinations {{ {view.address}; }};")
        if view.recursion:
            # The open resolver of the open-recursion role: it answers anyone, and its only way out is
            # the lab's own root.
            parts += [
                "    recursion yes;",
                "    allow-recursion { any; };",
                "    allow-query-cache { any; };",
                f'    zone "." {{ type hint; file "{root_hints}"; }};',
                # Queries leave from a loopback address, which the kernel never routes off the machine.
                f"    query-source address {view.address};",
            ]
        for zone in view.zones:
            transfer = "allow-transfer { any; };" if zone.allow_transfer else ""
            parts.append(f'    zone "{zone.name}" {{ type primary; file "{zone.file}"; {transfer} }};')
        parts.append("};")
    conf = directory / "named.conf"
    conf.write_text("\n".join(parts) + "\n")
    return conf


def named_process(directory: Path, conf: Path, ipv6: bool = False) -> ServerProcess:
    """`named` in the foreground (-g: logs to stderr, which goes to named.log); IPv4 only unless `ipv6`."""
    named = executable_for(require_binary("named", "bind9"), directory.parent)
    family = [] if ipv6 else ["-4"]
    return ServerProcess("named", [named, "-g", *family, "-c", str(conf)], directory / "named.log", cwd=directory)
