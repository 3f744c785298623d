"""The staff form that creates a campaign from an uploaded file."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..enrolment.forms import as_choices
from ..regions import country_choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[
        DataRequired(message=_l("Give the campaign a name.")), Length(max=200)])
    namespace = StringField(_l("Namespace"), filters=[_strip], validators=[
        DataRequired(message=_l("Name the namespace, such as .py.")), Length(max=253)])
    country = SelectField(_l("Operators' country, when a line does not say"), validate_choice=False)
    zones = FileField(_l("Zones"), validators=[FileRequired(message=_l("Choose the file of zones."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = as_choices([("", _l("Unknown")), *country_choices()])


class InviteForm(FlaskForm):
    """Staff invite an approved organisation to run campaigns of its own."""

    organisation = SelectField(_l("Organisation"), coerce=int, validate_choice=True)


class WithdrawForm(FlaskForm):
    """Withdraw an invitation: nothing but the CSRF token."""
