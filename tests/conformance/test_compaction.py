"""Old runs keep their verdicts and the evidence of what changed; reports, history and alerts read them."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from kindns.conformance import history
from kindns.conformance.compaction import compact_history
from kindns.conformance.models import CheckResult, CheckRun
from kindns.conformance.targets import target_of
from kindns.extensions import db
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user

DAY = timedelta(days=1)


def _org_with_history(app):
    app.config["KINDNS_HISTORY_FULL_DAYS"] = 2
    org = make_organisation(approved=True, zones=("example.org",), categories=("sld-zones",))
    zone, today = org.zones[0], datetime.now(timezone.utc)
    runs = [make_run(zone, finished_at=today - 6 * DAY),
            make_run(zone, finished_at=today - 5 * DAY),
            make_run(zone, {"axfr-restricted": "fail"}, finished_at=today - 4 * DAY),  # a change
            make_run(zone, {"axfr-restricted": "fail"}, finished_at=today - 3 * DAY),
            make_run(zone, {"axfr-restricted": "fail"}, finished_at=today - 1 * DAY),  # within the period
            make_run(zone, finished_at=today)]  # the latest
    return org, runs


def _results(run):
    return {r.check_id: r for r in db.session.scalars(select(CheckResult).where(CheckResult.run_id == run.id))}


def test_old_runs_keep_every_verdict_and_the_evidence_of_what_changed(app):
    org, runs = _org_with_history(app)
    before = {run.id: run.verdict_map for run in runs}
    assert compact_history() == 4
    db.session.expire_all()
    stored = [db.session.get(CheckRun, run.id) for run in runs]
    assert [run.compacted for run in stored] == [True, True, True, True, False, False]
    assert {run.id: run.verdict_map for run in stored} == before
    # The first run and a change keep the evidence of what changed; an unchanged run keeps none.
    assert len(_results(stored[0])) == len(before[runs[0].id])
    assert set(_results(stored[1])) == set()
    assert set(_results(stored[2])) == {"axfr-restricted"}
    assert _results(stored[2])["axfr-restricted"].evidence
    assert set(_results(stored[3])) == set()
    assert len(_results(stored[5])) == len(before[runs[5].id])
    assert compact_history() == 0  # nothing twice


def test_reports_and_history_read_compacted_runs(app, client, auth):
    org, runs = _org_with_history(app)
    compact_history()
    # The latest run's previous one, compacted too, still says what changed.
    app.config["KINDNS_HISTORY_FULL_DAYS"] = 0
    compact_history()
    db.session.expire_all()
    state = history.report_state(target_of(org.zones[0]))
    assert state.previous.compacted
    assert [(c.check_id, c.before, c.after) for c in history.changes_since(state.run, state.previous)] == [
        ("axfr-restricted", "fail", "pass")]
    auth.login_as(make_user(organisation=org))
    html = client.get(f"/dashboard/zones/{org.zones[0].id}/report").get_data(as_text=True)
    assert html.count("Zone transfers are restricted") >= 3  # in the history of the failing runs
    assert db.session.scalar(select(func.count(CheckRun.id)).where(CheckRun.verdicts.is_not(None))) == 5
