"""`flask --app app kindns ...`: the registry's command line. Each domain adds its own commands here."""
from flask.cli import AppGroup

kindns_cli = AppGroup("kindns", help="KINDNS Registry commands.")

# Imported for their side effect of registering commands on kindns_cli.
from . import accounts_cli, conformance_cli, demo, worker_cli  # noqa: E402,F401
