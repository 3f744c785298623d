"""A live registry served on loopback and Debian's chromium driven by Playwright.

Chromium comes from Debian's package (never `playwright install`, which downloads a browser)."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from kindns import create_app
from tests.conftest import _unreachable_root_hints
from tests.helpers import mail_sent_by

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
