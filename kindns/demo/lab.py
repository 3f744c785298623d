"""The demo with real measurements: demo participants declare the zones and resolvers of the DNS lab that
`make demo` starts on loopback (tests/dnslab: each zone breaks at most one practice), and the worker measures
them as it would any zone. Nothing is made up: every verdict on the demo's pages comes from a real check."""
from __future__ import annotations

import ipaddress

from ..extensions import db
from ..models import Organisation, Resolver, Zone

# Demo organisation -> (lab zone roles, lab resolver roles). Most of Latin America's are well run, as its
# champions should be; elsewhere each shows another way of breaking a practice. "silent" is an address of
# the lab's resolver block where nothing listens: a second closed resolver, as closed resolvers look from
# outside (they do not answer us).
LAB_TARGETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "NIC.br": (("good",), ()),
    "i8 Digital Brazil": (("truncating",), ("closed", "silent")),
    "RNP Brazil – EduDNS": (("expiring-sigs",), ("closed", "silent")),
    "Brazil Tecpar": (("nsec3-iterations",), ()),
    "PowerNet Solutions": ((), ("closed", "silent")),
    "Solução Network": ((), ("closed", "silent")),
    "Intercol Brazil": ((), ("closed", "silent")),
    "Tempus Group Paraguay": ((), ("closed", "silent")),
    "Andes Conecta Telecom": ((), ("closed",)),
    "Red Caribe Hosting": (("open-axfr",), ()),
    "Pampa Fibra Cooperativa": ((), ("closed", "silent")),
    "Sierra Madre Datos": (("serial-mismatch",), ("closed", "silent")),
    "Altiplano Net": ((), ("non-validating",)),
    "Savanna Registry Services": (("ns-mismatch",), ()),
    "Gold Coast Broadband": ((), ("closed", "silent")),
    "Atlas Numérique": (("deprecated-algorithm",), ()),
    "Baobab Hosting": (("unsigned",), ()),
    "Coral Sea Networks": ((), ("validating", "dot")),
    "Monsoon Internet Exchange": ((), ("closed", "silent")),
    "Sakura Name Services": (("same-subnet",), ()),
    "Lagoon Pacific Telecom": ((), ("closed",)),
    "Nordlys Hosting": (("expired-sigs",), ()),
    "Rheinland Resolver Verbund": ((), ("closed", "silent")),
    "Douro Digital": (("lame",), ()),
    "Baltic Edge DNS": ((), ("non-validating", "dot")),
    "Great Lakes Community Network": ((), ("closed", "silent")),
    "Prairie Signal Internet": ((), ("closed", "silent")),
    "Cascadia Civic DNS": (("open-recursion",), ()),
}


def _silent_address(resolvers: dict[str, str]) -> str:
    closed = ipaddress.ip_address(resolvers["closed"])
    return str(closed + 50)


def give_lab_targets(facts: dict) -> int:
    """Let the demo organisations declare the lab's zones and resolvers (see LAB_TARGETS); returns how many
    zones and resolvers were declared. `facts` is what `python -m tests.dnslab.serve` writes."""
    resolvers = {**facts["resolvers"], "silent": _silent_address(facts["resolvers"])}
    declared = 0
    for organisation in db.session.scalars(db.select(Organisation).where(Organisation.is_demo.is_(True))):
        zone_roles, resolver_roles = LAB_TARGETS.get(organisation.name, ((), ()))
        organisation.zones = [Zone(name=facts["zones"][role]) for role in zone_roles if role in facts["zones"]]
        organisation.resolvers = [Resolver(address=resolvers[role]) for role in resolver_roles]
        for resolver in organisation.resolvers:
            if resolver.address == facts["resolvers"].get("dot"):
                resolver.doh_url = facts.get("doh_url")
        declared += len(organisation.zones) + len(organisation.resolvers)
    db.session.commit()
    return declared
