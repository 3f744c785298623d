"""The directory services, called directly: who is public, filters, search, pagination, champions."""
import pytest

from kindns.directory import services
from kindns.directory.services import Filters, export_rows, get_participant, search_participants
from kindns.models import OrganisationStatus
from tests.factories import make_organisation

UNPUBLISHED = [s.value for s in OrganisationStatus if s is not OrganisationStatus.APPROVED]


def names(page):
    return [org.name for org in page.items]


@pytest.mark.parametrize("status", UNPUBLISHED)
def test_only_approved_organisations_are_listed(app, status):
    make_organisation("Listed", approved=True)
    hidden = make_organisation("Hidden", status=status, champion="A champion in waiting")
    assert names(search_participants()) == ["Listed"]
    assert search_participants().total == 1
    assert get_participant(hidden.slug) is None
    assert all(not group for group in services.champions_by_region().values())


def test_filter_by_region_country_and_category(app):
    make_organisation("Brazil zones", country="BR", approved=True, categories=("sld-zones",))
    make_organisation("Brazil resolvers", country="BR", approved=True, categories=("shared-resolvers",))
    make_organisation("Paraguay resolvers", country="PY", approved=True, categories=("shared-resolvers",))
    make_organisation("Kenya zones", country="KE", approved=True, categories=("critical-zones", "sld-zones"))

    assert names(search_participants(region="LAC")) == ["Brazil resolvers", "Brazil zones", "Paraguay resolvers"]
    assert names(search_participants(region="AF")) == ["Kenya zones"]
    assert names(search_participants(region="NA")) == []
    assert names(search_participants(country="PY")) == ["Paraguay resolvers"]
    assert names(search_participants(category="sld-zones")) == ["Brazil zones", "Kenya zones"]
    assert names(search_participants(region="LAC", category="shared-resolvers", country="BR")) == [
        "Brazil resolvers"]


def test_an_organisation_with_two_categories_is_listed_once(app):
    make_organisation("Both", approved=True, categories=("sld-zones", "shared-resolvers"))
    page = search_participants()
    assert page.total == 1 and names(page) == ["Both"]


def test_search_is_case_insensitive_and_matches_inside_the_name(app):
    make_organisation("Registro NIC Brasil", approved=True)
    make_organisation("Other", approved=True)
    assert names(search_participants(q="nic")) == ["Registro NIC Brasil"]
    assert names(search_participants(q="BRASIL")) == ["Registro NIC Brasil"]
    assert names(search_participants(q="zzz")) == []


def test_search_forgives_accents_case_and_word_order(app):
    make_organisation("Solução Redes Ltda", approved=True)
    make_organisation("Compañía Paraguaya de Comunicaciones", approved=True)
    make_organisation("Société Ivoirienne", approved=True)
    assert names(search_participants(q="Solucao")) == ["Solução Redes Ltda"]
    assert names(search_participants(q="redes  SOLUÇÃO")) == ["Solução Redes Ltda"]
    assert names(search_participants(q="compania paraguaya")) == ["Compañía Paraguaya de Comunicaciones"]
    assert names(search_participants(q="SOCIETE")) == ["Société Ivoirienne"]
    assert names(search_participants(q="solucao ivoirienne")) == []


def test_search_follows_a_change_of_name(app):
    from kindns.extensions import db

    org = make_organisation("Old Name", approved=True)
    org.name = "Conexão Nova"
    db.session.commit()
    assert names(search_participants(q="conexao")) == ["Conexão Nova"]
    assert names(search_participants(q="old")) == []


@pytest.mark.parametrize(("q", "expected"), [
    ("%", ["100% Uptime"]),
    ("_", ["Under_score"]),
    ("0%", ["100% Uptime"]),
    ("r_s", ["Under_score"]),
    ("\\", ["Back\\slash"]),
])
def test_like_wildcards_in_the_search_text_are_taken_literally(app, q, expected):
    for name in ("100% Uptime", "Under_score", "Back\\slash", "Plain rest", "Urbs"):
        make_organisation(name, approved=True)
    assert names(search_participants(q=q)) == expected


def test_results_are_ordered_by_name_ignoring_case(app):
    for name in ("beta", "Alpha", "gamma", "Delta"):
        make_organisation(name, approved=True)
    assert names(search_participants()) == ["Alpha", "beta", "Delta", "gamma"]


def test_pagination_boundaries(app):
    for letter in "ABCDE":
        make_organisation(f"Operator {letter}", approved=True)
    first = search_participants(page=1, per_page=2)
    assert (names(first), first.total, first.page, first.pages) == (["Operator A", "Operator B"], 5, 1, 3)
    last = search_participants(page=3, per_page=2)
    assert names(last) == ["Operator E"] and last.pages == 3
    beyond = search_participants(page=4, per_page=2)
    assert beyond.items == [] and beyond.total == 5 and beyond.page == 4
    exact = search_participants(page=1, per_page=5)
    assert exact.pages == 1 and len(exact.items) == 5


def test_page_size_defaults_to_the_configured_one(app):
    app.config["KINDNS_PAGE_SIZE"] = 3
    for n in range(4):
        make_organisation(f"Operator {n}", approved=True)
    page = search_participants()
    assert len(page.items) == 3 and page.pages == 2


def test_an_empty_directory_has_one_empty_page(app):
    page = search_participants()
    assert (page.items, page.total, page.page, page.pages) == ([], 0, 1, 1)


def test_export_rows_are_every_match_with_its_lists_and_standing_and_ignore_the_page(app):
    from tests.conformance.factories import make_run

    for n in range(5):
        make_organisation(f"Operator {n}", approved=True, country="BR")
    measured = make_organisation("Operator 9", approved=True, country="BR", zones=("b.example", "a.example"),
                                 resolvers=("192.0.2.9", "192.0.2.10"), categories=("sld-zones", "critical-zones"))
    make_run(measured.zones[0])
    make_organisation("Elsewhere", approved=True, country="KE")
    make_organisation("Draft", country="BR")
    rows = list(export_rows(Filters(region="LAC", page=9)))
    assert [row.name for row in rows] == [f"Operator {n}" for n in (0, 1, 2, 3, 4, 9)]
    assert (rows[0].zones, rows[0].resolvers, rows[0].conformance) == (None, None, "not-checked")
    last = rows[-1]
    assert (last.categories, last.zones, last.resolvers, last.conformance) == (
        "critical-zones sld-zones", "a.example b.example", "192.0.2.10 192.0.2.9", "not-measured")


def test_get_participant_loads_what_the_page_shows(app):
    org = make_organisation("NIC", approved=True, zones=("br",), resolvers=("192.0.2.53",),
                            categories=("critical-zones",), champion="Promotes KINDNS")
    found = get_participant(org.slug)
    assert found.name == "NIC"
    assert [z.name for z in found.zones] == ["br"]
    assert [r.address for r in found.resolvers] == ["192.0.2.53"]
    assert found.category_ids == ["critical-zones"]
    assert get_participant("no-such-slug") is None


def test_champions_are_grouped_by_region_with_every_region_present(app):
    make_organisation("Tempus", country="PY", approved=True, champion="LAC champion")
    make_organisation("Acme", country="BR", approved=True, champion="LAC champion")
    make_organisation("Not a champion", country="BR", approved=True)
    make_organisation("Kenyan champion", country="KE", approved=True, champion="AF champion")
    groups = services.champions_by_region()
    assert list(groups) == [standing.region for standing in services.leaderboard()] == ["LAC", "AF", "AP", "EU", "NA"]
    assert [o.name for o in groups["LAC"]] == ["Acme", "Tempus"]
    assert [o.name for o in groups["AF"]] == ["Kenyan champion"]
    assert groups["EU"] == [] and groups["NA"] == [] and groups["AP"] == []
    only_lac = services.champions_by_region("LAC")
    assert list(only_lac) == ["LAC"] and len(only_lac["LAC"]) == 2
