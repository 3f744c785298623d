"""Sessions end when they should: a session cookie copied before a logout or a password reset opens nothing
afterwards, and a confirmation link never switches the account someone is logged in as."""
from __future__ import annotations

from kindns.extensions import db
from kindns.models import User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import csrf_token_from, link_in, login, submit_form


def _session_cookie(app, client) -> str:
    cookie = client.get_cookie("session", domain=app.config["SERVER_NAME"])
    assert cookie is not None, "no session cookie"
    return cookie.value


def _dashboard_as(app, cookie: str):
    """Open the dashboard with nothing but a copied session cookie, as whoever stole it would."""
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain=app.config["SERVER_NAME"])
    return thief.get("/dashboard")


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, client):
    make_user(email="alice@example.net")
    login(client, "alice@example.net", DEFAULT_PASSWORD)
    stolen = _session_cookie(app, client)
    assert _dashboard_as(app, stolen).status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").data)})

    response = _dashboard_as(app, stolen)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_logging_out_ends_the_sessions_on_other_devices_too(app, client):
    make_user(email="alice@example.net")
    laptop, phone = client, app.test_client()
    login(laptop, "alice@example.net", DEFAULT_PASSWORD)
    login(phone, "alice@example.net", DEFAULT_PASSWORD)

    response = phone.post("/logout", data={"csrf_token": csrf_token_from(phone.get("/").data)},
                          follow_redirects=True)

    assert "every other device" in response.get_data(as_text=True)
    assert laptop.get("/dashboard").status_code == 302
    login(laptop, "alice@example.net", DEFAULT_PASSWORD)
    assert laptop.get("/dashboard").status_code == 200


def test_a_password_reset_ends_every_session_opened_before_it(app, client, outbox):
    make_user(email="alice@example.net")
    attacker = app.test_client()
    login(attacker, "alice@example.net", DEFAULT_PASSWORD)
    assert attacker.get("/dashboard").status_code == 200

    submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    new_password = "my brand new passphrase"
    submit_form(client, link_in(outbox()[0]), {"password": new_password, "password_confirm": new_password})

    assert attacker.get("/dashboard").status_code == 302
    assert login(client, "alice@example.net", new_password).status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_sessions_from_before_session_versions_are_refused(app, client, auth):
    user = make_user(email="alice@example.net")
    auth.login_as(user)
    assert client.get("/dashboard").status_code == 200
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what the registry stored before sessions had versions
    assert client.get("/dashboard").status_code == 302


# --- confirmation links -----------------------------------------------------------------------------------

def _register(client, email: str) -> None:
    submit_form(client, "/register", {"email": email, "password": "a long enough password",
                                      "password_confirm": "a long enough password"})


def test_a_confirmation_link_does_not_switch_the_logged_in_account(app, client, outbox):
    # The attacker registers, then gets the victim, who is logged in, to open the attacker's link.
    attacker = app.test_client()
    _register(attacker, "attacker@example.net")
    link = link_in(outbox()[0])
    make_user(email="victim@example.net")
    login(client, "victim@example.net", DEFAULT_PASSWORD)

    response = client.get(link, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "attacker@example.net is confirmed" in page
    assert "victim@example.net" in page and "Log out" in page
    with client.session_transaction() as session:
        victim = db.session.scalar(db.select(User).filter_by(email="victim@example.net"))
        assert session["_user_id"] == victim.get_id()
    db.session.expire_all()
    confirmed = db.session.scalar(db.select(User).filter_by(email="attacker@example.net"))
    assert confirmed.email_confirmed_at is not None


def test_a_confirmation_link_still_logs_in_its_owner(client, outbox):
    _register(client, "new@example.net")
    response = client.get(link_in(outbox()[0]))
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
