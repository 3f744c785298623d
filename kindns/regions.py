"""ICANN's five geographic regions and the country -> region table.

The table (kindns/data/country_regions.csv) follows ICANN's method: the UN M49 composition, with each
dependent territory moved to its sovereign's region. Staff corrections (RegionOverride rows) win over it.
"""
from __future__ import annotations

import csv
import gettext
from functools import lru_cache
from pathlib import Path

import pycountry
from flask_babel import get_locale, lazy_gettext as _l

from .extensions import db
from .models import RegionOverride
from .text import collation_key

REGIONS: dict[str, object] = {
    "AF": _l("Africa"),
    "AP": _l("Asia, Australia and Pacific"),
    "EU": _l("Europe"),
    "LAC": _l("Latin America and the Caribbean"),
    "NA": _l("North America"),
}

_TABLE = Path(__file__).parent / "data" / "country_regions.csv"


@lru_cache(maxsize=1)
def default_country_regions() -> dict[str, str]:
    """ISO 3166-1 alpha-2 -> region code, from the data file."""
    with _TABLE.open(newline="", encoding="utf-8") as f:
        return {row["country"]: row["region"] for row in csv.DictReader(f)}


def region_name(code: str) -> str:
    return str(REGIONS[code])


@lru_cache(maxsize=None)
def _country_names(locale: str) -> gettext.NullTranslations:
    # pycountry ships the ISO 3166 names in many languages (its gettext domain "iso3166-1").
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def _current_locale() -> str:
    from flask import has_app_context

    return str(get_locale() or "en") if has_app_context() else "en"


def country_name(alpha_2: str, locale: str | None = None) -> str:
    """A country's name in the reader's language (or `locale`), from pycountry's translations."""
    country = pycountry.countries.get(alpha_2=alpha_2)
    if country is None:
        return alpha_2
    name = getattr(country, "common_name", None) or country.name
    return _country_names(locale or _current_locale()).gettext(name)


def sorted_countries(codes, locale: str | None = None) -> list[str]:
    """Country codes in the order of their names in the reader's language, as a reader expects them (the
    order of every ISO country is collated once per language)."""
    locale, codes = locale or _current_locale(), list(codes)
    rank = _country_rank(locale)
    known = sorted((code for code in codes if code in rank), key=rank.__getitem__)
    return known + _collated((code for code in codes if code not in rank), locale)


def _collated(codes, locale: str | None = None) -> list[str]:
    locale = locale or _current_locale()
    return sorted(codes, key=lambda code: collation_key(country_name(code, locale)))


@lru_cache(maxsize=None)
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, country_name(code, locale))
                 for code in _collated((c.alpha_2 for c in pycountry.countries), locale))


@lru_cache(maxsize=None)
def _country_rank(locale: str) -> dict[str, int]:
    return {code: rank for rank, (code, _name) in enumerate(_country_choices(locale))}


def country_choices() -> list[tuple[str, str]]:
    """(alpha_2, name) for every ISO 3166-1 country, in the reader's language and order, for select fields;
    built once per language."""
    return list(_country_choices(_current_locale()))


def is_country(alpha_2: str) -> bool:
    return alpha_2 in default_country_regions()


def region_for(alpha_2: str) -> str:
    """The ICANN region of a country: staff's correction when there is one, else the data file's. The one
    place where a country's region is decided (enrolment, staff corrections and the demo all ask here)."""
    override = db.session.get(RegionOverride, alpha_2)
    return override.region if override is not None else default_country_regions()[alpha_2]
