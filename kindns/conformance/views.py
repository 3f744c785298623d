"""Conformance pages: the operator's checks and reports, "check now", disputes, and the public badge.
Staff's list of disputes lives in the staff area (kindns.admin)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..directory.services import get_participant
from ..extensions import db, limiter
from ..jobs import queue_runs
from ..practices import check_title
from . import disputes, history, reports, runs, standing
from .badge import badge_state, badge_svg
from .forms import CheckNowForm, DisputeForm
from .models import CheckResult, Dispute
from .targets import BY_PLURAL, KINDS, Target, find_target, targets_of

bp = Blueprint("conformance", __name__)
TARGET_URL = "/dashboard/<any(zones, resolvers):kinds>/<int:target_id>"


def _own_target(kinds: str, target_id: int) -> Target:
    """A zone or resolver of the current user's organisation (staff: any); 404 otherwise."""
    organisation_id = None if current_user.is_staff else current_user.organisation_id
    if organisation_id is None and not current_user.is_staff:
        abort(404)
    return find_target(BY_PLURAL[kinds], target_id, organisation_id) or abort(404)


def _organisation_key() -> str:
    # "Check now" and disputes are limited per organisation, whichever member or address asks.
    return f"org-{getattr(current_user, 'organisation_id', None) or request.remote_addr}"


def _per_organisation(config_key: str):
    """A rate limit per organisation, from the app config (kindns.config.RATE_LIMITS); each limit counts apart."""
    return limiter.limit(lambda: current_app.config[config_key], key_func=_organisation_key, methods=["POST"])


@bp.get("/dashboard/checks")
@login_required
def overview():
    organisation = current_user.organisation
    if organisation is None:
        return redirect(url_for("enrolment.dashboard"))
    rows = [(target, history.latest_run(target), runs.active_run(target)) for target in targets_of(organisation)]
    return render_template("conformance/overview.html", organisation=organisation, rows=rows,
                           conformance=standing.participant_conformance(organisation), form=CheckNowForm(),
                           contradictions=standing.contradictions(organisation))


@bp.get(f"{TARGET_URL}/report")
@login_required
def report(kinds: str, target_id: int):
    target = _own_target(kinds, target_id)
    state = history.report_state(target)
    run, previous = state.run, state.previous
    target_disputes = db.session.scalars(
        select(Dispute).where(Dispute.organisation_id == target.organisation_id, Dispute.target == target.label)
        .order_by(Dispute.id.desc())
    ).all()
    applicable = standing.applicable_check_ids(target.organisation, target.kind.name)
    changes = {c.check_id: c for c in history.changes_since(run, previous)} if run else {}
    software = reports.software_choice(target.kind.name, target.row.software, request.args.get("software"),
                                       reports.seen_software(run))
    return render_template(
        "conformance/report.html", target=target, run=run, previous=previous, active=state.active,
        history=state.history, disputes=target_disputes, form=CheckNowForm(), dispute_form=DisputeForm(),
        views=reports.report_views(run, applicable, changes, software.shown) if run else [], software=software,
        unmeasured=reports.unmeasured(run) if run else None, tally=reports.tally(run) if run else [],
    )


@bp.get(f"{TARGET_URL}/status")
@login_required
def status(kinds: str, target_id: int):
    """Whether a check of the target is under way, for the report page's refresh script: it reloads the
    report once the run it waits for is no longer queued or running."""
    target = _own_target(kinds, target_id)
    active = runs.active_run(target)
    latest = history.latest_run(target)
    response = jsonify(active={"id": active.id, "status": active.status} if active else None,
                       latest_run=latest.id if latest else None, report=target.report_url)
    response.cache_control.no_store = True
    return response


@bp.post(f"{TARGET_URL}/check")
@login_required
@_per_organisation("KINDNS_CHECK_NOW_LIMIT")
def check_now(kinds: str, target_id: int):
    target = _own_target(kinds, target_id)
    if not CheckNowForm().validate_on_submit():
        abort(400)
    run, created = runs.request_check(target, "manual", current_user)
    if created:
        queue_runs([run])
        flash(_("A check of %(name)s is queued; this page shows it when it is done.", name=target.label),
              "success")
    else:
        flash(_("A check of %(name)s is already under way.", name=target.label), "info")
    return redirect(target.report_url)


@bp.post("/dashboard/results/<int:result_id>/dispute")
@login_required
@_per_organisation("KINDNS_DISPUTE_RATE_LIMIT")
def dispute(result_id: int):
    result = db.session.get(CheckResult, result_id)
    if result is None or result.run.organisation_id != current_user.organisation_id:
        abort(404)
    run = result.run
    back = url_for("conformance.report", kinds=KINDS[run.kind].plural, target_id=run.target_id) \
        if run.target_id is not None else url_for("conformance.overview")
    form = DisputeForm()
    if not form.validate_on_submit():
        for error in form.note.errors:
            flash(_("Dispute not sent: %(error)s", error=error), "error")
        return redirect(back)
    try:
        disputes.open_dispute(result, current_user, form.note.data)
    except disputes.DisputeRefused as refused:
        flash(refused.message, "error")
    else:
        flash(_("Your dispute of “%(check)s” was sent to staff.", check=check_title(result.check_id)), "success")
    return redirect(back)


@bp.get("/badge/<slug>.svg")
def badge(slug: str):
    organisation = get_participant(slug) or abort(404)
    conformance = standing.participant_conformance(organisation)
    message, status = badge_state(conformance)
    response = current_app.response_class(badge_svg("KINDNS", message, status), mimetype="image/svg+xml")
    # Briefly cached: embedded on operators' sites, it is fetched far more often than it changes.
    response.cache_control.public = True
    response.cache_control.max_age = 300
    if conformance.checked_at:
        response.last_modified = conformance.checked_at
    return response
