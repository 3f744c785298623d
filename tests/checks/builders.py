"""Hand-built snapshots for the judges' unit tests: probes with real dnspython messages, and a small
signed hierarchy (root -> test. -> example.test.) signed with dnspython, so DNSSEC judges run on real
signatures without any server."""
from __future__ import annotations

from dataclasses import dataclass

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rrset
from cryptography.hazmat.primitives.asymmetric import ec

from kindns.checks.messages import msg
from kindns.checks.query import Probe
from kindns.checks.snapshot import AsnAnswer, ChainLink, ResolverSnapshot, ServerSnapshot, ZoneSnapshot

NOW = 1_800_000_000.0
DAY = 86400
ZONE = "example.test"
APEX = ZONE + "."


def rrset(text: str) -> dns.rrset.RRset:
    """An rrset from one or more zone-file lines of the same owner and type."""
    lines = [line.split(None, 4) for line in text.strip().splitlines()]
    owner, ttl, _cls, rdtype = lines[0][:4]
    return dns.rrset.from_text(owner, int(ttl), "IN", rdtype, *(line[4] for line in lines))


def probe(server: str, qname: str, qtype: str, *, rcode: str = "NOERROR", flags: str = "QR AA",
          answer: list[dns.rrset.RRset] = (), authority: list[dns.rrset.RRset] = (),
          additional: list[dns.rrset.RRset] = (), edns: bool = True, transport: str = "udp",
          rd: bool = False, error: str | None = None, server_name: str | None = None) -> Probe:
    """A probe as the prober would record it: with an answer message, or with an error and none."""
    p = Probe(server=server, server_name=server_name, transport=transport, port=53, qname=qname, qtype=qtype,
              recursion_desired=rd, dnssec_ok=True, edns=True, elapsed_ms=1.5, attempts=1)
    if error:
        p.error, p.error_detail = error, f"{error} (built by the test)"
        return p
    message = dns.message.Message()
    message.flags = dns.flags.from_text(flags)
    message.set_rcode(dns.rcode.from_text(rcode))
    if edns:
        message.use_edns(0, dns.flags.DO, 1232)
    message.question.append(dns.rrset.RRset(dns.name.from_text(qname), 1, dns.rdatatype.from_text(qtype)))
    message.answer.extend(answer)
    message.authority.extend(authority)
    message.additional.extend(additional)
    p.message = message
    return p


@dataclass
class Key:
    private: ec.EllipticCurvePrivateKey
    dnskey: object
    owner: str

    def sign(self, rr: dns.rrset.RRset, inception: float = NOW - DAY, expiration: float = NOW + 30 * DAY,
             tamper: bool = False) -> dns.rrset.RRset:
        sig = dns.dnssec.sign(rr, self.private, dns.name.from_text(self.owner), self.dnskey,
                              inception=int(inception), expiration=int(expiration))
        if tamper:
            sig = sig.replace(signature=bytes(b ^ 0xFF for b in sig.signature))
        out = dns.rrset.RRset(rr.name, rr.rdclass, dns.rdatatype.RRSIG, dns.rdatatype.from_text(
            dns.rdatatype.to_text(rr.rdtype)))
        out.add(sig, rr.ttl)
        return out

    def ds(self, digest: int = 2) -> dns.rrset.RRset:
        out = dns.rrset.RRset(dns.name.from_text(self.owner), 1, dns.rdatatype.DS)
        out.add(dns.dnssec.make_ds(self.owner, self.dnskey, digest, policy=dns.dnssec.allow_all_policy), 3600)
        return out

    def dnskey_rrset(self) -> dns.rrset.RRset:
        out = dns.rrset.RRset(dns.name.from_text(self.owner), 1, dns.rdatatype.DNSKEY)
        out.add(self.dnskey, 3600)
        return out


def make_key(owner: str, algorithm: int = 13) -> Key:
    private = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=257)
    return Key(private, dnskey, owner)


# One set of keys for the whole test session: generating them is the slow part.
ROOT_KEY = make_key(".")
TLD_KEY = make_key("test.")
ZONE_KEY = make_key(APEX)

NS1, NS2 = ("ns1.example.test.", "192.0.2.1"), ("ns2.example.test.", "198.51.100.2")


def signed_answer(server: str, qtype: str, rr: dns.rrset.RRset, key: Key | None = ZONE_KEY,
                  **sign_options) -> Probe:
    answer = [rr] + ([key.sign(rr, **sign_options)] if key else [])
    return probe(server, rr.name.to_text(), qtype, answer=answer)


def zone_records(ns_names: list[str] = (NS1[0], NS2[0]), serial: int = 2024010101):
    soa = rrset(f"{APEX} 3600 IN SOA ns1.example.test. hostmaster.example.test. {serial} 3600 600 864000 300")
    ns = rrset("\n".join(f"{APEX} 3600 IN NS {n}" for n in ns_names))
    return soa, ns


def server_snapshot(name: str, address: str, *, signed: bool = True, key: Key = ZONE_KEY,
                    serial: int = 2024010101, sign_options: dict | None = None,
                    axfr: str = "REFUSED", ra: bool = False) -> ServerSnapshot:
    """A well-behaved nameserver address for example.test (options make it misbehave)."""
    opts = sign_options or {}
    soa, ns = zone_records(serial=serial)
    signer = key if signed else None
    server = ServerSnapshot(name, address)
    flags = "QR AA RA" if ra else "QR AA"
    server.soa = signed_answer(address, "SOA", soa, signer, **opts)
    server.soa.message.flags = dns.flags.from_text(flags)
    server.ns = signed_answer(address, "NS", ns, signer, **opts)
    if signed:
        server.dnskey = signed_answer(address, "DNSKEY", key.dnskey_rrset(), key, **opts)
    else:
        server.dnskey = probe(address, APEX, "DNSKEY", authority=[soa])
    nsec = rrset(f"{APEX} 300 IN NSEC ns1.example.test. NS SOA RRSIG NSEC DNSKEY")
    server.nsec3param = probe(address, APEX, "NSEC3PARAM",
                              authority=[soa] + ([nsec, key.sign(nsec, **opts)] if signed else []))
    if axfr == "ALLOWED":
        server.axfr = probe(address, APEX, "AXFR", answer=[soa, ns], transport="tcp")
    else:
        server.axfr = probe(address, APEX, "AXFR", rcode=axfr, flags="QR", transport="tcp")
    server.recursion = probe(address, "a.root-servers.test.", "A", rcode="REFUSED", flags="QR", rd=True)
    return server


def zone_snapshot(*, signed: bool = True, servers: list[ServerSnapshot] | None = None,
                  ds_key: Key | None = ZONE_KEY, ds_digest: int = 2, parent_ns: list[str] | None = None,
                  asn: dict[str, tuple[str, ...]] | None = None, ds_proof: str = "NS RRSIG NSEC") -> ZoneSnapshot:
    """example.test under a signed test. under a signed root, as collection would leave it. Without a DS,
    the parent's answer carries a signed NSEC for the delegation with the types of `ds_proof` ("": none)."""
    if servers is None:
        servers = [server_snapshot(*NS1, signed=signed), server_snapshot(*NS2, signed=signed)]
    parent_ns = parent_ns if parent_ns is not None else [NS1[0], NS2[0]]
    tld_server = "192.0.2.200"
    referral = probe(tld_server, APEX, "NS", flags="QR",
                     authority=[rrset("\n".join(f"{APEX} 3600 IN NS {n}" for n in parent_ns))])
    if signed and ds_key is not None:
        ds_rr = ds_key.ds(ds_digest)
        ds = probe(tld_server, APEX, "DS", answer=[ds_rr, TLD_KEY.sign(ds_rr)])
    else:
        soa = rrset("test. 3600 IN SOA a.root-servers.test. hostmaster.test. 1 3600 600 864000 300")
        proof = [rrset(f"{APEX} 3600 IN NSEC zzz.test. {ds_proof}")] if ds_proof else []
        ds = probe(tld_server, APEX, "DS", authority=[soa, TLD_KEY.sign(soa)]
                   + [r for nsec in proof for r in (nsec, TLD_KEY.sign(nsec))])
    root_ds = TLD_KEY.ds()
    chain = [
        ChainLink(".", dnskey=signed_answer("192.0.2.100", "DNSKEY", ROOT_KEY.dnskey_rrset(), ROOT_KEY)),
        ChainLink("test.", dnskey=signed_answer(tld_server, "DNSKEY", TLD_KEY.dnskey_rrset(), TLD_KEY),
                  ds=probe("192.0.2.100", "test.", "DS", answer=[root_ds, ROOT_KEY.sign(root_ds)])),
    ]
    asn_answers = {}
    for address, numbers in (asn or {NS1[1]: ("64501",), NS2[1]: ("64502",)}).items():
        asn_answers[address] = AsnAnswer(address, numbers, None, f"reversed.{address}",
                                         None if numbers else msg("asn-no-txt", reason=msg("answer-rcode",
                                                                                          rcode="NXDOMAIN")))
    return ZoneSnapshot(
        zone=ZONE, now=NOW, trust_anchors=tuple(ROOT_KEY.ds()), parent="test.", delegation=referral,
        delegation_probes=[referral], parent_ns=parent_ns, ds=ds, servers=servers, chain=chain,
        asn=asn_answers, asn_source="origin.asn.test",
    )


def resolver_snapshot(category: str, *, serves: bool = True, validates: bool = True, minimises: bool = True,
                      dot: bool = True, declared: list[str] | None = None, address: str = "192.0.2.53",
                      marker: str = "HOORAY") -> ResolverSnapshot:
    """A resolver address as collection would leave it; `serves=False` makes it refuse us."""
    def ask(qname, qtype, answer=(), rcode="NOERROR", flags="QR RD RA", transport="udp"):
        if not serves:
            return probe(address, qname, qtype, rcode="REFUSED", flags="QR RD", rd=True, transport=transport)
        return probe(address, qname, qtype, rcode=rcode, flags=flags, answer=list(answer), rd=True,
                     transport=transport)

    a = rrset("www.signed.test. 300 IN A 192.0.2.80")
    snap = ResolverSnapshot(address, category, declared or [address, "198.51.100.53"], qname_min_marker=marker)
    snap.access = ask("www.signed.test.", "A", [a])
    snap.signed = ask("www.signed.test.", "A", [a], flags="QR RD RA AD" if validates else "QR RD RA")
    snap.bogus = ask("www.bogus.test.", "A", rcode="SERVFAIL") if validates else \
        ask("www.bogus.test.", "A", [rrset("www.bogus.test. 300 IN A 192.0.2.81")])
    text = "HOORAY - QNAME minimisation is enabled" if minimises else "NO - QNAME minimisation is NOT enabled"
    snap.qname_min = ask("a.b.qnamemin.test.", "TXT", [rrset(f'a.b.qnamemin.test. 300 IN TXT "{text}"')])
    snap.dot = ask("www.signed.test.", "A", [a], transport="tls") if dot else \
        probe(address, "www.signed.test.", "A", error="connection-refused", transport="tls", rd=True)
    snap.peers_answering = {addr: serves for addr in snap.declared}
    return snap


