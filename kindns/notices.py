"""Mail that asks staff to act: an organisation submitted its enrolment, an operator disputes a verdict.
What is to be done is stored before; a lost mail only delays it (staff also see it in their area)."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from .mail import absolute_url, try_send_mail
from .models import Organisation
from .recipients import staff


def _notify(subject: str, template: str, **context) -> bool:
    addresses = staff()
    if not addresses:
        return False
    return try_send_mail(addresses, subject, render_template(template, **context))


def enrolment_submitted(organisation: Organisation) -> bool:
    return _notify(_("KINDNS: %(name)s submitted its enrolment for review", name=organisation.name),
                   "mail/staff_submitted.txt", organisation=organisation,
                   link=absolute_url("admin.organisation", organisation_id=organisation.id))


def verdict_disputed(organisation: Organisation, target: str, check_title: str, note: str) -> bool:
    return _notify(_("KINDNS: %(name)s disputes a verdict on %(target)s", name=organisation.name, target=target),
                   "mail/staff_disputed.txt", organisation=organisation, target=target, check=check_title,
                   note=note, link=absolute_url("admin.disputes"))


def change_to_review(organisation: Organisation) -> bool:
    return _notify(_("KINDNS: %(name)s asks to change its public name or website", name=organisation.name),
                   "mail/staff_change.txt", organisation=organisation,
                   link=absolute_url("admin.organisation", organisation_id=organisation.id))
