"""The registry end to end, against the DNS lab: an operator declares a zone, the worker checks it, the
report shows the failure, the zone is fixed (named reloads a corrected zone), a re-check turns it green and
the badge with it, and a regression sends mail.

A second test kills a worker (SIGKILL) in the middle of a check and shows that the run it leaves behind
stops blocking its zone as soon as its heartbeat stops, and that the zone is measured by another worker.

The worker is the registry's own command, `flask --app app kindns worker`, run as a separate process on
the SQLite queue it would use in production, with a config.py in an instance folder of the test's own (the
database of the `app` fixture, the lab's check settings, the test's outbox, a KINDNS_BASE_URL and no
SERVER_NAME, as a deployment has). The web side is the test client: queueing happens in this process, in
the real views, and the worker picks the job up from the shared queue file: the worker's configuration
names the queue file of this test's app, so jobs other tests queued never reach this worker. A worker in
another process, rather than Huey's immediate mode or a consumer thread, is what "the worker checks it"
means: it has its own app, its own configuration and its own database connections.
"""
from __future__ import annotations

import html
import re
import time
from xml.etree import ElementTree

import pytest

from kindns.conformance.models import CheckRun
from kindns.extensions import db
from kindns.mail import read_outbox
from kindns.models import Zone
from tests.conformance.conftest import registry_environment, silent_root_settings, write_instance_config
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_token_from, submit_form

ROLE = "mutable"
CHECK = "soa-serial-consistency"  # what the mutable zone breaks (practice 3)
BASE_URL = "https://registry.example.net"
RUN_TIMEOUT = 45.0  # seconds for a queued run to be measured and stored; it takes one or two


@pytest.fixture
def broken_zone(dns_lab):
    """The lab's mutable zone, broken as the lab starts it, and left broken for whoever comes next."""
    if dns_lab.state(ROLE) != "broken":
        dns_lab.break_(ROLE)
    yield dns_lab.mutable_zones[ROLE]
    if dns_lab.state(ROLE) != "broken":
        dns_lab.break_(ROLE)


def _worker_instance(app, tmp_path, check_settings: dict) -> dict[str, str]:
    """An instance folder for workers, configured to share this test's database, outbox and queue file, and
    the environment to start them with."""
    instance = tmp_path / "worker-instance"
    write_instance_config(instance, {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "worker-secret",
        "KINDNS_OUTBOX": app.config["KINDNS_OUTBOX"],
        "KINDNS_QUEUE_FILE": app.config["KINDNS_QUEUE_FILE"],
        "KINDNS_QUEUE_NAME": app.config["KINDNS_QUEUE_NAME"],
        "KINDNS_BASE_URL": BASE_URL,
        "KINDNS_SMTP_HOST": "",
        **check_settings,
    })
    return registry_environment(instance)


@pytest.fixture
def worker_env(app, tmp_path, lab_check_settings):
    """Workers that measure the DNS lab."""
    return _worker_instance(app, tmp_path, lab_check_settings)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _row(page: str, check_id: str) -> str:
    """The report's card for one check."""
    found = re.search(rf'<article[^>]*id="check-{re.escape(check_id)}".*?</article>', page, re.S)
    assert found is not None, f"no card for {check_id} in the report"
    return found.group(0)


def _seen(row: str) -> str:
    """The verdict and summary of a report card, for assertion messages."""
    verdict = re.search(r"verdict-([a-z/]+)", row)
    summary = re.search(r'<p class="summary">(.*?)</p>', row, re.S)
    return f"{verdict.group(1) if verdict else '?'}: {summary.group(1).strip() if summary else '?'}"


def _wait_for_report(client, report: str, runs_done: int, workers, runs_lost: int = 0) -> str:
    """Reload the report, as the operator would, until the worker has stored its `runs_done`-th run
    (the page reads the runs in one query, so the page that shows it done shows its results too)."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        page = _text(client.get(report))
        if "A check is under way" not in page and page.count("<td>done") == runs_done:
            return page
        assert page.count("<td>failed") <= runs_lost, f"a run failed\n{page}\n{workers.logs()}"
        workers.check_alive()
        assert time.monotonic() < deadline, f"no run stored after {RUN_TIMEOUT:.0f}s\n{workers.logs()}"
        time.sleep(0.2)


def _wait_for_mail(app, workers) -> list:
    """The worker's outbox once it holds a message."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (mails := read_outbox(app.config["KINDNS_OUTBOX"])):
        workers.check_alive()
        assert time.monotonic() < deadline, f"no mail sent after {RUN_TIMEOUT:.0f}s\n{workers.logs()}"
        time.sleep(0.2)
    return mails


def _badge(client, slug: str) -> str:
    response = client.get(f"/badge/{slug}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    return ElementTree.fromstring(response.data).get("aria-label")


def _check_now(client, zone_id: int, report: str):
    """The "Check now" button of the report page (its form, its CSRF token)."""
    return submit_form(client, f"/dashboard/zones/{zone_id}/check", {}, form_url=report, follow_redirects=True)


@pytest.mark.dns
def test_declare_check_fix_recheck_and_regress(app, client, auth, dns_lab, broken_zone, worker_env, workers):
    app.config["KINDNS_CHECK_NOW_LIMIT"] = "3 per hour"
    organisation = make_organisation(name="Mutable Networks", approved=True, categories=("sld-zones",))
    operator = make_user(email="noc@mutable.example", organisation=organisation)
    auth.login_as(operator)
    slug, recipients = organisation.slug, {operator.email, organisation.contact_email}

    # Declare the zone through the dashboard's form: a run is queued at once. The worker is not running
    # yet, so "check now" finds that run still queued and queues nothing more.
    declared = submit_form(client, "/dashboard/zones", {"entries": f"{broken_zone.upper()}."},
                           follow_redirects=True)
    assert "1 added." in _text(declared) and f"<code>{broken_zone}</code>" in _text(declared)
    zone_id = db.session.scalar(db.select(Zone.id).where(Zone.name == broken_zone))
    report = f"/dashboard/zones/{zone_id}/report"
    waiting = _text(client.get(report))
    assert "A check is under way" in waiting and "Not yet checked." in waiting
    assert "Check now</button>" not in waiting  # the report offers no second check while one is queued
    token = csrf_token_from(client.get("/dashboard/checks").data)
    again = client.post(f"/dashboard/zones/{zone_id}/check", data={"csrf_token": token}, follow_redirects=True)
    assert "already under way" in _text(again)
    assert app.extensions["kindns.jobs"].huey.pending_count() == 1
    assert db.session.scalar(db.select(db.func.count(CheckRun.id))) == 1
    db.session.remove()  # nothing of this process's session stands in the worker's way

    # The worker measures it: the report names the failing check, what was seen and how to fix it.
    workers.start(worker_env)
    page = _wait_for_report(client, report, 1, workers)
    assert "Check now</button>" in page
    row = _row(page, CHECK)
    assert "verdict-fail" in row, _seen(row)
    serials = sorted(set(dns_lab.serials(ROLE).values()))
    assert "the serials differ" in row and all(f"{serial} on" in row for serial in serials), row
    assert "How to fix" in row and "Bring the secondaries up to date" in row and "dig " in row
    for other in ("axfr-restricted", "ns-count", "dnssec-valid"):
        assert "verdict-pass" in _row(page, other), _seen(_row(page, other))
    assert _badge(client, slug) == "KINDNS: 1 failing"
    api = client.get(f"/api/v1/participants/{slug}/checks").get_json()
    assert api["conformance"]["status"] == "not-verified"
    assert api["conformance"]["failing"] == [{"target": broken_zone, "id": CHECK, "verdict": "fail"}]

    # The operator corrects the zone (named reloads it) and asks for a check: everything passes.
    dns_lab.fix(ROLE)
    queued = _check_now(client, zone_id, report)
    assert "is queued" in _text(queued)
    page = _wait_for_report(client, report, 2, workers)
    row = _row(page, CHECK)
    assert "verdict-pass" in row and "was fail" in row, _seen(row)
    assert f"serial {dns_lab.serials(ROLE)[dns_lab.nameservers_of(broken_zone)[0]]}" in row
    assert "verdict-fail" not in page and "How to fix" not in page, [
        _seen(row) for row in re.findall(r'<article[^>]*id="check-.*?</article>', page, re.S) if "verdict-pass" not in row]
    public = _text(client.get(f"/participants/{slug}"))
    assert "Verified" in public and "Not verified" not in public
    api = client.get(f"/api/v1/participants/{slug}/checks").get_json()
    assert api["conformance"]["status"] == "verified" and api["conformance"]["failing"] == []
    assert _badge(client, slug) == "KINDNS: verified"
    assert read_outbox(app.config["KINDNS_OUTBOX"]) == []  # a first run and an improvement send nothing

    # The zone breaks again: the next check is a regression, and the organisation hears of it.
    dns_lab.break_(ROLE)
    _check_now(client, zone_id, report)
    page = _wait_for_report(client, report, 3, workers)
    row = _row(page, CHECK)
    assert "verdict-fail" in row and "was pass" in row, f"{_seen(row)}\n{row}"
    assert _badge(client, slug) == "KINDNS: 1 failing"
    assert "Not verified" in _text(client.get(f"/participants/{slug}"))
    mails = _wait_for_mail(app, workers)  # written after the run is stored, sent by the worker's next job
    assert len(mails) == 1, f"expected one regression mail, got {len(mails)}\n{workers.logs()}"
    mail = mails[0]
    assert {address.addr_spec for address in mail["To"].addresses} == recipients
    assert mail["Subject"] == f"KINDNS: {broken_zone} now fails 1 check"
    body = mail.get_content()
    assert "* Every nameserver serves the same version: " in body and "the serials differ" in body and "Bring the secondaries up to date" in body
    assert f"{BASE_URL}/dashboard/zones/{zone_id}/report" in body

    # Three "check now" posts so far (one refused as already under way): the fourth is over the limit.
    token = csrf_token_from(client.get(report).data)
    limited = client.post(f"/dashboard/zones/{zone_id}/check", data={"csrf_token": token})
    assert limited.status_code == 429
    assert "A check is under way" not in _text(client.get(report))
    assert db.session.scalar(db.select(db.func.count(CheckRun.id))) == 3


def _run(run_id: int) -> CheckRun:
    run = db.session.get(CheckRun, run_id)
    db.session.expunge(run)
    db.session.remove()
    return run


HEARTBEAT = 0.5  # seconds: a run whose worker is silent for 4 beats (2 s) is lost


def test_a_worker_killed_mid_check_strands_nothing(app, client, auth, tmp_path, workers):
    """The root server of this test never answers, so every check runs until its deadline: long enough to kill
    the first worker in the middle of one."""
    app.config["KINDNS_RUN_HEARTBEAT_SECONDS"] = HEARTBEAT  # the web side judges heartbeats as the workers
    env = _worker_instance(app, tmp_path, {**silent_root_settings(tmp_path), "KINDNS_RUN_HEARTBEAT_SECONDS": HEARTBEAT})
    organisation = make_organisation(name="Restarted Networks", approved=True)
    auth.login_as(make_user(organisation=organisation))
    submit_form(client, "/dashboard/zones", {"entries": "restarted.example"})
    zone_id, lost_run = db.session.execute(db.select(CheckRun.zone_id, CheckRun.id)).one()
    report = f"/dashboard/zones/{zone_id}/report"

    # The first worker claims the run and, while it measures, says so: its heartbeat moves on.
    first = workers.start(env)
    deadline = time.monotonic() + RUN_TIMEOUT
    while (run := _run(lost_run)).status != "running" or run.heartbeat_at <= run.started_at:
        first.check_alive()
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.05)
    assert run.worker.endswith(f":{first.popen.pid}")
    workers.kill_one(first)  # SIGKILL in the middle of the check
    assert "A check is under way" in _text(client.get(report))

    # Its heartbeat stops: a few beats later the report no longer waits for it, and "check now" works again.
    deadline = time.monotonic() + RUN_TIMEOUT
    while "A check is under way" in (page := _text(client.get(report))):
        assert time.monotonic() < deadline, page
        time.sleep(0.2)
    assert "Check now</button>" in page
    assert "is queued" in _text(_check_now(client, zone_id, report))
    assert _run(lost_run).status == "failed"  # given up when the operator asked again

    # Another worker measures the new run.
    workers.start(env)
    page = _wait_for_report(client, report, 1, workers, runs_lost=1)
    assert "Nothing could be measured" in page and 'id="check-' not in page  # the silent root: one finding
    assert "Lost: no worker finished this run" in page
