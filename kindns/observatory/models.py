"""Measurement campaigns: a namespace's zones, cut into batches that workers claim, and per zone one compact
row of verdicts and facts (no evidence), so that a million zones fit a small database."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, SmallInteger, String,
                        UniqueConstraint, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Organisation, User, utcnow


# One letter per verdict in a zone row (CampaignZone.verdicts).
LETTERS = {"pass": "p", "warn": "w", "fail": "f", "error": "e", "n/a": "n"}
VERDICTS = {letter: verdict for verdict, letter in LETTERS.items()}


class CampaignStatus(str, enum.Enum):
    """queued (no batch taken yet) -> running -> done (every batch done)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class BatchStatus(str, enum.Enum):
    """queued -> running -> done; or failed, when the engine broke on it every time it was tried."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Campaign(db.Model):
    """One measurement of a namespace's zones: who asked, how politely, and how far it has got."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    namespace: Mapped[str] = mapped_column(String(253), index=True)  # "py", "com.br"; "" for the root
    # The operators' country when the upload does not say it per zone (a ccTLD's own), ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default=CampaignStatus.QUEUED.value,
                                        server_default=CampaignStatus.QUEUED.value, index=True)
    # The zone checks whose verdicts each zone row keeps, in the order of its verdict letters.
    checks: Mapped[list] = mapped_column(JSON, default=list)
    zone_count: Mapped[int] = mapped_column(Integer, default=0)
    batch_size: Mapped[int] = mapped_column(Integer)
    # Politeness: at most this many batches measured at once (over every worker), and per worker process at
    # most `server_rate` queries a second to one nameserver address.
    parallel_batches: Mapped[int] = mapped_column(Integer)
    server_rate: Mapped[float] = mapped_column(Float)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Set when a registry's account (by staff's invitation) runs the campaign rather than staff.
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                           index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[Optional[User]] = relationship()
    organisation: Mapped[Optional[Organisation]] = relationship()


class CampaignBatch(db.Model):
    """A slice of a campaign's zones, measured by one worker at a time. A worker holds it under a lease it
    renews while it works; a batch whose lease ran out (its worker died) is queued again."""

    __table_args__ = (UniqueConstraint("campaign_id", "number"), Index("ix_campaign_batch_state", "campaign_id",
                                                                         "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=BatchStatus.QUEUED.value,
                                        server_default=BatchStatus.QUEUED.value)
    worker: Mapped[str] = mapped_column(String(100), default="", server_default="")
    lease_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class CampaignZone(db.Model):
    """One zone of a campaign: its name and, once measured, one letter per check (campaign.checks) and a few
    facts. One row per (campaign, zone), written again when a batch is retried: nothing is counted twice."""

    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("campaign_batch.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(253))
    country: Mapped[str] = mapped_column(String(2), default="", server_default="")
    measured_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # p(ass) w(arn) f(ail) e(rror) n(/a), one per check of campaign.checks; "" until measured.
    verdicts: Mapped[str] = mapped_column(String(40), default="", server_default="")
    unmeasured: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    algorithms: Mapped[str] = mapped_column(String(40), default="", server_default="")  # "8 13"
    ns_count: Mapped[Optional[int]] = mapped_column(SmallInteger)
    networks: Mapped[Optional[int]] = mapped_column(SmallInteger)


class CampaignInvitation(db.Model):
    """Staff's invitation to a registry's organisation (a ccTLD operator, say) to run campaigns of its own."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    organisation: Mapped[Organisation] = relationship()
