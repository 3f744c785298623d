"""Numbers in URLs that no database row can have: every id in a path and in a query argument answers 404,
pages are clamped, and nothing raises (ids past an INTEGER column's range used to reach the database and
fail: OverflowError on SQLite, "integer out of range" on PostgreSQL). The routes are read from the app's
own URL map, so a new route with an id is covered too."""
from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from kindns import create_app
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_token_from

HUGE_IDS = [2**31, 2**63, int("9" * 40)]


def _rules_with_ids() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
                  for method in rule.methods - {"HEAD", "OPTIONS"})


RULES_WITH_IDS = _rules_with_ids()


def _path_with_id(app, rule_text: str, number: int) -> str:
    """The rule's path with `number` for every id, and a value its converter accepts for anything else."""
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    values = {}
    for name, converter in rule._converters.items():  # Werkzeug keeps a rule's converters there
        if isinstance(converter, IntegerConverter):
            values[name] = number
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return rule.build(values)[1]


def test_the_walk_finds_the_routes_with_ids():
    rules = [rule for rule, _method in RULES_WITH_IDS]
    assert len(rules) >= 10
    for part in ("/admin/organisations/", "/admin/disputes/", "/dashboard/results/", "/invitations/"):
        assert any(part in rule for rule in rules), part


def _log_in_for(path: str, client, auth) -> None:
    """Staff for the staff area, the owner of an organisation elsewhere: someone the view would serve."""
    if path.startswith("/admin"):
        auth.login_as(make_user(is_staff=True))
    else:
        auth.login_as(make_user(organisation=make_organisation(zones=("huge.example.net",))))


@pytest.mark.parametrize("number", HUGE_IDS, ids=["2**31", "2**63", "40-digits"])
@pytest.mark.parametrize("rule,method", RULES_WITH_IDS)
def test_an_id_no_row_can_have_is_not_found(client, auth, rule, method, number):
    _log_in_for(rule, client, auth)
    path = _path_with_id(client.application, rule, number)
    data = {"csrf_token": csrf_token_from(client.get("/").data)} if method == "POST" else None

    response = client.open(path, method=method, data=data)

    assert response.status_code == 404, f"{method} {path}"


def test_the_largest_id_a_row_can_have_is_simply_not_found(client, auth):
    auth.login_as(make_user(is_staff=True))
    assert client.get(f"/admin/organisations/{2**31 - 1}").status_code == 404
    assert client.get(f"/dashboard/zones/{2**31 - 1}/report").status_code == 404


@pytest.mark.parametrize("organisation", [str(2**31), str(2**63), "9" * 5000, "-1", "abc"])
def test_an_audit_filter_on_an_organisation_that_cannot_exist_is_not_found(client, auth, organisation):
    auth.login_as(make_user(is_staff=True))
    assert client.get("/admin/audit", query_string={"organisation": organisation}).status_code == 404


@pytest.mark.parametrize("page", [str(2**63 - 1), str(2**63), "9" * 5000, "0", "-3", "two"])
def test_audit_pages_are_clamped(client, auth, page):
    auth.login_as(make_user(is_staff=True))
    response = client.get("/admin/audit", query_string={"page": page})
    assert response.status_code == 200
    assert "Audit log" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["9" * 5000, str(2**63)])
def test_a_directory_page_too_large_is_a_clear_error(client, page):
    html = client.get("/participants", query_string={"page": page})
    api = client.get("/api/v1/participants", query_string={"page": page})
    assert html.status_code == 400 and api.status_code == 400
    assert api.json["field"] == "page"
