"""Small factories for test data. Each returns a committed object with sensible defaults."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from werkzeug.security import generate_password_hash

from kindns.extensions import db
from kindns.models import Organisation, OrganisationCategory, OrganisationStatus, Resolver, User, Zone
from kindns.regions import region_for

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery staple"
# Test users get a cheap hash (the app's own code always uses the strong default): scrypt costs about
# 0.2 s a user, which would dominate the suite. check_password_hash reads the method from the hash.
TEST_HASH_METHOD = "pbkdf2:sha256:1000"


def make_user(email: str | None = None, password: str = DEFAULT_PASSWORD, *, is_staff: bool = False,
              organisation: Organisation | None = None) -> User:
    user = User(
        email=email or f"user{next(_counter)}@example.net",
        password_hash=generate_password_hash(password, method=TEST_HASH_METHOD),
        is_staff=is_staff,
        organisation=organisation,
        organisation_role="owner" if organisation is not None else "member",
        email_confirmed_at=datetime.now(timezone.utc),
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_organisation(name: str | None = None, *, country: str = "BR", approved: bool = False,
                      categories: tuple[str, ...] = ("sld-zones",), zones: tuple[str, ...] = (),
                      resolvers: tuple[str, ...] = (), champion: str | None = None,
                      status: str | None = None, is_demo: bool = False) -> Organisation:
    n = next(_counter)
    name = name or f"Operator {n}"
    now = datetime.now(timezone.utc)
    org = Organisation(
        slug=f"operator-{n}",
        name=name,
        country=country,
        region=region_for(country),
        contact_email=f"noc{n}@example.net",
        status=status or (OrganisationStatus.APPROVED.value if approved else OrganisationStatus.DRAFT.value),
        approved_at=now if approved else None,
        is_champion=champion is not None,
        champion_citation=champion or "",
        champion_since=now if champion is not None else None,
        is_demo=is_demo,
    )
    org.categories = [OrganisationCategory(category=c) for c in categories]
    org.zones = [Zone(name=z) for z in zones]
    org.resolvers = [Resolver(address=a) for a in resolvers]
    db.session.add(org)
    db.session.commit()
    return org
