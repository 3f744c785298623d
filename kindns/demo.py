"""Demo data: seed-demo and purge-demo."""
from .cli import kindns_cli  # noqa: F401
