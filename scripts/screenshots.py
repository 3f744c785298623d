"""`make screenshots`: the README's pictures, taken in Debian's chromium from a registry that measures the
DNS lab (as `make demo` runs it): a zone report with failures and the leaderboard. Run as root (the lab
adds loopback addresses). Writes PNG files into the folder given (docs/screenshots)."""
from __future__ import annotations

import shutil
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from kindns import create_app
from kindns.conformance.models import CheckRun
from kindns.conformance.runs import execute_run, request_due_checks
from kindns.conformance.standing import take_region_snapshot
from kindns.demo.lab import give_lab_targets
from kindns.demo.seed import seed_demo
from kindns.extensions import db
from kindns.models import Organisation, User
from tests.dnslab.lab import start_lab
from tests.dnslab.serve import facts_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PASSWORD = "demo operator passphrase 2026"
OPERATOR = "noc@nordlys.example"


def _registry(folder: Path, facts: dict):
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    app = create_app({**facts["settings"], "SECRET_KEY": "screenshots", "SERVER_NAME": None,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'registry.sqlite3'}",
                      "KINDNS_QUEUE_FILE": str(folder / "jobs.sqlite3"), "KINDNS_OUTBOX": str(folder / "outbox"),
                      "KINDNS_BASE_URL": "http://127.0.0.1", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_demo()
        give_lab_targets(facts)
        for run in request_due_checks():  # measured here and now, one after the other
            execute_run(run.id)
        take_region_snapshot()
        nordlys = db.session.scalar(db.select(Organisation).where(Organisation.name == "Nordlys Hosting"))
        db.session.add(User(email=OPERATOR, password_hash=generate_password_hash(PASSWORD), organisation=nordlys,
                            organisation_role="owner", email_confirmed_at=db.func.now()))
        db.session.commit()
        zone_id = nordlys.zones[0].id
        runs = db.session.scalar(db.select(db.func.count(CheckRun.id)))
    print(f"{runs} checks measured")
    return app, zone_id


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="kindns-screenshots-"))
    try:
        with start_lab() as lab:
            app, zone_id = _registry(folder, facts_of(lab))
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{server.server_port}"
            try:
                _shoot(base, zone_id, out)
            finally:
                server.shutdown()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _shoot(base: str, zone_id: int, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/leaderboard")
        page.screenshot(path=str(out / "leaderboard.png"), full_page=True)
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill(OPERATOR)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{base}/dashboard/zones/{zone_id}/report")
        page.screenshot(path=str(out / "report.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/dashboard/zones/{zone_id}/report")
        page.screenshot(path=str(out / "report-phone.png"))
        browser.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
