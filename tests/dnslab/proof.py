"""Throwaway servers for the fix proofs: one BIND, Knot or Unbound on an address the lab reserves for it
(`lab.proof_zones`, `lab.proof_resolvers`), started from a configuration held as data (blocks of statements,
kindns.checks.fixes.Block) so that a fix's changes can be applied to it mechanically, written out with the
same renderer that shows them to operators, and loaded with the fix's own command.

    with proof_server(lab, "bind", "zone", faulty) as server:
        ...check: fails...
        server.apply(fix.filled_changes({"zone": server.zone}))
        server.run(fix.apply)          # "rndc reconfig", given the server's control channel
        ...check: passes...

Each server has its own control channel (rndc on the proof address, knotc and unbound-control on a unix
socket in its directory): the lab's own servers keep theirs disabled, so nothing fights over them.
"""
from __future__ import annotations

import base64
import calendar
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterable, Iterator

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from kindns.checks.fixes import Block, Change, apply_changes, render_blocks

from .apparmor import executable_for
from .errors import LabError, require_binary
from .process import ServerProcess

READY_TIMEOUT = 15.0
CONFIG_NAME = {"bind": "named.conf", "knot": "knot.conf", "unbound": "unbound.conf"}


class ProofServer:
    """One throwaway server: its configuration as blocks, its process and its control command."""

    def __init__(self, lab, software: str, role: str, directory: Path, blocks: list[Block], zone: str = "") -> None:
        self.lab = lab
        self.software = software
        self.role = role  # "zone" (authoritative for `zone`) or "resolver"
        self.zone = zone
        self.address = lab.proof_resolvers[software] if role == "resolver" else _zone_address(lab, zone)
        self.directory = directory
        self.blocks = blocks
        self.conf = directory / CONFIG_NAME[software]
        self.process: ServerProcess | None = None
        self.outside = False  # Unbound: treat loopback as the Internet (see _unbound_blocks)
        self.rndc_conf = directory / "rndc.conf"

    # -- configuration --------------------------------------------------------------------------------
    def write(self) -> None:
        self.conf.write_text(render_blocks(self.software, self.blocks))  # the syntax is named after them

    def apply(self, changes: Iterable[Change]) -> None:
        """Apply a fix's changes to the configuration and write it out (the server reads it on reload)."""
        apply_changes(self.blocks, changes)
        self.write()

    def statements(self, block: str, item: str = "") -> list[tuple[str, str]]:
        found = next((b for b in self.blocks if b.block == block and b.item == item), None)
        return list(found.statements) if found else []

    # -- process ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self.write()
        if self.software == "bind":
            named = executable_for(require_binary("named", "bind9"), self.directory)
            argv = [named, "-g", "-4", "-c", str(self.conf)]
        elif self.software == "knot":
            argv = [require_binary("knotd", "knot"), "-c", str(self.conf)]
        else:
            unbound = executable_for(require_binary("unbound", "unbound"), self.directory)
            argv = [unbound, "-d", "-c", str(self.conf)]
        self.process = ServerProcess(f"{self.software} (proof)", argv, self.directory / "server.log",
                                     cwd=self.directory)
        self.process.start()
        self._wait_ready()

    def _wait_ready(self) -> None:
        name = self.zone + "." if self.role == "zone" else "localhost."
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            self.process.check_alive()
            if _answers(self.address, name, authoritative=self.role == "zone"):
                return
            if time.monotonic() > deadline:
                raise LabError(f"{self.process.name} does not answer on {self.address}\n{self.process.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def log_tail(self) -> str:
        return self.process.log_tail() if self.process else ""

    # -- control ----------------------------------------------------------------------------------------
    def command(self, text: str) -> list[str]:
        """A fix's command as this server runs it: the same program and arguments, given the server's own
        control channel (which a system-wide install finds in its default place)."""
        program, *args = shlex.split(text)
        if program == "rndc":
            return [require_binary("rndc", "bind9"), "-c", str(self.rndc_conf), *args]
        if program == "knotc":
            return [require_binary("knotc", "knot"), "-c", str(self.conf), *args]
        if program == "unbound-control":
            return [require_binary("unbound-control", "unbound"), "-c", str(self.conf), *args]
        raise LabError(f"a proof cannot run {text!r}")

    def output(self, text: str) -> str:
        """What a fix's printing command (a pipeline, `a | b`) prints when run against this server: dig asks
        the server itself, keymgr reads (and sets) this Knot's key database."""
        data = b""
        for part in text.split(" | "):
            program, *args = shlex.split(part)
            if program == "dig":
                argv = [require_binary("dig", "bind9-dnsutils"), *args]
            elif program == "dnssec-dsfromkey":
                argv = [require_binary("dnssec-dsfromkey", "bind9-utils"), *args]
            elif program == "keymgr":
                argv = [require_binary("keymgr", "knot"), "-c", str(self.conf), *args]
            else:
                raise LabError(f"a proof cannot run {text!r}")
            done = subprocess.run(argv, input=data, capture_output=True, timeout=30)
            if done.returncode != 0:
                raise LabError(f"`{part}` failed ({done.returncode}): {done.stdout!r}{done.stderr!r}")
            data = done.stdout
        return data.decode()

    # -- keys and time ------------------------------------------------------------------------------------
    def submitted_ds(self) -> None:
        """Tell the server that the parent serves the DS of its key-signing key, as its operator did once the
        registrar had published it (the zone's starting point in a proof of a key rollover)."""
        commands = {"bind": f"rndc dnssec -checkds published {self.zone}",
                    "knot": f"knotc zone-ksk-submitted {self.zone}"}
        if self.software not in commands:
            raise LabError(f"a proof cannot tell {self.software} that its DS is published")
        self.run([commands[self.software]])

    def age(self, seconds: int) -> None:
        """Let `seconds` pass for the server's keys: the timing metadata of every key (when it was published,
        became ready, active, retired; for BIND also when its DNSKEY, signatures and DS last changed state)
        moves that far back, and the server restarts to read it (BIND's own system tests, too, step through
        a rollover by setting key times in the past). The signatures the server makes stay those of the real
        time, so the check engine judges them at its own clock."""
        if self.software not in ("bind", "knot"):
            raise LabError(f"a proof cannot age the keys of {self.software}")
        self.stop()
        if self.software == "bind":
            for path in self.directory.iterdir():
                if path.name.startswith("K") and path.suffix in (".key", ".private", ".state"):
                    path.write_text(_aged(path.read_text(), seconds))
        else:
            for key in json.loads(self.output(f"keymgr {self.zone} list -j")):
                timers = [f"{name.replace('-', '_')}={value - seconds}" for name, value in key.items()
                          if name in KNOT_TIMERS and isinstance(value, int) and value > 0]
                if timers:
                    self.output(f"keymgr {self.zone} set {key['id']} {' '.join(timers)}")
        self.start()

    def run(self, commands: Iterable[str]) -> None:
        """Run a fix's commands; each must succeed, and the server must still be up and answering after."""
        for text in commands:
            if text.startswith("systemctl restart "):
                # What the service manager would do to the system's server, done to this one.
                self.stop()
                self.start()
                continue
            done = subprocess.run(self.command(text), capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                raise LabError(f"`{text}` failed ({done.returncode}): {done.stdout}{done.stderr}\n"
                               f"{self.log_tail()}")
        self._wait_ready()


# BIND's key files write each time as a field of its own, YYYYMMDDHHMMSS in UTC ("Active: 20261202005825";
# in a .key file behind "; "), never inside key material.
_TIMESTAMP = re.compile(r"^(;? ?[A-Za-z]+: )(\d{14})\b", re.MULTILINE)


def _aged(text: str, seconds: int) -> str:
    """A key file's text with every time in it `seconds` earlier."""
    def earlier(match: re.Match) -> str:
        moment = calendar.timegm(time.strptime(match.group(2), "%Y%m%d%H%M%S")) - seconds
        return match.group(1) + time.strftime("%Y%m%d%H%M%S", time.gmtime(moment))
    return _TIMESTAMP.sub(earlier, text)


# The timers of a Knot key (keymgr list -j), each a Unix time or 0 for "not set".
KNOT_TIMERS = ("created", "pre-active", "publish", "ready", "active", "retire-active", "retire", "post-active",
               "revoke", "remove")


def _zone_address(lab, zone: str) -> str:
    return lab.nameservers_of(zone)[0]


def _answers(address: str, name: str, authoritative: bool) -> bool:
    query = dns.message.make_query(name, dns.rdatatype.SOA)
    if authoritative:
        query.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp(query, address, port=53, timeout=0.3)
    except (OSError, dns.exception.DNSException):
        return False
    if not authoritative:
        return True
    return response.rcode() == dns.rcode.NOERROR and bool(response.flags & dns.flags.AA)


# -- the servers' configurations: what a proof needs to run, beside the faulty part -----------------------

def _bind_blocks(server: ProofServer, faulty: list[Block]) -> list[Block]:
    directory, address = server.directory, server.address
    secret = base64.b64encode(os.urandom(32)).decode()
    server.rndc_conf.write_text(
        f'key "proof" {{ algorithm hmac-sha256; secret "{secret}"; }};\n'
        f'options {{ default-key "proof"; default-server {address}; default-port 953; }};\n')
    options = Block("options", "", [
        ("directory", f'"{directory}"'), ("pid-file", f'"{directory}/named.pid"'),
        ("session-keyfile", f'"{directory}/session.key"'), ("managed-keys-directory", f'"{directory}"'),
        ("key-directory", f'"{directory}"'),
        ("listen-on", f"port 53 {{ {address}; }}"), ("listen-on-v6", "{ none; }"),
        ("automatic-interface-scan", "no"), ("notify", "no"), ("empty-zones-enable", "no"),
        ("max-cache-size", "4m"),
    ])
    blocks = [options,
              Block("key", "proof", [("algorithm", "hmac-sha256"), ("secret", f'"{secret}"')]),
              Block("controls", "", [("inet", f'{address} port 953 allow {{ {address}; }} keys {{ "proof"; }}')])]
    if server.role == "resolver":
        anchor = _root_ds(server.lab)
        options.statements += [("recursion", "yes"), ("query-source", f"address {address}")]
        blocks += [Block("zone", ".", [("type", "hint"), ("file", f'"{server.lab.root_hints}"')]),
                   Block("trust-anchors", "", [(f". initial-ds {anchor[0]} {anchor[1]} {anchor[2]}",
                                                f'"{anchor[3]}"')])]
    else:
        # Like the lab's own named: no recursion and no validation, whose built-in root key and root hints
        # would send queries to the Internet's root servers; a faulty configuration that recurses gets the
        # lab's root.
        options.statements += [("recursion", "no"), ("dnssec-validation", "no")]
        blocks += [Block("zone", ".", [("type", "hint"), ("file", f'"{server.lab.root_hints}"')]),
                   Block("zone", server.zone, [("type", "primary"), ("file", f'"{_zone_file(server)}"')])]
    return _merge(blocks, faulty)


def _knot_blocks(server: ProofServer, faulty: list[Block]) -> list[Block]:
    directory = server.directory
    blocks = [
        Block("server", "", [("rundir", f'"{directory}"'), ("listen", f"{server.address}@53"),
                             ("udp-workers", "1"), ("tcp-workers", "1"), ("background-workers", "1")]),
        Block("log", "stderr", [("any", "info")]),
        Block("control", "", [("listen", f'"{directory}/knot.sock"')]),
        Block("database", "", [("storage", f'"{directory}"')]),
        Block("template", "default", [("storage", f'"{directory}"'), ("zonefile-sync", "-1"),
                                      ("zonefile-load", "whole"), ("journal-content", "none")]),
        Block("zone", server.zone, [("file", f'"{_zone_file(server)}"')]),
    ]
    return _merge(blocks, faulty)


def _unbound_blocks(server: ProofServer, faulty: list[Block]) -> list[Block]:
    directory, address, lab = server.directory, server.address, server.lab
    anchor = directory / "root.key"  # the resolver's own copy: an auto-trust-anchor-file is written to
    shutil.copy(lab.trust_anchor, anchor)
    included = []
    if server.outside:
        # Loopback stands for the Internet: Unbound's implicit allow of 127.0.0.0/8 is withdrawn in a file of
        # the lab's own, which no fix touches (the lab's closed resolver does the same).
        lab_file = directory / "lab.conf"
        lab_file.write_text(render_blocks("unbound", [Block("server", "", [("access-control", "127.0.0.0/8 refuse")])]))
        included = [("include", f'"{lab_file}"')]
    blocks = [
        Block("server", "", included + [
            ("verbosity", "1"), ("interface", f"{address}@53"), ("do-ip4", "yes"), ("do-ip6", "no"),
            ("do-daemonize", "no"), ("username", '""'), ("chroot", '""'), ("directory", f'"{directory}"'),
            ("pidfile", f'"{directory}/unbound.pid"'), ("logfile", '""'), ("use-syslog", "no"),
            ("num-threads", "1"), ("so-reuseport", "no"), ("outgoing-interface", address),
            ("root-hints", f'"{lab.root_hints}"'), ("do-not-query-localhost", "no"),
            ("local-zone", f'"{lab.tld}." nodefault'), ("trust-anchor-signaling", "no"),
            ("root-key-sentinel", "no"), ("harden-referral-path", "no"), ("prefetch", "no"),
        ]),
        Block("remote-control", "", [("control-enable", "yes"),
                                      ("control-interface", f'"{directory}/unbound.ctl"')]),
    ]
    return _merge(blocks, faulty)


def _merge(blocks: list[Block], faulty: list[Block]) -> list[Block]:
    """The environment's blocks with the faulty statements set in them (replacing any of the same name)."""
    for block in faulty:
        for name in dict.fromkeys(n for n, _v in block.statements):
            values = tuple(v for n, v in block.statements if n == name)
            apply_changes(blocks, [Change(block.block, name, values, item=block.item)])
    return blocks


def _zone_file(server: ProofServer) -> Path:
    """An unsigned copy of the proof zone as the lab plans it (the server signs it itself when told to)."""
    spec = server.lab.plan.zone(server.zone)
    path = server.directory / f"{server.zone}.zone"
    if not path.exists():
        path.write_text(spec.text(2024010101, []))
    return path


def _root_ds(lab) -> list[str]:
    """The lab's trust anchor as (key tag, algorithm, digest type, digest)."""
    fields = lab.trust_anchor.read_text().split()
    at = fields.index("DS")
    return fields[at + 1:at + 4] + ["".join(fields[at + 4:])]


BUILDERS = {"bind": _bind_blocks, "knot": _knot_blocks, "unbound": _unbound_blocks}


@contextlib.contextmanager
def proof_server(lab, software: str, role: str, faulty: list[Block], outside: bool = False) -> Iterator[ProofServer]:
    """A started throwaway server of `software` ("zone": serving the lab's proof zone of that software;
    "resolver": resolving from the lab's root with its trust anchor) with the `faulty` statements in its
    configuration; stopped and removed at the end."""
    directory = Path(tempfile.mkdtemp(prefix=f"proof-{software}-", dir=lab.workdir))
    zone = lab.proof_zones.get(software, "") if role == "zone" else ""
    server = ProofServer(lab, software, role, directory, [], zone)
    server.outside = outside
    server.blocks = BUILDERS[software](server, faulty)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if not lab.keep_workdir:
            shutil.rmtree(directory, ignore_errors=True)
