"""`kindns seed-scale`: a registry at scale for benchmarks, written in bulk, that every page reads."""
from collections import Counter

from sqlalchemy import func, select

from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS
from kindns.conformance.models import CheckResult, CheckRun, ConformanceSummary
from kindns.conformance.standing import conformance_of
from kindns.extensions import db
from kindns.models import Organisation, Resolver, Zone


def test_seed_scale_fills_an_empty_registry_that_the_pages_read(app, client, runner):
    result = runner.invoke(args=["kindns", "seed-scale", "--participants", "60", "--days", "2"])
    assert result.exit_code == 0, result.output
    orgs = db.session.scalars(select(Organisation)).all()
    assert len(orgs) == 60 and all(o.status == "approved" for o in orgs)
    regions = Counter(o.region for o in orgs)
    assert regions.most_common(1)[0][0] == "LAC"
    zones = db.session.scalar(select(func.count(Zone.id)))
    resolvers = db.session.scalar(select(func.count(Resolver.id)))
    assert 60 <= zones <= 300 and resolvers <= 120
    assert db.session.scalar(select(func.count(CheckRun.id))) == 2 * (zones + resolvers)
    assert db.session.scalar(select(func.count(CheckResult.id))) == 2 * (
        zones * len(ZONE_CHECKS) + resolvers * len(RESOLVER_CHECKS))
    verdicts = Counter(db.session.scalars(select(CheckResult.verdict)))
    assert verdicts.most_common(1)[0][0] == "pass" and {"warn", "fail"} <= set(verdicts)
    # The stored standings are those the verdicts give.
    stored = {row.organisation_id: row.status for row in db.session.scalars(select(ConformanceSummary))}
    assert stored == {org_id: c.status for org_id, c in conformance_of(orgs).items()}
    for url in ("/participants", "/champions", "/leaderboard", f"/participants/{orgs[0].slug}",
                "/api/v1/participants", "/api/v1/participants.csv"):
        assert client.get(url).status_code == 200, url
    # New rows after the bulk ones get fresh ids.
    from tests.factories import make_organisation
    assert make_organisation().id == 61
    again = runner.invoke(args=["kindns", "seed-scale", "--participants", "5"])
    assert again.exit_code != 0 and "already" in again.output


def test_seed_scale_writes_old_runs_as_the_registry_keeps_them(app, client, runner, auth):
    from kindns.conformance.compaction import compact_history
    from tests.factories import make_user

    result = runner.invoke(args=["kindns", "seed-scale", "--participants", "5", "--days", "30"])
    assert result.exit_code == 0, result.output
    runs = db.session.scalars(select(CheckRun).order_by(CheckRun.id)).all()
    assert sum(run.compacted for run in runs) == len(runs) - 2 * len({(r.zone_id, r.resolver_id) for r in runs})
    assert compact_history() == 0  # already as compaction leaves them
    zone = db.session.scalars(select(Zone)).first()
    verdicts = [run.verdict_map for run in runs if run.zone_id == zone.id]
    assert len(verdicts) == 30 and all(len(v) == len(ZONE_CHECKS) for v in verdicts)
    auth.login_as(make_user(organisation=zone.organisation))
    assert client.get(f"/dashboard/zones/{zone.id}/report").status_code == 200
