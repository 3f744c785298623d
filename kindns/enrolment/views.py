"""The operator's dashboard under /dashboard: thin views over kindns.enrolment.services.

Every object id in a URL is looked up within the current user's organisation, so another operator's
ids answer 404. Staff accounts do not operate organisations here (403 past the dashboard itself).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from ..extensions import limiter
from ..practices import CATEGORIES
from . import services, status
from .forms import InviteForm, OrganisationForm, ResolversForm, ZonesForm, assessment_form

bp = Blueprint("enrolment", __name__)


def organisation_required(view):
    """Log in, be an operator (not staff) with an organisation; the view receives that organisation."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.is_staff:
            abort(403)
        organisation = current_user.organisation
        if organisation is None:
            flash(_("First tell us about your organisation."), "info")
            return redirect(url_for(".organisation"))
        return view(organisation, *args, **kwargs)

    return wrapped


def _flash_errors(error: services.EnrolmentError) -> None:
    for message in error.messages:
        flash(message, "error")


@bp.get("/dashboard")
@login_required
def dashboard():
    organisation = None if current_user.is_staff else current_user.organisation
    return render_template(
        "enrolment/dashboard.html",
        organisation=organisation,
        next_step=services.next_step(organisation),
        problems=services.submission_problems(organisation) if organisation else [],
        can_submit=organisation is not None and status.can("submit", organisation),
        status_labels=status.STATUS_LABELS,
        conflicts=services.zones_declared_elsewhere(organisation) if organisation else set(),
    )


@bp.route("/dashboard/organisation", methods=["GET", "POST"])
@login_required
def organisation():
    if current_user.is_staff:
        abort(403)
    existing = current_user.organisation
    form = OrganisationForm(obj=existing)
    if existing is not None and not form.is_submitted():
        form.categories.data = existing.category_ids
    if form.validate_on_submit():
        details = services.OrganisationDetails(
            name=form.name.data, website=form.website.data or "", country=form.country.data,
            categories=form.categories.data, contact_name=form.contact_name.data,
            contact_email=form.contact_email.data,
        )
        try:
            if existing is None:
                services.create_organisation(current_user, details)
                flash(_("Your organisation is created. Now declare the zones or resolvers you operate."), "success")
            else:
                changes = services.update_organisation(existing, current_user, details)
                flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for(".dashboard"))
        except services.EnrolmentError as error:
            _flash_errors(error)
    return render_template("enrolment/organisation.html", form=form, organisation=existing)


def _list_page(organisation, kind: str, form, adder):
    """The zones and resolvers pages work alike: add several at once, list, remove."""
    if form.validate_on_submit():
        try:
            result = adder(organisation, current_user, form.entries.data)
        except services.EnrolmentError as error:
            form.entries.errors = list(form.entries.errors) + error.messages
        else:
            flash(ngettext("%(num)d added.", "%(num)d added.", len(result.added)), "success")
            if result.conflicts:
                flash(_("Another organisation has declared %(names)s too; staff will review this.",
                        names=", ".join(result.conflicts)), "warning")
            return redirect(url_for(f".{kind}"))
    wants = {CATEGORIES[c].kind for c in organisation.category_ids if c in CATEGORIES}
    return render_template(
        f"enrolment/{kind}.html", form=form, organisation=organisation,
        relevant=("zone" if kind == "zones" else "resolver") in wants,
        conflicts=services.zones_declared_elsewhere(organisation) if kind == "zones" else set(),
        display_zone_name=services.display_zone_name,
    )


@bp.route("/dashboard/zones", methods=["GET", "POST"])
@organisation_required
def zones(organisation):
    return _list_page(organisation, "zones", ZonesForm(), services.add_zones)


@bp.post("/dashboard/zones/<int:zone_id>/delete")
@organisation_required
def delete_zone(organisation, zone_id: int):
    zone = services.own_zone(organisation, zone_id) or abort(404)
    services.remove_zone(zone, current_user)
    flash(_("Zone %(name)s removed.", name=zone.name), "success")
    return redirect(url_for(".zones"))


@bp.route("/dashboard/resolvers", methods=["GET", "POST"])
@organisation_required
def resolvers(organisation):
    return _list_page(organisation, "resolvers", ResolversForm(), services.add_resolvers)


@bp.post("/dashboard/resolvers/<int:resolver_id>/delete")
@organisation_required
def delete_resolver(organisation, resolver_id: int):
    resolver = services.own_resolver(organisation, resolver_id) or abort(404)
    services.remove_resolver(resolver, current_user)
    flash(_("Resolver %(address)s removed.", address=resolver.address), "success")
    return redirect(url_for(".resolvers"))


@bp.route("/dashboard/assessment", methods=["GET", "POST"])
@organisation_required
def assessment(organisation):
    sections = services.assessment_sections(organisation)
    practices = [p for _title, section in sections for p in section]
    stored = services.answers_by_practice(organisation)
    form = assessment_form(practices)
    if not form.is_submitted():
        for practice in practices:
            if practice.id in stored:
                form.implemented_field(practice).data = "yes" if stored[practice.id].implemented else "no"
                form.how_field(practice).data = stored[practice.id].how
    if form.validate_on_submit():
        answers = {pid: services.Answer(implemented, how) for pid, (implemented, how) in form.answers().items()}
        try:
            changed = services.save_assessment(organisation, current_user, answers)
        except services.EnrolmentError as error:
            _flash_errors(error)
        else:
            flash(_("Self-assessment saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".dashboard"))
    return render_template("enrolment/assessment.html", form=form, sections=sections, organisation=organisation)


@bp.post("/dashboard/submit")
@organisation_required
def submit(organisation):
    try:
        services.submit(organisation, current_user)
    except services.EnrolmentError as error:
        _flash_errors(error)
    else:
        flash(_("Submitted. KINDNS staff will review your enrolment and write to you."), "success")
    return redirect(url_for(".dashboard"))


@bp.route("/dashboard/members", methods=["GET", "POST"])
# Each invitation mails an address the owner typed: limit them per account so the registry is no spam relay.
@limiter.limit(lambda: current_app.config["KINDNS_INVITE_RATE_LIMIT"],
               methods=["POST"], key_func=lambda: f"invite:{getattr(current_user, 'id', None)}")
@organisation_required
def members(organisation):
    is_owner = services.is_owner(current_user, organisation)
    form = InviteForm()
    if form.is_submitted() and not is_owner:
        abort(403)
    if form.validate_on_submit():
        try:
            services.invite_member(organisation, current_user, form.email.data)
        except services.EnrolmentError as error:
            form.email.errors = list(form.email.errors) + error.messages
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for(".members"))
    return render_template(
        "enrolment/members.html", form=form, organisation=organisation, is_owner=is_owner,
        invitations=services.pending_invitations(organisation),
    )


@bp.post("/dashboard/members/invitations/<int:invitation_id>/cancel")
@organisation_required
def cancel_invitation(organisation, invitation_id: int):
    invitation = services.own_invitation(organisation, invitation_id) or abort(404)
    if not services.is_owner(current_user, organisation):
        abort(403)
    services.cancel_invitation(invitation, current_user)
    flash(_("Invitation to %(email)s cancelled.", email=invitation.email), "success")
    return redirect(url_for(".members"))
