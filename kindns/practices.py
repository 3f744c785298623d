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


def check_title(check_id: str) -> str:
    """A check's title for people, from the engine's catalogue (its id when it has none)."""
    from .checks import RESOLVER_CHECKS, ZONE_CHECKS

    spec = ZONE_CHECKS.get(check_id) or RESOLVER_CHECKS.get(check_id)
    return str(getattr(spec, "title", "") or check_id)


@dataclass(frozen=True)
class Practice:
    id: str
    title: object  # lazy translated string

    @property
    def check_ids(self) -> tuple[str, ...]:
        """The automated checks (kindns.checks ids) that measure this practice."""
        return _checks_by_practice().get(self.id, ())

    @property
    def measured(self) -> bool:
        """Whether the registry measures (some of) this practice from outside: the engine's catalogue says."""
        return bool(self.check_ids)


@dataclass(frozen=True)
class Category:
    id: str
    name: object
    kind: str  # "zone" or "resolver"
    practices: tuple[Practice, ...]


def _p(cat: str, n: int, title) -> Practice:
    return Practice(f"{cat}-{n}", title)


CATEGORIES: dict[str, Category] = {c.id: c for c in (
    Category("critical-zones", _l("Authoritative: critical zones"), "zone", (
        _p("critical-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice.")),
        _p("critical-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries.")),
        _p("critical-zones", 3, _l("Zone-file integrity is controlled.")),
        _p("critical-zones", 4, _l("Authoritative and recursive service do not coexist.")),
        _p("critical-zones", 5, _l("At least two distinct nameservers.")),
        _p("critical-zones", 6, _l("Diversity in at least one of software, network or geography.")),
        _p("critical-zones", 7, _l("Monitoring is in place.")),
    )),
    Category("sld-zones", _l("Authoritative: other SLD zones"), "zone", (
        _p("sld-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice.")),
        _p("sld-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries.")),
        _p("sld-zones", 3, _l("Zone-file integrity is controlled.")),
        _p("sld-zones", 4, _l("Authoritative and recursive service do not coexist.")),
        _p("sld-zones", 5, _l("At least two nameservers, not on the same subnet and in different locations.")),
        _p("sld-zones", 6, _l("Monitoring is in place.")),
    )),
    Category("private-resolvers", _l("Private (closed) resolvers"), "resolver", (
        _p("private-resolvers", 1, _l("DNSSEC validation is enabled.")),
        _p("private-resolvers", 2, _l("ACLs restrict recursion to the operator's own networks.")),
        _p("private-resolvers", 3, _l("QNAME minimisation is enabled.")),
        _p("private-resolvers", 4, _l("No authoritative service on the resolvers.")),
        _p("private-resolvers", 5, _l("At least two distinct resolvers.")),
        _p("private-resolvers", 6, _l("Monitoring is in place.")),
    )),
    Category("shared-resolvers", _l("Shared private resolvers (ISPs)"), "resolver", (
        _p("shared-resolvers", 1, _l("DNSSEC validation is enabled.")),
        _p("shared-resolvers", 2, _l("ACLs restrict recursion to the customers' networks.")),
        _p("shared-resolvers", 3, _l("QNAME minimisation is enabled.")),
        _p("shared-resolvers", 4, _l("No authoritative service on the resolvers.")),
        _p("shared-resolvers", 5, _l("At least two distinct resolvers, with diversity.")),
        _p("shared-resolvers", 6, _l("Monitoring is in place.")),
        _p("shared-resolvers", 7, _l("DNS over TLS or HTTPS is offered (recommended).")),
    )),
    Category("public-resolvers", _l("Public resolvers"), "resolver", (
        _p("public-resolvers", 1, _l("DNSSEC validation is enabled.")),
        _p("public-resolvers", 2, _l("QNAME minimisation is enabled.")),
        _p("public-resolvers", 3, _l("DNS over TLS or HTTPS is offered alongside plain DNS.")),
        _p("public-resolvers", 4, _l("No authoritative service on the resolvers.")),
        _p("public-resolvers", 5, _l("Query logs are kept no longer than necessary.")),
        _p("public-resolvers", 6, _l("Multiple distinct servers.")),
    )),
)}

PLATFORM_PRACTICES: tuple[Practice, ...] = (
    _p("platform", 1, _l("Network ACLs let DNS hosts accept only DNS and needed ICMP; bogon sources are dropped.")),
    _p("platform", 2, _l("Egress filtering per BCP 38 / MANRS.")),
    _p("platform", 3, _l("Hosts run only DNS; unneeded services removed; logs shipped centrally.")),
    _p("platform", 4, _l("Least privilege for users and applications.")),
    _p("platform", 5, _l("Configuration is under revision control.")),
    _p("platform", 6, _l("Management access is restricted and key-based.")),
)


def practices_for(category_ids: list[str]) -> list[tuple[object, list[Practice]]]:
    """(section title, practices) for the self-assessment of the given categories, platform last."""
    sections = [(CATEGORIES[c].name, list(CATEGORIES[c].practices)) for c in CATEGORIES if c in category_ids]
    sections.append((_l("Platform hardening (every operator)"), list(PLATFORM_PRACTICES)))
    return sections


def all_practice_ids() -> set[str]:
    ids = {p.id for c in CATEGORIES.values() for p in c.practices}
    return ids | {p.id for p in PLATFORM_PRACTICES}


def kinds_of(category_ids) -> set[str]:
    """What an organisation of these categories operates: {"zone"}, {"resolver"}, both or neither."""
    return {CATEGORIES[c].kind for c in category_ids if c in CATEGORIES}


def category_choices() -> list[tuple[str, str]]:
    return [(c.id, str(c.name)) for c in CATEGORIES.values()]
