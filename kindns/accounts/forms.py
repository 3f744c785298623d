"""Account forms. Every field has a length limit, so oversized input is refused with a message."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from .services import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem


def _email_field(*extra_validators) -> EmailField:
    return EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")),
                    Length(max=MAX_EMAIL_LENGTH, message=_l("The email address must be at most %(max)d characters long.")),
                    *extra_validators],
        render_kw={"autocomplete": "email", "maxlength": MAX_EMAIL_LENGTH},
    )


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password.")),
                    Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                           message=_l("The password must be between %(min)d and %(max)d characters long."))],
        description=_l("At least %(min)d characters and hard to guess: a few unrelated words work well.",
                       min=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD_LENGTH},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(_l("Repeat the password.")),
                    Length(max=MAX_PASSWORD_LENGTH),
                    EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_PASSWORD_LENGTH},
    )
    return password, confirm


class _NewPasswordMixin:
    """Checks the password rules that need the address (not equal to it); `account_email` is set by the view
    for forms without an email field."""

    account_email = ""

    def validate_password(self, field) -> None:
        if field.errors:  # the length is wrong already; one message is enough
            return
        email = self.email.data if hasattr(self, "email") else self.account_email
        problem = password_problem(field.data or "", email or "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(_NewPasswordMixin, FlaskForm):
    email = _email_field(Email(_l("This is not a valid email address.")))
    password, password_confirm = _new_password_fields()
    submit = SubmitField(_l("Register"))


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")),
                    Length(max=MAX_PASSWORD_LENGTH, message=_l("The password must be at most %(max)d characters long."))],
        render_kw={"autocomplete": "current-password", "maxlength": MAX_PASSWORD_LENGTH},
    )
    next = HiddenField(validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = _email_field()
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(_NewPasswordMixin, FlaskForm):
    password, password_confirm = _new_password_fields()
    submit = SubmitField(_l("Set the new password"))


class InvitationAccountForm(_NewPasswordMixin, FlaskForm):
    """Create an account for an invited address; the address itself comes from the invitation, not the form."""

    password, password_confirm = _new_password_fields()
    submit = SubmitField(_l("Create my account and join"))


class InvitationAcceptForm(FlaskForm):
    submit = SubmitField(_l("Join the organisation"))
