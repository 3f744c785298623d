"""The app-wide error pages: every refusal has a page in the site's layout with words for people, and a
short JSON answer under /api/."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden

from tests.factories import make_user


@pytest.fixture
def failing_routes(app):
    """Two routes of this test's own: one that breaks, one that refuses."""
    def boom():
        raise RuntimeError("a bug")

    def refuse():
        raise Forbidden()

    app.add_url_rule("/boom", view_func=boom)
    app.add_url_rule("/refuse", view_func=refuse)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not the traceback


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_an_unknown_page_is_a_404_page_in_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = _page(response)
    assert "<h1>Not found</h1>" in page and "There is no page at this address." in page
    assert "KINDNS Registry" in page  # the site's header: the visitor is still on the site


def test_a_bug_gives_the_500_page_and_no_traceback(client, failing_routes):
    response = client.get("/boom")
    assert response.status_code == 500
    page = _page(response)
    assert "Something went wrong" in page and "Traceback" not in page and "a bug" not in page


def test_a_refusal_gives_the_403_page(client, failing_routes):
    response = client.get("/refuse")
    assert response.status_code == 403 and "Not allowed" in _page(response)


def test_staff_pages_refuse_operators_with_the_403_page(client, auth):
    auth.login_as(make_user())
    response = client.get("/admin/")
    assert response.status_code == 403 and "<h1>Not allowed</h1>" in _page(response)


def test_a_form_without_its_token_gets_the_csrf_page(client, auth):
    auth.login_as(make_user())
    response = client.post("/dashboard/zones", data={"entries": "example.org"})
    assert response.status_code == 400 and "The form could not be accepted" in _page(response)


def test_a_too_large_request_gets_the_413_page(client):
    response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413 and "Too much data" in _page(response)


def test_errors_under_the_api_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert client.post("/api/v1/participants").get_json()["error"]
