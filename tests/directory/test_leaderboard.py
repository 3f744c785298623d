"""The regional leaderboard: ranking, every tie-break rule, zeros, breakdown, and its cache."""
from sqlalchemy import update

from kindns.directory import services
from kindns.directory.services import clear_leaderboard_cache, leaderboard
from kindns.extensions import db
from kindns.models import Organisation, OrganisationStatus
from tests.factories import make_organisation


def order():
    return [s.region for s in leaderboard()]


def by_region():
    return {s.region: s for s in leaderboard()}


def test_an_empty_registry_lists_all_five_regions_with_zeros_in_code_order(app):
    standings = leaderboard()
    assert [s.region for s in standings] == ["AF", "AP", "EU", "LAC", "NA"]
    assert all((s.participants, s.champions, s.countries, s.breakdown) == (0, 0, 0, ()) for s in standings)


def test_regions_are_ranked_by_participants(app):
    for country in ("BR", "BR", "PY"):
        make_organisation(country=country, approved=True)
    for country in ("DE", "FR"):
        make_organisation(country=country, approved=True)
    make_organisation(country="KE", approved=True)
    assert order() == ["LAC", "EU", "AF", "AP", "NA"]
    lac = by_region()["LAC"]
    assert (lac.participants, lac.countries) == (3, 2)


def test_tie_on_participants_is_broken_by_champions(app):
    # AF would come first on the code; EU's champion puts it ahead.
    make_organisation(country="KE", approved=True)
    make_organisation(country="KE", approved=True)
    make_organisation(country="DE", approved=True, champion="Promotes KINDNS")
    make_organisation(country="DE", approved=True)
    assert order()[:2] == ["EU", "AF"]


def test_tie_on_participants_and_champions_is_broken_by_countries(app):
    # AF would come first on the code; AP's two countries put it ahead.
    make_organisation(country="KE", approved=True)
    make_organisation(country="KE", approved=True)
    make_organisation(country="JP", approved=True)
    make_organisation(country="AU", approved=True)
    assert order()[:2] == ["AP", "AF"]
    assert by_region()["AP"].countries == 2 and by_region()["AF"].countries == 1


def test_a_full_tie_is_broken_by_region_code(app, monkeypatch):
    # Regions listed in another order, so the rule is what decides, not the order of the REGIONS table.
    monkeypatch.setattr(services, "REGIONS", dict(reversed(services.REGIONS.items())))
    make_organisation(country="US", approved=True)
    make_organisation(country="KE", approved=True)
    make_organisation(country="DE", approved=True)
    assert order() == ["AF", "EU", "NA", "AP", "LAC"]


def test_unapproved_organisations_are_never_counted(app):
    for status in OrganisationStatus:
        if status is not OrganisationStatus.APPROVED:
            make_organisation(country="US", status=status.value, champion="Not yet")
    make_organisation(country="KE", approved=True)
    na = by_region()["NA"]
    assert (na.participants, na.champions, na.countries, na.breakdown) == (0, 0, 0, ())
    assert order()[0] == "AF"


def test_each_region_has_a_country_breakdown(app):
    make_organisation(country="PY", approved=True, champion="LAC champion")
    make_organisation(country="BR", approved=True)
    make_organisation(country="BR", approved=True, champion="LAC champion")
    make_organisation(country="AR", approved=True)
    lac = by_region()["LAC"]
    assert (lac.participants, lac.champions, lac.countries) == (4, 2, 3)
    # Countries by participants, then champions, then name.
    assert [(c.country, c.participants, c.champions) for c in lac.breakdown] == [
        ("BR", 2, 1), ("PY", 1, 1), ("AR", 1, 0)]


def test_the_leaderboard_is_cached_until_cleared(app):
    make_organisation(country="KE", approved=True)
    assert by_region()["AF"].participants == 1
    # A change the ORM session does not see (plain SQL, another process) waits for the cache.
    db.session.execute(update(Organisation).values(status=OrganisationStatus.DRAFT.value))
    db.session.commit()
    assert by_region()["AF"].participants == 1
    clear_leaderboard_cache()
    assert by_region()["AF"].participants == 0


def test_the_cache_expires(app, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(services, "_clock", lambda: now[0])
    make_organisation(country="KE", approved=True)
    assert by_region()["AF"].participants == 1
    db.session.execute(update(Organisation).values(status=OrganisationStatus.DRAFT.value))
    db.session.commit()
    now[0] += services.DEFAULT_CACHE_SECONDS - 1
    assert by_region()["AF"].participants == 1
    now[0] += 2
    # The first reader after the period still gets the standings it had, while new ones are computed aside.
    assert by_region()["AF"].participants == 1
    services.wait_for_refresh()
    assert by_region()["AF"].participants == 0


def test_a_change_through_the_session_clears_the_cache_at_once(app):
    org = make_organisation(country="KE")
    assert by_region()["AF"].participants == 0
    org.status = OrganisationStatus.APPROVED.value
    db.session.commit()
    assert by_region()["AF"].participants == 1


def test_totals_add_up_the_regions_and_name_the_leader(app):
    assert services.totals().leader is None
    make_organisation(country="BR", approved=True, champion="LAC champion")
    make_organisation(country="PY", approved=True)
    make_organisation(country="KE", approved=True)
    totals = services.totals()
    assert (totals.participants, totals.champions, totals.countries) == (3, 1, 3)
    assert totals.leader.region == "LAC"
