"""Who may see a page: the one staff guard (the staff area's blueprint runs it before every request)."""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..extensions import login_manager


def staff_required():
    """Anonymous visitors are sent to log in; accounts that are not staff get 403; staff pass (None)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None
