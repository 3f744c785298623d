"""The operator's dashboard under /dashboard: thin views over kindns.enrolment.services.

Every object id in a URL is looked up within the current user's organisation, so another operator's
ids answer 404. Staff accounts do not operate organisations here (403 past the dashboard itself).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from ..confirmation import confirmation_page, confirmed
from ..conformance.targets import KINDS, find_target
from ..extensions import limiter
from ..jobs import queue_runs
from ..practices import kinds_of
from ..software import software_label, software_options
from . import services, status
from .forms import DohUrlForm, InviteForm, OrganisationForm, ResolversForm, SoftwareForm, ZonesForm, assessment_form

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
        missing=services.missing_answers(organisation) if organisation else [],
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
        # The operator edits what it asked for last, even while staff have not accepted it yet.
        for name in services.REVIEWED_FIELDS:
            pending = getattr(existing, f"pending_{name}")
            if pending is not None:
                form[name].data = pending
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
                if any(change.get("pending") for change in changes.values()):
                    flash(_("A new name or website of an approved organisation is shown once KINDNS staff accept "
                            "it; until then the public sees the approved one."), "info")
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
            queue_runs(result.runs)
            flash(ngettext("%(num)d added.", "%(num)d added.", len(result.added)), "success")
            if result.conflicts:
                flash(_("Another organisation has declared %(names)s too; staff will review this.",
                        names=", ".join(result.conflicts)), "warning")
            return redirect(url_for(f".{kind}"))
    wants = kinds_of(organisation.category_ids)
    rows = organisation.zones if kind == "zones" else organisation.resolvers
    return render_template(
        f"enrolment/{kind}.html", form=form, organisation=organisation,
        relevant=("zone" if kind == "zones" else "resolver") in wants,
        conflicts=services.zones_declared_elsewhere(organisation) if kind == "zones" else set(),
        doh_forms={r.id: DohUrlForm(prefix=f"doh-{r.id}", data={"url": r.doh_url or ""})
                   for r in organisation.resolvers} if kind == "resolvers" else {},
        software_forms={row.id: _software_form(kind, row) for row in rows},
    )


def _software_form(kinds: str, row) -> SoftwareForm:
    kind = "zone" if kinds == "zones" else "resolver"
    return SoftwareForm(software_options(kind), prefix=f"software-{row.id}", data={"software": row.software or ""})


@bp.post("/dashboard/<any(zones, resolvers):kinds>/<int:target_id>/software")
@organisation_required
def target_software(organisation, kinds: str, target_id: int):
    """Declare the software that serves one zone or resolver."""
    kind = "zone" if kinds == "zones" else "resolver"
    row = (find_target(KINDS[kind], target_id, organisation.id) or abort(404)).row
    form = _software_form(kinds, row)
    if form.validate_on_submit():
        try:
            changed = services.set_software(row, current_user, form.software.data)
        except services.EnrolmentError as error:
            _flash_errors(error)
        else:
            if changed:
                label = row.name if kind == "zone" else row.address
                flash(_("Saved: the report of %(target)s gives the advice for %(software)s.", target=label,
                        software=software_label(row.software)) if row.software else
                      _("Saved: the report of %(target)s gives the general advice.", target=label), "success")
    else:
        for error in form.software.errors:
            flash(error, "error")
    return redirect(url_for(f".{kinds}"))


@bp.route("/dashboard/zones", methods=["GET", "POST"])
@organisation_required
def zones(organisation):
    return _list_page(organisation, "zones", ZonesForm(), services.add_zones)


@bp.post("/dashboard/zones/<int:zone_id>/delete")
@organisation_required
def delete_zone(organisation, zone_id: int):
    zone = (find_target(KINDS["zone"], zone_id, organisation.id) or abort(404)).row
    if not confirmed():
        return confirmation_page(
            _("Remove %(name)s?", name=zone.name),
            _("The zone %(name)s and its check history will be removed from your organisation. You can declare it "
              "again later, but its history will not come back.", name=zone.name),
            _("Remove the zone"), url_for(".zones"), danger=True)
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
    resolver = (find_target(KINDS["resolver"], resolver_id, organisation.id) or abort(404)).row
    if not confirmed():
        return confirmation_page(
            _("Remove %(address)s?", address=resolver.address),
            _("The resolver %(address)s and its check history will be removed from your organisation.",
              address=resolver.address),
            _("Remove the resolver"), url_for(".resolvers"), danger=True)
    services.remove_resolver(resolver, current_user)
    flash(_("Resolver %(address)s removed.", address=resolver.address), "success")
    return redirect(url_for(".resolvers"))


@bp.post("/dashboard/resolvers/<int:resolver_id>/doh")
@organisation_required
def resolver_doh(organisation, resolver_id: int):
    resolver = (find_target(KINDS["resolver"], resolver_id, organisation.id) or abort(404)).row
    form = DohUrlForm(prefix=f"doh-{resolver.id}")
    if form.validate_on_submit():
        try:
            changed = services.set_doh_url(resolver, current_user, form.url.data or "")
        except services.EnrolmentError as error:
            _flash_errors(error)
        else:
            if changed:
                flash(_("Saved: the next check of %(address)s looks at its DNS over HTTPS too.",
                        address=resolver.address) if resolver.doh_url else
                      _("Saved: %(address)s has no DNS-over-HTTPS address any more.", address=resolver.address),
                      "success")
    else:
        for error in form.url.errors:
            flash(error, "error")
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
            missing = services.missing_answers(organisation)
            if not missing:
                return redirect(url_for(".dashboard"))
            flash(ngettext("%(num)d answer is still missing; it is marked below.",
                           "%(num)d answers are still missing; they are marked below.", len(missing)), "warning")
            return redirect(url_for(".assessment", missing=1))
    elif request.args.get("missing"):
        # Just saved with gaps: name and mark each practice still to answer, where it stands.
        for practice in services.missing_answers(organisation):
            form.how_field(practice).errors = [_("Say how you do this or, if you do not yet, what you plan.")]
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
