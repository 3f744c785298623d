"""Demo data (commands in kindns.demo.cli): `flask --app app kindns seed-demo [--if-empty]` and `purge-demo`.

The demo shows the registry as it might look: the seven champions ICANN's Latin America and Caribbean
engagement team thanked in November 2023 ("Security Topics Drive ICANN LAC Engagement in 2023"), NIC.br,
and invented but plausible operators in every region, so that LAC leads as it did then. Every demo record
has is_demo=True, so purge-demo removes exactly them. No conformance results are made up, and no demo
organisation declares a real zone or resolver (a production worker would probe it): with the DNS lab
(`make demo`, kindns.demo.lab) they declare the lab's zones and resolvers and the worker measures them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select

from ..enrolment.services import slugify
from ..extensions import db
from ..models import Organisation, OrganisationCategory, OrganisationStatus, User
from ..regions import region_for

_LAC_CITATION = ("Thanked by ICANN's Latin America and Caribbean engagement team (November 2023) for "
                 "adopting KINDNS and promoting its practices among operators in the region.")


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    country: str
    categories: tuple[str, ...]
    approved: str  # YYYY-MM-DD
    citation: str = ""  # a champion when set
    website: str = ""


DEMO_ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    # The champions named by ICANN's LAC engagement team in November 2023.
    DemoOrganisation("PowerNet Solutions", "BR", ("shared-resolvers",), "2023-03-14", _LAC_CITATION),
    DemoOrganisation("Solução Network", "BR", ("shared-resolvers",), "2023-04-05", _LAC_CITATION),
    DemoOrganisation("i8 Digital Brazil", "BR", ("shared-resolvers", "sld-zones"), "2023-05-22",
                     _LAC_CITATION),
    DemoOrganisation("RNP Brazil – EduDNS", "BR", ("sld-zones", "private-resolvers"), "2023-06-09",
                     _LAC_CITATION),
    DemoOrganisation("Brazil Tecpar", "BR", ("sld-zones",), "2023-07-18", _LAC_CITATION),
    DemoOrganisation("Intercol Brazil", "BR", ("shared-resolvers",), "2023-08-30", _LAC_CITATION),
    DemoOrganisation("Tempus Group Paraguay", "PY", ("shared-resolvers",), "2023-09-12", _LAC_CITATION),
    # The .br registry, which adopted KINDNS and taught it in Portuguese with ICANN.
    DemoOrganisation("NIC.br", "BR", ("critical-zones",), "2023-10-03", website="https://nic.br"),
    # Invented operators (no real organisation is meant).
    DemoOrganisation("Andes Conecta Telecom", "CL", ("shared-resolvers",), "2024-02-20"),
    DemoOrganisation("Red Caribe Hosting", "DO", ("sld-zones",), "2024-06-11"),
    DemoOrganisation("Pampa Fibra Cooperativa", "AR", ("shared-resolvers",), "2024-11-05"),
    DemoOrganisation("Sierra Madre Datos", "MX", ("sld-zones", "private-resolvers"), "2025-03-27"),
    DemoOrganisation("Altiplano Net", "BO", ("shared-resolvers",), "2025-08-14"),
    DemoOrganisation("Savanna Registry Services", "KE", ("critical-zones",), "2023-11-28"),
    DemoOrganisation("Gold Coast Broadband", "GH", ("shared-resolvers",), "2024-04-16"),
    DemoOrganisation("Atlas Numérique", "MA", ("sld-zones",), "2024-09-30"),
    DemoOrganisation("Baobab Hosting", "SN", ("sld-zones",), "2025-05-06"),
    DemoOrganisation("Coral Sea Networks", "AU", ("public-resolvers",), "2023-12-07"),
    DemoOrganisation("Monsoon Internet Exchange", "IN", ("shared-resolvers",), "2024-03-19"),
    DemoOrganisation("Sakura Name Services", "JP", ("sld-zones",), "2024-10-22"),
    DemoOrganisation("Lagoon Pacific Telecom", "FJ", ("shared-resolvers",), "2025-07-01"),
    DemoOrganisation("Nordlys Hosting", "NO", ("sld-zones",), "2023-12-19"),
    DemoOrganisation("Rheinland Resolver Verbund", "DE", ("private-resolvers",), "2024-05-08"),
    DemoOrganisation("Douro Digital", "PT", ("sld-zones",), "2024-12-02"),
    DemoOrganisation("Baltic Edge DNS", "EE", ("public-resolvers",), "2025-09-23"),
    DemoOrganisation("Great Lakes Community Network", "CA", ("shared-resolvers",), "2024-01-30"),
    DemoOrganisation("Prairie Signal Internet", "US", ("private-resolvers",), "2024-08-27"),
    DemoOrganisation("Cascadia Civic DNS", "US", ("sld-zones",), "2025-10-15"),
)

# When the champions were named: ICANN's LAC engagement report of 29 November 2023.
CHAMPIONS_NAMED = datetime(2023, 11, 29, tzinfo=timezone.utc)


def _build(demo: DemoOrganisation) -> Organisation:
    approved_at = datetime.fromisoformat(demo.approved).replace(hour=12, tzinfo=timezone.utc)
    org = Organisation(
        slug=slugify(demo.name),
        name=demo.name,
        website=demo.website,
        country=demo.country,
        region=region_for(demo.country),
        status=OrganisationStatus.APPROVED.value,
        submitted_at=approved_at,
        approved_at=approved_at,
        is_champion=bool(demo.citation),
        champion_citation=demo.citation,
        champion_since=CHAMPIONS_NAMED if demo.citation else None,
        is_demo=True,
    )
    org.categories = [OrganisationCategory(category=c) for c in demo.categories]
    return org


def seed_demo() -> int:
    """Add the demo organisations; returns how many. The caller checks that the database is empty."""
    for demo in DEMO_ORGANISATIONS:
        db.session.add(_build(demo))
    db.session.commit()
    return len(DEMO_ORGANISATIONS)


def purge_demo() -> tuple[int, int]:
    """Delete every demo organisation and demo user; returns (organisations, users) deleted.

    Through the ORM, one object at a time, so each organisation's categories, zones, resolvers and
    answers go with it on SQLite too (where foreign-key cascades may be off)."""
    users = list(db.session.scalars(select(User).where(User.is_demo.is_(True))))
    for user in users:
        db.session.delete(user)
    organisations = list(db.session.scalars(select(Organisation).where(Organisation.is_demo.is_(True))))
    for org in organisations:
        db.session.delete(org)
    db.session.commit()
    return len(organisations), len(users)


def organisation_count() -> int:
    return db.session.scalar(select(func.count(Organisation.id))) or 0
