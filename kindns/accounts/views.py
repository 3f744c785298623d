"""Account pages: register, confirm, log in and out, reset a password, accept an invitation.

Thin: each view reads a form, calls a function of `services`, and picks a page or a redirect.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..jobs import queue_password_reset, queue_registration
from . import services
from .forms import (ForgotPasswordForm, InvitationAcceptForm, InvitationAccountForm, LoginForm, RegisterForm,
                    ResetPasswordForm)
from .services import AccountError, EmailNotConfirmed, InvalidCredentials, InvalidLink

bp = Blueprint("accounts", __name__)

DASHBOARD = "enrolment.dashboard"


def _post_limit(config_key: str):
    """A per-client-address rate limit on POST, from the app config (kindns.config.RATE_LIMITS)."""
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"])


def _after_login(target: str | None):
    """Redirect to `target` when it is a path on this site, else to the staff area (staff) or the dashboard."""
    if services.is_safe_next(target):
        return redirect(target)
    return redirect(url_for("admin.index") if current_user.is_staff else url_for(DASHBOARD))


def _invalid_link(message: str, action_url: str, action_label: str):
    return render_template("accounts/link_invalid.html", message=message, action_url=action_url,
                           action_label=action_label), 400


@bp.route("/register", methods=["GET", "POST"])
@_post_limit("KINDNS_REGISTER_RATE_LIMIT")
def register():
    if current_user.is_authenticated:
        return redirect(url_for(DASHBOARD))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registration = services.prepare_registration(form.email.data, form.password.data)
        except AccountError as error:
            form.email.errors.append(error.message)
        else:
            # The same work and the same page whether the address is new or known (the worker looks it up):
            # registration reveals nothing.
            queue_registration(*registration)
            return render_template("accounts/check_inbox.html")
    return render_template("accounts/register.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        user = services.confirm_email(token)
    except InvalidLink as error:
        return _invalid_link(error.message, url_for("accounts.login"),
                             _("Log in (an unconfirmed account gets a new link)"))
    if current_user.is_authenticated and current_user.id != user.id:
        # Never switch the account someone is using: a link an attacker got them to open would otherwise log
        # them into the attacker's account, where what they type next is the attacker's to read.
        flash(_("%(email)s is confirmed. You are still logged in as %(current)s.",
                email=user.email, current=current_user.email), "success")
        return redirect(url_for(DASHBOARD))
    login_user(user)
    flash(_("Thank you: your address is confirmed and you are logged in."), "success")
    return redirect(url_for(DASHBOARD))


@bp.route("/login", methods=["GET", "POST"])
@_post_limit("KINDNS_LOGIN_RATE_LIMIT")
def login():
    form = LoginForm()
    if request.method == "GET":
        wanted = request.args.get("next", "")
        form.next.data = wanted if services.is_safe_next(wanted) else ""
    if current_user.is_authenticated:
        return _after_login(form.next.data or request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except (InvalidCredentials, EmailNotConfirmed) as error:
            flash(error.message, "error")
        else:
            login_user(user)
            return _after_login(form.next.data or request.args.get("next"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out everywhere: the session version goes up, so no copy of any session cookie of this account
    (this device's, another device's, a stolen one) opens anything any more."""
    if current_user.is_authenticated:
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You have logged out, here and on every other device."), "success")
    return redirect(url_for("directory.index"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@_post_limit("KINDNS_FORGOT_PASSWORD_RATE_LIMIT")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        queue_password_reset(form.email.data)
        # The same work and the same answer for every address (the worker looks it up): this page reveals
        # nothing about who has an account.
        return render_template("accounts/reset_requested.html")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@_post_limit("KINDNS_RESET_PASSWORD_RATE_LIMIT")
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token)
    except InvalidLink as error:
        return _invalid_link(error.message, url_for("accounts.forgot_password"), _("Ask for a new link"))
    form = ResetPasswordForm()
    form.account_email = user.email
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except AccountError as error:
            form.password.errors.append(error.message)
        else:
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@_post_limit("KINDNS_INVITATION_RATE_LIMIT")
def accept_invitation(token: str):
    try:
        invitation = services.invitation_from_token(token)
    except InvalidLink as error:
        return _invalid_link(error.message, url_for("directory.index"), _("Go to the home page"))
    context = {"invitation": invitation, "organisation": invitation.organisation}

    if current_user.is_authenticated:
        user = current_user._get_current_object()
        problem = services.invitation_problem(invitation, user)
        form = InvitationAcceptForm()
        if problem is None and form.validate_on_submit():
            services.accept_invitation(invitation, user)
            flash(_("Welcome: you are now a member of %(name)s.", name=invitation.organisation.name), "success")
            return redirect(url_for(DASHBOARD))
        return render_template("accounts/invitation.html", mode="join", problem=problem, form=form, **context)

    if services.find_user_by_email(invitation.email) is not None:
        return render_template("accounts/invitation.html", mode="login",
                               login_url=url_for("accounts.login", next=request.path), **context)

    form = InvitationAccountForm()
    form.account_email = invitation.email
    if form.validate_on_submit():
        try:
            user = services.create_account_from_invitation(invitation, form.password.data)
        except AccountError as error:
            flash(error.message, "error")
        else:
            login_user(user)
            flash(_("Welcome: you are now a member of %(name)s.", name=invitation.organisation.name), "success")
            return redirect(url_for(DASHBOARD))
    return render_template("accounts/invitation.html", mode="create", form=form,
                           login_url=url_for("accounts.login", next=request.path), **context)
