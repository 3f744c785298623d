"""Staff forms. Limits mirror those the services enforce."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..enrolment.forms import as_choices
from ..regions import REGIONS, country_choices
from .services import MAX_CITATION_LENGTH, MAX_MESSAGE_LENGTH


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token (approve, revoke, clear)."""


class DecisionMessageForm(FlaskForm):
    """Request changes or reject: the message to the operator is required."""

    message = TextAreaField(_l("Message to the operator"), validators=[
        DataRequired(message=_l("Write a message to the operator.")), Length(max=MAX_MESSAGE_LENGTH),
    ])


class WelcomeForm(FlaskForm):
    """Approve: a welcome to the operator is optional."""

    message = TextAreaField(_l("Welcome message (optional)"), validators=[Length(max=MAX_MESSAGE_LENGTH)])


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class CitationForm(FlaskForm):
    """A champion's public citation (designating one, or changing it)."""

    citation = TextAreaField(_l("Citation (shown publicly)"), validators=[
        DataRequired(message=_l("Write a short citation.")), Length(max=MAX_CITATION_LENGTH),
    ])


class ChampionForm(CitationForm):
    # No organisation is chosen until staff choose one: a preselected first name was easy to designate by mistake.
    organisation = SelectField(_l("Organisation"), coerce=_optional_int, validate_choice=True,
                               validators=[DataRequired(message=_l("Choose an organisation."))])


class DisputeAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer to the operator"), validators=[DataRequired(), Length(max=4000)])


class RegionOverrideForm(FlaskForm):
    country = SelectField(_l("Country"), validators=[DataRequired()])
    region = SelectField(_l("Region"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = as_choices([("", _l("Choose a country"))] + country_choices())
        self.region.choices = as_choices((code, f"{name} ({code})") for code, name in REGIONS.items())
