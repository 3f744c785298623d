"""A private, signed DNS hierarchy on loopback, started by the tests themselves.

    from tests.dnslab import start_lab
    with start_lab() as lab:
        lab.root_hints        # zone-file root hints: ". NS a.root-servers.test." and its A record
        lab.trust_anchor      # zone-file DS records of the lab root
        lab.zones             # role -> zone name, e.g. "good" -> "good.test"
        lab.resolvers         # "validating", "non-validating", "dot", "closed" -> IPv4 address
        lab.signed_name       # A record in a well-signed zone
        lab.bogus_name        # a name whose chain of trust is broken (validating resolvers SERVFAIL)
        lab.qname_min_name, lab.qname_min_marker   # TXT answer contains the marker only with minimisation
        lab.asn_zone_v4       # TXT "<reversed IPv4>.<asn_zone_v4>" -> "64501 | 127.x.y.0/24 | ZZ | lab | ..."
        lab.expected_verdicts # role -> {check id: verdict} for every zone check that does not pass on its zone
        lab.nameservers(role) # NS host -> address as the parent delegates the role's zone
        lab.mutable_zones     # role -> zone name of the zones tests may change, e.g. "mutable" -> "mutable.test"
        lab.fix("mutable"), lab.break_("mutable")   # rewrite and reload that zone; return once it is served
        lab.state("mutable")  # "broken" (as the lab starts it) or "fixed"; lab.mutable_verdicts says what fails
        lab.tls_ca            # PEM of the lab's CA, which issued the "dot" resolver's DoT/DoH certificate
        lab.doh_url           # that resolver's DNS over HTTPS URL (connect to its address; the host is not in DNS)
        lab.ipv6              # whether this lab serves ::1 (the ipv6 role); one lab per machine can
        lab.proof_zones       # software -> a zone the TLD delegates to an address nothing serves yet, and
        lab.proof_resolvers   # software -> an address: where the fix proofs start their own servers (proof.py)

    start_lab(bench_zones=1000) adds well-run signed copies of the good zone for the benchmark (lab.bench_zones).

Real servers (BIND, Knot, Unbound, and the small fronts of fronts.py: UDP only, EDNS-dropping, silent)
listen on port 53 of a 127.N.0.0/16 block of their own, so two labs can run at once. Nothing in the lab
ever queries outside 127.0.0.0/8 (and ::1). Needs root (to add addresses to `lo`). `zones.py` describes what each role zone breaks and the address plan.
"""
from .errors import LabError
from .lab import DnsLab, start_lab

__all__ = ["DnsLab", "LabError", "start_lab"]
