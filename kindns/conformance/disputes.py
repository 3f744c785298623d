"""Disputes: an operator objects to one verdict, staff answer, the organisation hears the answer."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from .. import audit, notices
from ..extensions import db
from ..mail import mail_each_language
from ..models import User
from ..practices import check_title
from ..recipients import operations_contacts
from .models import CheckResult, Dispute
from .runs import now


def open_dispute(result: CheckResult, user: User, note: str) -> Dispute:
    """Record an operator's dispute of one verdict; staff see it in their list."""
    run = result.run
    item = Dispute(organisation_id=run.organisation_id, result_id=result.id, target=run.target,
                   check_id=result.check_id, verdict=result.verdict, note=note.strip(), created_by_id=user.id)
    db.session.add(item)
    audit.record("check.disputed", run.organisation, user, target=run.target, check=result.check_id,
                 verdict=result.verdict)
    db.session.commit()
    notices.verdict_disputed(run.organisation, run.target, check_title(result.check_id), item.note)
    return item


def answer_dispute(item: Dispute, staff: User, answer: str) -> Dispute:
    """Store staff's answer and mail it to the organisation."""
    item.answer, item.status = answer.strip(), "answered"
    item.answered_by_id, item.answered_at = staff.id, now()
    audit.record("check.dispute-answered", item.organisation, staff, target=item.target, check=item.check_id)
    db.session.commit()
    mail_each_language(operations_contacts(item.organisation), lambda: (
        _("KINDNS: your dispute of “%(check)s” on %(target)s is answered", check=check_title(item.check_id),
          target=item.target),
        render_template("conformance/mail/dispute_answered.txt", item=item, check=check_title(item.check_id))))
    return item
