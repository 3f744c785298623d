"""Configuration from the environment.

Every setting has an embedded default (SQLite and files under `instance/`), so a fresh checkout
runs with no configuration at all; production points the same code at PostgreSQL, Redis and SMTP.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


# Every rate limit and its default; each can be set by the environment variable of the same name.
RATE_LIMITS = {
    "KINDNS_LOGIN_RATE_LIMIT": "10 per minute; 50 per hour",
    "KINDNS_REGISTER_RATE_LIMIT": "5 per minute; 20 per hour",
    "KINDNS_FORGOT_PASSWORD_RATE_LIMIT": "5 per minute; 20 per hour",
    "KINDNS_RESET_PASSWORD_RATE_LIMIT": "10 per minute; 50 per hour",
    "KINDNS_INVITATION_RATE_LIMIT": "10 per minute; 50 per hour",
    "KINDNS_INVITE_RATE_LIMIT": "10 per minute; 50 per day",
    "KINDNS_CHECK_NOW_LIMIT": "10 per hour",
    "KINDNS_DISPUTE_RATE_LIMIT": "10 per hour; 30 per day",
    "KINDNS_API_RATE_LIMIT": "300 per minute",
}


# The languages the registry is written in (English first, the language of the code); each other one has a
# catalogue under translations/ that `make messages` keeps (the Makefile's LANGUAGES, checked by a test).
LANGUAGES = ("en", "es", "pt_BR", "fr")


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    """A list from a variable of comma- or space-separated words."""
    return os.environ.get(name, "").replace(",", " ").split()


def _secret_key(instance_path: Path) -> str:
    """The key from KINDNS_SECRET_KEY, else one generated once into the instance folder."""
    from_env = os.environ.get("KINDNS_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def settings_from_environment(instance_path: str) -> dict:
    """Flask settings for this process, read from KINDNS_* environment variables."""
    instance = Path(instance_path)
    # The database, the queue, the outbox and the secret key live here: the owner's alone when we create it.
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    redis_url = os.environ.get("KINDNS_REDIS_URL", "")
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "KINDNS_DATABASE_URL", f"sqlite:///{instance / 'kindns.sqlite3'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Mail: SMTP when a host is set, otherwise messages land in instance/outbox/.
        "KINDNS_SMTP_HOST": os.environ.get("KINDNS_SMTP_HOST", ""),
        "KINDNS_SMTP_PORT": int(os.environ.get("KINDNS_SMTP_PORT", "25")),
        "KINDNS_SMTP_USER": os.environ.get("KINDNS_SMTP_USER", ""),
        "KINDNS_SMTP_PASSWORD": os.environ.get("KINDNS_SMTP_PASSWORD", ""),
        "KINDNS_SMTP_STARTTLS": _env_bool("KINDNS_SMTP_STARTTLS"),
        "KINDNS_MAIL_FROM": os.environ.get("KINDNS_MAIL_FROM", "KINDNS Registry <noreply@localhost>"),
        "KINDNS_OUTBOX": os.environ.get("KINDNS_OUTBOX", str(instance / "outbox")),
        # Mail is delivered by the worker; a failing mail server is tried again this many times, after this
        # many seconds, then twice as long each time (the defaults keep trying for about 17 hours).
        "KINDNS_MAIL_RETRIES": int(os.environ.get("KINDNS_MAIL_RETRIES", "10")),
        "KINDNS_MAIL_RETRY_DELAY": float(os.environ.get("KINDNS_MAIL_RETRY_DELAY", "60")),
        "KINDNS_BASE_URL": os.environ.get("KINDNS_BASE_URL", ""),
        # Host names served; without KINDNS_BASE_URL, 127.0.0.1 and localhost when empty (kindns.security).
        "KINDNS_TRUSTED_HOSTS": _env_list("KINDNS_TRUSTED_HOSTS"),
        "KINDNS_REDIS_URL": redis_url,
        # The job queue: on Redis when there is one, else in a SQLite file beside the database.
        "KINDNS_QUEUE_NAME": os.environ.get("KINDNS_QUEUE_NAME", "kindns"),
        "KINDNS_QUEUE_FILE": os.environ.get("KINDNS_QUEUE_FILE", str(instance / "jobs.sqlite3")),
        # Rate limits share Redis when there is one, so every web worker counts together; in memory, each
        # process counts alone (kindns.security warns when several gunicorn workers do).
        "RATELIMIT_STORAGE_URI": os.environ.get("KINDNS_RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "RATELIMIT_ENABLED": _env_bool("KINDNS_RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Registries sharing one Redis keep their counts apart, as their queues (KINDNS_QUEUE_NAME).
        "RATELIMIT_KEY_PREFIX": os.environ.get("KINDNS_QUEUE_NAME", "kindns"),
        # Per client address (per account for invitations, per organisation for "check now" and disputes), in
        # Flask-Limiter's notation.
        **{name: os.environ.get(name, default) for name, default in RATE_LIMITS.items()},
        "KINDNS_PASSWORD_RESET_MAX_AGE": int(os.environ.get("KINDNS_PASSWORD_RESET_MAX_AGE", "3600")),
        "KINDNS_EMAIL_CONFIRM_MAX_AGE": int(os.environ.get("KINDNS_EMAIL_CONFIRM_MAX_AGE", str(3 * 24 * 3600))),
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host (0: none, trust nothing).
        "KINDNS_PROXY_COUNT": int(os.environ.get("KINDNS_PROXY_COUNT", "0")),
        "KINDNS_INVITATION_MAX_AGE": int(os.environ.get("KINDNS_INVITATION_MAX_AGE", str(7 * 24 * 3600))),
        # Conformance checks: every KINDNS_CHECK_* variable reaches the engine (CheckConfig.from_settings
        # reads and converts them); these are the ones the registry itself reads too.
        **{name: value for name, value in os.environ.items() if name.startswith("KINDNS_CHECK_")},
        "KINDNS_CHECK_ALLOW_PRIVATE": _env_bool("KINDNS_CHECK_ALLOW_PRIVATE"),
        "KINDNS_CHECK_ROOT_HINTS": os.environ.get("KINDNS_CHECK_ROOT_HINTS", ""),
        "KINDNS_CHECK_TRUST_ANCHOR": os.environ.get("KINDNS_CHECK_TRUST_ANCHOR", ""),
        "KINDNS_CHECK_INTERVAL_HOURS": float(os.environ.get("KINDNS_CHECK_INTERVAL_HOURS", "24")),
        # A worker measuring a run says so this often; a run whose worker misses four beats is taken as lost
        # (the worker was killed) and measured again. The same on every web and worker process.
        "KINDNS_RUN_HEARTBEAT_SECONDS": float(os.environ.get("KINDNS_RUN_HEARTBEAT_SECONDS", "15")),
        # Measurement campaigns (kindns.observatory): zones per batch (what a killed worker loses at most), batches
        # of one campaign measured at once over every worker, zones in progress at once in a batch, queries a
        # second per nameserver address in each worker process, how long a batch's lease lasts unrenewed, and
        # the largest upload (bytes).
        "KINDNS_CAMPAIGN_BATCH_SIZE": int(os.environ.get("KINDNS_CAMPAIGN_BATCH_SIZE", "500")),
        "KINDNS_CAMPAIGN_PARALLEL_BATCHES": int(os.environ.get("KINDNS_CAMPAIGN_PARALLEL_BATCHES", "8")),
        "KINDNS_CAMPAIGN_CONCURRENCY": int(os.environ.get("KINDNS_CAMPAIGN_CONCURRENCY", "50")),
        "KINDNS_CAMPAIGN_SERVER_RATE": float(os.environ.get("KINDNS_CAMPAIGN_SERVER_RATE", "20")),
        "KINDNS_CAMPAIGN_LEASE_SECONDS": float(os.environ.get("KINDNS_CAMPAIGN_LEASE_SECONDS", "60")),
        "KINDNS_CAMPAIGN_UPLOAD_MAX": int(os.environ.get("KINDNS_CAMPAIGN_UPLOAD_MAX", str(64 * 1024 * 1024))),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("KINDNS_SECURE_COOKIES"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Refuse request bodies over 1 MiB outright; per-field limits live in the forms.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # Catalogues live at the project's top, beside the templates (see translations/ and `make messages`).
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "KINDNS_LANGUAGES": list(LANGUAGES),
        "KINDNS_PAGE_SIZE": 25,
        "KINDNS_LEADERBOARD_CACHE_SECONDS": int(os.environ.get("KINDNS_LEADERBOARD_CACHE_SECONDS", "60")),
        # Runs older than this many days, but each target's latest, keep their verdicts and the evidence of what
        # changed only (kindns.conformance.compaction), so that years of daily checks fit.
        "KINDNS_HISTORY_FULL_DAYS": float(os.environ.get("KINDNS_HISTORY_FULL_DAYS", "2")),
        # How long a process answers anonymous readers of a public page with the copy it built (kindns.caching).
        "KINDNS_PAGE_CACHE_SECONDS": float(os.environ.get("KINDNS_PAGE_CACHE_SECONDS", "10")),
    }
