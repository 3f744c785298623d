"""Mail that asks staff to act: an organisation submitted its enrolment, an operator disputes a verdict.
What is to be done is stored before; a lost mail only delays it (staff also see it in their area)."""
from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from .mail import absolute_url, mail_each_language
from .models import Organisation
from .recipients import staff


def _notify(subject, template: str, **context) -> bool:
    """Mail every staff account, each in its language (`subject` is a lazy string)."""
    return bool(mail_each_language(staff(), lambda: (str(subject), render_template(template, **context))))


def enrolment_submitted(organisation: Organisation) -> bool:
    return _notify(_l("KINDNS: %(name)s submitted its enrolment for review", name=organisation.name),
                   "mail/staff_submitted.txt", organisation=organisation,
                   link=absolute_url("admin.organisation", organisation_id=organisation.id))


def verdict_disputed(organisation: Organisation, target: str, check_title: str, note: str) -> bool:
    return _notify(_l("KINDNS: %(name)s disputes a verdict on %(target)s", name=organisation.name, target=target),
                   "mail/staff_disputed.txt", organisation=organisation, target=target, check=check_title,
                   note=note, link=absolute_url("admin.disputes"))


def change_to_review(organisation: Organisation) -> bool:
    return _notify(_l("KINDNS: %(name)s asks to change its public name or website", name=organisation.name),
                   "mail/staff_change.txt", organisation=organisation,
                   link=absolute_url("admin.organisation", organisation_id=organisation.id))
