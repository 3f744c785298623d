"""The KINDNS operator categories and their practices (from kindns.org), used by the self-assessment.

Practice ids are stable strings (`<category>-<n>`, `platform-<n>`) stored with each answer, so the
wording may be improved without touching stored data.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Practice:
    id: str
    title: object  # lazy translated string
    testable: str  # "T" measured from outside, "P" partly, "D" declared only
    check_ids: tuple[str, ...] = ()  # automated checks (kindns.checks ids) that measure it


@dataclass(frozen=True)
class Category:
    id: str
    name: object
    kind: str  # "zone" or "resolver"
    practices: tuple[Practice, ...]


def _p(cat: str, n: int, title, testable: str, *checks: str) -> Practice:
    return Practice(f"{cat}-{n}", title, testable, tuple(checks))


_DNSSEC = ("dnssec-signed", "dnssec-valid", "dnssec-algorithm", "dnssec-nsec3-params", "dnssec-signature-expiry")

CATEGORIES: dict[str, Category] = {c.id: c for c in (
    Category("critical-zones", _l("Authoritative: critical zones"), "zone", (
        _p("critical-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice."), "T", *_DNSSEC),
        _p("critical-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries."),
           "T", "axfr-restricted"),
        _p("critical-zones", 3, _l("Zone-file integrity is controlled."), "P", "soa-serial-consistency"),
        _p("critical-zones", 4, _l("Authoritative and recursive service do not coexist."), "T", "no-open-recursion"),
        # Availability over UDP and TCP (`transport`) has no practice of its own; it serves this one.
        _p("critical-zones", 5, _l("At least two distinct nameservers."), "T",
           "ns-count", "ns-authoritative", "ns-consistency", "transport"),
        _p("critical-zones", 6, _l("Diversity in at least one of software, network or geography."), "T",
           "ns-diversity"),
        _p("critical-zones", 7, _l("Monitoring is in place."), "D"),
    )),
    Category("sld-zones", _l("Authoritative: other SLD zones"), "zone", (
        _p("sld-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice."), "T", *_DNSSEC),
        _p("sld-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries."),
           "T", "axfr-restricted"),
        _p("sld-zones", 3, _l("Zone-file integrity is controlled."), "P", "soa-serial-consistency"),
        _p("sld-zones", 4, _l("Authoritative and recursive service do not coexist."), "T", "no-open-recursion"),
        _p("sld-zones", 5, _l("At least two nameservers, not on the same subnet and in different locations."),
           "T", "ns-count", "ns-authoritative", "ns-diversity", "transport"),
        _p("sld-zones", 6, _l("Monitoring is in place."), "D"),
    )),
    Category("private-resolvers", _l("Private (closed) resolvers"), "resolver", (
        _p("private-resolvers", 1, _l("DNSSEC validation is enabled."), "D"),
        _p("private-resolvers", 2, _l("ACLs restrict recursion to the operator's own networks."), "T",
           "resolver-access-control"),
        _p("private-resolvers", 3, _l("QNAME minimisation is enabled."), "D"),
        _p("private-resolvers", 4, _l("No authoritative service on the resolvers."), "D"),
        _p("private-resolvers", 5, _l("At least two distinct resolvers."), "D"),
        _p("private-resolvers", 6, _l("Monitoring is in place."), "D"),
    )),
    Category("shared-resolvers", _l("Shared private resolvers (ISPs)"), "resolver", (
        _p("shared-resolvers", 1, _l("DNSSEC validation is enabled."), "D"),
        _p("shared-resolvers", 2, _l("ACLs restrict recursion to the customers' networks."), "T",
           "resolver-access-control"),
        _p("shared-resolvers", 3, _l("QNAME minimisation is enabled."), "D"),
        _p("shared-resolvers", 4, _l("No authoritative service on the resolvers."), "D"),
        _p("shared-resolvers", 5, _l("At least two distinct resolvers, with diversity."), "D"),
        _p("shared-resolvers", 6, _l("Monitoring is in place."), "D"),
        _p("shared-resolvers", 7, _l("DNS over TLS or HTTPS is offered (recommended)."), "D"),
    )),
    Category("public-resolvers", _l("Public resolvers"), "resolver", (
        _p("public-resolvers", 1, _l("DNSSEC validation is enabled."), "T", "resolver-dnssec-validation"),
        _p("public-resolvers", 2, _l("QNAME minimisation is enabled."), "T", "resolver-qname-minimisation"),
        _p("public-resolvers", 3, _l("DNS over TLS or HTTPS is offered alongside plain DNS."), "T",
           "resolver-encrypted-transport"),
        _p("public-resolvers", 4, _l("No authoritative service on the resolvers."), "P"),
        _p("public-resolvers", 5, _l("Query logs are kept no longer than necessary."), "D"),
        _p("public-resolvers", 6, _l("Multiple distinct servers."), "T", "resolver-count"),
    )),
)}

PLATFORM_PRACTICES: tuple[Practice, ...] = (
    _p("platform", 1, _l("Network ACLs let DNS hosts accept only DNS and needed ICMP; bogon sources are dropped."),
       "D"),
    _p("platform", 2, _l("Egress filtering per BCP 38 / MANRS."), "D"),
    _p("platform", 3, _l("Hosts run only DNS; unneeded services removed; logs shipped centrally."), "D"),
    _p("platform", 4, _l("Least privilege for users and applications."), "D"),
    _p("platform", 5, _l("Configuration is under revision control."), "D"),
    _p("platform", 6, _l("Management access is restricted and key-based."), "D"),
)


def practices_for(category_ids: list[str]) -> list[tuple[object, list[Practice]]]:
    """(section title, practices) for the self-assessment of the given categories, platform last."""
    sections = [(CATEGORIES[c].name, list(CATEGORIES[c].practices)) for c in CATEGORIES if c in category_ids]
    sections.append((_l("Platform hardening (every operator)"), list(PLATFORM_PRACTICES)))
    return sections


def all_practice_ids() -> set[str]:
    ids = {p.id for c in CATEGORIES.values() for p in c.practices}
    return ids | {p.id for p in PLATFORM_PRACTICES}


def category_choices() -> list[tuple[str, str]]:
    return [(c.id, str(c.name)) for c in CATEGORIES.values()]
