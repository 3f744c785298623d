"""Settings from the environment: what the README promises can be set, can be."""
from __future__ import annotations

import re
from pathlib import Path

from kindns.config import settings_from_environment
from tests.helpers import login

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_rate_limits() -> set[str]:
    """Every rate-limit variable the README's configuration table names."""
    return set(re.findall(r"`(KINDNS_[A-Z_]*_(?:RATE_)?LIMIT)`", README.read_text()))


def test_the_readme_lists_the_rate_limits():
    names = _readme_rate_limits()
    assert {"KINDNS_LOGIN_RATE_LIMIT", "KINDNS_REGISTER_RATE_LIMIT", "KINDNS_FORGOT_PASSWORD_RATE_LIMIT",
            "KINDNS_API_RATE_LIMIT", "KINDNS_CHECK_NOW_LIMIT"} <= names


def test_every_rate_limit_the_readme_lists_is_read_from_the_environment(monkeypatch, tmp_path):
    names = sorted(_readme_rate_limits())
    for number, name in enumerate(names, start=1):
        monkeypatch.setenv(name, f"{number} per minute")
    settings = settings_from_environment(str(tmp_path))
    assert {name: settings.get(name) for name in names} == {
        name: f"{number} per minute" for number, name in enumerate(names, start=1)}


def test_a_login_limit_from_the_environment_is_the_one_applied(monkeypatch, tmp_path, database_url):
    from kindns import create_app
    from tests.conftest import IsolatedClient, _base_config

    monkeypatch.setenv("KINDNS_LOGIN_RATE_LIMIT", "2 per minute")
    app = create_app({**_base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = IsolatedClient
    client = app.test_client()
    codes = [login(client, "nobody@example.net", "wrong password, twelve").status_code for _ in range(3)]
    assert 429 not in codes[:2] and codes[2] == 429
