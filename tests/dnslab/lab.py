"""Starting and stopping the lab: sign the zones, write the configurations, add the addresses to `lo`,
start the servers, wait until every one of them answers, and undo all of it at the end."""
from __future__ import annotations

import atexit
import contextlib
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from . import bind, knot, unbound
from .addresses import AddressBlock, reserve_block
from .errors import LabError, require_binary
from .process import ServerProcess
from .signing import ZoneKey, generate_key, sign_zone
from .zones import (
    EXPECTED_VERDICTS, MUTABLE_VERDICTS, QNAME_MIN_YES, TLD, LabPlan, Signing, ZoneSpec, build_plan,
)

START_TIMEOUT = 30.0  # seconds for every server to answer; a normal start takes one or two
# The scale mode's bench zones (tens of thousands) take the servers longer to load: this much more per zone.
START_TIMEOUT_PER_BENCH_ZONE = 0.01
# Readiness is asked of at most this many (address, zone) pairs at a time: a burst of tens of thousands of
# queries overflows the socket's buffer and repeats message ids.
READY_CHUNK = 2000
RELOAD_TIMEOUT = 10.0  # seconds for named to serve a rewritten zone; a reload takes some milliseconds
RELOAD_RETRY = 2.0  # seconds after which the file is touched and named signalled once more
FRONTS_SCRIPT = Path(__file__).with_name("fronts.py")
FRONTS = ("udp-only", "drop-edns", "silent")

# How the servers log that they could not listen on an address (named carries on without it).
BIND_FAILURES = ("address in use", "interface ignored", "cannot bind", "can't bind")

# Program -> Debian package, checked before anything is started.
REQUIRED = {
    "named": "bind9",
    "dnssec-signzone": "bind9-utils",
    "knotd": "knot",
    "unbound": "unbound",
    "ip": "iproute2",
}


@dataclass
class DnsLab:
    """A started lab. See the package docstring for what each attribute means; `stop()` undoes it all.

    The workdir (zone files, keys, configurations, server logs) is deleted at stop unless
    `keep_workdir` or the environment variable KINDNS_DNSLAB_KEEP=1 asks to keep it for a post-mortem.
    """

    workdir: Path
    root_hints: Path
    trust_anchor: Path
    zones: dict[str, str]
    resolvers: dict[str, str]
    signed_name: str
    bogus_name: str
    qname_min_name: str
    qname_min_marker: str
    asn_zone_v4: str
    tls_ca: Path  # PEM of the lab's CA, which issued the DoT/DoH certificate of the dot resolver
    doh_url: str  # the dot resolver's DNS over HTTPS URL (its host name is not in the lab's DNS: connect to the address)
    expected_verdicts: dict[str, dict[str, str]]  # role -> {check id: verdict} of every check that does not pass
    tld: str
    root_server: str  # address of the lab root's only server
    tld_server: str  # address of the TLD's server
    plan: LabPlan
    mutable_zones: dict[str, str] = field(default_factory=dict)  # mutable role -> zone name
    mutable_verdicts: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    bench_zones: list[str] = field(default_factory=list)  # the benchmark's well-run copies of the good zone
    proof_zones: dict[str, str] = field(default_factory=dict)  # software -> zone a fix proof serves (proof.py)
    proof_resolvers: dict[str, str] = field(default_factory=dict)  # software -> a fix proof resolver's address
    ipv6: bool = False  # this lab serves ::1 (the ipv6 role); one lab per machine can
    keep_workdir: bool = False
    _block: AddressBlock | None = None
    _ca: tuple | None = None  # the lab CA (key, certificate, PEM path): issues the proofs' DoT certificates too
    _processes: list[ServerProcess] = field(default_factory=list)
    _keys: dict[str, ZoneKey] = field(default_factory=dict)  # zone name -> its signing key
    _live_files: dict[tuple[str, str], Path] = field(default_factory=dict)  # (zone, address) -> served file
    _serials: dict[str, dict[str, int]] = field(default_factory=dict)  # mutable zone -> address -> serial
    # parent zone -> child zone -> the delegation lines (NS, glue, DS) the parent serves for it
    _delegations: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _mutation_lock: threading.Lock = field(default_factory=threading.Lock)

    def addresses_in_use(self) -> list[str]:
        """Every address the lab added to `lo` and listens on."""
        return list(self._block.added) if self._block else []

    def zone_of(self, role: str) -> str:
        """The zone name of a role, fixed or mutable."""
        return self.zones[role] if role in self.zones else self.mutable_zones[role]

    def nameservers(self, role: str, side: str = "parent") -> dict[str, str]:
        """NS host -> published address of a role's zone, as the parent delegates it ("parent") or as
        the zone's own apex lists it ("child")."""
        spec = self.plan.zone(self.zone_of(role))
        chosen = [ns for ns in spec.nameservers if (ns.in_parent if side == "parent" else ns.in_child)]
        return {ns.host: ns.address for ns in chosen}

    def nameservers_of(self, zone: str) -> list[str]:
        """Addresses that really serve `zone` (any lab zone, e.g. "good.test"), in NS order."""
        spec = self.plan.zone(zone)
        return [ns.address for ns in spec.nameservers if ns.serves_zone]

    def state(self, role: str) -> str:
        """"broken" or "fixed": what a mutable role's zone serves now."""
        serials = self._serials[self.mutable_zones[role]]
        return "broken" if len(set(serials.values())) > 1 else "fixed"

    def serials(self, role: str) -> dict[str, int]:
        """Address -> SOA serial that each server of a mutable role's zone serves now."""
        return dict(self._serials[self.mutable_zones[role]])

    def fix(self, role: str) -> None:
        """Correct a mutable role's zone: every server serves one new serial. Returns once they all do."""
        self._publish(role, broken=False)

    def break_(self, role: str) -> None:
        """Break a mutable role's zone again: only the first server moves on to a new serial (the others
        lag behind, as a stuck secondary would). Returns once the servers serve that."""
        self._publish(role, broken=True)

    def _publish(self, role: str, broken: bool) -> None:
        """Sign the zone at a serial above every one served so far, write it over the served file of the
        servers that get it, make named reload and wait until they answer with it. Serials only grow,
        as on a real primary."""
        zone = self.plan.zone(self.mutable_zones[role])
        with self._mutation_lock:
            serials = self._serials[zone.name]
            serial = max(serials.values()) + 1
            servers = [ns.address for ns in zone.nameservers if ns.serves_zone]
            changed = servers[:1] if broken else servers
            version = _sign_version(zone, serial, self._keys[zone.name], self.workdir / "zones")
            self._serve(zone, version, serial, changed)

    def publish_ds(self, zone: str, ds: list[str]) -> None:
        """Publish `ds` ("IN DS ..." texts; none withdraws them) as the DS set of `zone`, a child of the TLD,
        as a registry does for its registrar: the TLD is signed again at a higher serial and served at once.
        Returns once the TLD's server answers with it."""
        child = self.plan.zone(zone)
        parent = self.plan.zone(child.parent)
        with self._mutation_lock:
            serials = self._serials[parent.name]
            serial = max(serials.values()) + 1
            self._delegations[parent.name][child.name] = child.delegation(list(ds))
            lines = [line for delegation in self._delegations[parent.name].values() for line in delegation]
            version = _sign_version(parent, serial, self._keys[parent.name], self.workdir / "zones", lines)
            self._serve(parent, version, serial, list(serials))

    def _serve(self, zone: ZoneSpec, version: Path, serial: int, addresses: list[str]) -> None:
        """Serve a new version of a zone from the given addresses' live files (named reloads it)."""
        for address in addresses:
            live = self._live_files[(zone.name, address)]
            staged = live.with_name(live.name + ".new")
            staged.write_bytes(version.read_bytes())
            os.replace(staged, live)  # named never reads a half-written file
        self._reload_named(zone.fqdn, {address: serial for address in addresses})
        self._serials[zone.name].update({address: serial for address in addresses})

    def _reload_named(self, apex: str, wanted: dict[str, int]) -> None:
        """SIGHUP to named (the lab disables its control channel) and poll until each address answers
        SOA with its wanted serial. named reloads a zone file only when its mtime is newer than the last
        load, so a retry touches the files first."""
        named = next(p for p in self._processes if p.name == "named")
        named.popen.send_signal(signal.SIGHUP)
        started = time.monotonic()
        retried = False
        while True:
            named.check_alive()
            serving = {address: _served_serial(address, apex) for address in wanted}
            if serving == wanted:
                return
            waited = time.monotonic() - started
            if waited > RELOAD_TIMEOUT:
                raise LabError(f"named still serves {apex} at {serving}, not {wanted}, {waited:.1f}s after "
                               f"a reload\n{named.log_tail()}")
            if waited > RELOAD_RETRY and not retried:
                retried = True
                for (zone, _address), path in self._live_files.items():
                    if f"{zone}." == apex:
                        path.touch()
                named.popen.send_signal(signal.SIGHUP)
            time.sleep(0.02)

    def log_tails(self, lines: int = 20) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.log_tail(lines)}" for p in self._processes)

    def stop(self) -> None:
        """Stop every server, remove every address added to `lo`, delete the workdir. Idempotent."""
        errors = []
        for process in self._processes:
            with contextlib.suppress(OSError):
                process.terminate()
        for process in reversed(self._processes):
            try:
                process.stop()
            except Exception as exc:  # keep going: the addresses and the other servers must go too
                errors.append(f"{process.name}: {exc}")
        self._processes = []
        if self._block is not None:
            self._block.release()
            self._block = None
        if not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        atexit.unregister(self.stop)
        if errors:
            raise LabError("while stopping the lab: " + "; ".join(errors))


@contextlib.contextmanager
def start_lab(keep_workdir: bool = False, bench_zones: int = 0) -> Iterator[DnsLab]:
    """Start the whole lab, yield it, and stop it (also on errors and, via atexit, at interpreter exit).

    `bench_zones` well-run signed copies of the good zone are added for the benchmark (`lab.bench_zones`).
    Call it from the thread that will outlive the lab: the servers die with the thread that started them.
    """
    lab = _start(keep_workdir, bench_zones)
    try:
        yield lab
    finally:
        lab.stop()


def _start(keep_workdir: bool, bench_zones: int = 0) -> DnsLab:
    for program, package in REQUIRED.items():
        require_binary(program, package)
    keep_workdir = keep_workdir or os.environ.get("KINDNS_DNSLAB_KEEP", "") not in ("", "0")
    workdir = Path(tempfile.mkdtemp(prefix="kindns-dnslab-"))
    try:
        block = reserve_block(workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    plan = build_plan(block.octet, bench_zones, ipv6=block.ipv6)
    lab = DnsLab(
        workdir=workdir,
        root_hints=workdir / "root.hints",
        trust_anchor=workdir / "root.ds",
        zones=dict(plan.roles),
        resolvers=dict(plan.resolvers),
        signed_name=plan.signed_name,
        bogus_name=plan.bogus_name,
        qname_min_name=plan.qname_min_name,
        qname_min_marker=QNAME_MIN_YES.split(" ")[0],
        asn_zone_v4=plan.asn_zone_v4,
        tls_ca=workdir / "lab-ca.pem",
        doh_url=f"https://{unbound.DOH_HOST}/dns-query",
        expected_verdicts={role: dict(v) for role, v in EXPECTED_VERDICTS.items()},
        tld=TLD,
        root_server=plan.root_address,
        tld_server=plan.zone(TLD).nameservers[0].address,
        plan=plan,
        mutable_zones=dict(plan.mutable_roles),
        bench_zones=[z.name for z in plan.zones if z.bench],
        proof_zones=dict(plan.proof_zones),
        proof_resolvers=dict(plan.proof_resolvers),
        ipv6=block.ipv6,
        mutable_verdicts={role: {state: dict(v) for state, v in states.items()}
                          for role, states in MUTABLE_VERDICTS.items()},
        keep_workdir=keep_workdir,
        _block=block,
    )
    atexit.register(lab.stop)
    try:
        files, lab._keys = _write_zones(plan, workdir, lab._delegations)
        _write_root_files(lab, plan, lab._keys[""])
        _write_live_files(lab, plan, files)
        block.add_to_loopback(plan.addresses())
        _start_servers(lab, plan, files)
        _wait_until_ready(lab, plan)
    except BaseException:
        with contextlib.suppress(Exception):
            lab.stop()
        raise
    return lab


def _write_zones(plan: LabPlan, workdir: Path, delegations: dict[str, dict[str, list[str]]],
                 ) -> tuple[dict[tuple[str, int], Path], dict[str, ZoneKey]]:
    """Make keys, write and sign every zone; each zone starts as soon as its key and its children (whose
    DS it publishes) are done, so the slow RSA key of one zone holds up only its own ancestors.

    Returns (zone name, serial) -> zone file path, and zone name -> key (the root's makes the trust
    anchor; a mutable zone's signs its later versions); fills `delegations` (parent -> child -> lines).
    """
    zone_dir = workdir / "zones"
    key_dir = workdir / "keys"
    zone_dir.mkdir()
    key_dir.mkdir()
    signed = [z for z in plan.zones if z.signing]
    # Slowest first: an RSA key takes far longer than the ECDSA ones.
    signed.sort(key=lambda z: z.signing.algorithm.startswith("ECDSA"))
    # A thread per job of the lab's own zones, so jobs that wait for others can never starve the pool (the
    # benchmark's copies wait for nothing and queue behind them); the work itself happens in the
    # dnssec-signzone processes.
    own = sum(1 for z in plan.zones if not z.bench)
    with ThreadPoolExecutor(max_workers=2 * own + 2) as pool:
        keys = {z.name: pool.submit(generate_key, key_dir, z.fqdn, z.signing) for z in signed}
        # Keys beyond the first (the truncating zone's): they sign too, the parent's DS names only the first.
        extra = {z.name: [pool.submit(generate_key, key_dir, z.fqdn, z.signing) for _ in range(z.signing.keys - 1)]
                 for z in signed}
        # bad-ds: the parent publishes the DS of a key the zone never uses.
        decoys = {
            z.name: pool.submit(generate_key, key_dir, z.fqdn, Signing()) for z in signed if not z.signing.ds_matches
        }
        jobs: dict[str, Future] = {}
        for zone in sorted(plan.zones, key=lambda z: -z.depth):
            children = [jobs[c.name] for c in plan.children(zone.name)]
            delegations[zone.name] = {}
            jobs[zone.name] = pool.submit(_write_zone, plan, zone, keys, extra, decoys, children, zone_dir,
                                          delegations[zone.name])
        files: dict[tuple[str, int], Path] = {}
        for job in jobs.values():
            files.update(job.result())
        return files, {name: key.result() for name, key in keys.items()}


def _write_zone(
    plan: LabPlan, zone: ZoneSpec, keys: dict[str, Future], extra: dict[str, list[Future]],
    decoys: dict[str, Future], children: list[Future], zone_dir: Path, delegated: dict[str, list[str]],
) -> dict:
    """Write (and sign) every serial's copy of one zone, once its children are done; `delegated` gets the
    delegation lines of each child."""
    for child_job in children:
        child_job.result()  # re-raises a child's failure here, so the error reaches the caller once
    delegations: list[str] = []
    for child in plan.children(zone.name):
        ds: list[str] = []
        if child.signing:
            ds = [(keys[child.name] if child.signing.ds_matches else decoys[child.name]).result().ds_text()]
        delegated[child.name] = child.delegation(ds)
        delegations += delegated[child.name]
    made = {}
    stem = zone.name or "root"
    for serial in sorted(zone.serials()) or [0]:
        text = zone.text(serial, delegations)
        unsigned = zone_dir / f"{stem}.{serial}.zone"
        if zone.signing:
            all_keys = [keys[zone.name].result()] + [job.result() for job in extra[zone.name]]
            unsigned.write_text(text + "".join(k.dnskey_line() + "\n" for k in all_keys))
            path = zone_dir / f"{stem}.{serial}.signed"
            sign_zone(unsigned, path, zone.fqdn, all_keys, zone.signing)
        else:
            unsigned.write_text(text)
            path = unsigned
        made[(zone.name, serial)] = path
    return made


def _write_live_files(lab: DnsLab, plan: LabPlan, files: dict[tuple[str, int], Path]) -> None:
    """Each server of a mutable zone serves a file of its own, which fix and break_ rewrite; so does the
    TLD's, which publish_ds rewrites."""
    tld = plan.zone(TLD)
    assert [ns.program for ns in tld.nameservers] == ["bind"], "only named is made to reload the TLD"
    [server] = tld.nameservers
    live = files[(TLD, server.serial)].with_name(f"{TLD}.live.signed")
    live.write_bytes(files[(TLD, server.serial)].read_bytes())
    lab._live_files[(TLD, server.address)] = live
    lab._serials[TLD] = {server.address: server.serial}
    for zone in (plan.zone(name) for name in plan.mutable_roles.values()):
        assert not plan.children(zone.name), "a mutable zone re-signed alone cannot carry delegations"
        lab._serials[zone.name] = {}
        for ns in zone.nameservers:
            assert ns.program == "bind", "only named is made to reload a mutable zone"
            if ns.serves_zone:
                live = files[(zone.name, ns.serial)].with_name(f"{zone.name}.{ns.address}.live.signed")
                live.write_bytes(files[(zone.name, ns.serial)].read_bytes())
                lab._live_files[(zone.name, ns.address)] = live
                lab._serials[zone.name][ns.address] = ns.serial


def _sign_version(zone: ZoneSpec, serial: int, key: ZoneKey, zone_dir: Path, delegations: list[str] = ()) -> Path:
    """A new signed version of a zone at `serial`, with its children's delegation lines."""
    stem = zone.name or "root"
    unsigned = zone_dir / f"{stem}.{serial}.zone"
    unsigned.write_text(zone.text(serial, list(delegations)) + key.dnskey_line() + "\n")
    signed = zone_dir / f"{stem}.{serial}.signed"
    sign_zone(unsigned, signed, zone.fqdn, [key], zone.signing)
    return signed


def _served_serial(address: str, apex: str) -> int | None:
    """The SOA serial `address` answers authoritatively for `apex`, or None."""
    query = dns.message.make_query(apex, dns.rdatatype.SOA)
    query.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp(query, address, port=53, timeout=0.5)
    except (OSError, dns.exception.DNSException):
        return None
    if response.rcode() != dns.rcode.NOERROR or not response.flags & dns.flags.AA:
        return None
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def _write_root_files(lab: DnsLab, plan: LabPlan, root_key: ZoneKey) -> None:
    lab.root_hints.write_text(
        f". 3600000 IN NS {plan.root_server_name}.\n{plan.root_server_name}. 3600000 IN A {plan.root_address}\n"
    )
    lab.trust_anchor.write_text(f". 86400 {root_key.ds_text()}\n")


def _start_servers(lab: DnsLab, plan: LabPlan, files: dict) -> None:
    views: dict[str, bind.BindView] = {}
    knot_zones: dict[str, Path] = {}
    knot_address = None
    fronts: list[str] = []
    for zone in plan.zones:
        for ns in zone.nameservers:
            if ns.program == "proof":
                continue  # a fix proof starts its own server there
            if ns.program == "knot":
                knot_address = ns.address
                if ns.serves_zone:
                    knot_zones[zone.fqdn] = files[(zone.name, ns.serial)]
                continue
            if ns.program in FRONTS:
                fronts.append(",".join([ns.program, ns.address] + ([ns.backend] if ns.backend else [])))
                if ns.backend is None:
                    continue  # a silent front has nothing behind it
            view = views.setdefault(ns.serving_address, bind.BindView(ns.serving_address))
            view.recursion = view.recursion or ns.recursion
            if ns.serves_zone and not any(z.name == zone.fqdn for z in view.zones):
                path = lab._live_files.get((zone.name, ns.address)) or files[(zone.name, ns.serial)]
                view.zones.append(bind.BindZone(zone.fqdn, path, zone.allow_transfer))

    bind_dir = lab.workdir / "bind"
    bind_dir.mkdir()
    conf = bind.write_config(bind_dir, list(views.values()), lab.root_hints)
    lab._processes.append(bind.named_process(bind_dir, conf, ipv6=any(":" in v.address for v in views.values())))
    if knot_address:
        knot_dir = lab.workdir / "knot"
        knot_dir.mkdir()
        lab._processes.append(knot.knot_process(knot_dir, knot.write_config(knot_dir, knot_address, knot_zones)))
    ca = lab._ca = unbound.make_ca(lab.workdir)
    for role, address in plan.resolvers.items():
        directory = lab.workdir / f"unbound-{role}"
        directory.mkdir()
        conf = unbound.write_config(directory, role, address, TLD, lab.root_hints, lab.trust_anchor, ca)
        lab._processes.append(unbound.unbound_process(directory, role, conf))
    if fronts:
        lab._processes.append(ServerProcess("fronts", [sys.executable, str(FRONTS_SCRIPT), *fronts],
                                            lab.workdir / "fronts.log"))
    for process in lab._processes:
        process.start()


def _wait_until_ready(lab: DnsLab, plan: LabPlan) -> None:
    """Poll until every address serves its zones authoritatively and every resolver answers."""
    pending: list[tuple[str, str, bool]] = []  # (address, query name, must be authoritative)
    silent: list[str] = []
    for zone in plan.zones:
        for ns in zone.nameservers:
            if ns.program == "proof":
                continue
            if ns.program == "silent":
                silent.append(ns.address)  # it never answers: ready once it accepts a TCP connection
            else:
                pending.append((ns.address, zone.fqdn, ns.serves_zone))
    for address in plan.resolvers.values():
        pending.append((address, "localhost.", False))  # answered by Unbound itself, no recursion needed
    pending = list(dict.fromkeys(pending))
    dot_address = plan.resolvers["dot"]
    tcp_ready: set[tuple[str, int]] = set()
    timeout = START_TIMEOUT + START_TIMEOUT_PER_BENCH_ZONE * sum(1 for z in plan.zones if z.bench)
    deadline = time.monotonic() + timeout
    while True:
        for process in lab._processes:
            process.check_alive()
            _check_addresses_free(process)
        pending = _still_silent(pending[:READY_CHUNK]) + pending[READY_CHUNK:]
        listening = [(dot_address, unbound.DOT_PORT), (dot_address, unbound.DOH_PORT)] + [(a, 53) for a in silent]
        for address, port in listening:
            with contextlib.suppress(OSError), socket.create_connection((address, port), 0.2):
                tcp_ready.add((address, port))
        if not pending and tcp_ready >= set(listening):
            return
        if time.monotonic() > deadline:
            waiting = ", ".join(f"{a} ({n})" for a, n, _ in pending[:10]) or f"TCP on {set(listening) - tcp_ready}"
            raise LabError(f"lab servers not answering after {timeout:.0f}s: {waiting}\n{lab.log_tails()}")
        time.sleep(0.05)


def _check_addresses_free(process: ServerProcess) -> None:
    """Fail fast, with the likely cause, when a lab server finds its address taken: typically the machine's
    own `named` (Debian starts one when bind9 is installed), which listens on every address of every
    interface and so also picks up the ones the lab adds to `lo`."""
    tail = process.log_tail(200)
    if any(sign in tail.lower() for sign in BIND_FAILURES):
        raise LabError(
            f"{process.name} cannot listen on a lab address: another server took it (is the system's named "
            f"running? `systemctl disable --now named` — the lab only needs the binary)\n{tail}"
        )


def _still_silent(pending: list[tuple[str, str, bool]], wait: float = 0.25) -> list[tuple[str, str, bool]]:
    """Ask every (address, zone, authoritative) at once from one socket per address family; return those
    without a proper answer within `wait` seconds. (One at a time, each silent server would cost a whole
    timeout.)"""
    sent: dict[tuple[str, int], tuple[tuple[str, str, bool], dns.message.Message]] = {}
    sockets = {family: socket.socket(family, socket.SOCK_DGRAM) for family in (socket.AF_INET, socket.AF_INET6)}
    try:
        for item in pending:
            address, name, _ = item
            query = dns.message.make_query(name, dns.rdatatype.SOA)
            query.flags &= ~dns.flags.RD
            sent[(address, query.id)] = (item, query)
            with contextlib.suppress(OSError):
                sockets[socket.AF_INET6 if ":" in address else socket.AF_INET].sendto(query.to_wire(), (address, 53))
        done: set[tuple[str, str, bool]] = set()
        deadline = time.monotonic() + wait
        while len(done) < len(pending) and (left := deadline - time.monotonic()) > 0:
            readable = select.select(list(sockets.values()), [], [], left)[0]
            if not readable:
                break
            for sock in readable:
                try:
                    wire, source = sock.recvfrom(65535)
                    response = dns.message.from_wire(wire)
                except (OSError, dns.exception.DNSException):
                    continue
                item, query = sent.get((source[0], response.id), (None, None))
                if item is None or not query.is_response(response):
                    continue
                authoritative = response.rcode() == dns.rcode.NOERROR and bool(response.flags & dns.flags.AA)
                if authoritative or not item[2]:
                    done.add(item)
    finally:
        for sock in sockets.values():
            sock.close()
    return [item for item in pending if item not in done]
