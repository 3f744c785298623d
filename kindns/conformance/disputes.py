"""Disputes: an operator objects to one verdict, staff answer, the organisation hears the answer.

One open dispute per check of a zone or resolver (a partial unique index keeps it so when two arrive
together): until staff answer, the same verdict, from this run or a later one, is not disputed again."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, notices
from ..extensions import db
from ..mail import mail_each_language
from ..models import User
from ..practices import check_title
from ..recipients import operations_contacts
from ..text import clean_display_text
from .models import CheckResult, Dispute
from .runs import now

OPEN, ANSWERED = "open", "answered"


class DisputeRefused(Exception):
    """A dispute or an answer not stored, with a message fit to show as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _open_dispute_of(organisation_id: int, target: str, check_id: str) -> Dispute | None:
    return db.session.scalar(select(Dispute).where(
        Dispute.organisation_id == organisation_id, Dispute.target == target, Dispute.check_id == check_id,
        Dispute.status == OPEN))


def _already_disputed(result: CheckResult) -> DisputeRefused:
    return DisputeRefused(_("You have already disputed “%(check)s” on %(target)s; staff will answer that "
                            "dispute first.", check=check_title(result.check_id), target=result.run.target))


def open_dispute(result: CheckResult, user: User, note: str) -> Dispute:
    """Record an operator's dispute of one verdict; staff see it in their list and hear of it by mail.
    Raises DisputeRefused when the check is disputed already or the note is empty once cleaned."""
    run = result.run
    note = clean_display_text(note, multiline=True)
    if not note:
        raise DisputeRefused(_("Write why the verdict is wrong."))
    if _open_dispute_of(run.organisation_id, run.target, result.check_id) is not None:
        raise _already_disputed(result)
    item = Dispute(organisation_id=run.organisation_id, result_id=result.id, target=run.target,
                   check_id=result.check_id, verdict=result.verdict, note=note, created_by_id=user.id)
    db.session.add(item)
    audit.record("check.disputed", run.organisation, user, target=run.target, check=result.check_id,
                 verdict=result.verdict)
    try:
        db.session.commit()
    except IntegrityError:  # the same dispute, sent twice at once: the other one is stored
        db.session.rollback()
        raise _already_disputed(result) from None
    notices.verdict_disputed(run.organisation, run.target, check_title(result.check_id), item.note)
    return item


def answer_dispute(item: Dispute, staff: User, answer: str) -> Dispute:
    """Store staff's answer and mail it to the organisation. Raises DisputeRefused when the dispute is
    answered already (by someone else meanwhile) or the answer is empty once cleaned."""
    answer = clean_display_text(answer, multiline=True)
    if not answer:
        raise DisputeRefused(_("Write an answer first."))
    if item.status != OPEN:
        raise DisputeRefused(_("This dispute has already been answered."))
    item.answer, item.status = answer, ANSWERED
    item.answered_by_id, item.answered_at = staff.id, now()
    audit.record("check.dispute-answered", item.organisation, staff, target=item.target, check=item.check_id)
    db.session.commit()
    mail_each_language(operations_contacts(item.organisation), lambda: (
        _("KINDNS: your dispute of “%(check)s” on %(target)s is answered", check=check_title(item.check_id),
          target=item.target),
        render_template("conformance/mail/dispute_answered.txt", item=item, check=check_title(item.check_id))))
    return item
