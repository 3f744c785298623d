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


class ChampionForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), coerce=int, validate_choice=True)
    citation = TextAreaField(_l("Citation (shown publicly)"), validators=[
        DataRequired(message=_l("Write a short citation.")), Length(max=MAX_CITATION_LENGTH),
    ])


class DisputeAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer to the operator"), validators=[DataRequired(), Length(max=4000)])


class RegionOverrideForm(FlaskForm):
    country = SelectField(_l("Country"), validators=[DataRequired()])
    region = SelectField(_l("Region"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = as_choices([("", _l("Choose a country"))] + country_choices())
        self.region.choices = as_choices((code, f"{name} ({code})") for code, name in REGIONS.items())
