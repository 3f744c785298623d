"""The KINDNS operator categories and their practices (from kindns.org), used by the self-assessment.

Practice ids are stable strings (`<category>-<n>`, `platform-<n>`) stored with each answer, so the
wording may be improved without touching stored data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l


@lru_cache(maxsize=1)
def _checks_by_practice() -> dict[str, tuple[str, ...]]:
    # The check engine's catalogue says which practices each check measures; it is the one source.
    from .checks import RESOLVER_CHECKS, ZONE_CHECKS

    found: dict[str, list[str]] = {}
    for catalogue in (ZONE_CHECKS, RESOLVER_CHECKS):
        for check_id, check in catalogue.items():
            for practice_id in check.practices:
                found.setdefault(practice_id, []).append(check_id)
    return {practice_id: tuple(ids) for practice_id, ids in found.items()}


@dataclass(frozen=True)
class Practice:
    id: str
    title: object  # lazy translated string
    testable: str  # "T" measured from outside, "P" partly, "D" declared only

    @property
    def check_ids(self) -> tuple[str, ...]:
        """The automated checks (kindns.checks ids) that measure this practice."""
        return _checks_by_practice().get(self.id, ())


@dataclass(frozen=True)
class Category:
    id: str
    name: object
    kind: str  # "zone" or "resolver"
    practices: tuple[Practice, ...]


def _p(cat: str, n: int, title, testable: str) -> Practice:
    return Practice(f"{cat}-{n}", title, testable)


CATEGORIES: dict[str, Category] = {c.id: c for c in (
    Category("critical-zones", _l("Authoritative: critical zones"), "zone", (
        _p("critical-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice."), "T"),
        _p("critical-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries."),
           "T"),
        _p("critical-zones", 3, _l("Zone-file integrity is controlled."), "P"),
        _p("critical-zones", 4, _l("Authoritative and recursive service do not coexist."), "T"),
        _p("critical-zones", 5, _l("At least two distinct nameservers."), "T"),
        _p("critical-zones", 6, _l("Diversity in at least one of software, network or geography."), "T"),
        _p("critical-zones", 7, _l("Monitoring is in place."), "D"),
    )),
    Category("sld-zones", _l("Authoritative: other SLD zones"), "zone", (
        _p("sld-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice."), "T"),
        _p("sld-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries."),
           "T"),
        _p("sld-zones", 3, _l("Zone-file integrity is controlled."), "P"),
        _p("sld-zones", 4, _l("Authoritative and recursive service do not coexist."), "T"),
        _p("sld-zones", 5, _l("At least two nameservers, not on the same subnet and in different locations."),
           "T"),
        _p("sld-zones", 6, _l("Monitoring is in place."), "D"),
    )),
    Category("private-resolvers", _l("Private (closed) resolvers"), "resolver", (
        _p("private-resolvers", 1, _l("DNSSEC validation is enabled."), "D"),
        _p("private-resolvers", 2, _l("ACLs restrict recursion to the operator's own networks."), "T"),
        _p("private-resolvers", 3, _l("QNAME minimisation is enabled."), "D"),
        _p("private-resolvers", 4, _l("No authoritative service on the resolvers."), "D"),
        _p("private-resolvers", 5, _l("At least two distinct resolvers."), "D"),
        _p("private-resolvers", 6, _l("Monitoring is in place."), "D"),
    )),
    Category("shared-resolvers", _l("Shared private resolvers (ISPs)"), "resolver", (
        _p("shared-resolvers", 1, _l("DNSSEC validation is enabled."), "D"),
        _p("shared-resolvers", 2, _l("ACLs restrict recursion to the customers' networks."), "T"),
        _p("shared-resolvers", 3, _l("QNAME minimisation is enabled."), "D"),
        _p("shared-resolvers", 4, _l("No authoritative service on the resolvers."), "D"),
        _p("shared-resolvers", 5, _l("At least two distinct resolvers, with diversity."), "D"),
        _p("shared-resolvers", 6, _l("Monitoring is in place."), "D"),
        _p("shared-resolvers", 7, _l("DNS over TLS or HTTPS is offered (recommended)."), "D"),
    )),
    Category("public-resolvers", _l("Public resolvers"), "resolver", (
        _p("public-resolvers", 1, _l("DNSSEC validation is enabled."), "T"),
        _p("public-resolvers", 2, _l("QNAME minimisation is enabled."), "T"),
        _p("public-resolvers", 3, _l("DNS over TLS or HTTPS is offered alongside plain DNS."), "T"),
        _p("public-resolvers", 4, _l("No authoritative service on the resolvers."), "P"),
        _p("public-resolvers", 5, _l("Query logs are kept no longer than necessary."), "D"),
        _p("public-resolvers", 6, _l("Multiple distinct servers."), "T"),
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
