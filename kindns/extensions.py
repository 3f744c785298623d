"""Flask extensions, created unbound here and bound to an app in `create_app`.

Keeping them in one module lets models, views and services import `db` without importing the app.
"""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
import sqlite3

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .files import create_private_file

# Named constraints keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "do_connect")
def _create_sqlite_file_for_its_owner_only(dialect, _record, cargs, _cparams) -> None:
    # SQLite creates a missing database file with the process's umask (usually readable by every local
    # user): create it first, empty and 0600, like the secret key. An existing file keeps its mode.
    if dialect.name != "sqlite" or not cargs:
        return
    path = str(cargs[0])
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    create_private_file(path)


@event.listens_for(Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores ON DELETE CASCADE / SET NULL unless asked per connection; PostgreSQL always honours them.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
