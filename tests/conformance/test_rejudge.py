"""A stored run is judged again after a change of policy, from what was collected, without a query."""
from __future__ import annotations

import pytest

from kindns.checks import collect, policy
from kindns.conformance.models import CheckRun, Dispute
from kindns.conformance.runs import execute_run, request_check
from kindns.conformance.targets import target_of
from kindns.extensions import db
from tests.factories import make_organisation, make_user


@pytest.mark.dns
def test_kindns_rejudge_applies_todays_policy_to_a_stored_run(app, runner, dns_lab, lab_check_settings,
                                                               monkeypatch):
    app.config.update(lab_check_settings)
    org = make_organisation(approved=True, zones=(dns_lab.zones["open-axfr"],))
    user = make_user(organisation=org)
    run, _created = request_check(target_of(org.zones[0]), "manual")
    execute_run(run.id)
    verdicts = {r.check_id: r.verdict for r in run.results}
    assert verdicts["axfr-restricted"] == "fail" and run.snapshot
    axfr = next(r for r in run.results if r.check_id == "axfr-restricted")
    db.session.add(Dispute(organisation_id=org.id, result_id=axfr.id, target=run.target, check_id=axfr.check_id,
                           verdict=axfr.verdict, note="Only our secondary may transfer.", created_by_id=user.id))
    db.session.commit()

    # Policy changes (open transfers become a warning); the servers are never asked again.
    monkeypatch.setitem(policy.POLICY, "AXFR_ALLOWED", policy.WARN)

    def no_collection(*_args, **_kwargs):
        raise AssertionError("rejudging must not collect anything")

    monkeypatch.setattr(collect.Collector, "collect_zone", no_collection)
    result = runner.invoke(args=["kindns", "rejudge", str(run.id)])
    assert result.exit_code == 0, result.output
    assert f"Run {run.id}: axfr-restricted: fail -> warn" in result.output
    db.session.expire_all()
    stored = db.session.get(CheckRun, run.id)
    after = {r.check_id: r.verdict for r in stored.results}
    assert after == {**verdicts, "axfr-restricted": "warn"}
    assert db.session.scalar(db.select(Dispute.result_id)) == axfr.id  # the dispute still points at its verdict
    again = runner.invoke(args=["kindns", "rejudge", str(run.id)])
    assert "no verdict changed" in again.output


def test_kindns_rejudge_refuses_what_it_cannot_judge(app, runner):
    org = make_organisation(approved=True, zones=("example.org",))
    run, _created = request_check(target_of(org.zones[0]), "manual")  # queued: nothing collected yet
    for run_id in (run.id, 999999):
        result = runner.invoke(args=["kindns", "rejudge", str(run_id)])
        assert result.exit_code == 2 and ("no stored snapshot" in result.output or "no check run" in result.output)
