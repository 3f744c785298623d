"""The stored standings: kept whenever a run finishes or what a participant declares changes, and equal to
the standing computed from every verdict."""
from sqlalchemy import select

from kindns.conformance import standing, summary
from kindns.conformance.models import CheckRun, ConformanceSummary
from kindns.extensions import db
from kindns.models import OrganisationCategory, Zone
from tests.conformance.factories import make_run
from tests.factories import make_organisation


def _stored(org):
    return summary.stored_conformance([org.id])[org.id]


def test_nothing_stored_reads_as_not_checked(app):
    org = make_organisation(approved=True, zones=("example.org",))
    assert _stored(org).status == "not-checked"


def test_a_finished_run_stores_the_standing_and_marks_the_latest_run(app):
    org = make_organisation(approved=True, zones=("example.org",), categories=("sld-zones",))
    first = make_run(org.zones[0], {"axfr-restricted": "fail"})
    stored = _stored(org)
    assert (stored.status, stored.failing_count, stored.unmeasured_count) == ("not-verified", 1, 0)
    second = make_run(org.zones[0])
    assert _stored(org).status == "verified"
    latest = db.session.scalars(select(CheckRun.id).where(CheckRun.is_latest.is_(True))).all()
    assert latest == [second.id] and first.id != second.id


def test_a_removed_zone_and_changed_categories_store_the_standing_again(app):
    org = make_organisation(approved=True, zones=("a.example", "b.example"), categories=("sld-zones",))
    make_run(org.zones[0])
    make_run(org.zones[1], {"axfr-restricted": "fail"})
    assert _stored(org).status == "not-verified"
    org.zones = [zone for zone in org.zones if zone.name == "a.example"]
    db.session.commit()
    assert _stored(org).status == "verified"
    # ns-consistency is asked of critical zones only: becoming one makes its failure count.
    make_run(org.zones[0], {"ns-consistency": "fail"})
    assert _stored(org).status == "verified"
    org.categories.append(OrganisationCategory(category="critical-zones"))
    db.session.commit()
    assert _stored(org).status == "not-verified"
    db.session.add(Zone(organisation_id=org.id, name="c.example"))
    db.session.commit()
    assert _stored(org).unchecked_count == 1


def test_a_rolled_back_change_stores_nothing(app):
    org = make_organisation(approved=True, zones=("example.org",))
    make_run(org.zones[0])
    db.session.add(Zone(organisation_id=org.id, name="new.example"))
    db.session.flush()
    db.session.rollback()
    make_organisation(approved=True)  # another commit: the rolled-back zone must not be summed up
    assert _stored(org).status == "verified"


def test_stored_standings_and_figures_equal_those_computed_from_every_verdict(app):
    orgs = [make_organisation(approved=True, zones=(f"z{n}.example", f"y{n}.example"), resolvers=(f"192.0.2.{n}",),
                              categories=("sld-zones", "public-resolvers")) for n in range(1, 5)]
    make_run(orgs[0].zones[0], {"dnssec-signed": "fail"})
    make_run(orgs[0].zones[1])
    make_run(orgs[0].resolvers[0])
    make_run(orgs[1].zones[0], default="error")
    make_run(orgs[2].zones[0], {"axfr-restricted": "warn"})
    make_run(orgs[2].zones[1], {"dnssec-signed": "n/a"})
    make_run(orgs[2].resolvers[0])
    db.session.execute(ConformanceSummary.__table__.delete())
    db.session.commit()
    assert summary.refresh_all() >= 4
    db.session.commit()
    computed = standing.conformance_of(orgs)
    verdicts = standing.latest_verdicts([o.id for o in orgs])
    for org in orgs:
        row = db.session.get(ConformanceSummary, org.id)
        assert (row.status, row.failing, row.unmeasured, row.unchecked) == (
            computed[org.id].status, len(computed[org.id].failing), len(computed[org.id].unmeasured),
            len(computed[org.id].unchecked))
        assert {name: getattr(row, name) for name in ("zones_checked", "zones_signed", "checks_judged",
                                                       "checks_passing")} == summary.figures(org, verdicts.get(org.id, {}))
    assert [o.id for o in orgs if computed[o.id].verified] == [orgs[2].id]
