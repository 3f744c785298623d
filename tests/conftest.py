"""Shared fixtures: `app` (on SQLite, and on PostgreSQL when KINDNS_TEST_DATABASE_URL is set), `client`,
`runner`, `auth`, and a per-test outbox. Each test gets a freshly migrated, empty database."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from flask.testing import FlaskClient

# Keep the generated secret key and any stray files out of the project's instance folder.
os.environ.setdefault("KINDNS_INSTANCE_PATH", tempfile.mkdtemp(prefix="kindns-test-instance-"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from kindns import create_app  # noqa: E402
from kindns.extensions import db  # noqa: E402

PG_URL = os.environ.get("KINDNS_TEST_DATABASE_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _unreachable_root_hints(tmp_path: Path) -> str:
    """Root hints on a loopback address that the engine refuses to probe (private probes are off):
    a check run that a test starts by accident measures nothing, and never leaves this machine."""
    path = tmp_path / "unreachable-root.hints"
    path.write_text(". 3600 NS a.root.invalid.\na.root.invalid. 3600 A 127.0.0.254\n")
    return str(path)


def _base_config(tmp_path: Path) -> dict:
    return {
        "KINDNS_CHECK_ROOT_HINTS": _unreachable_root_hints(tmp_path),
        "KINDNS_CHECK_ALLOW_PRIVATE": False,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "KINDNS_OUTBOX": str(tmp_path / "outbox"),
        "KINDNS_QUEUE_FILE": str(tmp_path / "jobs.sqlite3"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "KINDNS_SMTP_HOST": "",
        "SERVER_NAME": "registry.test",
    }


def _migrate(url: str, tmp_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({**_base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory):
    """A PostgreSQL database of our own, migrated once and dropped at the end."""
    admin_url = make_url(PG_URL)
    name = f"kindns_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    _migrate(url, tmp_path_factory.mktemp("pg-migrate"))
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "kindns.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
        try:
            yield url
        finally:
            _truncate_all(url)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context pushed so tests can use the database directly; without this,
    requests would reuse it and share `g` (the logged-in user, the locale) and the database session."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({**_base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """A request context, for calling services directly (their messages and mails are translated)."""
    with app.test_request_context():
        yield


@pytest.fixture
def queued(app):
    """How many jobs wait in the app's queue (read on each call)."""
    return lambda: app.extensions["kindns.jobs"].huey.pending_count()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """The messages the app has sent so far (read on each call), once a worker has done the mail work
    waiting in the queue (tests.helpers.run_mail_jobs): the registry writes mail, its worker sends it."""
    from tests.helpers import mail_sent_by

    return lambda: mail_sent_by(app)


class AuthActions:
    """Log a test client in: `login_as(user)` sets the session directly (fast, for tests about other
    things); `login(email, password)` goes through the real login form."""

    def __init__(self, app, client):
        self._app = app
        self._client = client

    def login_as(self, user) -> None:
        from flask_login.utils import _create_identifier

        with self._app.test_request_context(environ_base=self._client.environ_base):
            identifier = _create_identifier()
        with self._client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_id"] = identifier

    def login(self, email: str, password: str):
        from tests.helpers import login

        return login(self._client, email, password)

    def logout(self):
        with self._client.session_transaction() as session:
            session.clear()


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)
