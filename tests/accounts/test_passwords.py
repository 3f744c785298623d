"""Passwords that fall to a guessing attack are refused with a clear message, wherever a password is set
(NIST SP 800-63B: check new passwords against common, leaked and trivial ones)."""
from __future__ import annotations

import pytest

from kindns.accounts.services import is_guessable
from kindns.extensions import db
from kindns.models import User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import link_in, submit_form

GUESSABLE = ["aaaaaaaaaaaa", "123456789012", "password123456", "qwertyuiopasdf", "iloveyou1234", "abcdefghijkl",
             "monkeymonkey", "Password2026!"]
MESSAGE = "too easy to guess"


@pytest.mark.parametrize("password", GUESSABLE)
def test_registration_refuses_a_guessable_password(client, outbox, password):
    response = submit_form(client, "/register", {"email": "new@example.net", "password": password,
                                                 "password_confirm": password})
    assert response.status_code == 200
    assert MESSAGE in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0 and outbox() == []


def test_a_password_made_of_the_address_is_refused(client):
    password = "kindnsnew@example.net"
    response = submit_form(client, "/register", {"email": "new@example.net", "password": password,
                                                 "password_confirm": password})
    assert MESSAGE in response.get_data(as_text=True)


def test_a_reset_refuses_a_guessable_password_and_keeps_the_old_one(client, outbox):
    make_user(email="alice@example.net")
    submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    link = link_in(outbox()[0])

    response = submit_form(client, link, {"password": "password123456", "password_confirm": "password123456"})

    assert response.status_code == 200 and MESSAGE in response.get_data(as_text=True)
    assert submit_form(client, "/login", {"email": "alice@example.net", "password": DEFAULT_PASSWORD}) \
        .status_code == 302


def test_the_command_line_refuses_a_guessable_staff_password(runner):
    result = runner.invoke(args=["kindns", "create-admin", "admin@example.net"], input="123456789012\n")
    assert result.exit_code != 0 and MESSAGE in result.output
    assert db.session.query(User).count() == 0


@pytest.mark.parametrize("password", [DEFAULT_PASSWORD, "a long enough password", "a long enough passphrase",
                                      "a long enough admin password", "my brand new password",
                                      "Tr0ub4dor&3 plus a river", "x" * 40 + " but then some words " + "y" * 120])
def test_strong_passwords_pass(password):
    assert not is_guessable(password, "alice@example.net")
