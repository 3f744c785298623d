"""Stored check runs and their results, disputes of verdicts, and monthly regional snapshots."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, func, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Organisation, Resolver, User, Zone, utcnow



class RunStatus(str, enum.Enum):
    """Where a check run stands: queued -> running -> done, or failed (the engine broke, or the run was lost)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# The statuses of a run that is still to finish: at most one such run per target.
ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)

# At most one queued or running run per zone and per resolver, enforced by the database itself: two web
# processes or two schedulers asking at the same moment cannot both queue one (runs.request_check).
_ACTIVE_SQL = text("status IN ({})".format(", ".join(f"'{status}'" for status in ACTIVE)))


# A compacted run's verdicts, one letter per check (CheckRun.verdicts).
VERDICT_LETTERS = {"pass": "p", "warn": "w", "fail": "f", "error": "e", "n/a": "n"}
LETTER_VERDICTS = {letter: verdict for verdict, letter in VERDICT_LETTERS.items()}


class CheckList(db.Model):
    """The checks of compacted runs, in the order of their verdict letters: one row per distinct list."""

    id: Mapped[int] = mapped_column(primary_key=True)
    check_ids: Mapped[str] = mapped_column(Text, unique=True)  # space-separated


class CheckRun(db.Model):
    """One measurement of one zone or resolver: every check the engine has, at one moment."""

    __table_args__ = (
        Index("uq_check_run_active_zone", "zone_id", unique=True,
              sqlite_where=_ACTIVE_SQL, postgresql_where=_ACTIVE_SQL),
        Index("uq_check_run_active_resolver", "resolver_id", unique=True,
              sqlite_where=_ACTIVE_SQL, postgresql_where=_ACTIVE_SQL),
        # A participant's latest runs (one per zone and resolver) in one indexed look-up.
        Index("ix_check_run_latest", "organisation_id", "is_latest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[Optional[int]] = mapped_column(ForeignKey("zone.id", ondelete="CASCADE"), index=True)
    resolver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("resolver.id", ondelete="CASCADE"), index=True)
    # What the run measured, kept so history stays readable if the zone or resolver is removed later.
    target: Mapped[str] = mapped_column(String(255))
    trigger: Mapped[str] = mapped_column(String(20))  # declared | manual | schedule
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.QUEUED.value,
                                        server_default=RunStatus.QUEUED.value, index=True)
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # Who measures a running run ("host:pid") and when it last said it still does (runs._heartbeat): a run
    # whose worker falls silent is lost, and measured again (runs.recover_lost_runs).
    worker: Mapped[str] = mapped_column(String(100), default="", server_default="")
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    duration_ms: Mapped[Optional[int]] = mapped_column(Integer)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # What the engine collected (kindns.checks.snapshot_to_dict), so that the run can be judged again after a
    # change of the checks or the policy without asking the servers again (runs.rejudge_run).
    snapshot: Mapped[Optional[dict]] = mapped_column(JSON, deferred=True)
    # Set when nothing could be measured (not delegated, no nameserver answers): {"message", "probes"}.
    unmeasured: Mapped[Optional[dict]] = mapped_column(JSON)
    # The target's latest finished run (the highest id of its done runs), kept by kindns.conformance.summary
    # whenever a run finishes, so that public pages read one row per zone or resolver.
    is_latest: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # A compacted run (kindns.conformance.compaction) keeps its verdicts here, a letter per check of its
    # check list, and the result rows (with their evidence) of the checks whose verdict changed only.
    verdicts: Mapped[Optional[str]] = mapped_column(String(100))
    check_list_id: Mapped[Optional[int]] = mapped_column(ForeignKey("check_list.id"))

    organisation: Mapped[Organisation] = relationship()
    zone: Mapped[Optional[Zone]] = relationship()
    resolver: Mapped[Optional[Resolver]] = relationship()
    results: Mapped[list["CheckResult"]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="CheckResult.id"
    )

    check_list: Mapped[Optional[CheckList]] = relationship()

    @property
    def kind(self) -> str:
        return "zone" if self.zone_id is not None else "resolver"

    @property
    def compacted(self) -> bool:
        return self.verdicts is not None

    @property
    def verdict_map(self) -> dict[str, str]:
        """{check id: verdict} of this run, compacted or not."""
        if self.verdicts is not None and self.check_list is not None:
            return dict(zip(self.check_list.check_ids.split(), (LETTER_VERDICTS[c] for c in self.verdicts)))
        return {result.check_id: result.verdict for result in self.results}

    @property
    def target_id(self) -> int | None:
        """The id of the zone or resolver measured (None once it has been removed)."""
        return self.zone_id if self.zone_id is not None else self.resolver_id


class ConformanceSummary(db.Model):
    """A participant's standing and its figures, stored whenever a run of one of its zones or resolvers
    finishes or what it declares changes (kindns.conformance.summary): lists, badges and the leaderboard read
    this one row instead of every verdict. No row: nothing checked yet."""

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                 primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # a ConformanceStatus value
    checked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # How many applicable checks fail, could not be measured, and how many zones and resolvers wait.
    failing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unmeasured: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unchecked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The leaderboard's shares, summed per region: zones whose `dnssec-signed` was judged and passes, and
    # applicable verdicts that were judged (not n/a, not error) and pass or warn.
    zones_checked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    zones_signed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checks_judged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checks_passing: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())


class CheckResult(db.Model):
    """One check's verdict in a run, with the evidence and advice the engine gave."""

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("check_run.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[str] = mapped_column(String(60), index=True)
    verdict: Mapped[str] = mapped_column(String(5))
    practices: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    advice: Mapped[str] = mapped_column(Text, default="")
    # The engine's words as message codes with their arguments, rendered in the reader's language
    # (kindns.conformance.reports): {"findings", "more", "advice", "references", "command"}. Rows from
    # before keep only the English `summary` and `advice`.
    messages: Mapped[Optional[dict]] = mapped_column(JSON)

    run: Mapped[CheckRun] = relationship(back_populates="results")


class Dispute(db.Model):
    """An operator's objection to a verdict (a false positive, they say), and staff's answer.

    At most one open dispute per check of a zone or resolver, whichever run's verdict it names: a verdict
    repeated by the next runs is the same verdict, and staff answer it once (disputes.open_dispute)."""

    __table_args__ = (
        Index("uq_dispute_open_check", "organisation_id", "target", "check_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[Optional[int]] = mapped_column(ForeignKey("check_result.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(255))
    check_id: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(5))
    note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open", index=True)
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    answered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])


class RegionSnapshot(db.Model):
    """A region's conformance figures for one month, kept for the leaderboard's history."""

    __table_args__ = (UniqueConstraint("month", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # first day of the month
    region: Mapped[str] = mapped_column(String(3))
    participants: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    dnssec_signed_share: Mapped[Optional[float]] = mapped_column(Float)
    checks_passing_share: Mapped[Optional[float]] = mapped_column(Float)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                               server_default=func.now())
