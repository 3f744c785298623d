"""Every public page asks the database the same number of questions with 3 participants as with 30: no
page's cost grows with the directory (a query per row, a lazy load per target, a count over everything)."""
from __future__ import annotations

from kindns.directory.services import clear_leaderboard_cache
from tests.conformance.factories import make_run
from tests.factories import make_organisation
from tests.helpers import sql_statements

COUNTRIES = ("BR", "PY", "KE", "FR", "JP", "US")
PAGES = [
    "/", "/participants", "/participants?region=LAC", "/participants?country=BR&category=sld-zones",
    "/participants?q=operator", "/participants?page=2", "/participants?page=2&after={last_id}",
    "/participants?region=LAC&champion=1", "/participants/{slug}", "/champions", "/leaderboard",
    "/badge/{slug}.svg", "/api/v1/participants", "/api/v1/participants?page=2&after={last_id}",
    "/api/v1/participants/{slug}", "/api/v1/participants/{slug}/checks", "/api/v1/champions",
    "/api/v1/leaderboard", "/api/v1/regions", "/api/v1/participants.csv",
]


def _registry(count: int) -> dict[str, object]:
    """`count` approved participants, each with two zones and a resolver measured twice; a third of them
    champions."""
    orgs = []
    for n in range(count):
        org = make_organisation(f"Operator {n:03}", country=COUNTRIES[n % len(COUNTRIES)], approved=True,
                                categories=("sld-zones", "public-resolvers"), champion="Teaches" if n % 3 == 0 else None,
                                zones=(f"a{n}.example", f"b{n}.example"), resolvers=(f"192.0.2.{n + 1}",))
        for row in (*org.zones, *org.resolvers):
            make_run(row, default="warn")
            make_run(row, {"axfr-restricted": "fail"} if row in org.zones and n % 4 == 0 else {})
        orgs.append(org)
    return {"slug": orgs[0].slug, "last_id": sorted(orgs, key=lambda o: o.name)[1].id}


def _statements(client, values) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        # Lists show a page of 25, except second pages, which must exist with 3 participants too.
        client.application.config["KINDNS_PAGE_SIZE"] = 2 if "page=2" in page else 25
        clear_leaderboard_cache()  # each page pays for the leaderboard it reads, as the first after a change
        url = page.format(**values)
        with sql_statements() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[page] = len(statements)
    return counts


def test_no_public_page_asks_more_of_the_database_when_the_directory_grows(app, client):
    small = _statements(client, _registry(3))
    large = _statements(client, _registry(27))  # 30 participants in all
    assert large == small
    # And none asks much: a page reads its rows, their details and the stored standings.
    assert max(small.values()) <= 12, small
