"""Conformance pages: the operator's checks and reports, "check now", disputes, staff's dispute list,
and the public badge."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..admin.views import staff_only
from ..directory.services import get_participant
from ..extensions import db, limiter
from ..models import Resolver, Zone
from . import services
from .badge import badge_state, badge_svg
from .forms import CheckNowForm, DisputeAnswerForm, DisputeForm
from .models import CheckResult, Dispute

bp = Blueprint("conformance", __name__)


def _own_target(model, target_id: int):
    """A zone or resolver of the current user's organisation (staff: any); 404 otherwise."""
    target = db.session.get(model, target_id)
    if target is None:
        abort(404)
    if not current_user.is_staff and target.organisation_id != current_user.organisation_id:
        abort(404)
    return target


def _organisation_key() -> str:
    # "Check now" is limited per organisation, whichever member or address asks.
    return f"org-{getattr(current_user, 'organisation_id', None) or request.remote_addr}"


@bp.get("/dashboard/checks")
@login_required
def overview():
    organisation = current_user.organisation
    if organisation is None:
        return redirect(url_for("enrolment.dashboard"))
    rows = [(kind, target, services.latest_run(target), services.active_run(target))
            for kind, targets in (("zone", organisation.zones), ("resolver", organisation.resolvers))
            for target in targets]
    return render_template("conformance/overview.html", organisation=organisation, rows=rows,
                           conformance=services.participant_conformance(organisation), form=CheckNowForm())


def _report(kind: str, target):
    state = services.report_state(target)
    run, previous = state.run, state.previous
    disputes = db.session.scalars(
        select(Dispute).where(Dispute.organisation_id == target.organisation_id,
                              Dispute.target == services.target_name(target)).order_by(Dispute.id.desc())
    ).all()
    return render_template(
        "conformance/report.html", kind=kind, target=target, name=services.target_name(target), run=run,
        changes={c.check_id: c for c in services.changes_since(run, previous)} if run else {},
        previous=previous, active=state.active, history=state.history,
        applicable=services.applicable_check_ids(target.organisation, kind), disputes=disputes,
        form=CheckNowForm(), dispute_form=DisputeForm(),
    )


@bp.get("/dashboard/zones/<int:zone_id>/report")
@login_required
def zone_report(zone_id: int):
    return _report("zone", _own_target(Zone, zone_id))


@bp.get("/dashboard/resolvers/<int:resolver_id>/report")
@login_required
def resolver_report(resolver_id: int):
    return _report("resolver", _own_target(Resolver, resolver_id))


def _check_now(target, report_endpoint: str, key: str):
    form = CheckNowForm()
    if not form.validate_on_submit():
        abort(400)
    run, created = services.request_check(target, "manual", current_user)
    if created:
        flash(_("A check of %(name)s is queued; this page shows it when it is done.",
                name=services.target_name(target)), "success")
    else:
        flash(_("A check of %(name)s is already under way.", name=services.target_name(target)), "info")
    return redirect(url_for(report_endpoint, **{key: target.id}))


_check_now_limit = limiter.limit(lambda: current_app.config["KINDNS_CHECK_NOW_LIMIT"],
                                 key_func=_organisation_key, methods=["POST"])


@bp.post("/dashboard/zones/<int:zone_id>/check")
@login_required
@_check_now_limit
def check_zone_now(zone_id: int):
    return _check_now(_own_target(Zone, zone_id), "conformance.zone_report", "zone_id")


@bp.post("/dashboard/resolvers/<int:resolver_id>/check")
@login_required
@_check_now_limit
def check_resolver_now(resolver_id: int):
    return _check_now(_own_target(Resolver, resolver_id), "conformance.resolver_report", "resolver_id")


@bp.post("/dashboard/results/<int:result_id>/dispute")
@login_required
def dispute(result_id: int):
    result = db.session.get(CheckResult, result_id)
    if result is None or result.run.organisation_id != current_user.organisation_id:
        abort(404)
    form = DisputeForm()
    run = result.run
    back = url_for("conformance.zone_report", zone_id=run.zone_id) if run.zone_id else \
        url_for("conformance.resolver_report", resolver_id=run.resolver_id)
    if not form.validate_on_submit():
        for error in form.note.errors:
            flash(_("Dispute not sent: %(error)s", error=error), "error")
        return redirect(back)
    services.open_dispute(result, current_user, form.note.data)
    flash(_("Your dispute of %(check)s was sent to staff.", check=result.check_id), "success")
    return redirect(back)


@bp.route("/admin/disputes", methods=["GET"])
def disputes():
    denied = staff_only()
    if denied is not None:
        return denied
    status = request.args.get("status", "open")
    query = select(Dispute).order_by(Dispute.id.desc())
    if status in ("open", "answered"):
        query = query.where(Dispute.status == status)
    return render_template("conformance/disputes.html", disputes=db.session.scalars(query).all(), status=status,
                           form=DisputeAnswerForm())


@bp.post("/admin/disputes/<int:dispute_id>/answer")
def answer_dispute(dispute_id: int):
    denied = staff_only()
    if denied is not None:
        return denied
    item = db.session.get(Dispute, dispute_id) or abort(404)
    form = DisputeAnswerForm()
    if form.validate_on_submit():
        services.answer_dispute(item, current_user, form.answer.data)
        flash(_("Answer sent to %(name)s.", name=item.organisation.name), "success")
    else:
        flash(_("Write an answer first."), "error")
    return redirect(url_for("conformance.disputes"))


@bp.get("/badge/<slug>.svg")
def badge(slug: str):
    organisation = get_participant(slug) or abort(404)
    conformance = services.participant_conformance(organisation)
    message, status = badge_state(conformance)
    response = current_app.response_class(badge_svg("KINDNS", message, status), mimetype="image/svg+xml")
    # Briefly cached: embedded on operators' sites, it is fetched far more often than it changes.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    if conformance.checked_at:
        response.last_modified = conformance.checked_at
    return response
