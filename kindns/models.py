"""The registry's data: accounts, organisations and what they declare, and the audit trail."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .extensions import db
from .text import search_text


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class OrganisationStatus(str, enum.Enum):
    """Where an organisation stands in the review workflow."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Set when the owner of the address follows the confirmation link; unconfirmed accounts cannot log in.
    email_confirmed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # "owner" (created the organisation; may invite) or "member" (joined by invitation).
    organisation_role: Mapped[str] = mapped_column(String(10), default="member", server_default="member")
    organisation_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The language the user chose (a Babel locale name such as "pt_BR"): pages and the mail sent to them.
    language: Mapped[Optional[str]] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    # Part of every session's id (`get_id`): raising it ends every session opened before (logout, new password).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    organisation: Mapped[Optional["Organisation"]] = relationship(back_populates="members")

    def get_id(self) -> str:
        """Flask-Login's alternative id: "<id>:<session version>", stored in the session cookie."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Organisation(db.Model):
    # On PostgreSQL a trigram index serves `search_name LIKE '%word%'` (the pg_trgm extension comes with it);
    # elsewhere it is a plain index and the search reads the column, which is short.
    __table_args__ = (
        Index("ix_organisation_search_name", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name's folded words (kindns.text.search_text), kept by `_keep_search_name`: searching needs no
    # accent folding in SQL, which SQLite and PostgreSQL would each do differently.
    search_name: Mapped[str] = mapped_column(String(400), default="", server_default="")
    website: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # ISO 3166-1 alpha-2; `region` is derived from it (kindns.regions) and stored so that
    # directory filters and leaderboards are plain SQL.
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str] = mapped_column(String(3), index=True)
    contact_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default=OrganisationStatus.DRAFT.value,
                                        server_default=OrganisationStatus.DRAFT.value, index=True)
    review_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    submitted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    is_champion: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    champion_citation: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # An approved organisation's new name or website waits here for staff; the public keeps the approved ones.
    pending_name: Mapped[Optional[str]] = mapped_column(String(200))
    pending_website: Mapped[Optional[str]] = mapped_column(String(500))
    champion_since: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())

    members: Mapped[list[User]] = relationship(back_populates="organisation")
    categories: Mapped[list["OrganisationCategory"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationCategory.category"
    )
    zones: Mapped[list["Zone"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Zone.name"
    )
    resolvers: Mapped[list["Resolver"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Resolver.address"
    )
    answers: Mapped[list["PracticeAnswer"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    invitations: Mapped[list["Invitation"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def category_ids(self) -> list[str]:
        return [c.category for c in self.categories]

    @property
    def is_approved(self) -> bool:
        return self.status == OrganisationStatus.APPROVED.value

    @validates("name")
    def _keep_search_name(self, _key: str, name: str) -> str:
        self.search_name = search_text(name)
        return name

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class OrganisationCategory(db.Model):
    """One operator category (an id of kindns.practices.CATEGORIES) an organisation declares."""

    __table_args__ = (UniqueConstraint("organisation_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="categories")


class Zone(db.Model):
    """A zone an organisation operates, stored normalised (lower-case A-labels, no trailing dot)."""

    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    # The software that serves the zone, as the operator declares it (kindns.checks.fixes.SOFTWARE): the
    # report's fix-it advice is written for it. None: not declared.
    software: Mapped[Optional[str]] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    organisation: Mapped[Organisation] = relationship(back_populates="zones")


class Resolver(db.Model):
    """A resolver address an organisation operates, stored in its compressed textual form."""

    __table_args__ = (UniqueConstraint("organisation_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(45), index=True)
    # Where the resolver answers DNS over HTTPS (RFC 8484), when the operator says so; the checks probe it.
    doh_url: Mapped[Optional[str]] = mapped_column(String(500))
    software: Mapped[Optional[str]] = mapped_column(String(32))  # as for Zone.software
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    organisation: Mapped[Organisation] = relationship(back_populates="resolvers")


class PracticeAnswer(db.Model):
    """The self-assessment: for one practice (kindns.practices id), whether and how it is done."""

    __table_args__ = (UniqueConstraint("organisation_id", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[str] = mapped_column(String(60))
    implemented: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    how: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())

    organisation: Mapped[Organisation] = relationship(back_populates="answers")


class Invitation(db.Model):
    """An invitation for a colleague to join an organisation; the link carries a signed token of its id."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    accepted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship(back_populates="invitations")


class RegionOverride(db.Model):
    """A staff correction of one country's ICANN region, taking precedence over the data file."""

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    region: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())


class AuditEvent(db.Model):
    """One change to an organisation (or to registry settings): what, who, when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    # Structured detail, e.g. {"field": "name", "old": "...", "new": "..."}.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 server_default=func.now(), index=True)

    organisation: Mapped[Optional[Organisation]] = relationship()
    user: Mapped[Optional[User]] = relationship()
