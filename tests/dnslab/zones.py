"""What the lab serves: its root, one TLD, the role zones (each breaking one KINDNS practice), the
QNAME-minimisation test zones and a Team-Cymru-like origin zone, with which address serves which copy.

Every role zone starts from the same well-run baseline — signed with ECDSAP256SHA256 and NSEC, DS at the
parent, two nameservers in different /24s of different AS numbers, AXFR refused, recursion off — and
changes exactly one thing, so a check that flags anything else on it has a bug (EXPECTED_VERDICTS).
Every address is a view of the one `named`, except ns2 of the good zone (Knot: software diversity) and
ns2 of no-tcp, edns-drop and silent (fronts.py: a UDP-only relay and an EDNS-dropping one in front of a
BIND view, and a server that reads and never answers).

QNAME minimisation (after internet.nl): server 1 holds `qnamemin.<tld>`, which delegates `b.qnamemin` to
server 2 (TXT HOORAY at `a.b.qnamemin`), and also a zone `a.b.qnamemin` of its own (TXT NO). Asked for the
full name, server 1 answers NO from that zone; asked only for `b.qnamemin`, it refers to server 2. (A
non-minimising resolver that somehow learnt the `b.qnamemin` delegation first — someone asked it for a
name there — would get HOORAY too; nobody in the lab asks it that.)

Address plan inside the lab's block 127.N.0.0/16 (role number i from ROLES):
  127.N.1.1        a.root-servers.<tld>          127.N.2.1    ns1.nic.<tld> (the TLD)
  127.N.10.i       ns1.<role>.<tld>  (AS 64501)  127.N.20.i   ns2.<role>.<tld>  (AS 64502)
                   (i from ROLES, then MUTABLE_ROLES)
  127.N.10.100+i   ns2 of same-subnet            127.N.20.100+i  the BIND view behind no-tcp's and edns-drop's fronts
  127.N.30.i       ns3 of ns-mismatch (AS 64503)
  127.N.40.1-3     qnamemin server 1, qnamemin server 2, the ASN zone's server
  127.N.50.1-4     resolvers: validating, non-validating, dot, closed
  127.N.60.i       the fix proofs' authoritative servers (PROOF_SOFTWARE), started by the tests, not the lab
  127.N.61.i       the fix proofs' resolvers (PROOF_RESOLVERS), likewise
  ::1              ns2 of ipv6, when this lab holds ::1 port 53 (one lab per machine can)
Everything else in the block is AS 64500 in the ASN zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .addresses import IPV6_ADDRESS

DAY = 86400
SERIAL = 2024010101
TLD = "test"  # RFC 6761 special use: can never collide with a real name if a query ever escaped

# role -> number used in its addresses (127.N.10.<n>, 127.N.20.<n>)
ROLES = {
    "good": 1,
    "unsigned": 2,
    "single-ns": 3,
    "same-subnet": 4,
    "open-axfr": 5,
    "open-recursion": 6,
    "expired-sigs": 7,
    "expiring-sigs": 8,
    "bad-ds": 9,
    "deprecated-algorithm": 10,
    "nsec3-iterations": 11,
    "serial-mismatch": 12,
    "lame": 13,
    "ns-mismatch": 14,
    "no-tcp": 15,
    "edns-drop": 17,
    "truncating": 18,
    "silent": 19,
    "ipv6": 20,
}
# Roles served on ::1, which only one lab on a machine can have (addresses.IPV6_ADDRESS): a lab that
# could not take it has no such role.
IPV6_ROLES = {"ipv6"}

# Role zones that the tests can fix and break again while the lab runs (DnsLab.fix / DnsLab.break_),
# numbered like ROLES. Kept out of ROLES and EXPECTED_VERDICTS: tables that iterate over the fixed roles
# (the engine's live tests) must not see a zone whose verdicts change under them.
#   mutable: practice 3, zone-file integrity. Starts broken as serial-mismatch does (ns2 one serial
#   ahead); fixed, both servers serve one new serial; broken again, only ns1 moves on to a newer one.
MUTABLE_ROLES = {
    "mutable": 16,
}

# The lab's one verdict table, shared by the lab's own tests, the engine's live tests and the benchmark:
# role -> every KINDNS zone check (ids of KINDNS.md) whose verdict on the role's zone is not "pass", with
# that verdict ("fail", "warn", "error" or "n/a"); every other zone check must pass.
UNSIGNED_NOT_APPLICABLE = {c: "n/a" for c in ("dnssec-valid", "dnssec-algorithm", "dnssec-nsec3-params",
                                               "dnssec-signature-expiry")}
EXPECTED_VERDICTS: dict[str, dict[str, str]] = {
    "good": {},
    "unsigned": {"dnssec-signed": "fail", **UNSIGNED_NOT_APPLICABLE},
    # One nameserver address cannot be in two /24s: diversity necessarily fails along with the count.
    "single-ns": {"ns-count": "fail", "ns-diversity": "warn"},
    "same-subnet": {"ns-diversity": "warn"},
    "open-axfr": {"axfr-restricted": "fail"},
    "open-recursion": {"no-open-recursion": "fail"},
    "expired-sigs": {"dnssec-signature-expiry": "fail", "dnssec-valid": "fail"},
    "expiring-sigs": {"dnssec-signature-expiry": "warn"},
    "bad-ds": {"dnssec-valid": "fail"},
    "deprecated-algorithm": {"dnssec-algorithm": "fail"},
    "nsec3-iterations": {"dnssec-nsec3-params": "warn"},
    "serial-mismatch": {"soa-serial-consistency": "fail"},
    "lame": {"ns-authoritative": "fail"},
    "ns-mismatch": {"ns-consistency": "warn"},
    "no-tcp": {"transport": "fail"},
    "edns-drop": {"transport": "fail"},
    # Answers too big for UDP are truncated and asked again over TCP: nothing is wrong with the zone.
    "truncating": {},
    "silent": {"transport": "fail", "ns-authoritative": "fail"},
    # ns2 on ::1 (AAAA glue, an IPv6 /48 of its own; no AS data for it, so diversity is judged on prefixes).
    "ipv6": {},
}


def skip_without(lab, role: str) -> None:
    """Skip a test of an IPv6 role in a lab that could not take ::1 (another lab on the machine has it)."""
    if role in IPV6_ROLES and not lab.ipv6:
        import pytest

        pytest.skip("::1 port 53 is held by another DNS lab on this machine")


def must_not_pass(verdicts: dict[str, str]) -> dict[str, str]:
    """The failures and warnings of a row of the table (what a plain look at the zone can show)."""
    return {check: verdict for check, verdict in verdicts.items() if verdict in ("fail", "warn")}


# mutable role -> state ("broken", "fixed") -> the zone checks that must not pass in that state.
MUTABLE_VERDICTS: dict[str, dict[str, dict[str, str]]] = {
    "mutable": {"broken": {"soa-serial-consistency": "fail"}, "fixed": {}},
}

# The fix proofs (tests/checks/test_fix_proofs.py): a zone per authoritative software, delegated by the TLD
# to an address the lab reserves but does not serve, and an address per resolving software. A proof test
# starts its own throwaway server there with a faulty configuration, fixes it and checks again.
PROOF_SOFTWARE = {"bind": 1, "knot": 2}
PROOF_RESOLVERS = {"bind": 1, "unbound": 2}

AS_BY_THIRD_OCTET = {10: 64501, 20: 64502, 30: 64503}
DEFAULT_AS = 64500

QNAME_MIN_YES = "HOORAY - QNAME minimisation is enabled"
QNAME_MIN_NO = "NO - QNAME minimisation is NOT enabled"


@dataclass
class Nameserver:
    """One NS of a zone: the host name published, its address, and how that address is served."""

    host: str
    address: str
    program: str = "bind"  # "bind", "knot", a front of fronts.py ("udp-only", "drop-edns", "silent"), or
    # "proof": an address the lab reserves and a fix proof serves (tests/dnslab/proof.py)
    backend: str | None = None  # udp-only and drop-edns fronts: the BIND address they forward to
    in_parent: bool = True  # listed in the parent's delegation
    in_child: bool = True  # listed in the zone's own apex NS set
    serves_zone: bool = True  # False: the address exists but is not authoritative (lame)
    serial: int = SERIAL
    recursion: bool = False  # an open resolver on the same address (BIND view with recursion)

    @property
    def serving_address(self) -> str:
        """Where the zone data really lives (the relay's backend for a UDP-only front)."""
        return self.backend or self.address


def address_record(ns: Nameserver) -> str:
    """The A or AAAA record of a nameserver's host name."""
    return f"{ns.host}. IN {'AAAA' if ':' in ns.address else 'A'} {ns.address}"


@dataclass
class Signing:
    """How a zone is signed by dnssec-signzone; offsets are seconds from now."""

    algorithm: str = "ECDSAP256SHA256"
    bits: int | None = None
    nsec3: tuple[str, int] | None = None  # (salt hex, extra iterations)
    inception: int = -DAY
    expiration: int = 30 * DAY
    ds_matches: bool = True  # False: the parent gets the DS of a key the zone never publishes
    keys: int = 1  # keys that sign every RRset (-z); the DS is of the first


@dataclass
class ZoneSpec:
    """One zone of the lab: where it hangs, who serves it, what it holds, how it is signed."""

    name: str  # without trailing dot; "" is the root
    parent: str | None  # None: not delegated from anywhere in the lab
    nameservers: list[Nameserver]
    records: list[str] = field(default_factory=list)  # zone-file lines relative to the origin
    signing: Signing | None = None
    allow_transfer: bool = False
    role: str | None = None
    bench: bool = False  # one of the benchmark's well-run copies (signed in-process, see signing.py)

    @property
    def fqdn(self) -> str:
        return f"{self.name}." if self.name else "."

    @property
    def depth(self) -> int:
        return len(self.name.split(".")) if self.name else 0

    @property
    def hostmaster(self) -> str:
        return f"hostmaster.{self.name}." if self.name else "hostmaster."

    def owns(self, host: str) -> bool:
        """True if `host` is at or below this zone's apex (so it needs glue in the parent)."""
        return not self.name or host == self.name or host.endswith("." + self.name)

    def serials(self) -> set[int]:
        return {ns.serial for ns in self.nameservers if ns.serves_zone}

    def text(self, serial: int, delegations: list[str]) -> str:
        """The unsigned zone file for one serial, with the delegation lines (NS, glue, DS) of its children."""
        apex_ns = [ns for ns in self.nameservers if ns.in_child]
        lines = [
            f"$ORIGIN {self.fqdn}",
            "$TTL 3600",
            f"@ IN SOA {apex_ns[0].host}. {self.hostmaster} ( {serial} 3600 600 864000 300 )",
        ]
        lines += [f"@ IN NS {ns.host}." for ns in apex_ns]
        lines += [address_record(ns) for ns in apex_ns if self.owns(ns.host)]
        lines += self.records
        lines += delegations
        return "\n".join(lines) + "\n"

    def delegation(self, ds_records: list[str]) -> list[str]:
        """The lines the parent zone needs for this zone: NS, glue A records and DS."""
        lines = [f"{self.fqdn} IN NS {ns.host}." for ns in self.nameservers if ns.in_parent]
        lines += [address_record(ns) for ns in self.nameservers if ns.in_parent and self.owns(ns.host)]
        lines += [f"{self.fqdn} {ds}" for ds in ds_records]
        return lines


@dataclass
class LabPlan:
    """Everything the lab serves, for one address block."""

    octet: int
    zones: list[ZoneSpec]
    root_address: str
    root_server_name: str
    resolvers: dict[str, str]
    roles: dict[str, str]  # role -> zone name
    mutable_roles: dict[str, str]  # mutable role -> zone name
    signed_name: str
    bogus_name: str
    qname_min_name: str
    asn_zone_v4: str
    proof_zones: dict[str, str] = field(default_factory=dict)  # software -> zone a proof serves
    proof_resolvers: dict[str, str] = field(default_factory=dict)  # software -> address of a proof resolver

    def zone(self, name: str) -> ZoneSpec:
        return next(z for z in self.zones if z.name == name)

    def children(self, name: str) -> list[ZoneSpec]:
        return [z for z in self.zones if z.parent == name]

    def addresses(self) -> list[str]:
        """Every address the lab listens on, in a stable order."""
        found: list[str] = []
        for zone in self.zones:
            for ns in zone.nameservers:
                for address in (ns.address, ns.backend):
                    if address and address not in found:
                        found.append(address)
        found += [a for a in self.resolvers.values() if a not in found]
        found += [a for a in self.proof_resolvers.values() if a not in found]
        return found


def build_plan(octet: int, bench_zones: int = 0, ipv6: bool = False) -> LabPlan:
    """The lab's zones and addresses inside 127.<octet>.0.0/16 (and ::1 with `ipv6`), with `bench_zones`
    well-run copies of the good zone for the benchmark (bench-0001.<tld>, ... on the good zone's two
    servers, BIND and Knot)."""

    def addr(third: int, fourth: int) -> str:
        return f"127.{octet}.{third}.{fourth}"

    zones: list[ZoneSpec] = []
    root_ns = Nameserver(f"a.root-servers.{TLD}", addr(1, 1))
    zones.append(ZoneSpec("", None, [root_ns], signing=Signing()))
    zones.append(
        ZoneSpec(
            TLD,
            "",
            [Nameserver(f"ns1.nic.{TLD}", addr(2, 1))],
            records=[f"{root_ns.host}. IN A {root_ns.address}"],
            signing=Signing(),
        )
    )
    roles = {role: n for role, n in ROLES.items() if ipv6 or role not in IPV6_ROLES}
    for role, n in {**roles, **MUTABLE_ROLES}.items():
        zones.append(_role_zone(role, n, addr))
    for number in range(1, bench_zones + 1):
        bench = _role_zone("good", ROLES["good"], addr)
        bench.name, bench.role, bench.bench = f"bench-{number:04d}.{TLD}", None, True
        for ns in bench.nameservers:
            ns.host = ns.host.replace(f"good.{TLD}", bench.name)
        zones.append(bench)

    # QNAME minimisation test (internet.nl style); unsigned, insecurely delegated.
    qmin = f"qnamemin.{TLD}"
    first = Nameserver(f"ns.{qmin}", addr(40, 1))
    second = Nameserver(f"ns.b.{qmin}", addr(40, 2))
    zones.append(ZoneSpec(qmin, TLD, [first]))
    zones.append(ZoneSpec(f"b.{qmin}", qmin, [second], records=[f'a IN TXT "{QNAME_MIN_YES}"']))
    # Served by the first server only and delegated from nowhere: only a resolver that asks the first
    # server for the full name (no minimisation) ever sees it.
    zones.append(ZoneSpec(f"a.b.{qmin}", None, [first], records=[f'@ IN TXT "{QNAME_MIN_NO}"']))

    asn = f"asn.{TLD}"
    asn_records = [
        f'*.{third}.{octet}.127.origin IN TXT "{asn_number} | 127.{octet}.{third}.0/24 | ZZ | lab | 2024-01-01"'
        for third, asn_number in AS_BY_THIRD_OCTET.items()
    ]
    asn_records.append(f'*.{octet}.127.origin IN TXT "{DEFAULT_AS} | 127.{octet}.0.0/16 | ZZ | lab | 2024-01-01"')
    zones.append(ZoneSpec(asn, TLD, [Nameserver(f"ns.{asn}", addr(40, 3))], records=asn_records))

    proof_zones = {}
    for software, n in PROOF_SOFTWARE.items():
        name = f"fix-{software}.{TLD}"
        zones.append(ZoneSpec(name, TLD, [Nameserver(f"ns1.{name}", addr(60, n), program="proof")],
                              records=[f"www IN A {addr(99, 200 + n)}"]))
        proof_zones[software] = name

    resolvers = {
        "validating": addr(50, 1),
        "non-validating": addr(50, 2),
        "dot": addr(50, 3),
        "closed": addr(50, 4),
    }
    return LabPlan(
        octet=octet,
        zones=zones,
        root_address=root_ns.address,
        root_server_name=root_ns.host,
        resolvers=resolvers,
        roles={role: f"{role}.{TLD}" for role in roles},
        mutable_roles={role: f"{role}.{TLD}" for role in MUTABLE_ROLES},
        signed_name=f"www.good.{TLD}",
        bogus_name=f"www.bad-ds.{TLD}",
        qname_min_name=f"a.b.{qmin}",
        asn_zone_v4=f"origin.{asn}",
        proof_zones=proof_zones,
        proof_resolvers={software: addr(61, n) for software, n in PROOF_RESOLVERS.items()},
    )


def _role_zone(role: str, n: int, addr) -> ZoneSpec:
    """The baseline zone for `role`, with that role's one break applied."""
    name = f"{role}.{TLD}"
    ns1 = Nameserver(f"ns1.{name}", addr(10, n))
    ns2 = Nameserver(f"ns2.{name}", addr(20, n))
    zone = ZoneSpec(
        name,
        TLD,
        [ns1, ns2],
        records=[f"www IN A {addr(99, n)}", f'@ IN TXT "kindns lab zone: {role}"'],
        signing=Signing(),
        role=role,
    )
    if role == "good":
        ns2.program = "knot"  # software diversity: BIND and Knot
    elif role == "unsigned":
        zone.signing = None
    elif role == "single-ns":
        zone.nameservers = [ns1]
    elif role == "same-subnet":
        ns2.address = addr(10, 100 + n)
    elif role == "open-axfr":
        zone.allow_transfer = True
    elif role == "open-recursion":
        ns1.recursion = True
    elif role == "expired-sigs":
        zone.signing = Signing(inception=-30 * DAY, expiration=-DAY)
    elif role == "expiring-sigs":
        zone.signing = Signing(inception=-DAY, expiration=3 * DAY)
    elif role == "bad-ds":
        zone.signing = Signing(ds_matches=False)
    elif role == "deprecated-algorithm":
        zone.signing = Signing(algorithm="RSASHA1", bits=2048)
    elif role == "nsec3-iterations":
        zone.signing = Signing(nsec3=("C0FFEE", 10))
    elif role in ("serial-mismatch", "mutable"):
        ns2.serial = SERIAL + 1
    elif role == "lame":
        ns2.serves_zone = False
    elif role == "ns-mismatch":
        zone.nameservers.append(Nameserver(f"ns3.{name}", addr(30, n), in_parent=False))
    elif role == "no-tcp":
        ns2.program = "udp-only"
        ns2.backend = addr(20, 100 + n)
    elif role == "edns-drop":
        ns2.program = "drop-edns"
        ns2.backend = addr(20, 100 + n)
    elif role == "truncating":
        # Three RSA keys each sign every RRset: SOA, NS and DNSKEY answers with their RRSIGs outgrow
        # the 1232 bytes a client offers over UDP.
        zone.signing = Signing(algorithm="RSASHA256", bits=2048, keys=3)
    elif role == "silent":
        ns2.program = "silent"
    elif role == "ipv6":
        ns2.address = IPV6_ADDRESS
    return zone
