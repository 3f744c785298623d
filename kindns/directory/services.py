"""The public directory: which participants are shown, how they are filtered and ranked.

Only organisations whose status is "approved" are public. Every function here applies that rule itself,
so no page or API endpoint can forget it. The HTML views, the JSON API and the CSV export all call these
plain functions.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Select, event, func, literal, select, tuple_
from sqlalchemy.orm import selectinload

from ..caching import forget_pages
from ..conformance.models import CheckRun, ConformanceSummary, RegionSnapshot
from ..conformance.standing import figures_by, share
from ..extensions import db
from ..ids import PAGE_MAX, parse_bounded_int
from ..models import Organisation, OrganisationCategory, OrganisationStatus, Resolver, Zone
from ..practices import CATEGORIES
from ..regions import REGIONS, country_name, is_country, region_name
from ..text import search_terms

Q_MAX_LENGTH = 100


# ---------------------------------------------------------------------------------------------------------
# Filters


class FilterError(ValueError):
    """A query parameter the directory cannot use; `field` names it, `message` is shown to the user."""

    def __init__(self, field: str, message) -> None:
        super().__init__(str(field))
        self.field = field
        self.message = message  # a lazy translated string: rendered in the request's language


@dataclass(frozen=True)
class Filters:
    """Validated directory filters; `None` means "not filtered"."""

    region: str | None = None
    country: str | None = None
    category: str | None = None
    q: str | None = None
    page: int = 1
    champion: bool = False
    # Keyset pagination: the page starts after (or ends before) the participant with this id, so that a deep
    # page costs what the first one does. A cursor that no longer leads anywhere falls back on `page`.
    after: int | None = None
    before: int | None = None

    def query_args(self) -> dict[str, str]:
        """The filters set, without the page: what a pagination link or an export link must carry."""
        args = {"region": self.region, "country": self.country, "category": self.category, "q": self.q,
                "champion": "1" if self.champion else None}
        return {k: v for k, v in args.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.query_args())


def _arg(args: Mapping[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return value or None


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Validate `region`, `country`, `category`, `q` and `page` from a query string.

    The one place where directory input is checked, shared by the HTML pages and the API, so that both
    refuse the same things with the same message. Empty values mean "no filter" (an HTML form submits its
    empty selects). Codes are accepted in any case. Raises FilterError for the first bad field.
    """
    region = _arg(args, "region")
    if region is not None:
        region = region.upper()
        if region not in REGIONS:
            raise FilterError("region", _l("Unknown region; use one of AF, AP, EU, LAC, NA."))
    country = _arg(args, "country")
    if country is not None:
        country = country.upper()
        if not is_country(country):
            raise FilterError("country", _l("Unknown country; use an ISO 3166-1 alpha-2 code such as BR."))
    category = _arg(args, "category")
    if category is not None:
        category = category.lower()
        if category not in CATEGORIES:
            raise FilterError("category", _l("Unknown category."))
    q = _arg(args, "q")
    if q is not None and len(q) > Q_MAX_LENGTH:
        raise FilterError("q", _l("The search text is too long (at most %(n)s characters).", n=Q_MAX_LENGTH))
    raw_page = _arg(args, "page")
    page = 1
    if raw_page is not None:
        if not raw_page.isascii() or not raw_page.isdigit():
            raise FilterError("page", _l("The page must be a whole number from 1."))
        page = parse_bounded_int(raw_page, PAGE_MAX) or 0
        if page < 1:
            raise FilterError("page", _l("The page must be a whole number from 1 to %(n)s.", n=PAGE_MAX))
    return Filters(region=region, country=country, category=category, q=q, page=page,
                   champion=(_arg(args, "champion") or "").lower() in ("1", "true", "yes", "on"),
                   after=_cursor(args, "after"), before=_cursor(args, "before"))


def _cursor(args: Mapping[str, str], name: str) -> int | None:
    # Cursors come from our own links; one mangled by hand is ignored and the page number serves.
    raw = _arg(args, name)
    return parse_bounded_int(raw, 2**62) or None if raw and raw.isascii() and raw.isdigit() else None


# ---------------------------------------------------------------------------------------------------------
# The directory


@dataclass(frozen=True)
class Page:
    """One page of results. `pages` is at least 1, so "page 1 of 1" reads well on an empty directory."""

    items: list[Organisation]
    total: int
    page: int
    pages: int

    def cursor_args(self, direction: str) -> dict[str, int]:
        """The cursor a link to the next ("after") or previous ("before") page carries besides the filters
        and the page number."""
        if not self.items:
            return {}
        return {direction: (self.items[-1] if direction == "after" else self.items[0]).id}


def _public() -> Select:
    return select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED.value)


def _escape_like(text: str) -> str:
    """Make `%`, `_` and the escape character itself match literally in a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(region: str | None, country: str | None, category: str | None, q: str | None,
              champion: bool = False) -> Select:
    query = _public()
    if champion:
        query = query.where(Organisation.is_champion.is_(True))
    if region:
        query = query.where(Organisation.region == region)
    if country:
        query = query.where(Organisation.country == country)
    if category:
        query = query.where(
            select(OrganisationCategory.id)
            .where(OrganisationCategory.organisation_id == Organisation.id,
                   OrganisationCategory.category == category)
            .exists()
        )
    for word in search_terms(q or ""):
        # Each word of the search is somewhere in the name, in any order, without case or accents:
        # "redes solucao" finds "Solução Redes". `search_name` is already folded, so the SQL is the same on
        # SQLite and PostgreSQL.
        query = query.where(Organisation.search_name.like(f"%{_escape_like(word)}%", escape="\\"))
    return query


# The directory's order, served by the index ix_organisation_directory (status, search_name, id): names
# without case or accents, then the id for a total order.
ORDER = (Organisation.search_name, Organisation.id)


def _with_details(query: Select, *, zones: bool = True) -> Select:
    # Lists show categories, the API also zones and resolvers: load them in three queries, not one per row.
    loads = [selectinload(Organisation.categories)]
    if zones:
        loads += [selectinload(Organisation.zones), selectinload(Organisation.resolvers)]
    return query.options(*loads)


def _count(filters: Filters, query: Select) -> int:
    """How many participants match. Without a category or a search, from the (cached) leaderboard's counts
    per region and country, which every page has at hand: no count over the whole directory per request."""
    if filters.category or filters.q:
        return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return sum(
        (country.champions if filters.champion else country.participants)
        for standing in leaderboard() if filters.region in (None, standing.region)
        for country in standing.breakdown if filters.country in (None, country.country)
    )


def _keyset_page(query: Select, filters: Filters, per_page: int) -> list[Organisation] | None:
    """The page after or before the cursor's participant, or None when the cursor leads nowhere."""
    anchor_id = filters.after or filters.before
    if anchor_id is None:
        return None
    anchor = db.session.execute(select(*ORDER).where(Organisation.id == anchor_id)).first()
    if anchor is None:
        return None
    key = tuple_(*ORDER)
    if filters.after:
        return list(db.session.scalars(query.where(key > tuple_(*anchor)).order_by(*ORDER).limit(per_page)))
    items = list(db.session.scalars(
        query.where(key < tuple_(*anchor)).order_by(*(column.desc() for column in ORDER)).limit(per_page)))
    return items[::-1]


def search_participants(region: str | None = None, country: str | None = None, category: str | None = None,
                        q: str | None = None, page: int = 1, per_page: int | None = None, *,
                        champion: bool = False, zones: bool = True) -> Page:
    """Approved participants matching every given filter, by name, one page at a time (see
    `search_filters`)."""
    return search_filters(Filters(region, country, category, q, page, champion), per_page, zones=zones)


def search_filters(filters: Filters, per_page: int | None = None, *, zones: bool = True) -> Page:
    """Approved participants matching every given filter, by name, one page at a time.

    Every word of `q` is found in the name, in any order, without regard to case or accents, with `%`
    and `_` taken literally. A page past the last one is empty (with the true total), not an error: links
    to it may have been shared. With a cursor (`after`, `before`), the page is read from the index where
    the cursor's participant stands, whatever its depth; otherwise by its number. `zones=False` leaves the
    zones and resolvers unread (pages that do not show them)."""
    per_page = per_page or current_app.config["KINDNS_PAGE_SIZE"]
    query = _with_details(_filtered(filters.region, filters.country, filters.category, filters.q,
                                    filters.champion), zones=zones)
    total = _count(filters, query)
    items = _keyset_page(query, filters, per_page)
    if items is None:
        items = list(db.session.scalars(query.order_by(*ORDER).limit(per_page)
                                        .offset((filters.page - 1) * per_page)))
    return Page(items=items, total=total, page=filters.page, pages=max(1, math.ceil(total / per_page)))


def _joined(column, owner, order) -> object:
    """SQL: the values of `column` of one participant's rows (`owner` is their organisation_id column),
    in `order`, joined with spaces; a scalar subquery correlated with the organisation."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        return (select(func.string_agg(column, aggregate_order_by(literal(" "), order)))
                .where(owner == Organisation.id).scalar_subquery())
    # SQLite (before 3.44) has no ORDER BY inside an aggregate: it joins the rows in the order it reads them.
    rows = (select(column.label("value")).where(owner == Organisation.id).order_by(order)
            .correlate(Organisation).subquery())
    return select(func.group_concat(rows.c.value, " ")).scalar_subquery()


def export_rows(filters: Filters) -> Iterator:
    """Every approved participant matching the filters (the page is ignored), for exports: one query that
    the database streams, with each participant's categories, zones and resolvers joined with spaces and its
    stored standing. Rows have `slug, name, country, region, categories, is_champion, zones, resolvers,
    approved_at, conformance`."""
    query = _filtered(filters.region, filters.country, filters.category, filters.q, filters.champion)
    columns = (
        Organisation.slug, Organisation.name, Organisation.country, Organisation.region,
        _joined(OrganisationCategory.category, OrganisationCategory.organisation_id,
                OrganisationCategory.category).label("categories"),
        Organisation.is_champion,
        _joined(Zone.name, Zone.organisation_id, Zone.name).label("zones"),
        _joined(Resolver.address, Resolver.organisation_id, Resolver.address).label("resolvers"),
        Organisation.approved_at,
        ConformanceSummary.status.label("conformance"),
    )
    statement = (query.with_only_columns(*columns)
                 .outerjoin(ConformanceSummary, ConformanceSummary.organisation_id == Organisation.id)
                 .order_by(*ORDER))
    yield from db.session.execute(statement.execution_options(yield_per=1000))


def get_participant(slug: str) -> Organisation | None:
    """The approved participant with this slug, or None (also for drafts, submissions and rejections)."""
    return db.session.scalar(_with_details(_public().where(Organisation.slug == slug)))


# How many champions /champions shows per region; the rest are one link away, in the filtered directory.
CHAMPIONS_SHOWN = 12


def champions_by_region(region: str | None = None, first: int | None = None) -> dict[str, list[Organisation]]:
    """Approved champions grouped by region code, every region present (maybe with an empty list), regions
    in leaderboard order, champions by name; with `first`, only the first ones of each region (a query
    each, read from the index: the page costs the same however many champions there are). With `region`,
    only that region's group."""
    groups: dict[str, list[Organisation]] = {}
    for standing in leaderboard():
        if region not in (None, standing.region):
            continue
        query = _filtered(standing.region, None, None, None, champion=True).order_by(*ORDER)
        if first is not None:
            query = query.limit(first)
        groups[standing.region] = list(db.session.scalars(query))
    return groups


# ---------------------------------------------------------------------------------------------------------
# The regional leaderboard


@dataclass(frozen=True)
class CountryStanding:
    country: str
    participants: int
    champions: int

    @property
    def name(self) -> str:
        return country_name(self.country)


@dataclass(frozen=True)
class RegionStanding:
    region: str
    participants: int
    champions: int
    countries: int
    breakdown: tuple[CountryStanding, ...] = field(default=())
    # Conformance (kindns.conformance): verified participants and two shares in [0, 1], None until measured.
    verified: int = 0
    dnssec_signed_share: float | None = None
    checks_passing_share: float | None = None

    @property
    def name(self) -> str:
        """The region's name in the current request's language (so cached standings hold no text)."""
        return region_name(self.region)


def _compute_leaderboard() -> list[RegionStanding]:
    """One GROUP BY over the approved participants and their stored standings (kindns.conformance.summary)."""
    per_region: dict[str, list[CountryStanding]] = {code: [] for code in REGIONS}
    sums = {code: {"verified": 0, "zones_checked": 0, "zones_signed": 0, "checks_judged": 0, "checks_passing": 0}
            for code in REGIONS}
    for row in db.session.execute(figures_by(Organisation.region, Organisation.country)):
        if row.region not in per_region:
            continue
        per_region[row.region].append(CountryStanding(row.country, int(row.participants), int(row.champions or 0)))
        for name, total in sums[row.region].items():
            sums[row.region][name] = total + int(getattr(row, name) or 0)
    standings = []
    for code, countries in per_region.items():
        countries.sort(key=lambda c: (-c.participants, -c.champions, c.name, c.country))
        standings.append(RegionStanding(
            region=code,
            participants=sum(c.participants for c in countries),
            champions=sum(c.champions for c in countries),
            countries=len(countries),
            breakdown=tuple(countries),
            verified=sums[code]["verified"],
            dnssec_signed_share=share(sums[code]["zones_signed"], sums[code]["zones_checked"]),
            checks_passing_share=share(sums[code]["checks_passing"], sums[code]["checks_judged"]),
        ))
    standings.sort(key=lambda r: (-r.participants, -r.champions, -r.countries, r.region))
    return standings


# The cache lives in app.extensions, so each app (each test) has its own. Values are (computed at, standings).
_CACHE_KEY = "kindns_leaderboard_cache"
DEFAULT_CACHE_SECONDS = 60
_clock = time.monotonic  # a module attribute so that tests can move time forward


def leaderboard() -> list[RegionStanding]:
    """ICANN's five regions ranked by their number of approved participants; all five always present.

    Ranking: participants, descending; ties broken by champions, descending; then by the number of
    countries with at least one participant, descending; then by region code, ascending (AF, AP, EU, LAC,
    NA), so the order is total and stable. Each standing carries the per-country breakdown (countries by
    participants descending, then by name).

    Cached for KINDNS_LEADERBOARD_CACHE_SECONDS (default 60) per app and process, because every page
    footer links here and the home page shows the leader. Any change to an organisation flushed through
    this process's ORM session clears the cache at once (see `_forget_leaderboard_on_change`); changes made
    elsewhere (another worker, plain SQL) show within the cache period: once it is over, requests keep the
    standings they have while a thread of the process computes new ones, so no reader waits for them.
    `clear_leaderboard_cache()` drops it explicitly.
    """
    cache = current_app.extensions.setdefault(_CACHE_KEY, {})
    ttl = current_app.config.get("KINDNS_LEADERBOARD_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    now = _clock()
    cached = cache.get("standings")
    if cached is not None:
        if now - cached[0] >= ttl:
            _refresh_in_background(current_app._get_current_object(), cache)
        return list(cached[1])
    standings = _compute_leaderboard()
    cache["standings"] = (now, tuple(standings))
    return standings


_refresh_lock = threading.Lock()


def _refresh_in_background(app, cache: dict) -> None:
    with _refresh_lock:
        if cache.get("refreshing") is not None:
            return
        thread = threading.Thread(target=_refresh, args=(app, cache), name="leaderboard", daemon=True)
        cache["refreshing"] = thread
    thread.start()


def _refresh(app, cache: dict) -> None:
    try:
        with app.app_context():
            began = _clock()
            standings = _compute_leaderboard()
            cache["standings"] = (began, tuple(standings))
            db.session.remove()
    finally:
        cache.pop("refreshing", None)


def wait_for_refresh() -> None:
    """Wait until a refresh of the leaderboard under way (if any) is done."""
    thread = current_app.extensions.get(_CACHE_KEY, {}).get("refreshing")
    if thread is not None:
        thread.join()


def clear_leaderboard_cache() -> None:
    """Forget the cached leaderboard of the current app."""
    current_app.extensions.get(_CACHE_KEY, {}).clear()


# What public pages show besides organisations and their standings.
_SHOWN = (OrganisationCategory, Zone, Resolver, RegionSnapshot)


@event.listens_for(FlaskSession, "after_flush")
def _forget_leaderboard_on_change(session, flush_context) -> None:
    # An approval, a new champion, a purge or a finished check run should show on the leaderboard at once.
    if not has_app_context():
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, (Organisation, CheckRun, ConformanceSummary, *_SHOWN)) for obj in changed):
        clear_leaderboard_cache()
        forget_pages()


@dataclass(frozen=True)
class Totals:
    participants: int
    champions: int
    countries: int
    leader: RegionStanding | None  # None while nobody has joined


def totals() -> Totals:
    """Directory-wide figures for the home page, from the (cached) leaderboard."""
    standings = leaderboard()
    leader = standings[0] if standings and standings[0].participants else None
    return Totals(
        participants=sum(r.participants for r in standings),
        champions=sum(r.champions for r in standings),
        countries=sum(r.countries for r in standings),
        leader=leader,
    )
