"""The staff area: thin views over kindns.admin.services (and the enrolment services for reading)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..enrolment import services as enrolment
from ..enrolment import status
from ..extensions import db, login_manager
from ..ids import id_arg, page_arg
from ..models import Organisation
from . import services
from ..enrolment.forms import as_choices
from .forms import ActionForm, ChampionForm, DecisionMessageForm, RegionOverrideForm

bp = Blueprint("admin", __name__)


@bp.before_request
def staff_only():
    """Every page and action here: anonymous visitors log in first, accounts that are not staff get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None


def _organisation_or_404(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id) or abort(404)


def _flash_errors(error: services.StaffActionError) -> None:
    for message in error.messages:
        flash(message, "error")


@bp.get("/")
def index():
    return render_template(
        "admin/index.html", queue=services.review_queue(), counts=services.status_counts(),
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


def _render_organisation(organisation: Organisation, changes_form=None, reject_form=None):
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
        approve_form=ActionForm(),
        changes_form=changes_form or DecisionMessageForm(prefix="changes"),
        reject_form=reject_form or DecisionMessageForm(prefix="reject"),
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    return _render_organisation(_organisation_or_404(organisation_id))


@bp.post("/organisations/<int:organisation_id>/approve")
def approve(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
    try:
        services.approve(organisation, current_user)
    except services.StaffActionError as error:
        _flash_errors(error)
    else:
        flash(_("%(name)s is approved and now listed publicly.", name=organisation.name), "success")
    return redirect(url_for(".organisation", organisation_id=organisation.id))


def _decision_with_message(organisation_id: int, prefix: str, decide, done_message: str):
    organisation = _organisation_or_404(organisation_id)
    form = DecisionMessageForm(prefix=prefix)
    if form.validate_on_submit():
        try:
            decide(organisation, current_user, form.message.data)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(done_message, "success")
        return redirect(url_for(".organisation", organisation_id=organisation.id))
    forms = {"changes_form": form} if prefix == "changes" else {"reject_form": form}
    return _render_organisation(organisation, **forms), 400


@bp.post("/organisations/<int:organisation_id>/request-changes")
def request_changes(organisation_id: int):
    return _decision_with_message(organisation_id, "changes", services.request_changes,
                                  _("Changes requested; the operator has been told."))


@bp.post("/organisations/<int:organisation_id>/reject")
def reject(organisation_id: int):
    return _decision_with_message(organisation_id, "reject", services.reject,
                                  _("Enrolment rejected; the operator has been told."))


@bp.route("/champions", methods=["GET", "POST"])
def champions():
    form = ChampionForm()
    candidates = services.approved_non_champions()
    form.organisation.choices = as_choices((o.id, o.name) for o in candidates)
    if form.validate_on_submit():
        organisation = _organisation_or_404(form.organisation.data)
        try:
            services.designate_champion(organisation, current_user, form.citation.data)
        except services.StaffActionError as error:
            _flash_errors(error)
        else:
            flash(_("%(name)s is now a KINDNS champion.", name=organisation.name), "success")
            return redirect(url_for(".champions"))
    return render_template("admin/champions.html", form=form, champions=services.champions(),
                           has_candidates=bool(candidates)), (400 if form.errors else 200)


@bp.post("/champions/<int:organisation_id>/revoke")
def revoke_champion(organisation_id: int):
    organisation = _organisation_or_404(organisation_id)
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
