"""A live registry served on loopback and Debian's chromium driven by Playwright.

Chromium comes from Debian's package (never `playwright install`, which downloads a browser)."""
from __future__ import annotations

import contextlib
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from kindns import create_app
from tests.conftest import _unreachable_root_hints
from tests.helpers import mail_sent_by

CHROMIUM = "/usr/bin/chromium"
# The password of the accounts the browser tests log in with.
PASSWORD = "a long enough passphrase"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as an English reader does, and wait for the page it leads to."""
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


class LiveServer:
    def __init__(self, app, outbox: Path):
        self.app = app
        self.outbox = outbox
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def mail(self):
        """The messages sent so far, once a worker has done the mail work waiting in the queue."""
        return mail_sent_by(self.app)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """The real app (CSRF and rate limits on) on a fresh SQLite database, served on a free port."""
    database = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, database)
    outbox = tmp_path / "outbox"
    app = create_app({
        "SECRET_KEY": "browser-test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "KINDNS_OUTBOX": str(outbox),
        "KINDNS_QUEUE_FILE": str(tmp_path / "jobs.sqlite3"),
        "KINDNS_SMTP_HOST": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        # As in every test app: a check started by accident measures nothing and never leaves the machine
        # (and, the root being private, the lab's kind of names, *.example, may be declared).
        "KINDNS_CHECK_ROOT_HINTS": _unreachable_root_hints(tmp_path),
    })
    server = LiveServer(app, outbox)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        from kindns.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    # Module scope, not session: Playwright's sync API keeps an event loop running in this thread while it
    # is open, and the check engine's tests that run after these call asyncio.run().
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def page_in(browser, locale: str):
    """A page of a fresh browser context whose reader asks for `locale` (its Accept-Language)."""
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with page_in(browser, "en-GB") as page:
        yield page
