"""'Are you sure?' without JavaScript: an action that cannot be undone lightly first answers its POST with a
page that says what will happen and posts again with `confirmed=1` (and the same fields)."""
from __future__ import annotations

from flask import render_template, request


def confirmed() -> bool:
    """Whether this POST comes from the confirmation page."""
    return request.form.get("confirmed") == "1"


def confirmation_page(title, question, confirm_label, cancel_url: str, *, hidden: dict | None = None,
                      danger: bool = False):
    """The page that asks; its form repeats the POST to the same address with `confirmed=1`."""
    return render_template("confirm.html", title=title, question=question, confirm_label=confirm_label,
                           cancel_url=cancel_url, hidden=hidden or {}, danger=danger, action=request.path)
