"""Numbers that arrive in URLs: database ids (in paths and query arguments) and page numbers.

Row ids are INTEGER columns: 32-bit signed on PostgreSQL (SQLite's hold 64 bits, but the same code runs on
both). A larger number cannot name a row, and handing it to the database fails (PostgreSQL: "integer out of
range"; SQLite past 2**63: OverflowError). The `int` converter of every route is replaced by
`DatabaseIdConverter`, so such a path simply does not match (404) before any view runs; `id_arg` and
`page_arg` give query arguments the same treatment.
"""
from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_DATABASE_ID = 2**31 - 1
# Far beyond any real listing; keeps a page number from becoming an OFFSET the database rejects.
PAGE_MAX = 10_000


def parse_bounded_int(text: str, maximum: int) -> int | None:
    """`text` as a whole number from 0 to `maximum`, or None when it is anything else.

    The length is checked before conversion: Python refuses to convert strings of more than 4,300 digits.
    """
    if not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


class DatabaseIdConverter(IntegerConverter):
    """Werkzeug's `int` converter, limited to the ids a database row can have."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits,
                         min=-MAX_DATABASE_ID - 1 if min is None else min,
                         max=MAX_DATABASE_ID if max is None else max, signed=signed)


def register_id_converter(app: Flask) -> None:
    """Make every `<int:...>` in the app's routes a bounded id. Call before the blueprints register."""
    app.url_map.converters["int"] = DatabaseIdConverter


def id_arg(name: str) -> int | None:
    """The id in query argument `name`, None when it is absent or empty; 404 when it cannot be an id."""
    text = request.args.get(name, "")
    if not text:
        return None
    number = parse_bounded_int(text, MAX_DATABASE_ID)
    if number is None:
        abort(404)
    return number


def page_arg(name: str = "page") -> int:
    """The page number in query argument `name`, clamped to 1..PAGE_MAX (1 when it is not a number)."""
    text = request.args.get(name, "")
    if not (text.isascii() and text.isdigit()):
        return 1
    number = parse_bounded_int(text, PAGE_MAX)
    return PAGE_MAX if number is None else max(number, 1)
