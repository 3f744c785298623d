"""The staff area: thin views over kindns.admin.services (and the enrolment services for reading)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.guards import staff_required
from ..confirmation import confirmation_page, confirmed
from ..conformance import disputes as conformance_disputes
from ..conformance import standing
from ..conformance.models import Dispute
from ..enrolment import services as enrolment
from ..enrolment import status
from ..enrolment.forms import as_choices
from ..extensions import db
from ..ids import id_arg, page_arg
from ..models import Organisation
from ..observatory.views import staff_bp as campaigns_bp
from . import services
from .forms import (ActionForm, ChampionForm, CitationForm, DecisionMessageForm, DisputeAnswerForm, RegionOverrideForm,
                    WelcomeForm)

bp = Blueprint("admin", __name__)
# Every staff page is in this blueprint, behind the one guard.
bp.before_request(staff_required)
# The measurement campaigns' staff pages (/admin/campaigns), behind the same guard.
bp.register_blueprint(campaigns_bp, url_prefix="/campaigns")


def _organisation_or_404(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id) or abort(404)


def _flash_errors(error: services.StaffActionError) -> None:
    for message in error.messages:
        flash(message, "error")


@bp.get("/")
def index():
    return render_template(
        "admin/index.html", queue=services.review_queue(), counts=services.status_counts(),
        pending_changes=services.organisations_with_pending_changes(),
        status_labels=status.STATUS_LABELS, recent=services.recent_changes_to_approved(),
        conflict_count=len(services.zone_conflicts()),
    )


@bp.get("/organisations")
def organisations():
    status_filter = request.args.get("status") or None
    if status_filter is not None and status_filter not in status.STATUS_LABELS:
        status_filter = None
    return render_template(
        "admin/organisations.html", organisations=list(services.organisations(status_filter)),
        status_filter=status_filter, status_labels=status.STATUS_LABELS, counts=services.status_counts(),
    )


def _render_organisation(organisation: Organisation, **forms):
    return render_template(
        "admin/organisation.html",
        organisation=organisation,
        status_labels=status.STATUS_LABELS,
        sections=enrolment.assessment_sections(organisation),
        answers=enrolment.answers_by_practice(organisation),
        problems=enrolment.submission_problems(organisation),
        invitations=enrolment.pending_invitations(organisation),
        declarers=services.other_declarers(organisation),
        events=services.audit_events(organisation.id, page=1),
        can_decide=status.can("approve", organisation),
        conformance=standing.participant_conformance(organisation),
        pending=services.pending_changes(organisation), accept_form=ActionForm(),
        contradictions=standing.contradictions(organisation),
        **{"approve_form": WelcomeForm(prefix="approve"), "changes_form": DecisionMessageForm(prefix="changes"),
           "reject_form": DecisionMessageForm(prefix="reject"), "decline_form": DecisionMessageForm(prefix="decline"),
           **forms},
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    return _render_organisation(_organisation_or_404(organisation_id))


def _decide(organisation_id: int, prefix: str, form_class, decide, done_message: str):
    """Each decision is its own form with its own message box: a message typed for one never reaches another."""
    organisation = _organisation_or_404(organisation_id)
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        try:
            decide(organisation, current_user, form.message.data or "")
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(done_message % {"name": organisation.name}, "success")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    return _render_organisation(organisation, **{f"{prefix}_form": form}), 400


@bp.post("/organisations/<int:organisation_id>/approve")
def approve(organisation_id: int):
    return _decide(organisation_id, "approve", WelcomeForm, services.approve,
                   _("%(name)s is approved and now listed publicly."))


@bp.post("/organisations/<int:organisation_id>/request-changes")
def request_changes(organisation_id: int):
    return _decide(organisation_id, "changes", DecisionMessageForm, services.request_changes,
                   _("Changes requested; the operator has been told."))


@bp.post("/organisations/<int:organisation_id>/reject")
def reject(organisation_id: int):
    return _decide(organisation_id, "reject", DecisionMessageForm, services.reject,
                   _("Enrolment rejected; the operator has been told."))


@bp.post("/organisations/<int:organisation_id>/changes/accept")
def accept_changes(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.accept_pending_changes(organisation, current_user)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(_("The change is public now."), "success")
    return redirect(url_for(".organisation", organisation_id=organisation.id))


@bp.post("/organisations/<int:organisation_id>/changes/decline")
def decline_changes(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    form = DecisionMessageForm(prefix="decline")
    if form.validate_on_submit():
        try:
            services.decline_pending_changes(organisation, current_user, form.message.data)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(_("Change declined; the operator has been told."), "success")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    return _render_organisation(organisation, decline_form=form), 400


@bp.route("/champions", methods=["GET", "POST"])
def champions():
    form = ChampionForm()
    candidates = services.approved_non_champions()
    form.organisation.choices = as_choices([("", _("Choose an organisation"))] + [(o.id, o.name) for o in candidates])
    if form.validate_on_submit():
        organisation = _organisation_or_404(form.organisation.data)
        conformance = standing.participant_conformance(organisation)
        if not conformance.verified and not confirmed():
            return confirmation_page(
                _("Designate %(name)s although it is not verified?", name=organisation.name),
                _("%(name)s is %(status)s by the automated checks. A champion is held up as an example to its "
                  "region: designate it anyway?", name=organisation.name,
                  status=standing.status_display(conformance).label),
                _("Designate anyway"), url_for(".champions"),
                hidden={"organisation": organisation.id, "citation": form.citation.data})
        try:
            services.designate_champion(organisation, current_user, form.citation.data)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(_("%(name)s is now a KINDNS champion.", name=organisation.name), "success")
            return redirect(url_for(".champions"))
    return render_template("admin/champions.html", form=form, champions=services.champions(),
                           has_candidates=bool(candidates)), (400 if form.errors else 200)


@bp.route("/champions/<int:organisation_id>", methods=["GET", "POST"])
def champion(organisation_id: int):
    """Change a champion's citation."""
    organisation = _organisation_or_404(organisation_id)
    if not organisation.is_champion:
        abort(404)
    form = CitationForm(data={"citation": organisation.champion_citation} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.designate_champion(organisation, current_user, form.citation.data)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(_("The citation of %(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for(".champions"))
    return render_template("admin/champion.html", form=form, organisation=organisation), (400 if form.errors else 200)


@bp.post("/champions/<int:organisation_id>/revoke")
def revoke_champion(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    if organisation.is_champion and not confirmed():
        return confirmation_page(
            _("Revoke %(name)s as a champion?", name=organisation.name),
            _("%(name)s will no longer be listed among the champions, and its citation will be deleted.",
              name=organisation.name),
            _("Revoke"), url_for(".champions"), danger=True)
    try:
        services.revoke_champion(organisation, current_user)
    except services.StaffActionError as error:
        _flash_errors(error)
    else:
        flash(_("%(name)s is no longer a champion.", name=organisation.name), "success")
    return redirect(url_for(".champions"))


@bp.get("/audit")
def audit():
    organisation_id = id_arg("organisation")
    organisation = _organisation_or_404(organisation_id) if organisation_id is not None else None
    return render_template("admin/audit.html", events=services.audit_events(organisation_id, page_arg()),
                           organisation=organisation)


@bp.route("/regions", methods=["GET", "POST"])
def regions():
    form = RegionOverrideForm()
    if form.validate_on_submit():
        try:
            moved = services.set_region_override(form.country.data, form.region.data, current_user)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(_("Region corrected; %(n)d organisation(s) moved.", n=moved), "success")
            return redirect(url_for(".regions"))
    return render_template("admin/regions.html", form=form, summary=services.region_summary(),
                           overrides=sorted(services.region_overrides().items()),
                           clear_form=ActionForm()), (400 if form.errors else 200)


@bp.post("/regions/<country>/clear")
def clear_region(country: str):
    try:
        moved = services.clear_region_override(country.upper(), current_user)
    except services.StaffActionError:
        abort(404)
    flash(_("Correction removed; %(n)d organisation(s) moved.", n=moved), "success")
    return redirect(url_for(".regions"))


@bp.get("/conflicts")
def conflicts():
    return render_template("admin/conflicts.html", conflicts=services.zone_conflicts(),
                           status_labels=status.STATUS_LABELS)


@bp.get("/disputes")
def disputes():
    status_filter = request.args.get("status", "open")
    query = select(Dispute).order_by(Dispute.id.desc())
    if status_filter in ("open", "answered"):
        query = query.where(Dispute.status == status_filter)
    return render_template("admin/disputes.html", disputes=db.session.scalars(query).all(), status=status_filter,
                           form=DisputeAnswerForm())


@bp.post("/disputes/<int:dispute_id>/answer")
def answer_dispute(dispute_id: int):
    item = db.session.get(Dispute, dispute_id) or abort(404)
    form = DisputeAnswerForm()
    if not form.validate_on_submit():
        flash(_("Write an answer first."), "error")
        return redirect(url_for(".disputes"))
    try:
        conformance_disputes.answer_dispute(item, current_user, form.answer.data)
    except conformance_disputes.DisputeRefused as refused:
        flash(refused.message, "error")
    else:
        flash(_("Answer sent to %(name)s.", name=item.organisation.name), "success")
    return redirect(url_for(".disputes"))
