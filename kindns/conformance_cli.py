"""Conformance commands: check and check-resolver, thin wrappers over kindns.checks."""
from .cli import kindns_cli  # noqa: F401
