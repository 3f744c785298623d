"""`flask kindns create-admin EMAIL`."""
from __future__ import annotations

import pytest

from kindns.accounts import cli as accounts_cli
from kindns.accounts import services
from kindns.extensions import db
from kindns.models import User
from tests.factories import DEFAULT_PASSWORD, make_user

PASSWORD = "a long enough admin password"


def _create_admin(runner, email, input=None):
    return runner.invoke(args=["kindns", "create-admin", email], input=input)


def _user(email) -> User | None:
    db.session.expire_all()
    return services.find_user_by_email(email)


def test_creates_a_confirmed_staff_account_with_the_password_from_stdin(runner):
    result = _create_admin(runner, "Admin@Example.net", input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    assert "Created the staff account admin@example.net." in result.output
    admin = _user("admin@example.net")
    assert admin.is_staff and admin.email_confirmed_at is not None
    assert services.authenticate("admin@example.net", PASSWORD) == admin


def test_prompts_twice_for_the_password_on_a_terminal(runner, monkeypatch):
    monkeypatch.setattr(accounts_cli, "_stdin_is_terminal", lambda: True)

    result = _create_admin(runner, "admin@example.net", input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert _user("admin@example.net").is_staff


def test_terminal_prompt_refuses_differing_passwords(runner, monkeypatch):
    monkeypatch.setattr(accounts_cli, "_stdin_is_terminal", lambda: True)

    result = _create_admin(runner, "admin@example.net", input=f"{PASSWORD}\nsomething else entirely\n")

    assert result.exit_code != 0
    assert _user("admin@example.net") is None


@pytest.mark.parametrize("password,message", [
    ("short", "at least 12 characters"),
    ("x" * 201, "at most 200 characters"),
    ("admin@example.net", "must not be your email address"),
])
def test_refuses_a_bad_password(runner, password, message):
    result = _create_admin(runner, "admin@example.net", input=password + "\n")

    assert result.exit_code != 0
    assert message in result.output
    assert _user("admin@example.net") is None


def test_refuses_a_bad_address_before_asking_for_a_password(runner):
    result = _create_admin(runner, "not-an-address", input="")

    assert result.exit_code != 0
    assert "not a valid email address" in result.output
    assert db.session.query(User).count() == 0


def test_refuses_an_empty_stdin(runner):
    result = _create_admin(runner, "admin@example.net", input="")

    assert result.exit_code != 0
    assert "No password given" in result.output
    assert _user("admin@example.net") is None


def test_promotes_a_confirmed_account_and_keeps_its_password(runner):
    make_user(email="alice@example.net")

    result = _create_admin(runner, "alice@example.net")

    assert result.exit_code == 0, result.output
    assert "alice@example.net is now staff." in result.output
    alice = _user("alice@example.net")
    assert alice.is_staff
    assert services.authenticate("alice@example.net", DEFAULT_PASSWORD) == alice


def test_an_unconfirmed_account_gets_the_new_password_before_it_is_promoted(runner, outbox):
    # Anyone could have registered this address; their password must not become a staff password.
    services.register_account("boss@example.net", "squatter's password")

    result = _create_admin(runner, "boss@example.net", input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    boss = _user("boss@example.net")
    assert boss.is_staff and boss.email_confirmed_at is not None
    assert services.authenticate("boss@example.net", PASSWORD) == boss
    with pytest.raises(services.InvalidCredentials):
        services.authenticate("boss@example.net", "squatter's password")


def test_create_admin_service_directly(app):
    user, created = services.create_admin("admin@example.net", PASSWORD)
    assert created and user.is_staff
    again, created = services.create_admin("ADMIN@example.net")
    assert again == user and not created
    with pytest.raises(services.InvalidAccountData):
        services.create_admin("other@example.net")  # no password for a new account
