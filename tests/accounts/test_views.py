"""Account pages through the test client, with real forms and CSRF tokens."""
from __future__ import annotations

import re

import pytest

from kindns.extensions import db
from kindns.models import User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import csrf_token_from, link_in, login, submit_form

PASSWORD = "a long enough password"


def _register(client, email, password=PASSWORD, confirm=None):
    return submit_form(client, "/register", {"email": email, "password": password,
                                             "password_confirm": password if confirm is None else confirm})


def _is_logged_in(client) -> bool:
    return b"Log out" in client.get("/").data


def _users() -> int:
    db.session.expire_all()
    return db.session.query(User).count()


# --- registration and confirmation ------------------------------------------------------------------------

def test_register_confirm_and_land_logged_in_on_the_dashboard(client, outbox):
    response = _register(client, "new@example.net")
    assert response.status_code == 200
    assert b"Check your inbox" in response.data
    assert not _is_logged_in(client)

    [message] = outbox()
    assert message["To"] == "new@example.net"
    response = client.get(link_in(message))

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert _is_logged_in(client)


def test_registering_a_known_address_answers_the_same_page_and_mails_something_else(client, outbox):
    make_user(email="known@example.net")

    new = _register(client, "new@example.net")
    known = _register(client, "known@example.net")

    assert new.status_code == known.status_code == 200
    assert new.data == known.data
    assert _users() == 1  # each request only queued its registration: the worker looks the address up
    first, second = outbox()
    assert _users() == 2
    assert link_in(first).startswith("/confirm/")
    assert link_in(second) == "/forgot-password"
    assert "already has an account" in second.get_content()


def test_register_refuses_mismatched_passwords(client, outbox):
    response = _register(client, "new@example.net", confirm="a different password")
    assert b"The two passwords differ." in response.data
    assert _users() == 0 and outbox() == []


def test_a_used_confirmation_link_shows_a_clear_message(client, outbox):
    _register(client, "new@example.net")
    link = link_in(outbox()[0])
    client.get(link)
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").data)})

    response = client.get(link)

    assert response.status_code == 400
    assert b"invalid, has expired or has already been used" in response.data
    assert not _is_logged_in(client)


def test_a_forged_confirmation_link_shows_a_clear_message(client):
    response = client.get("/confirm/not-a-real-token")
    assert response.status_code == 400
    assert b"This link does not work" in response.data


# --- logging in and out -----------------------------------------------------------------------------------

def test_login_and_logout(client):
    make_user(email="alice@example.net")

    response = login(client, "alice@example.net", DEFAULT_PASSWORD)

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert _is_logged_in(client)
    token = csrf_token_from(client.get("/").data)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert not _is_logged_in(client)


def test_login_session_cookie_is_httponly_and_samesite(client):
    make_user(email="alice@example.net")
    response = login(client, "alice@example.net", DEFAULT_PASSWORD)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_without_csrf_token_is_refused(client, auth):
    auth.login_as(make_user(email="alice@example.net"))

    response = client.post("/logout")

    assert response.status_code == 400
    assert b"security token" in response.data
    assert _is_logged_in(client)


def test_logout_is_not_a_get(client, auth):
    auth.login_as(make_user(email="alice@example.net"))
    assert client.get("/logout").status_code == 405
    assert _is_logged_in(client)


@pytest.mark.parametrize("email,password", [("alice@example.net", "the wrong password"),
                                            ("nobody@example.net", DEFAULT_PASSWORD)])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, email, password):
    make_user(email="alice@example.net")

    response = login(client, email, password)

    assert response.status_code == 200
    assert b"Invalid email or password." in response.data
    assert not _is_logged_in(client)


def test_unconfirmed_account_cannot_log_in_and_gets_a_fresh_link(client, outbox):
    _register(client, "new@example.net")
    assert len(outbox()) == 1  # the worker has recorded the account and mailed its link

    response = login(client, "new@example.net", PASSWORD)

    assert b"not confirmed yet" in response.data
    assert not _is_logged_in(client)
    assert len(outbox()) == 2
    assert client.get(link_in(outbox()[1])).headers["Location"] == "/dashboard"
    assert _is_logged_in(client)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/dashboard", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_login_does_not_redirect_off_site(client, target):
    make_user(email="alice@example.net")

    page = client.get("/login", query_string={"next": target})
    # The form does not carry the target, and no link leads there (the language links keep the query string
    # of this same page, escaped, which the login view checks again).
    assert re.search(rb'<input[^>]*name="next"[^>]*value=""', page.data)
    assert not re.search(rb'(href|action)="(https?:|//|javascript:)', page.data.replace(b'href="http://registry.test/', b''))
    response = client.post("/login", data={"email": "alice@example.net", "password": DEFAULT_PASSWORD,
                                           "next": target, "csrf_token": csrf_token_from(page.data)})

    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


def test_staff_land_in_the_staff_area(client):
    from tests.factories import make_user

    make_user(email="staff@icann.example", is_staff=True)
    response = login(client, "staff@icann.example", "correct horse battery staple")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_login_follows_a_local_next(client):
    make_user(email="alice@example.net")
    response = submit_form(client, "/login", {"email": "alice@example.net", "password": DEFAULT_PASSWORD,
                                              "next": "/participants?page=2"},
                           form_url="/login?next=/participants%3Fpage%3D2")
    assert response.headers["Location"] == "/participants?page=2"


def test_the_login_form_carries_a_local_next(client):
    page = client.get("/login", query_string={"next": "/participants"})
    assert b'value="/participants"' in page.data


# --- password reset ---------------------------------------------------------------------------------------

def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, outbox):
    make_user(email="alice@example.net")

    known = submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    unknown = submit_form(client, "/forgot-password", {"email": "nobody@example.net"})

    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert [m["To"] for m in outbox()] == ["alice@example.net"]


def test_reset_password_flow_and_the_link_works_once(client, outbox):
    make_user(email="alice@example.net")
    submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    link = link_in(outbox()[0])
    new_password = "my brand new password"

    response = submit_form(client, link, {"password": new_password, "password_confirm": new_password})

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert login(client, "alice@example.net", DEFAULT_PASSWORD).status_code == 200  # old one refused
    assert login(client, "alice@example.net", new_password).status_code == 302
    used = client.get(link)
    assert used.status_code == 400
    assert b"already been used" in used.data
    assert b'href="/forgot-password"' in used.data


def test_an_expired_reset_link_shows_a_way_to_ask_again(app, client, outbox, travel):
    make_user(email="alice@example.net")
    submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    link = link_in(outbox()[0])
    assert client.get(link).status_code == 200

    travel(app.config["KINDNS_PASSWORD_RESET_MAX_AGE"] + 1)
    response = client.get(link)

    assert response.status_code == 400
    assert b"has expired" in response.data
    assert b'href="/forgot-password"' in response.data
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_reset_password_refuses_a_short_password(client, outbox):
    make_user(email="alice@example.net")
    submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    link = link_in(outbox()[0])

    response = submit_form(client, link, {"password": "short", "password_confirm": "short"})

    assert response.status_code == 200
    assert b"between 12 and 200 characters" in response.data
    assert login(client, "alice@example.net", DEFAULT_PASSWORD).status_code == 302


# --- hostile input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/login", "/register", "/forgot-password"])
def test_a_post_without_csrf_token_is_refused(client, url):
    make_user(email="alice@example.net")
    response = client.post(url, data={"email": "alice@example.net", "password": DEFAULT_PASSWORD,
                                      "password_confirm": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert b"The form could not be accepted" in response.data
    assert not _is_logged_in(client)


def test_a_script_in_the_email_field_is_escaped(client, outbox):
    payload = '"><script>alert(1)</script>'

    response = _register(client, payload + "@example.net")

    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.data
    assert _users() == 0 and outbox() == []


@pytest.mark.parametrize("url,data,message", [
    ("/register", {"email": "new@example.net", "password": "p" * 10_000, "password_confirm": "p" * 10_000},
     b"between 12 and 200 characters"),
    ("/register", {"email": "a" * 10_000 + "@example.net", "password": PASSWORD, "password_confirm": PASSWORD},
     b"at most 254 characters"),
    ("/login", {"email": "alice@example.net", "password": "p" * 10_000}, b"at most 200 characters"),
    ("/forgot-password", {"email": "a" * 10_000 + "@example.net"}, b"at most 254 characters"),
])
def test_oversized_input_gets_a_form_error_and_saves_nothing(client, outbox, url, data, message):
    response = submit_form(client, url, data)
    assert response.status_code == 200
    assert message in response.data
    assert _users() == 0 and outbox() == []


def test_a_request_over_the_size_limit_is_refused_with_a_page(client):
    token = csrf_token_from(client.get("/register").data)
    response = client.post("/register", data={"csrf_token": token, "email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert b"Too much data" in response.data
    assert _users() == 0


# --- rate limits ------------------------------------------------------------------------------------------

def test_login_is_rate_limited_per_client(client):
    token = csrf_token_from(client.get("/login").data)
    attempt = {"email": "alice@example.net", "password": "a wrong password", "csrf_token": token}
    for _ in range(10):
        assert client.post("/login", data=attempt).status_code == 200

    response = client.post("/login", data=attempt)

    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    assert client.get("/login").status_code == 200  # only POSTs count
    other_client = client.post("/login", data=attempt, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_client.status_code == 200


def test_forgot_password_is_rate_limited(client, outbox):
    token = csrf_token_from(client.get("/forgot-password").data)
    statuses = [client.post("/forgot-password", data={"email": "x@example.net", "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_register_is_rate_limited(client, outbox):
    token = csrf_token_from(client.get("/register").data)
    data = {"email": "x@example.net", "password": "short", "password_confirm": "short", "csrf_token": token}
    statuses = [client.post("/register", data=data).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_api_requests_get_errors_as_json(app, client):
    from flask import abort

    app.add_url_rule("/api/v1/test-too-many", "test_too_many", lambda: abort(429))

    response = client.get("/api/v1/test-too-many")

    assert response.status_code == 429
    assert response.json["error"] == "too_many_requests"


def test_a_protected_page_sends_to_login_and_back(app, client):
    from flask_login import login_required

    app.add_url_rule("/test-private", "test_private", login_required(lambda: "private page"))
    make_user(email="alice@example.net")

    response = client.get("/test-private?tab=zones")
    assert response.status_code == 302
    login_page = response.headers["Location"]
    assert login_page.startswith("/login?next=")
    assert b'value="/test-private?tab=zones"' in client.get(login_page).data  # carried in the form
    response = submit_form(client, "/login", {"email": "alice@example.net", "password": DEFAULT_PASSWORD,
                                              "next": "/test-private?tab=zones"}, form_url=login_page)

    assert response.headers["Location"] == "/test-private?tab=zones"
    assert client.get("/test-private").data == b"private page"
