"""The account services, called directly."""
from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from kindns.accounts import services
from kindns.accounts.services import (EmailNotConfirmed, InvalidAccountData, InvalidCredentials, InvalidLink,
                                      is_safe_next)
from kindns.extensions import db
from kindns.models import User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import link_in

PASSWORD = "a long enough password"


def _token_of(message) -> str:
    return link_in(message).rsplit("/", 1)[1]


def test_register_account_stores_a_hash_and_mails_a_confirmation_link(outbox):
    user = services.register_account("  New.Person@Example.NET ", PASSWORD)

    assert user.email == "new.person@example.net"
    assert user.password_hash != PASSWORD and check_password_hash(user.password_hash, PASSWORD)
    assert user.email_confirmed_at is None and not user.is_staff
    [message] = outbox()
    assert message["To"] == "new.person@example.net"
    assert link_in(message).startswith("/confirm/")
    assert "http://registry.test/confirm/" in message.get_content()


def test_register_account_for_a_known_address_creates_nothing_and_mails_a_reset_link(outbox):
    make_user(email="known@example.net")

    assert services.register_account("KNOWN@example.net", PASSWORD) is None

    assert db.session.query(User).count() == 1
    [message] = outbox()
    assert message["To"] == "known@example.net"
    assert "already has an account" in message.get_content()
    assert link_in(message) == "/forgot-password"


@pytest.mark.parametrize("password", ["short", "x" * 201, "me@example.net", "ME@example.net"])
def test_register_account_refuses_bad_passwords(password, outbox):
    with pytest.raises(InvalidAccountData):
        services.register_account("me@example.net", password)
    assert db.session.query(User).count() == 0
    assert outbox() == []


def test_confirm_email_works_once(outbox):
    user = services.register_account("new@example.net", PASSWORD)
    token = _token_of(outbox()[0])

    assert services.confirm_email(token) == user
    assert user.email_confirmed_at is not None
    with pytest.raises(InvalidLink):
        services.confirm_email(token)


def _forged(token: str) -> str:
    """The token with one character of its signature changed. (Not the last one: its low bits are
    padding, so "xx" over the tail left the signature intact about once in a thousand runs.)"""
    i = len(token) - 10
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]


def test_confirm_email_refuses_forged_and_expired_tokens(outbox, travel):
    services.register_account("new@example.net", PASSWORD)
    token = _token_of(outbox()[0])
    with pytest.raises(InvalidLink):
        services.confirm_email(_forged(token))
    travel(services.DEFAULT_CONFIRM_MAX_AGE + 10)
    with pytest.raises(InvalidLink):
        services.confirm_email(token)


def test_authenticate_accepts_the_right_password_any_case_of_email(app):
    user = make_user(email="alice@example.net")
    assert services.authenticate("Alice@Example.net", DEFAULT_PASSWORD) == user


@pytest.mark.parametrize("email,password", [("alice@example.net", "wrong password!!"),
                                            ("nobody@example.net", DEFAULT_PASSWORD)])
def test_authenticate_gives_one_answer_for_wrong_password_and_unknown_email(app, email, password):
    make_user(email="alice@example.net")
    with pytest.raises(InvalidCredentials) as error:
        services.authenticate(email, password)
    assert error.value.message == "Invalid email or password."


def test_authenticate_unconfirmed_account_mails_a_fresh_link(outbox):
    services.register_account("new@example.net", PASSWORD)
    with pytest.raises(EmailNotConfirmed):
        services.authenticate("new@example.net", PASSWORD)
    assert len(outbox()) == 2
    # The fresh link confirms the account.
    services.confirm_email(_token_of(outbox()[1]))
    assert services.authenticate("new@example.net", PASSWORD).email == "new@example.net"


def test_unconfirmed_account_with_wrong_password_gets_no_mail(outbox):
    services.register_account("new@example.net", PASSWORD)
    with pytest.raises(InvalidCredentials):
        services.authenticate("new@example.net", "not the password")
    assert len(outbox()) == 1


def test_password_reset_sets_the_new_password_and_the_link_works_once(outbox):
    user = make_user(email="alice@example.net")
    assert services.request_password_reset("ALICE@example.net") == user
    token = _token_of(outbox()[0])
    assert link_in(outbox()[0]) == f"/reset-password/{token}"

    services.reset_password(token, "my brand new password")

    assert services.authenticate("alice@example.net", "my brand new password") == user
    with pytest.raises(InvalidCredentials):
        services.authenticate("alice@example.net", DEFAULT_PASSWORD)
    with pytest.raises(InvalidLink):
        services.reset_password(token, "yet another password")


def test_password_reset_link_expires(app, outbox, travel):
    make_user(email="alice@example.net")
    services.request_password_reset("alice@example.net")
    token = _token_of(outbox()[0])
    assert services.user_for_reset_token(token).email == "alice@example.net"

    travel(app.config["KINDNS_PASSWORD_RESET_MAX_AGE"] + 1)

    with pytest.raises(InvalidLink):
        services.reset_password(token, "my brand new password")


def test_password_reset_for_unknown_address_sends_nothing(outbox):
    assert services.request_password_reset("nobody@example.net") is None
    assert outbox() == []


def test_password_reset_confirms_an_unconfirmed_address(outbox):
    user = services.register_account("new@example.net", PASSWORD)
    services.request_password_reset("new@example.net")
    services.reset_password(_token_of(outbox()[1]), "my brand new password")
    assert user.email_confirmed_at is not None


def test_reset_token_of_one_purpose_is_refused_for_another(outbox):
    services.register_account("new@example.net", PASSWORD)
    confirm_token = _token_of(outbox()[0])
    with pytest.raises(InvalidLink):
        services.user_for_reset_token(confirm_token)


@pytest.mark.parametrize("target,safe", [
    ("/dashboard", True),
    ("/organisations/x?tab=zones", True),
    ("", False),
    (None, False),
    ("dashboard", False),
    ("//evil.example/", False),
    ("/\\evil.example", False),
    ("https://evil.example/dashboard", False),
    ("http:/evil.example", False),
    ("javascript:alert(1)", False),
    ("/\t/evil.example", False),
])
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe
