"""The observatory's pages: public indicators (across campaigns, and per campaign), and the staff pages that
create campaigns and follow them. Thin: the work is in services and indicators."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..directory.charts import bar_chart_svg, history_chart_svg
from ..enrolment.forms import as_choices
from ..extensions import db
from ..i18n import as_percent, month_label
from ..jobs import queue_campaign_batches
from ..models import Organisation, OrganisationStatus
from ..regions import country_name, region_name
from ..text import collation_key
from . import indicators, services
from .forms import CampaignForm, InviteForm, WithdrawForm

bp = Blueprint("observatory", __name__)
# Registered inside the staff area's blueprint (kindns.admin.views), whose guard runs before each view.
staff_bp = Blueprint("campaigns", __name__)


def namespace_label(namespace: str | None) -> str:
    """How a namespace is written for people: ".py", "." for the root; the participants otherwise."""
    if namespace is None:
        return _("Registry participants")
    return f".{namespace}" if namespace else "."


def _region_rows(regions: dict[str, indicators.Tally]) -> list[tuple[str, indicators.Tally]]:
    rows = [(region_name(code), tally) for code, tally in sorted(regions.items()) if code]
    return rows + ([(_("Country not known"), regions[""])] if "" in regions else [])


def _country_rows(countries: dict[str, indicators.Tally]) -> list[tuple[str, indicators.Tally]]:
    rows = [(country_name(code), tally) for code, tally in countries.items() if code]
    rows.sort(key=lambda row: collation_key(row[0]))
    return rows + ([(_("Country not known"), countries[""])] if "" in countries else [])


def _history_charts(series: list[indicators.Series]) -> list[tuple[object, object]]:
    """One chart per indicator: a line per namespace over the months (nothing when no month is measured)."""
    months = sorted({month for s in series for month in s.months})
    if not months:
        return []
    charts = []
    for indicator in indicators.INDICATORS:
        points = [(month_label(month), namespace_label(s.namespace),
                   s.months[month].share(indicator.key) if month in s.months else None)
                  for month in months for s in series if s.months]
        charts.append((indicator.label, history_chart_svg(
            points, title=_("%(indicator)s, by namespace and month", indicator=indicator.label),
            id_prefix=f"history-{indicator.key}", percent=as_percent)))
    return charts


@bp.get("/observatory")
def index():
    series = indicators.observatory()
    return render_template("observatory/index.html", series=series,
                           region_rows=_region_rows(indicators.regions_of(series)),
                           namespace_rows=[(namespace_label(s.namespace), s.latest) for s in series],
                           INDICATORS=indicators.INDICATORS, namespace_label=namespace_label,
                           charts=_history_charts(series))


@bp.get("/observatory/<slug>")
def campaign(slug: str):
    found = services.campaign_by_slug(slug) or abort(404)
    countries = indicators.campaign_tallies(found)
    whole = indicators.total(countries)
    chart = bar_chart_svg([(str(i.label), round((whole.share(i.key) or 0) * 100)) for i in indicators.INDICATORS],
                          title=_("Share of measured zones, in percent"), id_prefix="campaign-chart")
    return render_template("observatory/campaign.html", campaign=found, progress=services.progress(found),
                           whole=whole, region_rows=_region_rows(indicators.by_region(countries)),
                           country_rows=_country_rows(countries),
                           INDICATORS=indicators.INDICATORS, chart=chart, namespace_label=namespace_label,
                           month=month_label(indicators.month_of(found)) if found.started_at else None)


def _invite_form() -> InviteForm:
    form = InviteForm(prefix="invite")
    invited = {invitation.organisation_id for invitation in services.invitations()}
    approved = db.session.scalars(select(Organisation).where(
        Organisation.status == OrganisationStatus.APPROVED.value).order_by(Organisation.name)).all()
    form.organisation.choices = as_choices([(o.id, o.name) for o in approved if o.id not in invited])
    return form


def _staff_page(invite_form: InviteForm | None = None, status: int = 200):
    found = services.campaigns()
    return render_template("observatory/campaigns.html", campaigns=found, namespace_label=namespace_label,
                           progress={c.id: services.progress(c) for c in found},
                           invitations=services.invitations(), invite_form=invite_form or _invite_form(),
                           withdraw_form=WithdrawForm()), status


@staff_bp.get("/")
def campaigns():
    return _staff_page()


@staff_bp.post("/invitations")
def invite():
    form = _invite_form()
    if not form.validate_on_submit():
        return _staff_page(form, 400)
    organisation = db.session.get(Organisation, form.organisation.data) or abort(404)
    services.invite(organisation, current_user)
    flash(_("%(name)s may now run measurement campaigns.", name=organisation.name), "success")
    return redirect(url_for(".campaigns"))


@staff_bp.post("/invitations/<int:organisation_id>/withdraw")
def withdraw(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id) or abort(404)
    if WithdrawForm().validate_on_submit():
        services.withdraw(organisation, current_user)
        flash(_("%(name)s may no longer start campaigns; its campaigns stay.", name=organisation.name), "success")
    return redirect(url_for(".campaigns"))


def _allow_large_uploads(endpoint, _values):
    # A namespace's list of zones is far larger than any other form of the registry. Set before any
    # before_request function runs: the CSRF check reads the form.
    if endpoint in ("admin.campaigns.new_campaign", "observatory.own_campaigns"):
        request.max_content_length = current_app.config["KINDNS_CAMPAIGN_UPLOAD_MAX"]


staff_bp.url_value_preprocessor(_allow_large_uploads)
bp.url_value_preprocessor(_allow_large_uploads)


def _created(form: CampaignForm, organisation: Organisation | None):
    """Record the posted campaign and queue its batches; the campaign, or None with the form's errors set."""
    try:
        created = services.create_campaign(form.name.data, form.namespace.data, form.zones.data.read(),
                                           current_user, country=form.country.data or "", organisation=organisation)
    except services.CampaignError as error:
        form.zones.errors = list(error.messages)
        return None
    queue_campaign_batches(services.queued_batches(created))
    flash(_("Campaign recorded: %(count)d zones queued for measurement.", count=created.zone_count), "success")
    return created


@staff_bp.route("/new", methods=["GET", "POST"])
def new_campaign():
    form = CampaignForm()
    if form.validate_on_submit() and (created := _created(form, None)) is not None:
        return redirect(url_for("observatory.campaign", slug=created.slug))
    return render_template("observatory/new_campaign.html", form=form), 200 if not form.errors else 400


@bp.route("/dashboard/campaigns", methods=["GET", "POST"])
@login_required
def own_campaigns():
    """An invited organisation's campaigns, and the form to start one."""
    organisation = None if current_user.is_staff else current_user.organisation
    if not services.is_invited(organisation):
        abort(403)
    form = CampaignForm()
    if form.validate_on_submit() and (created := _created(form, organisation)) is not None:
        return redirect(url_for(".campaign", slug=created.slug))
    found = services.campaigns(organisation)
    return render_template("observatory/own_campaigns.html", form=form, campaigns=found,
                           organisation=organisation, namespace_label=namespace_label,
                           progress={c.id: services.progress(c) for c in found}), 200 if not form.errors else 400
