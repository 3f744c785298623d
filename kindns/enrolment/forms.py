"""Forms of the operator's dashboard. Limits here mirror those the services enforce."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ..practices import Practice, category_choices
from ..regions import country_choices
from .services import MAX_EMAIL_LENGTH, MAX_HOW_LENGTH, MAX_LIST_TEXT_LENGTH, MAX_NAME_LENGTH, MAX_WEBSITE_LENGTH


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def at_least_one(message):
    """Like DataRequired for a list of checkboxes, without putting `required` on every one of them."""

    def check(form, field):
        if not field.data:
            field.errors[:] = []
            raise StopValidation(message)

    return check


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (render_field knows this type by name)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"), filters=[_strip],
                       validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)])
    website = URLField(_l("Website"), filters=[_strip], validators=[
        Optional(), Length(max=MAX_WEBSITE_LENGTH),
        Regexp(r"(?i)^https?://[^\s/]+", message=_l("Enter an address starting with http:// or https://.")),
    ])
    country = SelectField(_l("Country"), validators=[DataRequired()])
    categories = MultiCheckboxField(
        _l("Operator categories"),
        validators=[at_least_one(_l("Choose at least one operator category."))],
    )
    contact_name = StringField(_l("Public contact: name"), filters=[_strip],
                               validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)])
    contact_email = EmailField(_l("Public contact: email address"), filters=[_strip], validators=[
        DataRequired(), Length(max=MAX_EMAIL_LENGTH), Email(check_deliverability=False),
    ])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled per request so that names follow the visitor's language.
        self.country.choices = as_choices([("", _l("Choose a country"))] + country_choices())
        self.categories.choices = as_choices(category_choices())


class ListForm(FlaskForm):
    """Zones or resolver addresses, one per line."""

    entries = TextAreaField(validators=[
        DataRequired(message=_l("Enter at least one entry, one per line.")),
        Length(max=MAX_LIST_TEXT_LENGTH),
    ])


class ZonesForm(ListForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries.label.text = _l("Zones you operate (one per line)")


class ResolversForm(ListForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries.label.text = _l("Resolver addresses, IPv4 or IPv6 (one per line)")


class DohUrlForm(FlaskForm):
    url = URLField(_l("DNS-over-HTTPS address"), filters=[_strip], validators=[Optional(), Length(max=500)])


class SoftwareForm(FlaskForm):
    """The software that serves one zone or resolver (its report's fix-it advice is written for it)."""

    software = SelectField(_l("Software"), validators=[Optional()])

    def __init__(self, options, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.software.choices = [("", _l("Not declared"))] + list(options)


class InviteForm(FlaskForm):
    email = EmailField(_l("Colleague's email address"), filters=[_strip], validators=[
        DataRequired(), Length(max=MAX_EMAIL_LENGTH), Email(check_deliverability=False),
    ])


def _field_key(practice_id: str) -> str:
    return practice_id.replace("-", "_")


def assessment_form(practices: list[Practice], *args, **kwargs) -> FlaskForm:
    """A form with, per practice, `implemented_<id>` (yes/no) and `how_<id>` (free text)."""

    class AssessmentForm(FlaskForm):
        def implemented_field(self, practice: Practice):
            return self[f"implemented_{_field_key(practice.id)}"]

        def how_field(self, practice: Practice):
            return self[f"how_{_field_key(practice.id)}"]

        def answers(self) -> dict[str, tuple[bool | None, str]]:
            """{practice id: (implemented or None when unanswered, how)}."""
            result = {}
            for practice in practices:
                choice = self.implemented_field(practice).data
                implemented = {"yes": True, "no": False}.get(choice)
                result[practice.id] = (implemented, self.how_field(practice).data or "")
            return result

    for practice in practices:
        key = _field_key(practice.id)
        # The description names the practice where the field's own label cannot (the error summary).
        setattr(AssessmentForm, f"implemented_{key}", RadioField(
            _l("Do you do this?"), description=practice.title,
            choices=as_choices([("yes", _l("Yes, we do this")), ("no", _l("Not yet"))]),
            validators=[Optional()],
            validate_choice=False,
        ))
        setattr(AssessmentForm, f"how_{key}", TextAreaField(
            _l("How? (If not yet: what you plan.)"), description=practice.title,
            validators=[Length(max=MAX_HOW_LENGTH)],
        ))
    return AssessmentForm(*args, **kwargs)

