"""Signed, expiring tokens for links sent by mail (email confirmation, password reset, invitations)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    # A salt per purpose: a token made for one link can never be replayed on another.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kindns-{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> Any | None:
    """The payload of a valid token, or None when it is forged, altered or older than max_age seconds."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
