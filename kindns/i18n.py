"""Languages: which one a request is served in, the switcher's links, and formatting for the reader's locale.

The language of a request, first found wins:
1. `?lang=` in the address (shareable links; the switcher's links use it), remembered in a cookie and, for a
   logged-in user, on the account (mail to them follows it);
2. the cookie;
3. the logged-in user's saved language;
4. the browser's Accept-Language;
5. English.
Outside a request (the worker, commands) mail is rendered in each recipient's language with `in_language`.
"""
from __future__ import annotations

import contextlib
from datetime import date, datetime, timezone
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_skeleton
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import force_locale, format_date, format_datetime, format_decimal, format_percent, get_locale

COOKIE = "kindns_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
DEFAULT = "en"


def languages() -> list[str]:
    """The registry's languages, as Babel locale names (en, es, pt_BR, fr)."""
    return list(current_app.config["KINDNS_LANGUAGES"])


def supported(code: str | None) -> str | None:
    """`code` as one of the registry's locale names ("pt-br" -> "pt_BR", "es-PY" -> "es"), or None."""
    if not code:
        return None
    wanted = code.strip().replace("-", "_")
    by_lower = {name.lower(): name for name in languages()}
    if wanted.lower() in by_lower:
        return by_lower[wanted.lower()]
    base = wanted.split("_")[0].lower()
    return next((name for name in languages() if name.split("_")[0].lower() == base), None)


def select_locale() -> str | None:
    """Flask-Babel's locale selector (see the module's docstring for the order)."""
    if not has_request_context():
        return None
    asked = supported(request.args.get("lang"))
    if asked:
        g.kindns_lang_asked = asked
        return asked
    from_cookie = supported(request.cookies.get(COOKIE))
    if from_cookie:
        return from_cookie
    from flask_login import current_user

    if current_user and current_user.is_authenticated and supported(current_user.language):
        return supported(current_user.language)
    best = request.accept_languages.best_match([name.replace("_", "-") for name in languages()])
    return supported(best) or DEFAULT


def remember_choice(response):
    """After a request with `?lang=`: keep the choice in a cookie, and on the account of a logged-in user."""
    asked = g.pop("kindns_lang_asked", None)
    # The API answers in the language asked for each request; it sets no cookie and changes no account.
    if asked is None or request.blueprint == "api":
        return response
    if request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    from flask_login import current_user

    if current_user and current_user.is_authenticated and current_user.language != asked:
        from .extensions import db

        current_user.language = asked
        db.session.commit()
    return response


def url_in(language: str) -> str:
    """The current page in another language (the same path and query, with `lang` set)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    args.append(("lang", language))
    return f"{request.path}?{urlencode(args)}"


def language_name(code: str) -> str:
    """A language's name in that language ("Português (Brasil)"), as a switcher shows it."""
    name = Locale.parse(code).get_display_name(code)
    return name[:1].upper() + name[1:]


def html_lang(code: str | None = None) -> str:
    """The BCP 47 tag for `<html lang>` and hreflang ("pt_BR" -> "pt-BR")."""
    return str(code or get_locale()).replace("_", "-")


@contextlib.contextmanager
def in_language(code: str | None):
    """Render in `code` (a recipient's saved language), or in the default when it has none."""
    # Flask-Babel's force_locale does nothing while `g` is empty (it tests `if not g`), as in a worker's
    # fresh app context: give it something to hold.
    g.setdefault("kindns_rendering_mail", True)
    with force_locale(supported(code) or DEFAULT):
        yield


# --- formatting for the reader's locale -------------------------------------------------------------------

def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def as_datetime(moment: datetime | None, width: str = "medium") -> str:
    """A date and time in the reader's locale, in UTC (which it says)."""
    if moment is None:
        return ""
    return format_datetime(_aware(moment), width) + " UTC"


def as_date(moment: date | datetime | None, width: str = "medium") -> str:
    if moment is None:
        return ""
    return format_date(moment, width)


def month_label(month: date) -> str:
    """A month as the reader's locale writes it briefly ("Dec 2026", "déc. 2026", "dez. de 2026")."""
    return format_skeleton("yMMM", month, locale=get_locale())


def as_percent(share: float | None) -> str:
    """A share in [0, 1] as a percentage in the reader's locale ("87 %", "87%"...); "—" when there is none."""
    return "—" if share is None else format_percent(share)


def as_number(value) -> str:
    return format_decimal(value)


def init_app(app: Flask) -> None:
    """The language machinery of `app`: its cookie, and the template helpers."""
    app.after_request(remember_choice)
    app.jinja_env.filters.update(datetime=as_datetime, date=as_date, percent=as_percent, number=as_number)
    app.jinja_env.globals.update(url_in=url_in, language_name=language_name, html_lang=html_lang,
                                 languages=languages)
