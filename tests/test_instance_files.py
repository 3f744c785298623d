"""Files the registry creates hold secrets or personal data: only their owner may read them."""
from __future__ import annotations

import os
import stat

from kindns import create_app


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path):
    database = tmp_path / "kindns.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x"})

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert database.stat().st_size > 0
    assert _mode(database) == 0o600


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path):
    database = tmp_path / "kindns.sqlite3"
    database.touch(mode=0o640)
    database.chmod(0o640)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "x"})
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    assert _mode(database) == 0o640


def test_the_instance_folder_the_registry_creates_is_its_owners_alone(tmp_path, monkeypatch):
    instance = tmp_path / "new-instance"
    monkeypatch.setenv("KINDNS_INSTANCE_PATH", str(instance))
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert _mode(instance) == 0o700
    assert _mode(instance / "secret_key") == 0o600


def test_mail_in_the_outbox_is_its_owners_alone_whatever_the_umask(tmp_path):
    from kindns.mail import deliver, prepare_mail

    outbox = tmp_path / "outbox"
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "KINDNS_OUTBOX": str(outbox),
                      "KINDNS_QUEUE_FILE": str(tmp_path / "jobs.sqlite3"), "KINDNS_SMTP_HOST": ""})
    umask = os.umask(0o022)
    try:
        with app.app_context():
            deliver(prepare_mail("alice@example.net", "Reset your password", "http://127.0.0.1/reset-password/x"))
    finally:
        os.umask(umask)
    [message] = outbox.glob("*.eml")
    assert _mode(outbox) == 0o700 and _mode(message) == 0o600


def test_the_job_queue_is_created_readable_by_its_owner_only(tmp_path):
    umask = os.umask(0o022)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                    "KINDNS_QUEUE_FILE": str(tmp_path / "queue" / "jobs.sqlite3")})
    finally:
        os.umask(umask)
    assert _mode(tmp_path / "queue") == 0o700 and _mode(tmp_path / "queue" / "jobs.sqlite3") == 0o600
