"""Account commands: create-admin."""
from .cli import kindns_cli  # noqa: F401
