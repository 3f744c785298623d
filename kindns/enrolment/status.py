"""The review workflow: which status changes are allowed, in one table.

    submit           draft | changes_requested | rejected -> submitted   (the operator)
    approve          submitted -> approved                                 (staff; sets approved_at)
    request_changes  submitted -> changes_requested                        (staff; message to the operator)
    reject           submitted -> rejected                                 (staff; message to the operator)

An approved organisation stays approved when it edits its details (the edits are audited for staff).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..audit import record
from ..models import Organisation, OrganisationStatus, User, utcnow

DRAFT = OrganisationStatus.DRAFT.value
SUBMITTED = OrganisationStatus.SUBMITTED.value
CHANGES_REQUESTED = OrganisationStatus.CHANGES_REQUESTED.value
APPROVED = OrganisationStatus.APPROVED.value
REJECTED = OrganisationStatus.REJECTED.value

STATUS_LABELS = {
    DRAFT: _l("Draft"),
    SUBMITTED: _l("Submitted for review"),
    CHANGES_REQUESTED: _l("Changes requested"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Rejected"),
}


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[str]
    to: str


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(frozenset({DRAFT, CHANGES_REQUESTED, REJECTED}), SUBMITTED),
    "approve": Transition(frozenset({SUBMITTED}), APPROVED),
    "request_changes": Transition(frozenset({SUBMITTED}), CHANGES_REQUESTED),
    "reject": Transition(frozenset({SUBMITTED}), REJECTED),
}


class TransitionNotAllowed(Exception):
    """The organisation is not in a status the transition starts from; nothing was changed."""

    def __init__(self, name: str, status: str):
        self.name = name
        self.status = status
        super().__init__(f"{name} is not allowed from {status}")


def can(name: str, organisation: Organisation) -> bool:
    return organisation.status in TRANSITIONS[name].allowed_from


def apply_transition(name: str, organisation: Organisation, user: User, **detail) -> None:
    """Move the organisation along `name`, stamping times and recording the audit event (not committed)."""
    transition = TRANSITIONS[name]
    old = organisation.status
    if old not in transition.allowed_from:
        raise TransitionNotAllowed(name, old)
    organisation.status = transition.to
    now = utcnow()
    if transition.to == SUBMITTED:
        organisation.submitted_at = now
    if transition.to == APPROVED:
        organisation.approved_at = now
    record(f"organisation.{transition.to}", organisation, user, old_status=old, new_status=transition.to, **detail)
