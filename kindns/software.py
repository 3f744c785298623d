"""The software that serves a zone or a resolver, as the registry's pages name it (the engine's list,
kindns.checks.fixes.SOFTWARE, in the reader's language)."""
from __future__ import annotations

from flask_babel import gettext

from .checks.fixes import AUTHORITATIVE, RESOLVING, SOFTWARE


def software_label(software: str | None) -> str:
    return gettext(SOFTWARE[software]) if software in SOFTWARE else ""


def software_values(kind: str) -> tuple[str, ...]:
    """The software that serves a zone ("zone": authoritative servers) or a resolver."""
    return AUTHORITATIVE if kind == "zone" else RESOLVING


def software_options(kind: str) -> list[tuple[str, str]]:
    """(value, label) of the software that serves a zone or a resolver."""
    return [(value, software_label(value)) for value in software_values(kind)]
