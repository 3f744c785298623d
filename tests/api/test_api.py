"""JSON API v1 and the CSV export."""
import csv
import io
from datetime import datetime, timezone

import pytest

from kindns.extensions import db
from tests.factories import make_organisation

FIELDS = {"slug", "name", "country", "region", "categories", "champion", "zones", "resolvers", "approved_at",
          "conformance"}


def approved_on(org, moment):
    org.approved_at = moment
    db.session.commit()
    return org


def test_participants_list_has_the_stable_fields(client):
    org = make_organisation("NIC Example", country="BR", approved=True, categories=("critical-zones", "sld-zones"),
                            zones=("br", "nic.br"), resolvers=("192.0.2.1", "2001:db8::53"))
    approved_on(org, datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc))
    response = client.get("/api/v1/participants")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert {"items", "total", "page"} <= set(body)
    assert (body["total"], body["page"]) == (1, 1)
    item = body["items"][0]
    assert set(item) == FIELDS
    assert item == {
        "slug": org.slug, "name": "NIC Example", "country": "BR", "region": "LAC",
        "categories": ["critical-zones", "sld-zones"], "champion": False, "zones": ["br", "nic.br"],
        "resolvers": ["192.0.2.1", "2001:db8::53"], "approved_at": "2024-03-01T12:30:15Z",
        "conformance": "not-checked",
    }
    assert org.contact_email not in response.get_data(as_text=True)


def test_participants_list_filters_and_pages(client, app):
    app.config["KINDNS_PAGE_SIZE"] = 2
    for n in range(3):
        make_organisation(f"Brazil {n}", country="BR", approved=True)
    make_organisation("Kenya", country="KE", approved=True, categories=("shared-resolvers",))
    make_organisation("Draft", country="BR")
    body = client.get("/api/v1/participants?region=LAC&page=2").get_json()
    assert (body["total"], body["page"]) == (3, 2)
    assert [i["name"] for i in body["items"]] == ["Brazil 2"]
    assert [i["name"] for i in client.get("/api/v1/participants?category=shared-resolvers").get_json()["items"]] \
        == ["Kenya"]
    assert client.get("/api/v1/participants?country=KE&q=ken").get_json()["total"] == 1
    assert client.get("/api/v1/participants?q=draft").get_json()["total"] == 0


def test_participants_are_found_without_accents(client):
    make_organisation("Solução Telecom", country="BR", approved=True)
    make_organisation("Other Telecom", country="BR", approved=True)
    body = client.get("/api/v1/participants?q=Solucao").get_json()
    assert [i["name"] for i in body["items"]] == ["Solução Telecom"]
    assert client.get("/api/v1/participants?q=telecom%20solucao").get_json()["total"] == 1


@pytest.mark.parametrize(("query", "field"), [
    ("region=XX", "region"), ("page=abc", "page"), ("page=0", "page"), ("country=ZZ", "country"),
    ("category=nope", "category"), ("q=" + "x" * 101, "q"),
])
def test_bad_input_is_a_400_json_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/participants?{query}")
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert body["field"] == field and body["error"]
    csv_response = client.get(f"/api/v1/participants.csv?{query}")
    assert csv_response.status_code == 400 and csv_response.get_json()["field"] == field


def test_one_participant_and_its_404(client):
    org = make_organisation("Tempus", country="PY", approved=True, champion="Promotes KINDNS")
    body = client.get(f"/api/v1/participants/{org.slug}").get_json()
    assert FIELDS <= set(body)
    assert body["champion"] is True and body["citation"] == "Promotes KINDNS"
    response = client.get("/api/v1/participants/no-such-slug")
    assert response.status_code == 404 and response.is_json and "error" in response.get_json()
    draft = make_organisation("Draft")
    assert client.get(f"/api/v1/participants/{draft.slug}").status_code == 404


def test_champions_have_the_participant_fields_and_a_citation(client):
    make_organisation("Tempus", country="PY", approved=True, champion="Promotes KINDNS in Paraguay")
    make_organisation("Savanna", country="KE", approved=True, champion="Promotes KINDNS in Kenya")
    make_organisation("Plain", country="BR", approved=True)
    make_organisation("Pending", country="BR", status="submitted", champion="Not yet")
    body = client.get("/api/v1/champions").get_json()
    assert body["total"] == 2 and body["page"] == 1
    assert all(set(item) == FIELDS | {"citation"} for item in body["items"])
    assert [i["name"] for i in body["items"]] == ["Savanna", "Tempus"]
    lac = client.get("/api/v1/champions?region=lac").get_json()
    assert [(i["name"], i["citation"]) for i in lac["items"]] == [("Tempus", "Promotes KINDNS in Paraguay")]
    assert client.get("/api/v1/champions?region=XX").status_code == 400


def test_leaderboard_in_rank_order(client):
    make_organisation(country="BR", approved=True, champion="c")
    make_organisation(country="PY", approved=True)
    make_organisation(country="KE", approved=True)
    body = client.get("/api/v1/leaderboard").get_json()
    regions = body["regions"]
    assert [r["region"] for r in regions] == ["LAC", "AF", "AP", "EU", "NA"]
    assert {"region", "name", "participants", "champions", "countries"} <= set(regions[0])
    assert (regions[0]["participants"], regions[0]["champions"], regions[0]["countries"]) == (2, 1, 2)
    assert regions[0]["name"] == "Latin America and the Caribbean"
    assert regions[-1]["participants"] == 0


def test_regions_lists_the_five_regions(client):
    make_organisation(country="KE", approved=True)
    body = client.get("/api/v1/regions").get_json()
    assert [r["region"] for r in body["items"]] == ["AF", "AP", "EU", "LAC", "NA"]
    assert body["items"][0]["participants"] == 1 and body["total"] == 5


def test_csv_download_has_a_header_the_same_fields_and_the_filters(client):
    org = make_organisation("NIC Example", country="BR", approved=True, categories=("critical-zones", "sld-zones"),
                            zones=("br", "nic.br"), resolvers=("192.0.2.1",), champion="c")
    approved_on(org, datetime(2024, 3, 1, tzinfo=timezone.utc))
    make_organisation("Kenya", country="KE", approved=True)
    make_organisation("Draft", country="BR")
    response = client.get("/api/v1/participants.csv?region=LAC")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith("\ufeffslug,".encode())  # spreadsheets then read it as UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["slug", "name", "country", "region", "categories", "champion", "zones", "resolvers",
                       "approved_at", "conformance"]
    assert rows[1:] == [[org.slug, "NIC Example", "BR", "LAC", "critical-zones sld-zones", "true", "br nic.br",
                         "192.0.2.1", "2024-03-01T00:00:00Z", "not-checked"]]


def test_csv_has_accents_and_each_participants_standing(client):
    from tests.conformance.factories import make_run

    verified = make_organisation("Solução Redes", country="BR", approved=True, zones=("a.example",))
    make_run(verified.zones[0])
    failing = make_organisation("Réseau Ouest", country="FR", approved=True, zones=("b.example",))
    make_run(failing.zones[0], {"axfr-restricted": "fail"})
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/participants.csv").data.decode("utf-8-sig"))))
    assert [(row[1], row[-1]) for row in rows[1:]] == [("Réseau Ouest", "not-verified"), ("Solução Redes", "verified")]


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_neutralises_formulas(client, name):
    make_organisation(name, approved=True)
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/participants.csv").data.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + name


def test_get_responses_are_open_to_any_origin(client):
    assert client.get("/api/v1/participants").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/participants.csv").headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/v1/leaderboard").headers["Access-Control-Allow-Origin"] == "*"


def test_unknown_paths_and_wrong_methods_answer_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    response = client.post("/api/v1/participants")
    assert response.status_code == 405 and response.is_json
    assert "GET" in response.headers["Allow"]
    response = client.delete("/api/v1/participants/some-slug")
    assert response.status_code == 405 and response.is_json


def test_the_api_index_lists_the_endpoints(client):
    body = client.get("/api/v1/").get_json()
    assert body["participants"].endswith("/api/v1/participants")
    assert body["participant"].endswith("/api/v1/participants/{slug}")


def test_rate_limit_answers_429_json(client, app):
    app.config["KINDNS_API_RATE_LIMIT"] = "2/minute"
    assert client.get("/api/v1/regions").status_code == 200
    assert client.get("/api/v1/regions").status_code == 200
    response = client.get("/api/v1/regions")
    assert response.status_code == 429 and response.is_json
    assert set(response.get_json()) == {"error"}  # the API's own error shape, not the site-wide one
    assert response.headers["Retry-After"]


def test_a_client_walks_every_page_by_the_next_links(client, app):
    app.config["KINDNS_PAGE_SIZE"] = 2
    for name in ("Echo", "delta", "Alpha", "charlie", "Bravo"):
        make_organisation(name, country="BR", approved=True, champion="Teaches" if name in "AlphaEcho" else None)
    names, url, pages = [], "/api/v1/participants?region=LAC", 0
    while url:
        body = client.get(url).get_json()
        names += [item["name"] for item in body["items"]]
        pages, url = pages + 1, body["next"]
        assert body["total"] == 5 and body["pages"] == 3 and body["page"] == pages
    assert names == ["Alpha", "Bravo", "charlie", "delta", "Echo"]
    champions = client.get("/api/v1/champions?region=LAC").get_json()
    assert [item["name"] for item in champions["items"]] == ["Alpha", "Echo"] and champions["next"] is None
