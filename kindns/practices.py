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
    """A check's title in the reader's language, from the engine's catalogue (its id when it has none)."""
    from flask_babel import gettext

    from .checks import RESOLVER_CHECKS, ZONE_CHECKS

    spec = ZONE_CHECKS.get(check_id) or RESOLVER_CHECKS.get(check_id)
    title = getattr(spec, "title", "")
    return gettext(title) if title else check_id


@dataclass(frozen=True)
class Practice:
    id: str
    title: object             # lazy translated string
    why: object = ""          # why it matters, in a paragraph
    references: tuple[str, ...] = ()

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


def _p(cat: str, n: int, title, why, references: tuple[str, ...] = ()) -> Practice:
    return Practice(f"{cat}-{n}", title, why, references)


# Why each practice matters: shared by the categories that ask for the same thing.
WHY_SIGNED = _l("DNSSEC lets resolvers prove that an answer comes from the zone's owner and was not altered on "
                "the way: without it, a forged answer (cache poisoning, a hijacked path) is believed. Keys that are "
                "rolled on time, with allowed algorithms, keep that proof trustworthy.")
WHY_TRANSFERS = _l("A zone transfer hands over the whole zone at once. Open to anyone, it tells an attacker every "
                   "host name you use and costs your servers bandwidth; limited to your secondaries, and "
                   "authenticated with TSIG, it cannot be abused or spoofed.")
WHY_INTEGRITY = _l("Every nameserver must serve the same, intended version of the zone. Secondaries that fall "
                   "behind answer with stale data, and an unchecked edit can take the zone down; controlling how "
                   "the zone is changed and watching that all servers follow keeps answers consistent.")
WHY_SEPARATION = _l("A server that both serves your zones and resolves for others mixes two exposures: open "
                    "recursion makes it a tool for amplification attacks and cache poisoning, and its cache can "
                    "contradict the zone it is authoritative for. Separate addresses and software keep each role "
                    "simple.")
WHY_TWO_SERVERS = _l("A single nameserver is a single point of failure: when it or its network is down, the zone "
                     "disappears from the Internet. At least two servers, in different networks and places, keep "
                     "it answering through outages and attacks.")
WHY_DIVERSITY = _l("Servers that share software, network or site fail together: one bug, one route leak or one "
                   "flood takes them all. Diversity in at least one of these keeps part of the service up.")
WHY_MONITORING = _l("Signatures expire, secondaries stop following and servers go quiet without telling anyone. "
                    "Monitoring notices before the users do, and turns an outage into a ticket.")
WHY_VALIDATION = _l("A resolver that validates DNSSEC refuses forged answers for signed zones, protecting every "
                    "user behind it; one that does not passes the forgery on.")
WHY_ACL = _l("A resolver open to the whole Internet is used for amplification attacks and is easier to poison. "
             "Answering only the networks it serves removes both risks.")
WHY_QNAME_MIN = _l("Without QNAME minimisation a resolver sends the full name asked for to every server on the "
                   "way (the root, the TLD...); with it, each server learns only the next label it needs, which "
                   "protects users' privacy.")
WHY_NO_AUTH = _l("Authoritative data served by a resolver can shadow the real zone and confuse both roles; keeping "
                 "them apart makes each easier to secure and to reason about.")
WHY_RESOLVERS = _l("Clients fall back to a second resolver when the first fails; with one resolver (or two on one "
                   "host), every outage is a complete loss of name resolution for the users.")
WHY_ENCRYPTION = _l("DNS over TLS or HTTPS hides users' questions from anyone on the path and stops them from "
                    "being altered between the user and the resolver.")
WHY_LOGS = _l("Query logs describe what users do on the Internet; keeping them only as long as needed limits the "
              "harm of a leak or an abusive request.")
WHY_PLATFORM = _l("A DNS server is only as safe as the host and network it runs on: hardening them closes the "
                  "doors that DNS itself cannot.")

RFC_DNSSEC = ("RFC 4033", "RFC 4035", "RFC 6781", "RFC 8624")
RFC_TRANSFER = ("RFC 5936", "RFC 8945")
RFC_TWO = ("RFC 2182",)
RFC_SEPARATION = ("RFC 5358",)

CATEGORIES: dict[str, Category] = {c.id: c for c in (
    Category("critical-zones", _l("Authoritative: critical zones"), "zone", (
        _p("critical-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice."), WHY_SIGNED,
           RFC_DNSSEC),
        _p("critical-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries."),
           WHY_TRANSFERS, RFC_TRANSFER),
        _p("critical-zones", 3, _l("Zone-file integrity is controlled."), WHY_INTEGRITY, ("RFC 1996",)),
        _p("critical-zones", 4, _l("Authoritative and recursive service do not coexist."), WHY_SEPARATION,
           RFC_SEPARATION),
        _p("critical-zones", 5, _l("At least two distinct nameservers."), WHY_TWO_SERVERS, RFC_TWO),
        _p("critical-zones", 6, _l("Diversity in at least one of software, network or geography."), WHY_DIVERSITY,
           RFC_TWO),
        _p("critical-zones", 7, _l("Monitoring is in place."), WHY_MONITORING),
    )),
    Category("sld-zones", _l("Authoritative: other SLD zones"), "zone", (
        _p("sld-zones", 1, _l("Zones are DNSSEC-signed and keys are managed by best practice."), WHY_SIGNED,
           RFC_DNSSEC),
        _p("sld-zones", 2, _l("Zone transfers are limited (ACLs and TSIG) to the operator's secondaries."),
           WHY_TRANSFERS, RFC_TRANSFER),
        _p("sld-zones", 3, _l("Zone-file integrity is controlled."), WHY_INTEGRITY, ("RFC 1996",)),
        _p("sld-zones", 4, _l("Authoritative and recursive service do not coexist."), WHY_SEPARATION,
           RFC_SEPARATION),
        _p("sld-zones", 5, _l("At least two nameservers, not on the same subnet and in different locations."),
           WHY_TWO_SERVERS, RFC_TWO),
        _p("sld-zones", 6, _l("Monitoring is in place."), WHY_MONITORING),
    )),
    Category("private-resolvers", _l("Private (closed) resolvers"), "resolver", (
        _p("private-resolvers", 1, _l("DNSSEC validation is enabled."), WHY_VALIDATION, ("RFC 4035",)),
        _p("private-resolvers", 2, _l("ACLs restrict recursion to the operator's own networks."), WHY_ACL,
           ("RFC 5358",)),
        _p("private-resolvers", 3, _l("QNAME minimisation is enabled."), WHY_QNAME_MIN, ("RFC 9156",)),
        _p("private-resolvers", 4, _l("No authoritative service on the resolvers."), WHY_NO_AUTH),
        _p("private-resolvers", 5, _l("At least two distinct resolvers."), WHY_RESOLVERS),
        _p("private-resolvers", 6, _l("Monitoring is in place."), WHY_MONITORING),
    )),
    Category("shared-resolvers", _l("Shared private resolvers (ISPs)"), "resolver", (
        _p("shared-resolvers", 1, _l("DNSSEC validation is enabled."), WHY_VALIDATION, ("RFC 4035",)),
        _p("shared-resolvers", 2, _l("ACLs restrict recursion to the customers' networks."), WHY_ACL,
           ("RFC 5358",)),
        _p("shared-resolvers", 3, _l("QNAME minimisation is enabled."), WHY_QNAME_MIN, ("RFC 9156",)),
        _p("shared-resolvers", 4, _l("No authoritative service on the resolvers."), WHY_NO_AUTH),
        _p("shared-resolvers", 5, _l("At least two distinct resolvers, with diversity."), WHY_RESOLVERS),
        _p("shared-resolvers", 6, _l("Monitoring is in place."), WHY_MONITORING),
        _p("shared-resolvers", 7, _l("DNS over TLS or HTTPS is offered (recommended)."), WHY_ENCRYPTION,
           ("RFC 7858", "RFC 8484")),
    )),
    Category("public-resolvers", _l("Public resolvers"), "resolver", (
        _p("public-resolvers", 1, _l("DNSSEC validation is enabled."), WHY_VALIDATION, ("RFC 4035",)),
        _p("public-resolvers", 2, _l("QNAME minimisation is enabled."), WHY_QNAME_MIN, ("RFC 9156",)),
        _p("public-resolvers", 3, _l("DNS over TLS or HTTPS is offered alongside plain DNS."), WHY_ENCRYPTION,
           ("RFC 7858", "RFC 8484")),
        _p("public-resolvers", 4, _l("No authoritative service on the resolvers."), WHY_NO_AUTH),
        _p("public-resolvers", 5, _l("Query logs are kept no longer than necessary."), WHY_LOGS),
        _p("public-resolvers", 6, _l("Multiple distinct servers."), WHY_RESOLVERS),
    )),
)}

PLATFORM_PRACTICES: tuple[Practice, ...] = (
    _p("platform", 1, _l("Network ACLs let DNS hosts accept only DNS and needed ICMP; bogon sources are dropped."),
       WHY_PLATFORM),
    _p("platform", 2, _l("Egress filtering per BCP 38 / MANRS."),
       _l("Networks that let spoofed source addresses out make reflection attacks possible, DNS amplification "
          "first among them; filtering at the edge stops your network from being their source."), ("BCP 38",)),
    _p("platform", 3, _l("Hosts run only DNS; unneeded services removed; logs shipped centrally."), WHY_PLATFORM),
    _p("platform", 4, _l("Least privilege for users and applications."), WHY_PLATFORM),
    _p("platform", 5, _l("Configuration is under revision control."),
       _l("Knowing who changed what, and being able to go back, turns a bad change into a short incident.")),
    _p("platform", 6, _l("Management access is restricted and key-based."), WHY_PLATFORM),
)


def practice(practice_id: str) -> Practice | None:
    """The practice with this id, from any category or the platform's."""
    return _PRACTICES.get(practice_id)


def practice_title(practice_id: str) -> str:
    """A practice's title for people (its id when unknown, e.g. in an old stored result)."""
    found = practice(practice_id)
    return str(found.title) if found is not None else practice_id


def practices_for(category_ids: list[str]) -> list[tuple[object, list[Practice]]]:
    """(section title, practices) for the self-assessment of the given categories, platform last."""
    sections = [(CATEGORIES[c].name, list(CATEGORIES[c].practices)) for c in CATEGORIES if c in category_ids]
    sections.append((_l("Platform hardening (every operator)"), list(PLATFORM_PRACTICES)))
    return sections


def all_practice_ids() -> set[str]:
    return set(_PRACTICES)


def kinds_of(category_ids) -> set[str]:
    """What an organisation of these categories operates: {"zone"}, {"resolver"}, both or neither."""
    return {CATEGORIES[c].kind for c in category_ids if c in CATEGORIES}


def category_choices() -> list[tuple[str, str]]:
    return [(c.id, str(c.name)) for c in CATEGORIES.values()]


_PRACTICES: dict[str, Practice] = {p.id: p for c in CATEGORIES.values() for p in c.practices} | \
    {p.id: p for p in PLATFORM_PRACTICES}
