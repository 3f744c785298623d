"""The public pages through the test client."""
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from kindns.models import OrganisationStatus
from tests.factories import make_organisation

PAYLOAD = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def text(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/participants", "/champions", "/leaderboard"])
def test_pages_render_on_an_empty_registry(client, path):
    assert client.get(path).status_code == 200


def test_home_page_shows_totals_the_leading_region_and_a_search_box(client):
    make_organisation("A", country="BR", approved=True, champion="LAC champion")
    make_organisation("B", country="PY", approved=True)
    make_organisation("C", country="KE", approved=True)
    html = text(client.get("/"))
    assert "<dd>3</dd>" in html and "<dd>1</dd>" in html
    assert "Latin America and the Caribbean leads with 2 participants" in html
    assert 'action="/participants"' in html and 'name="q"' in html


def test_participants_page_filters_and_counts(client):
    make_organisation("Brazilian Operator", country="BR", approved=True, categories=("sld-zones",))
    make_organisation("Kenyan Operator", country="KE", approved=True, categories=("shared-resolvers",))
    make_organisation("Draft Operator", country="BR")
    html = text(client.get("/participants"))
    assert "Brazilian Operator" in html and "Kenyan Operator" in html and "Draft Operator" not in html
    assert "2 participants" in html
    html = text(client.get("/participants?region=LAC"))
    assert "Brazilian Operator" in html and "Kenyan Operator" not in html
    assert '<option value="LAC" selected>' in html
    html = text(client.get("/participants?category=shared-resolvers"))
    assert "Kenyan Operator" in html and "Brazilian Operator" not in html
    html = text(client.get("/participants?country=KE&q=kenyan"))
    assert "Kenyan Operator" in html and "1 participant match" in html
    html = text(client.get("/participants?q=nobody"))
    assert "No participant matches" in html


def test_bad_filters_answer_400_with_the_message(client):
    response = client.get("/participants?region=XX")
    assert response.status_code == 400
    assert "Unknown region" in text(response)
    response = client.get("/participants?page=abc")
    assert response.status_code == 400
    assert "The page must be a whole number" in text(response)


class _AnyId(str):
    def __eq__(self, other):
        return isinstance(other, str) and other.isdigit()

    __hash__ = str.__hash__


ANY_ID = _AnyId()


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_pagination_links_keep_the_filters(client, app):
    app.config["KINDNS_PAGE_SIZE"] = 2
    for n in range(5):
        make_organisation(f"Operator {n}", country="BR", approved=True)
    html = text(client.get("/participants?region=LAC&q=operator"))
    assert "Page 1 of 3" in html
    assert _query(_link(html, "next")) == {"page": "2", "region": "LAC", "q": "operator", "after": ANY_ID}
    html = text(client.get("/participants?region=LAC&q=operator&page=3"))
    assert "Operator 4" in html and "Operator 0" not in html
    assert _query(_link(html, "prev")) == {"page": "2", "region": "LAC", "q": "operator", "before": ANY_ID}


def test_next_and_previous_links_walk_every_page_from_the_index(client, app):
    app.config["KINDNS_PAGE_SIZE"] = 2
    for name in ("Échelle", "delta", "Alpha", "charlie", "Bravo"):
        make_organisation(name, country="BR", approved=True)
    make_organisation("Elsewhere", country="KE", approved=True)
    seen, url = [], "/participants?region=LAC"
    while url:
        html = text(client.get(url))
        seen.append(re.findall(r'<a href="/participants/operator-\d+">([^<]+)</a>', html))
        url = _link(html, "next")
    assert seen == [["Alpha", "Bravo"], ["charlie", "delta"], ["Échelle"]]
    html = text(client.get(_link(html, "prev")))
    assert "Page 2 of 3" in html and re.findall(r'<a href="/participants/operator-\d+">([^<]+)</a>', html) == [
        "charlie", "delta"]
    # A cursor mangled by hand is ignored: the page number serves.
    html = text(client.get("/participants?region=LAC&page=2&after=x"))
    assert re.findall(r'<a href="/participants/operator-\d+">([^<]+)</a>', html) == ["charlie", "delta"]


def test_participant_page_shows_categories_zones_resolvers_champion_and_contact(client):
    org = make_organisation("NIC Example", approved=True, categories=("critical-zones",),
                            zones=("br", "xn--bcher-kva.example"),
                            resolvers=("192.0.2.53",), champion="Promotes KINDNS in the region")
    org.contact_name = "Ana Souza"
    from kindns.extensions import db
    db.session.commit()
    html = text(client.get(f"/participants/{org.slug}"))
    assert "NIC Example" in html
    assert "Authoritative: critical zones" in html
    assert "<li><code>br</code></li>" in html and "<li>192.0.2.53</li>" in html
    # An internationalised name reads in Unicode, with its A-label beside.
    assert 'bücher.example <code class="a-label">xn--bcher-kva.example</code>' in html
    assert "Promotes KINDNS in the region" in html and "Champion" in html
    assert "Ana Souza" in html and org.contact_email in html
    assert "<time datetime=" in html


def test_contacts_are_not_shown_in_lists(client):
    org = make_organisation("Listed", approved=True, champion="Champion")
    for path in ("/participants", "/champions", "/leaderboard", "/"):
        assert org.contact_email not in text(client.get(path))


def test_unknown_and_unapproved_participants_are_not_found(client):
    assert client.get("/participants/no-such-slug").status_code == 404
    for status in OrganisationStatus:
        if status is not OrganisationStatus.APPROVED:
            org = make_organisation(status=status.value)
            response = client.get(f"/participants/{org.slug}")
            assert response.status_code == 404
            assert org.name not in text(response)


def test_champions_page_groups_champions_by_region_with_citations(client):
    make_organisation("Tempus", country="PY", approved=True, champion="Promotes KINDNS in Paraguay")
    make_organisation("Savanna", country="KE", approved=True, champion="Promotes KINDNS in Kenya")
    make_organisation("Plain", country="BR", approved=True)
    make_organisation("Pending", country="BR", status="submitted", champion="Not yet")
    html = text(client.get("/champions"))
    assert "Promotes KINDNS in Paraguay" in html and "Promotes KINDNS in Kenya" in html
    assert "Plain" not in html and "Pending" not in html
    # Regions in leaderboard order: Latin America has more participants.
    assert html.index("Latin America") < html.index("Tempus") < html.index("Africa") < html.index("Savanna")
    assert "No champion in this region yet" in html


def test_champions_page_shows_the_first_of_a_region_and_links_to_the_rest(client, monkeypatch):
    from kindns.directory import services

    monkeypatch.setattr(services, "CHAMPIONS_SHOWN", 2)
    for name in ("Delta", "Alpha", "Charlie", "Bravo"):
        make_organisation(name, country="BR", approved=True, champion=f"{name} teaches DNSSEC")
    make_organisation("Plain", country="BR", approved=True)
    html = text(client.get("/champions"))
    assert "Alpha" in html and "Bravo" in html and "Charlie" not in html
    link = re.search(r'<a href="([^"]+)">and 2 more</a>', html).group(1).replace("&amp;", "&")
    assert _query(link) == {"region": "LAC", "champion": "1"}
    listed = text(client.get(link))
    assert "4 participants" in listed
    assert all(name in listed for name in ("Alpha", "Bravo", "Charlie", "Delta")) and "Plain" not in listed


def test_leaderboard_page_has_the_table_the_chart_and_the_breakdown(client):
    make_organisation(country="BR", approved=True)
    make_organisation(country="PY", approved=True)
    make_organisation(country="KE", approved=True)
    html = text(client.get("/leaderboard"))
    assert html.count('<rect class="bar"') == 5
    assert 'role="img"' in html
    assert html.index("Latin America and the Caribbean") < html.index("Africa")
    assert "Paraguay" in html and "Brazil" in html and "Kenya" in html
    assert "No participant in this region yet" in html


@pytest.mark.parametrize("path", ["/participants", "/participants?q=script", "/champions", "DETAIL"])
def test_script_in_a_name_is_escaped(client, path):
    org = make_organisation(PAYLOAD, approved=True, champion=PAYLOAD)
    org.contact_name = PAYLOAD
    from kindns.extensions import db
    db.session.commit()
    html = text(client.get(f"/participants/{org.slug}" if path == "DETAIL" else path))
    assert PAYLOAD not in html
    assert ESCAPED in html


def test_leaderboard_page_is_escaped_and_well_formed_svg(client):
    import xml.etree.ElementTree as ET

    make_organisation(PAYLOAD, approved=True)
    html = text(client.get("/leaderboard"))
    assert "<script" not in html
    svg = html[html.index("<svg"):html.index("</svg>") + len("</svg>")]
    assert len(ET.fromstring(svg).findall(".//{http://www.w3.org/2000/svg}rect")) == 5
