"""Links in mail never follow a Host header that a client made up. Without KINDNS_BASE_URL only the trusted
host names are served (the tests' SERVER_NAME, registry.test, is one); with it, links come from it."""
from __future__ import annotations

import logging

import pytest

from kindns import create_app
from kindns.security import trusted_hosts
from tests.factories import make_user
from tests.helpers import csrf_token_from, link_in

EVIL = {"Host": "evil.example"}


def test_a_forged_host_gets_400_and_no_reset_link_is_mailed(client, outbox):
    make_user(email="victim@example.net")
    token = csrf_token_from(client.get("/forgot-password").data)

    page = client.get("/forgot-password", headers=EVIL)
    response = client.post("/forgot-password", headers=EVIL,
                           data={"email": "victim@example.net", "csrf_token": token})

    assert page.status_code == 400 and response.status_code == 400
    assert outbox() == []


def test_a_forged_host_is_refused_before_anything_else_runs(app, client):
    # Error pages that build links (url_for) cannot run for an untrusted host: Flask then has no URL adapter.
    from flask import url_for

    app.register_error_handler(400, lambda error: (url_for("directory.index"), 400))
    app.register_error_handler(404, lambda error: (url_for("directory.index"), 404))

    for method, path in [("POST", "/forgot-password"), ("GET", "/no-such-page"), ("GET", "/api/v1/regions")]:
        response = client.open(path, method=method, headers=EVIL)
        assert response.status_code == 400, path
        assert response.get_data(as_text=True) == "This registry does not answer to the host name evil.example."


@pytest.mark.parametrize("url, data", [
    ("/register", {"email": "new@example.net", "password": "a long enough password",
                   "password_confirm": "a long enough password"}),
    ("/login", {"email": "victim@example.net", "password": "not the password"}),
])
def test_no_form_mails_a_link_to_a_forged_host(client, outbox, url, data):
    make_user(email="victim@example.net")
    token = csrf_token_from(client.get(url).data)
    assert client.post(url, headers=EVIL, data={**data, "csrf_token": token}).status_code == 400
    assert outbox() == []


def test_a_trusted_host_gets_links_to_itself_whatever_port_it_was_reached_on(client, outbox):
    make_user(email="alice@example.net")
    page = client.get("/forgot-password")
    client.post("/forgot-password", data={"email": "alice@example.net", "csrf_token": csrf_token_from(page.data)})
    [message] = outbox()
    assert "http://registry.test/reset-password/" in message.get_content()
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200


def test_with_a_base_url_links_come_from_it_whatever_the_host(app, client, outbox):
    app.config["KINDNS_BASE_URL"] = "https://registry.example.org"
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)  # what create_app sets from this configuration
    make_user(email="victim@example.net")
    page = client.get("/forgot-password", headers=EVIL)
    client.post("/forgot-password", headers=EVIL,
                data={"email": "victim@example.net", "csrf_token": csrf_token_from(page.data)})
    [message] = outbox()
    assert "https://registry.example.org/reset-password/" in message.get_content()
    assert "evil.example" not in message.get_content()
    assert link_in(message).startswith("/reset-password/")


def test_trusted_hosts_follow_the_configuration():
    assert trusted_hosts({"KINDNS_BASE_URL": ""}) == ["127.0.0.1", "localhost"]
    assert trusted_hosts({"KINDNS_BASE_URL": "", "KINDNS_TRUSTED_HOSTS": ["registry.example.org"]}) == \
        ["registry.example.org"]
    assert trusted_hosts({"KINDNS_BASE_URL": "https://registry.example.org"}) is None
    assert trusted_hosts({"KINDNS_BASE_URL": "https://registry.example.org:8443/kindns",
                          "KINDNS_TRUSTED_HOSTS": [".example.org"]}) == [".example.org", "registry.example.org"]


def test_the_trusted_hosts_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KINDNS_TRUSTED_HOSTS", "registry.example.org, registry.example.net")
    monkeypatch.delenv("KINDNS_BASE_URL", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["TRUSTED_HOSTS"] == ["registry.example.org", "registry.example.net"]
    assert app.test_client().get("/static/style.css", headers={"Host": "registry.example.net"}).status_code == 200
    assert app.test_client().get("/static/style.css", headers={"Host": "localhost"}).status_code == 400


def test_a_missing_base_url_is_said_at_start_up(caplog, monkeypatch, tmp_path):
    monkeypatch.delenv("KINDNS_BASE_URL", raising=False)
    with caplog.at_level(logging.WARNING, logger="kindns.security"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert "KINDNS_BASE_URL is not set" in caplog.text and "127.0.0.1, localhost" in caplog.text
