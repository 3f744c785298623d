"""The KINDNS Registry web application."""
from __future__ import annotations

import logging
import os

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Touches neither the network nor the schema: migrations are an explicit step."""
    # Imported here so that `import kindns.checks` (the check engine, a plain library) does not load Flask.
    from flask import Flask
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    app = Flask(
        __name__,
        instance_path=os.environ.get("KINDNS_INSTANCE_PATH", os.path.join(root, "instance")),
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    from .caching import register_conditional_responses
    from .config import settings_from_environment
    from .errors import register_error_handlers
    from .ids import register_id_converter
    from .security import register_security_headers, register_trusted_hosts

    app.config.from_mapping(settings_from_environment(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    logging.basicConfig(level=logging.INFO)

    if app.config["KINDNS_PROXY_COUNT"]:
        # Rate limits and absolute links must see the client, not the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["KINDNS_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    register_trusted_hosts(app)
    register_security_headers(app)
    register_extensions(app)
    # After the extensions: the rate limits count a request before a kept page may answer it.
    register_conditional_responses(app)
    register_id_converter(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from . import i18n
    from .extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    # Batch mode lets the same migrations alter tables on SQLite as on PostgreSQL.
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    # Outside a request (CLI commands, worker jobs) the default locale, unless a mail is rendered for a
    # recipient in theirs (i18n.in_language).
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from .accounts.services import user_for_session
    from .conformance import models as _conformance_models  # noqa: F401 - registers the tables
    from .conformance import summary as _summary  # noqa: F401 - keeps the stored standings
    from .observatory import models as _observatory_models  # noqa: F401 - registers the tables
    from .jobs import init_queue

    init_queue(app)
    login_manager.user_loader(user_for_session)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .conformance.views import bp as conformance_bp
    from .directory.views import bp as directory_bp
    from .enrolment.views import bp as enrolment_bp
    from .observatory.views import bp as observatory_bp

    app.register_blueprint(directory_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(conformance_bp)
    app.register_blueprint(observatory_bp)


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from .conformance.reports import run_status_label, trigger_label, verdict_label
    from .conformance.standing import status_display
    from .practices import CATEGORIES, check_title, practice_title
    from .regions import REGIONS, country_name, region_name

    from .enrolment.services import display_zone_name
    from .observatory.services import campaigns_invited

    app.jinja_env.filters.update(unicode_name=display_zone_name, check_title=check_title)
    app.jinja_env.globals.update(
        REGIONS=REGIONS, CATEGORIES=CATEGORIES, country_name=country_name, region_name=region_name,
        get_locale=get_locale, status_display=status_display, check_title=check_title,
        practice_title=practice_title, verdict_label=verdict_label, trigger_label=trigger_label,
        run_status_label=run_status_label, campaigns_invited=campaigns_invited,
    )


def register_commands(app: Flask) -> None:
    """`flask --app app kindns ...`: each domain lists its commands in its cli.py."""
    from flask.cli import AppGroup

    from .accounts import cli as accounts_cli
    from .conformance import cli as conformance_cli
    from .demo import cli as demo_cli
    from .jobs import cli as jobs_cli
    from .observatory import cli as observatory_cli

    group = AppGroup("kindns", help="KINDNS Registry commands.")
    for domain in (accounts_cli, conformance_cli, demo_cli, jobs_cli, observatory_cli):
        for command in domain.commands:
            group.add_command(command)
    app.cli.add_command(group)
