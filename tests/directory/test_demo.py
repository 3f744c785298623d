"""The demo data commands: seed-demo and purge-demo."""
import pytest
from sqlalchemy import func, select

from kindns.demo.seed import DEMO_ORGANISATIONS
from kindns.directory.services import leaderboard
from kindns.extensions import db
from kindns.models import Organisation, Resolver, User, Zone
from tests.dnslab.fixture import dns_lab  # noqa: F401
from tests.factories import make_organisation, make_user

LAC_CHAMPIONS = {"PowerNet Solutions", "Solução Network", "i8 Digital Brazil", "RNP Brazil – EduDNS",
                 "Brazil Tecpar", "Intercol Brazil", "Tempus Group Paraguay"}


def count(model=Organisation):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_fills_an_empty_database_and_lac_leads(runner):
    result = runner.invoke(args=["kindns", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert count() == len(DEMO_ORGANISATIONS)
    orgs = list(db.session.scalars(select(Organisation)))
    assert all(o.is_demo and o.is_approved and o.approved_at for o in orgs)
    assert {o.name for o in orgs if o.is_champion} == LAC_CHAMPIONS
    assert all(o.champion_citation for o in orgs if o.is_champion)
    by_name = {o.name: o for o in orgs}
    assert by_name["Tempus Group Paraguay"].country == "PY"
    assert by_name["NIC.br"].country == "BR" and not by_name["NIC.br"].is_champion
    standings = leaderboard()
    assert standings[0].region == "LAC"
    assert all(s.participants > 0 for s in standings)
    assert {o.approved_at.year for o in orgs} == {2023, 2024, 2025}
    # Nothing a production worker would probe (no real zone or resolver), and no results are invented.
    assert count(Zone) == 0 and count(Resolver) == 0
    assert count(Resolver) == 0


def test_seed_demo_refuses_a_non_empty_database(runner):
    make_organisation("Real operator")
    result = runner.invoke(args=["kindns", "seed-demo"])
    assert result.exit_code != 0
    assert "already holds 1 organisation" in result.output
    assert count() == 1


def test_seed_demo_if_empty_does_nothing_on_a_non_empty_database(runner):
    make_organisation("Real operator")
    result = runner.invoke(args=["kindns", "seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "no demo data added" in result.output
    assert count() == 1


def test_seed_demo_if_empty_seeds_an_empty_database(runner):
    result = runner.invoke(args=["kindns", "seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert count() == len(DEMO_ORGANISATIONS)


def test_purge_demo_removes_demo_records_only(runner):
    assert runner.invoke(args=["kindns", "seed-demo"]).exit_code == 0
    demo_org = db.session.scalar(select(Organisation).where(Organisation.name == "NIC.br"))
    demo_user = make_user("demo@example.net", organisation=demo_org)
    demo_user.is_demo = True
    real_user = make_user("real@example.net", organisation=demo_org)
    db.session.commit()
    real_user_id = real_user.id
    db.session.expunge_all()
    make_organisation("Real operator", approved=True)

    result = runner.invoke(args=["kindns", "purge-demo"])
    assert result.exit_code == 0, result.output
    assert f"Deleted {len(DEMO_ORGANISATIONS)} demo organisation(s) and 1 demo user(s)" in result.output
    db.session.expire_all()
    assert [o.name for o in db.session.scalars(select(Organisation))] == ["Real operator"]
    assert [u.email for u in db.session.scalars(select(User))] == ["real@example.net"]
    assert db.session.get(User, real_user_id).organisation_id is None
    assert count(Zone) == 0
    assert [s.participants for s in leaderboard() if s.region == "LAC"] == [1]


@pytest.mark.dns
def test_the_demo_with_the_lab_measures_real_zones(app, runner, dns_lab, tmp_path):  # noqa: F811
    """`make demo`'s seeding: demo participants declare the lab's zones and resolvers and their checks are
    queued; measured, the well-run ones are verified and the broken ones are not."""
    import json

    from kindns.conformance.models import CheckRun
    from kindns.conformance.runs import execute_run
    from kindns.conformance.standing import participant_conformance
    from tests.dnslab.serve import facts_of

    app.config.update(facts_of(dns_lab)["settings"])
    facts = tmp_path / "lab.json"
    facts.write_text(json.dumps(facts_of(dns_lab)))
    result = runner.invoke(args=["kindns", "seed-demo", "--lab", str(facts)])
    assert result.exit_code == 0, result.output
    queued = db.session.scalars(select(CheckRun)).all()
    assert f"{len(queued)} checks are queued" in result.output
    lab_addresses = set(dns_lab.resolvers.values())
    assert all(r.target.endswith("." + dns_lab.tld) or r.target.startswith(dns_lab.resolvers["closed"][:8])
               or r.target in lab_addresses for r in queued)  # nothing but the lab is declared
    measured = [dns_lab.zones["good"], dns_lab.zones["expired-sigs"]]  # two of them are enough to show it
    for run in queued:
        if run.target in measured:
            execute_run(run.id)
    by_name = {o.name: o for o in db.session.scalars(select(Organisation))}
    assert participant_conformance(by_name["NIC.br"]).status == "verified"  # the well-run zone
    nordlys = participant_conformance(by_name["Nordlys Hosting"])  # expired signatures
    assert nordlys.status == "not-verified"
    assert ("expired-sigs." + dns_lab.tld, "dnssec-signature-expiry", "fail") in nordlys.failing
