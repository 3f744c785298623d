"""ICANN's five geographic regions and the country -> region table.

The table (kindns/data/country_regions.csv) follows ICANN's method: the UN M49 composition, with each
dependent territory moved to its sovereign's region. Staff corrections (RegionOverride rows) win over it.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pycountry
from flask_babel import lazy_gettext as _l

from .extensions import db
from .models import RegionOverride

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


def country_name(alpha_2: str) -> str:
    country = pycountry.countries.get(alpha_2=alpha_2)
    return getattr(country, "common_name", None) or country.name if country else alpha_2


def country_choices() -> list[tuple[str, str]]:
    """(alpha_2, name) for every ISO 3166-1 country, sorted by name, for select fields."""
    return sorted(((c.alpha_2, country_name(c.alpha_2)) for c in pycountry.countries), key=lambda p: p[1])


def is_country(alpha_2: str) -> bool:
    return alpha_2 in default_country_regions()


def region_for(alpha_2: str) -> str:
    """The ICANN region of a country: staff's correction when there is one, else the data file's. The one
    place where a country's region is decided (enrolment, staff corrections and the demo all ask here)."""
    override = db.session.get(RegionOverride, alpha_2)
    return override.region if override is not None else default_country_regions()[alpha_2]
