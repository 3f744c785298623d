from datetime import datetime, timedelta, timezone

from kindns.conformance import alerts, history, runs, standing
from kindns.conformance.models import CheckRun, RegionSnapshot
from kindns.conformance.targets import target_of
from kindns.extensions import db
from kindns.models import AuditEvent
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user


def test_not_checked_until_a_run_is_stored(app):
    org = make_organisation(approved=True, zones=("example.org",))
    assert standing.participant_conformance(org).status == "not-checked"
    make_run(org.zones[0])
    assert standing.participant_conformance(org).status == "verified"


def test_a_failing_applicable_check_is_named(app):
    org = make_organisation(approved=True, zones=("example.org",), categories=("sld-zones",))
    make_run(org.zones[0], {"axfr-restricted": "fail", "ns-diversity": "warn"})
    conformance = standing.participant_conformance(org)
    assert conformance.status == "not-verified"
    assert conformance.failing == [("example.org", "axfr-restricted", "fail")]


def test_checks_not_asked_by_the_categories_do_not_count(app):
    # ns-consistency is a practice of critical zones only (KINDNS.md), not of other SLD zones.
    org = make_organisation(approved=True, zones=("example.org",), categories=("sld-zones",))
    make_run(org.zones[0], {"ns-consistency": "fail"})
    assert standing.participant_conformance(org).verified
    critical = make_organisation(approved=True, zones=("example.net",), categories=("critical-zones",))
    make_run(critical.zones[0], {"ns-consistency": "fail"})
    assert not standing.participant_conformance(critical).verified


def test_an_unchecked_second_zone_keeps_a_participant_from_verified(app):
    org = make_organisation(approved=True, zones=("a.example", "b.example"))
    make_run(org.zones[0])
    conformance = standing.participant_conformance(org)
    assert conformance.status == "not-measured" and conformance.unchecked == ["b.example"]


def test_an_error_is_not_a_failure(app):
    org = make_organisation(approved=True, zones=("a.example", "b.example"), categories=("sld-zones",))
    make_run(org.zones[0], default="error")  # e.g. not delegated: nothing could be measured
    make_run(org.zones[1])
    conformance = standing.participant_conformance(org)
    assert conformance.status == "not-measured" and conformance.failing == []
    assert ("a.example", "transport") in conformance.unmeasured
    make_run(org.zones[1], {"axfr-restricted": "fail"})
    conformance = standing.participant_conformance(org)
    assert conformance.status == "not-verified"
    assert conformance.failing == [("b.example", "axfr-restricted", "fail")]


def test_regional_shares_leave_errors_out(app):
    org = make_organisation(approved=True, country="BR", zones=("a.br", "b.br"))
    make_run(org.zones[0], default="error")
    make_run(org.zones[1], {"axfr-restricted": "fail"})
    figures = standing.region_conformance()["LAC"]
    assert figures.dnssec_signed_share == 1.0  # the unmeasured zone is not counted as unsigned
    assert figures.checks_passing_share < 1 and figures.verified == 0


def test_changes_since_the_previous_run(app):
    org = make_organisation(approved=True, zones=("example.org",))
    first = make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    second = make_run(org.zones[0], {"transport": "fail", "ns-diversity": "warn"})
    assert history.previous_run(second).id == first.id
    changes = {c.check_id: c for c in history.changes_since(second, first)}
    assert set(changes) == {"transport", "ns-diversity"}
    assert changes["transport"].is_regression and not changes["ns-diversity"].is_regression


def test_regression_mails_the_organisation_and_is_audited(app, outbox):
    org = make_organisation(approved=True, zones=("example.org",))
    member = make_user(email="noc@example.org", organisation=org)
    first = make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    second = make_run(org.zones[0], {"axfr-restricted": "fail"})
    with app.test_request_context():
        sent = alerts.after_run(second)
    assert len(sent) == 1
    [message] = outbox()
    assert member.email in message["To"] and org.contact_email in message["To"]
    assert "example.org" in message["Subject"]
    body = message.get_content()
    assert "axfr-restricted" in body and "Fix axfr-restricted" in body
    assert f"/dashboard/zones/{org.zones[0].id}/report" in body
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "check.regressed"))
    assert event.detail["checks"] == ["axfr-restricted"]


def test_no_mail_when_nothing_regressed(app, outbox):
    org = make_organisation(approved=True, zones=("example.org",))
    first = make_run(org.zones[0], {"transport": "fail"})
    second = make_run(org.zones[0], {"transport": "fail"})
    with app.test_request_context():
        assert alerts.after_run(second) == []
    assert outbox() == []


def test_signature_expiry_is_announced_once(app, outbox):
    org = make_organisation(approved=True, zones=("example.org",))
    first = make_run(org.zones[0], {"dnssec-signature-expiry": "warn"})
    with app.test_request_context():
        assert len(alerts.after_run(first)) == 1
        second = make_run(org.zones[0], {"dnssec-signature-expiry": "warn"})
        assert alerts.after_run(second) == []
    assert "expire within 7 days" in outbox()[0]["Subject"]


def test_mail_goes_to_each_recipient_in_their_language(app, outbox):
    org = make_organisation(approved=True, zones=("example.org",))
    org.contact_email = "noc@example.org"  # no account: the owner's language
    make_user(email="dono@example.org", organisation=org).language = "pt_BR"
    colleague = make_user(email="colleague@example.org", organisation=org)
    colleague.organisation_role, colleague.language = "member", "fr"
    db.session.commit()
    make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    alerts.after_run(make_run(org.zones[0], {"axfr-restricted": "fail"}))
    by_address = {m["To"]: m for m in outbox()}
    assert set(by_address) == {"noc@example.org, dono@example.org", "colleague@example.org"}
    assert by_address["colleague@example.org"]["Content-Language"] == "fr"
    assert by_address["noc@example.org, dono@example.org"]["Content-Language"] == "pt-BR"


def test_staff_digest_lists_the_days_regressions(app, outbox):
    make_user(email="staff@icann.example", is_staff=True)
    org = make_organisation(name="Regressing Org", approved=True, zones=("example.org",))
    first = make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    second = make_run(org.zones[0], {"transport": "fail"})
    with app.test_request_context():
        alerts.after_run(second)
    assert alerts.send_staff_digest() == ["KINDNS digest: 1 regression in the last day"]
    digest = outbox()[-1]
    assert digest["To"] == "staff@icann.example"
    assert "Regressing Org" in digest.get_content() and "Nameservers answer over UDP, EDNS and TCP" in \
        digest.get_content()  # the check by its title


def test_request_check_never_records_two_runs_of_one_zone(app, queued):
    org = make_organisation(approved=True, zones=("example.org",))
    run, created = runs.request_check(target_of(org.zones[0]), "manual")
    again, created_again = runs.request_check(target_of(org.zones[0]), "manual")
    assert created and not created_again and again.id == run.id
    assert db.session.scalar(db.select(db.func.count(CheckRun.id))) == 1
    assert queued() == 0  # recording is not queueing: the caller queues what it committed


def test_a_stale_run_no_longer_blocks(app):
    org = make_organisation(approved=True, zones=("example.org",))
    stale = CheckRun(organisation_id=org.id, zone_id=org.zones[0].id, target="example.org", trigger="manual",
                     status="running", queued_at=datetime.now(timezone.utc) - timedelta(hours=2))
    db.session.add(stale)
    db.session.commit()
    assert runs.active_run(target_of(org.zones[0])) is None


def test_queue_due_checks_takes_the_never_checked_and_the_old(app):
    fresh = make_organisation(approved=True, zones=("fresh.example",))
    old = make_organisation(approved=True, zones=("old.example",))
    draft = make_organisation(zones=("draft.example",))
    never = make_organisation(approved=True, resolvers=("192.0.2.53",), categories=("public-resolvers",))
    make_run(fresh.zones[0])
    old_run = make_run(old.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=2))
    db.session.commit()
    due = runs.request_due_checks()
    assert sorted(r.target for r in due) == ["192.0.2.53", "old.example"]
    waiting = {r.target for r in db.session.scalars(db.select(CheckRun).where(CheckRun.status == "queued"))}
    assert waiting == {"old.example", "192.0.2.53"}
    assert runs.request_due_checks() == []  # both are now queued
    assert draft.zones[0].name not in waiting and never.id


def test_region_figures_and_snapshot(app):
    lac = make_organisation(approved=True, country="BR", zones=("a.br", "b.br"))
    make_organisation(approved=True, country="FR")  # nothing declared: counted, never verified
    make_run(lac.zones[0])
    make_run(lac.zones[1], {"dnssec-signed": "fail", "dnssec-valid": "n/a"})
    figures = standing.region_conformance()
    assert figures["LAC"].participants == 1 and figures["LAC"].verified == 0
    assert figures["LAC"].dnssec_signed_share == 0.5
    assert 0.9 < figures["LAC"].checks_passing_share < 1
    assert figures["EU"].participants == 1 and figures["EU"].dnssec_signed_share is None
    standing.take_region_snapshot()
    standing.take_region_snapshot()  # refreshes, never duplicates
    rows = db.session.scalars(db.select(RegionSnapshot)).all()
    assert len(rows) == 5
    assert {r.region: r.dnssec_signed_share for r in rows}["LAC"] == 0.5


def test_the_database_refuses_a_second_active_run_of_a_zone(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    org = make_organisation(approved=True, zones=("example.org",))
    for status in ("queued", "running"):
        db.session.add(CheckRun(organisation_id=org.id, zone_id=org.zones[0].id, target="example.org",
                                trigger="manual", status=status))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_lost_run_is_marked_failed_when_the_zone_is_asked_for_again(app):
    org = make_organisation(approved=True, zones=("example.org",))
    lost = CheckRun(organisation_id=org.id, zone_id=org.zones[0].id, target="example.org", trigger="manual",
                    status="running", queued_at=datetime.now(timezone.utc) - timedelta(hours=2))
    db.session.add(lost)
    db.session.commit()
    run, created = runs.request_check(target_of(org.zones[0]), "manual")
    db.session.refresh(lost)
    assert created and run.id != lost.id
    assert lost.status == "failed" and lost.error.startswith("Lost")


def test_the_report_finds_the_last_measurement_behind_a_window_of_failed_runs(app):
    org = make_organisation(approved=True, zones=("example.org",))
    measured = make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=3))
    for _ in range(3):
        db.session.add(CheckRun(organisation_id=org.id, zone_id=org.zones[0].id, target="example.org",
                                trigger="schedule", status="failed", error="engine crashed"))
    db.session.commit()
    assert history.report_state(target_of(org.zones[0]), limit=3).run.id == measured.id
    state = history.report_state(target_of(org.zones[0]), limit=5)
    assert state.run.id == measured.id and state.previous is None and len(state.history) == 4
