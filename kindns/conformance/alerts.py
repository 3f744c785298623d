"""Mail about conformance: a regression (pass to fail), signatures about to expire, a digest for staff."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from ..checks.fixes import fixes_data, format_fix
from ..checks.policy import WARN
from ..extensions import db
from ..mail import absolute_url, mail_each_language
from ..models import AuditEvent
from ..practices import check_title
from ..recipients import operations_contacts, staff as staff_addresses
from .history import Change, changes_since, previous_run, record_regression
from .models import CheckRun
from .targets import target_of_run

EXPIRY_CHECK = "dnssec-signature-expiry"
log = logging.getLogger(__name__)


def _report_link(run: CheckRun) -> str:
    target = target_of_run(run)
    if target is None:  # removed since: the list of checks is the closest page
        return absolute_url("conformance.overview")
    endpoint, values = target.report_route()
    return absolute_url(endpoint, **values)


def after_run(run: CheckRun) -> list[str]:
    """Send what a finished run calls for, to each recipient in their language; returns the subjects sent
    (for the log and tests)."""
    previous = previous_run(run)
    sent: list[str] = []
    recipients = operations_contacts(run.organisation)
    regressions = [c for c in changes_since(run, previous) if c.is_regression]
    if regressions:
        record_regression(run, regressions)
        sent += mail_each_language(recipients, lambda: (
            ngettext("KINDNS: %(target)s now fails %(num)d check", "KINDNS: %(target)s now fails %(num)d checks",
                     len(regressions), target=run.target),
            _regression_body(run, regressions)))
    expiry = next((r for r in run.results if r.check_id == EXPIRY_CHECK), None)
    # Warn once as the zone enters the window, not on every run while it stays there.
    previous_expiry = next((r.verdict for r in previous.results if r.check_id == EXPIRY_CHECK), None) \
        if previous is not None else None
    if expiry is not None and expiry.verdict == WARN and previous_expiry != WARN:
        sent += mail_each_language(recipients, lambda: (
            _("KINDNS: DNSSEC signatures of %(target)s expire within 7 days", target=run.target),
            "\n\n".join(part for part in (expiry.summary, expiry.advice, "\n".join(_fix_lines(run, expiry)),
                                            _report_link(run)) if part)))
    return sent


def _fix_lines(run: CheckRun, result) -> list[str]:
    """The fix-it advice for the software of the target (declared, else what its servers say they run), as
    lines of a mail in the recipient's language (the caller's)."""
    from .reports import seen_software, software_choice

    target = target_of_run(run)
    declared = target.row.software if target is not None else None
    software = software_choice(run.kind, declared, None, seen_software(run)).shown
    messages = result.messages or {}
    command = (messages.get("command") or {}).get("text", "")
    fixes = fixes_data(messages.get("advice", []), result.verdict, software,
                       run.target if run.kind == "zone" else "", command, _)
    return [line for fix in fixes for line in format_fix(fix, _, "  ")]


def _regression_body(run: CheckRun, regressions: list[Change]) -> str:
    results = {r.check_id: r for r in run.results}
    lines = [_("These checks of %(target)s passed before and fail now:", target=run.target), ""]
    for change in regressions:
        result = results[change.check_id]
        lines += [f"* {check_title(change.check_id)}: {result.summary}", f"  {result.advice}",
                  *_fix_lines(run, result), ""]
    lines += [_("The full report, with the evidence:"), _report_link(run)]
    return "\n".join(lines)


def send_staff_digest(now: datetime | None = None) -> list[str]:
    """Mail staff the regressions of the last day, each in their language; nothing when there were none.
    Returns the subjects sent."""
    now = now or datetime.now(timezone.utc)
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "check.regressed", AuditEvent.created_at >= now - timedelta(days=1))
        .order_by(AuditEvent.created_at)
    ).all()
    if not events:
        return []

    def compose() -> tuple[str, str]:
        lines = [f"* {e.organisation.name if e.organisation else '?'}: {e.detail.get('target')} "
                 f"({', '.join(check_title(c) for c in e.detail.get('checks', []))})" for e in events]
        return (ngettext("KINDNS digest: %(num)d regression in the last day",
                         "KINDNS digest: %(num)d regressions in the last day", len(events)), "\n".join(lines))

    return mail_each_language(staff_addresses(), compose)
