"""The observatory's indicators: shares of zones that are signed, validate, use allowed algorithms, refuse AXFR,
have two nameservers in two networks, or have a nameserver that recurses for anyone; per namespace, ICANN
region and country, and month. Only aggregates leave this module: never a zone, never a list of failures.

Each indicator reads verdicts (one source for each fact: the checks), the same way for a campaign's rows
(counted in SQL, a campaign at a time) and for the registry's participants (their zones' latest runs)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from ..conformance.models import CheckResult, CheckRun, RunStatus
from ..extensions import db
from ..models import Organisation, OrganisationStatus
from ..regions import region_for
from .models import LETTERS, Campaign, CampaignZone

ANY_MEASURED = frozenset({"pass", "warn", "fail", "n/a"})
JUDGED = frozenset({"pass", "warn", "fail"})


@dataclass(frozen=True)
class Indicator:
    """A zone counts for the indicator when every named check has a verdict in `among`, and is a yes when every
    one has a verdict of its `yes` set."""

    key: str
    label: object
    yes: dict[str, frozenset[str]]
    among: frozenset[str] = ANY_MEASURED
    bad_when_high: bool = False

    def counts(self, verdicts: dict[str, str]) -> tuple[bool, bool]:
        """(counted, yes) for one zone's verdicts."""
        counted = all(verdicts.get(check) in self.among for check in self.yes)
        return counted, counted and all(verdicts.get(check) in ok for check, ok in self.yes.items())


INDICATORS = (
    Indicator("signed", _l("DNSSEC-signed"), {"dnssec-signed": frozenset({"pass"})}),
    # An unsigned zone (n/a) does not validate: it counts, as a no.
    Indicator("validating", _l("Validating"), {"dnssec-valid": frozenset({"pass"})}),
    # Among signed zones only: an unsigned zone uses no algorithm.
    Indicator("algorithms", _l("Allowed algorithms (of signed zones)"),
              {"dnssec-algorithm": frozenset({"pass"})}, JUDGED),
    Indicator("axfr_refused", _l("AXFR refused"), {"axfr-restricted": frozenset({"pass"})}, JUDGED),
    Indicator("two_networks", _l("Two nameservers in two networks"),
              {"ns-count": frozenset({"pass"}), "ns-diversity": frozenset({"pass"})}, JUDGED),
    Indicator("open_recursion", _l("Open recursion"), {"no-open-recursion": frozenset({"fail"})}, JUDGED,
              bad_when_high=True),
)
KEYS = tuple(indicator.key for indicator in INDICATORS)


@dataclass
class Tally:
    """Zones measured, and per indicator (zones counted, of which yes)."""

    zones: int = 0
    counted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))
    yes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))

    def add(self, other: Tally) -> Tally:
        self.zones += other.zones
        for key in KEYS:
            self.counted[key] += other.counted[key]
            self.yes[key] += other.yes[key]
        return self

    def share(self, key: str) -> float | None:
        return self.yes[key] / self.counted[key] if self.counted[key] else None

    def as_dict(self) -> dict:
        return {"zones_measured": self.zones,
                **{key: {"share": None if self.share(key) is None else round(self.share(key), 4),
                         "zones": self.yes[key], "of": self.counted[key]} for key in KEYS}}


def month_of(campaign: Campaign) -> date:
    """The month a campaign's figures belong to: the month it started (it runs for hours, not weeks)."""
    moment = campaign.started_at or campaign.created_at
    return date(moment.year, moment.month, 1)


def _letter_at(campaign: Campaign, check: str):
    """SQL: a zone row's verdict letter for `check` ('' if the campaign did not measure it)."""
    if check not in campaign.checks:
        return ""
    return func.substr(CampaignZone.verdicts, campaign.checks.index(check) + 1, 1)


def _letters(verdicts) -> list[str]:
    return [LETTERS[v] for v in verdicts]


def campaign_tallies(campaign: Campaign) -> dict[str, Tally]:
    """Country ("" when unknown) -> Tally of a campaign's measured zones, counted by the database."""
    columns = [func.count(CampaignZone.id)]
    for indicator in INDICATORS:
        letters = {check: _letter_at(campaign, check) for check in indicator.yes}
        if any(isinstance(letter, str) for letter in letters.values()):
            columns += [func.sum(0), func.sum(0)]
            continue
        counted = and_(*(letters[check].in_(_letters(indicator.among)) for check in indicator.yes))
        yes = and_(counted, *(letters[check].in_(_letters(ok)) for check, ok in indicator.yes.items()))
        columns += [func.sum(case((counted, 1), else_=0)), func.sum(case((yes, 1), else_=0))]
    rows = db.session.execute(
        select(CampaignZone.country, *columns)
        .where(CampaignZone.campaign_id == campaign.id, CampaignZone.measured_at.is_not(None),
               CampaignZone.unmeasured.is_(False))
        .group_by(CampaignZone.country)).all()
    tallies: dict[str, Tally] = defaultdict(Tally)
    for country, zones, *sums in rows:
        tally = Tally(zones=zones)
        for index, key in enumerate(KEYS):
            tally.counted[key], tally.yes[key] = int(sums[2 * index] or 0), int(sums[2 * index + 1] or 0)
        tallies[country or campaign.country].add(tally)
    return dict(tallies)


def participant_tallies(before: datetime | None = None) -> dict[str, Tally]:
    """Country -> Tally of the approved participants' zones, each by its latest finished run (the latest before
    `before`, for a month's figures); a zone whose latest run measured nothing is left out."""
    done = [CheckRun.status == RunStatus.DONE.value, CheckRun.zone_id.is_not(None)]
    if before is not None:
        done.append(CheckRun.finished_at < before)
    latest = select(func.max(CheckRun.id)).where(*done).group_by(CheckRun.zone_id)
    rows = db.session.execute(
        select(CheckRun.id, Organisation.country, CheckResult.check_id, CheckResult.verdict)
        .join(Organisation, Organisation.id == CheckRun.organisation_id)
        .join(CheckResult, CheckResult.run_id == CheckRun.id)
        .where(CheckRun.id.in_(latest), CheckRun.unmeasured.is_(None),
               Organisation.status == OrganisationStatus.APPROVED.value)).all()
    zones: dict[int, tuple[str, dict[str, str]]] = {}
    for run_id, country, check_id, verdict in rows:
        zones.setdefault(run_id, (country, {}))[1][check_id] = verdict
    tallies: dict[str, Tally] = defaultdict(Tally)
    for country, verdicts in zones.values():
        tally = tallies[country]
        tally.zones += 1
        for indicator in INDICATORS:
            counted, yes = indicator.counts(verdicts)
            tally.counted[indicator.key] += counted
            tally.yes[indicator.key] += yes
    return dict(tallies)


def total(tallies: dict[str, Tally]) -> Tally:
    whole = Tally()
    for tally in tallies.values():
        whole.add(tally)
    return whole


def by_region(tallies: dict[str, Tally]) -> dict[str, Tally]:
    """Region code ("" when the country is unknown) -> Tally."""
    regions: dict[str, Tally] = defaultdict(Tally)
    for country, tally in tallies.items():
        regions[region_for(country) if country else ""].add(tally)
    return dict(regions)


def regions_of(series: list[Series]) -> dict[str, Tally]:
    """Region code ("" when the country is unknown) -> Tally of every namespace's latest figures together."""
    regions: dict[str, Tally] = defaultdict(Tally)
    for one in series:
        for region, tally in by_region(one.countries).items():
            regions[region].add(tally)
    return dict(regions)


@dataclass
class Series:
    """One namespace (or the registry's participants, namespace None) over the months."""

    namespace: str | None
    campaign: Campaign | None              # the latest campaign of the namespace (None for participants)
    months: dict[date, Tally]              # month -> its latest campaign's tally
    countries: dict[str, Tally]            # the latest campaign's, by country

    @property
    def latest(self) -> Tally:
        return total(self.countries)


def observatory() -> list[Series]:
    """Every namespace measured by a campaign (latest campaign first per month), then the participants."""
    campaigns = db.session.scalars(select(Campaign).where(Campaign.started_at.is_not(None))
                                   .order_by(Campaign.started_at, Campaign.id)).all()
    by_namespace: dict[str, list[Campaign]] = defaultdict(list)
    for campaign in campaigns:
        by_namespace[campaign.namespace].append(campaign)
    series = []
    for namespace, measured in sorted(by_namespace.items()):
        months: dict[date, tuple[Campaign, dict[str, Tally]]] = {}
        for campaign in measured:  # the latest campaign of a month stands for it
            months[month_of(campaign)] = (campaign, campaign_tallies(campaign))
        latest_campaign, latest = months[max(months)]
        series.append(Series(namespace, latest_campaign, {m: total(t) for m, (_c, t) in sorted(months.items())},
                             latest))
    participants = participant_tallies()
    if participants:
        series.append(Series(None, None, participant_months(), participants))
    return series


def participant_months(months: int = 12) -> dict[date, Tally]:
    """The participants' figures at the end of each month with a finished run, the last `months` of them."""
    finished = db.session.scalars(select(CheckRun.finished_at).where(
        CheckRun.status == RunStatus.DONE.value, CheckRun.zone_id.is_not(None))).all()
    firsts = sorted({date(moment.year, moment.month, 1) for moment in finished if moment is not None})[-months:]
    history = {}
    for first in firsts:
        end = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=timezone.utc)
        tally = total(participant_tallies(before=end))
        if tally.zones:
            history[first] = tally
    return history

