from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class CheckNowForm(FlaskForm):
    """No fields: the form exists for its CSRF token."""


class DisputeForm(FlaskForm):
    note = TextAreaField(_l("Why is this verdict wrong?"), validators=[DataRequired(), Length(max=4000)])
