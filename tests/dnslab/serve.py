"""`python -m tests.dnslab.serve FACTS.json`: start the DNS lab, write what a registry needs to measure it
(root hints, trust anchor, its zones, resolvers and test names) to FACTS.json, and serve until stopped
(SIGTERM or Ctrl-C). `make demo` runs it so that a registry on this machine has real zones to check."""
from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from .lab import start_lab


def facts_of(lab) -> dict:
    """The lab as the registry's demo and configuration need it (JSON-safe)."""
    return {
        "zones": lab.zones,
        "resolvers": lab.resolvers,
        "settings": {
            "KINDNS_CHECK_ROOT_HINTS": str(lab.root_hints),
            "KINDNS_CHECK_TRUST_ANCHOR": str(lab.trust_anchor),
            "KINDNS_CHECK_ALLOW_PRIVATE": True,
            "KINDNS_CHECK_ASN_ZONE_V4": lab.asn_zone_v4,
            "KINDNS_CHECK_ASN_ZONE_V6": "origin6." + lab.asn_zone_v4,
            "KINDNS_CHECK_SIGNED_NAME": lab.signed_name,
            "KINDNS_CHECK_BOGUS_NAME": lab.bogus_name,
            "KINDNS_CHECK_QNAME_MIN_NAME": lab.qname_min_name,
            "KINDNS_CHECK_QNAME_MIN_MARKER": lab.qname_min_marker,
            "KINDNS_CHECK_TLS_CA_FILE": str(lab.tls_ca),
        },
        "doh_url": lab.doh_url,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    facts_path = Path(argv[0])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with start_lab() as lab:
        facts_path.write_text(json.dumps(facts_of(lab), indent=2))
        print(f"DNS lab serving {len(lab.zones)} zones on {lab.root_server} and around; facts in {facts_path}",
              flush=True)
        stop.wait()
    facts_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
