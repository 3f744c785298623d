"""A CheckConfig aimed at a started DNS lab (used by the live tests and the benchmark)."""
from __future__ import annotations

from kindns.checks import CheckConfig, load_root_hints, load_trust_anchors


def config_for_lab(lab, **overrides) -> CheckConfig:
    """A config that walks the lab's hierarchy, trusts its root key and asks its test names."""
    values = dict(
        root_hints=load_root_hints(lab.root_hints),
        trust_anchors=load_trust_anchors(lab.trust_anchor),
        allow_private=True,
        asn_zone_v4=lab.asn_zone_v4,
        asn_zone_v6="origin6." + lab.asn_zone_v4,
        signed_name=lab.signed_name,
        bogus_name=lab.bogus_name,
        qname_min_name=lab.qname_min_name,
        qname_min_marker=lab.qname_min_marker,
        tls_ca_file=str(lab.tls_ca),
        # The engine's own timeouts: a loaded machine can drop a TCP SYN (BIND queues only 10 pending
        # connections) and the client's retransmission comes after 1 s.
    )
    values.update(overrides)
    return CheckConfig(**values)
