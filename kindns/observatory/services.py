"""Campaigns: record one from an upload (all or nothing), let workers claim its batches under a lease, store
each zone's verdicts and facts, give lost batches back to the queue, and say how far a campaign has got.
Nothing here queues anything: callers hand the batches these functions return to
`kindns.jobs.queue_campaign_batches` once they are committed."""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Iterator

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from ..checks import ZONE_CHECKS, CheckConfig, iter_zone_reports
from .. import audit
from ..extensions import db
from ..models import Organisation, User
from ..regions import is_country
from ..text import first_free, slugify
from ..workers import aware, now, signs_of_life, worker_identity
from . import imports
from .models import LETTERS, BatchStatus, Campaign, CampaignBatch, CampaignInvitation, CampaignStatus, CampaignZone

log = logging.getLogger(__name__)

INSERT_CHUNK = 5000  # rows a statement inserts at a time
STORE_EVERY = 50     # reports a worker stores at a time (what progress shows, and what a killed worker loses)
MAX_ATTEMPTS = 3     # a batch the engine breaks on this many times is given up (a bug, not a dead worker)
SLUG_MAX_LENGTH = 60
STRANDED_GRACE = 60.0  # seconds a new campaign is left for whoever recorded it to queue its batches


class CampaignError(ValueError):
    """A campaign that cannot be recorded; `messages` says why, line by line, for the person who sent it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _settings() -> dict:
    return current_app.config


# --- recording a campaign ----------------------------------------------------------------------------

def _slug(name: str) -> str:
    base = slugify(name, SLUG_MAX_LENGTH, "campaign")
    taken = set(db.session.scalars(select(Campaign.slug).where(
        (Campaign.slug == base) | Campaign.slug.like(f"{base}-%"))))
    return first_free(base, taken)


def create_campaign(name: str, namespace: str, data: bytes, user: User | None, *, country: str = "",
                    organisation: Organisation | None = None, batch_size: int | None = None) -> Campaign:
    """Record a campaign of every zone the upload names, cut into batches, in one transaction: an upload with
    a bad line stores nothing (CampaignError lists every bad line, by number). Returns the campaign; its
    batches (`queued_batches`) are for the caller to queue once this is committed."""
    problems = []
    name = " ".join(name.split())
    if not name:
        problems.append(_("Give the campaign a name."))
    try:
        namespace = imports.namespace_of(namespace)
    except ValueError as exc:
        problems.append(_("Namespace: %(reason)s", reason=str(exc)))
        namespace = ""
    country = (country or "").strip().upper()
    if country and not is_country(country):
        problems.append(_("'%(code)s' is not an ISO 3166 country code (two letters).", code=country[:10]))
    if problems:
        raise CampaignError(problems)
    upload = imports.read_upload(data, namespace)
    if not upload.ok:
        raise CampaignError(upload.messages())
    size = max(1, int(batch_size or _settings()["KINDNS_CAMPAIGN_BATCH_SIZE"]))
    campaign = Campaign(
        slug=_slug(name), name=name[:200], namespace=namespace, country=country, checks=list(ZONE_CHECKS),
        zone_count=len(upload.zones), batch_size=size,
        parallel_batches=int(_settings()["KINDNS_CAMPAIGN_PARALLEL_BATCHES"]),
        server_rate=float(_settings()["KINDNS_CAMPAIGN_SERVER_RATE"]),
        created_by_id=user.id if user is not None else None,
        organisation_id=organisation.id if organisation is not None else None,
    )
    db.session.add(campaign)
    db.session.flush()
    names = list(upload.zones.items())
    count = math.ceil(len(names) / size)
    db.session.execute(insert(CampaignBatch), [
        {"campaign_id": campaign.id, "number": number, "size": len(names[number * size:(number + 1) * size]),
         "status": BatchStatus.QUEUED.value} for number in range(count)])
    batch_ids = dict(db.session.execute(select(CampaignBatch.number, CampaignBatch.id)
                                        .where(CampaignBatch.campaign_id == campaign.id)).all())
    rows = ((campaign.id, batch_ids[index // size], zone, zone_country) for index, (zone, zone_country) in enumerate(names))
    _insert_zones(rows)
    db.session.commit()
    log.info("campaign %s: %d zones of %s in %d batches", campaign.slug, len(names), namespace or ".", count)
    return campaign


def _insert_zones(rows: Iterable[tuple[int, int, str, str]]) -> None:
    """(campaign, batch, name, country) rows into the session's transaction: with COPY on PostgreSQL (a million
    rows in seconds), in chunks of INSERT_CHUNK elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy("COPY campaign_zone (campaign_id, batch_id, name, country) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    keys = ("campaign_id", "batch_id", "name", "country")
    for chunk in _chunks((dict(zip(keys, row)) for row in rows), INSERT_CHUNK):
        db.session.execute(insert(CampaignZone), chunk)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def queued_batches(campaign: Campaign) -> list[int]:
    """The ids of a campaign's batches waiting for a worker, in order."""
    return list(db.session.scalars(select(CampaignBatch.id).where(
        CampaignBatch.campaign_id == campaign.id, CampaignBatch.status == BatchStatus.QUEUED.value)
        .order_by(CampaignBatch.number)))


# --- measuring a batch ---------------------------------------------------------------------------------

def lease_seconds() -> float:
    return float(_settings()["KINDNS_CAMPAIGN_LEASE_SECONDS"])


def _claim(batch_id: int, campaign: Campaign) -> bool:
    """Take a queued batch in one conditional UPDATE: of two workers handed it, one gets it (the row's lock on
    PostgreSQL, the database's on SQLite); and only while the campaign has fewer than `parallel_batches`
    batches under a live lease (politeness across workers: on PostgreSQL, claims of different batches at the
    same instant each count the others as not yet running, so the bound may be passed by those few)."""
    moment = now()
    others = select(func.count(CampaignBatch.id)).where(
        CampaignBatch.campaign_id == campaign.id, CampaignBatch.status == BatchStatus.RUNNING.value,
        CampaignBatch.lease_until > moment).scalar_subquery()
    claimed = db.session.execute(
        update(CampaignBatch)
        .where(CampaignBatch.id == batch_id, CampaignBatch.status == BatchStatus.QUEUED.value,
               others < campaign.parallel_batches)
        .values(status=BatchStatus.RUNNING.value, worker=worker_identity(), started_at=moment,
                lease_until=moment + timedelta(seconds=lease_seconds()), attempts=CampaignBatch.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if claimed:
        db.session.execute(update(Campaign).where(Campaign.id == campaign.id,
                                                  Campaign.status == CampaignStatus.QUEUED.value)
                           .values(status=CampaignStatus.RUNNING.value, started_at=moment))
    db.session.commit()
    return claimed


def _keeping_lease(batch_id: int):
    """While the block measures, renew the batch's lease: a worker that dies stops renewing it, and the batch
    is measured again once it runs out."""
    lease, me = timedelta(seconds=lease_seconds()), worker_identity()

    def renew(connection) -> None:
        connection.execute(update(CampaignBatch).where(
            CampaignBatch.id == batch_id, CampaignBatch.status == BatchStatus.RUNNING.value,
            CampaignBatch.worker == me).values(lease_until=now() + lease))

    return signs_of_life(db.engine, lease.total_seconds() / 4, renew, f"lease-batch-{batch_id}",
                         f"campaign batch {batch_id}: lease not renewed")


def engine_config(campaign: Campaign) -> CheckConfig:
    """The registry's engine settings, with the campaign's politeness and without snapshots; one process per
    batch (more batches at once come from more workers, on more hosts)."""
    return CheckConfig.from_settings(
        _settings(), server_rate=campaign.server_rate, keep_snapshots=False, processes=1,
        concurrency=int(_settings()["KINDNS_CAMPAIGN_CONCURRENCY"]))


def zone_row(report, checks: list[str]) -> dict:
    """What a campaign keeps of one zone's report: a verdict letter per check, whether nothing at all could be
    measured, and the facts (algorithms, nameservers, networks)."""
    verdicts = {outcome.id: outcome.verdict for outcome in report.checks}
    facts = report.facts or {}
    return {
        "verdicts": "".join(LETTERS.get(verdicts.get(check, "error"), "e") for check in checks),
        "unmeasured": report.unmeasured is not None,
        "algorithms": " ".join(str(a) for a in facts.get("algorithms", ()))[:40],
        "ns_count": min(int(facts.get("ns", 0)), 32767),
        "networks": min(int(facts.get("networks", 0)), 32767),
        "measured_at": now(),
    }


def measure_batch(batch_id: int) -> str:
    """Measure one batch: "done"; "busy" (the campaign has its fill of batches under way) or "retry" (the engine
    failed on it): queue it again later; "failed" (given up after MAX_ATTEMPTS); or "skipped" (unknown,
    finished, or another worker's). Results are stored as they come, a few at a time,
    over the zone's one row: a batch measured twice (its first worker died) leaves each zone counted once."""
    batch = db.session.get(CampaignBatch, batch_id)
    if batch is None or batch.status != BatchStatus.QUEUED.value:
        return "skipped"
    campaign = db.session.get(Campaign, batch.campaign_id)
    if not _claim(batch_id, campaign):
        db.session.refresh(batch)
        return "busy" if batch.status == BatchStatus.QUEUED.value else "skipped"
    zones = dict(db.session.execute(select(CampaignZone.name, CampaignZone.id)
                                    .where(CampaignZone.batch_id == batch_id).order_by(CampaignZone.id)).all())
    checks, config = list(campaign.checks), engine_config(campaign)
    db.session.commit()  # hold no transaction open while the engine measures
    began = time.monotonic()
    try:
        with _keeping_lease(batch_id):
            pending: list[dict] = []
            for report in iter_zone_reports(list(zones), config):
                pending.append({"id": zones[report.target], **zone_row(report, checks)})
                if len(pending) >= STORE_EVERY:
                    _store(pending)
                    pending = []
            _store(pending)
    except Exception:  # noqa: BLE001 - the batch must be tried again or given up, not left running
        log.exception("campaign %s batch %s: the engine failed", campaign.slug, batch.number)
        db.session.rollback()
        return _after_failure(batch_id, campaign)
    finished = now()
    done = db.session.execute(
        update(CampaignBatch).where(CampaignBatch.id == batch_id, CampaignBatch.status == BatchStatus.RUNNING.value,
                                    CampaignBatch.worker == worker_identity())
        .values(status=BatchStatus.DONE.value, finished_at=finished, lease_until=None)
        .execution_options(synchronize_session=False)).rowcount == 1
    # Committed before the campaign is looked at: two batches ending at once on PostgreSQL would otherwise each
    # see the other still running (neither committed) and neither would mark the campaign done. Committed
    # first, whichever looks last sees both done.
    db.session.commit()
    _finish_campaign(campaign, finished)
    log.info("campaign %s batch %s: %d zones in %.1f s", campaign.slug, batch.number, len(zones),
             time.monotonic() - began)
    return "done" if done else "skipped"


def _finish_campaign(campaign: Campaign, moment: datetime) -> None:
    """Mark the campaign done once no batch is left to measure (the caller has committed its batch's end)."""
    left = select(CampaignBatch.id).where(
        CampaignBatch.campaign_id == campaign.id,
        CampaignBatch.status.in_((BatchStatus.QUEUED.value, BatchStatus.RUNNING.value))).exists()
    db.session.execute(update(Campaign).where(Campaign.id == campaign.id, Campaign.status != CampaignStatus.DONE.value,
                                              ~left).values(status=CampaignStatus.DONE.value, finished_at=moment))
    db.session.commit()


def _after_failure(batch_id: int, campaign: Campaign) -> str:
    """A batch the engine broke on: "retry" it (queued again, for the caller to queue later), or give it up
    ("failed") after MAX_ATTEMPTS; its zones stay unmeasured, which progress shows."""
    batch = db.session.get(CampaignBatch, batch_id)
    if batch.status != BatchStatus.RUNNING.value or batch.worker != worker_identity():
        return "skipped"
    given_up = batch.attempts >= MAX_ATTEMPTS
    batch.status = BatchStatus.FAILED.value if given_up else BatchStatus.QUEUED.value
    batch.worker, batch.lease_until = "", None
    db.session.commit()
    if given_up:
        _finish_campaign(campaign, now())
        return "failed"
    return "retry"


def _store(rows: list[dict]) -> None:
    if rows:
        db.session.execute(update(CampaignZone), rows)
        db.session.commit()


def recover_lost_batches() -> list[int]:
    """Queue again every batch whose worker let its lease run out (it was killed, its host went down); returns
    their ids, for the caller to queue. Their zones are measured again over the same rows."""
    moment = now()
    lost = list(db.session.scalars(select(CampaignBatch.id).where(
        CampaignBatch.status == BatchStatus.RUNNING.value, CampaignBatch.lease_until < moment)))
    if lost:
        db.session.execute(update(CampaignBatch).where(
            CampaignBatch.id.in_(lost), CampaignBatch.status == BatchStatus.RUNNING.value,
            CampaignBatch.lease_until < moment).values(status=BatchStatus.QUEUED.value, worker="", lease_until=None)
            .execution_options(synchronize_session=False))
        log.warning("campaign batches %s lost their worker; queued again", lost)
    db.session.commit()
    return lost


def stranded_batches(grace: float = STRANDED_GRACE) -> list[int]:
    """The queued batches of campaigns recorded over `grace` seconds ago (one recorded a moment ago may be
    having its batches queued right now). When the queue holds nothing, not even for later, no message will
    ever bring them to a worker: it was lost with a Redis that restarted without its data, or the web process
    stopped between recording the campaign and queuing it."""
    created_before = now() - timedelta(seconds=grace)
    return list(db.session.scalars(
        select(CampaignBatch.id).join(Campaign, Campaign.id == CampaignBatch.campaign_id)
        .where(CampaignBatch.status == BatchStatus.QUEUED.value, Campaign.created_at < created_before)
        .order_by(CampaignBatch.campaign_id, CampaignBatch.number)))


# --- progress ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    batches: int
    batches_done: int
    batches_running: int
    rate: float | None            # zones a second since the campaign started
    seconds_left: float | None
    batches_failed: int = 0       # given up: the engine failed on them MAX_ATTEMPTS times

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 1.0

    def as_dict(self) -> dict:
        return {"zones": self.total, "done": self.done, "batches": self.batches, "batches_done": self.batches_done,
                "batches_running": self.batches_running, "batches_failed": self.batches_failed,
                "zones_per_second": None if self.rate is None else round(self.rate, 2),
                "seconds_left": None if self.seconds_left is None else round(self.seconds_left)}


def progress(campaign: Campaign) -> Progress:
    done = db.session.scalar(select(func.count(CampaignZone.id)).where(
        CampaignZone.campaign_id == campaign.id, CampaignZone.measured_at.is_not(None))) or 0
    states = dict(db.session.execute(select(CampaignBatch.status, func.count(CampaignBatch.id))
                                     .where(CampaignBatch.campaign_id == campaign.id)
                                     .group_by(CampaignBatch.status)).all())
    rate = left = None
    started = aware(campaign.started_at)
    if started is not None and done:
        elapsed = ((aware(campaign.finished_at) or now()) - started).total_seconds()
        rate = done / elapsed if elapsed > 0 else None
        left = (campaign.zone_count - done) / rate if rate else None
    return Progress(campaign.zone_count, done, sum(states.values()), states.get(BatchStatus.DONE.value, 0),
                    states.get(BatchStatus.RUNNING.value, 0), rate, left, states.get(BatchStatus.FAILED.value, 0))


def campaigns(organisation: Organisation | None = None) -> list[Campaign]:
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if organisation is not None:
        query = query.where(Campaign.organisation_id == organisation.id)
    return list(db.session.scalars(query))


def campaign_by_slug(slug: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug))



# --- invitations: a registry's account runs campaigns of its own ---------------------------------------

def is_invited(organisation: Organisation | None) -> bool:
    """Whether staff have invited the organisation to run campaigns."""
    return organisation is not None and db.session.scalar(
        select(CampaignInvitation.id).where(CampaignInvitation.organisation_id == organisation.id)) is not None


def campaigns_invited() -> bool:
    """Whether the logged-in operator's organisation may run campaigns (the dashboard shows the link)."""
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated and not current_user.is_staff
                and is_invited(current_user.organisation))


def invitations() -> list[CampaignInvitation]:
    return list(db.session.scalars(select(CampaignInvitation).order_by(CampaignInvitation.created_at)))


def invite(organisation: Organisation, staff: User) -> bool:
    """Let an organisation's members run campaigns; returns False when it already may. Audited."""
    if is_invited(organisation):
        return False
    db.session.add(CampaignInvitation(organisation_id=organisation.id, invited_by_id=staff.id))
    audit.record("campaigns.invited", organisation, staff)
    db.session.commit()
    return True


def withdraw(organisation: Organisation, staff: User) -> None:
    """No more new campaigns for the organisation (its campaigns stay). Audited."""
    found = db.session.scalar(select(CampaignInvitation).where(CampaignInvitation.organisation_id == organisation.id))
    if found is not None:
        db.session.delete(found)
        audit.record("campaigns.withdrawn", organisation, staff)
        db.session.commit()
