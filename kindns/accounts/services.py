"""Accounts: registration, email confirmation, login, password reset, invitations and staff accounts.

Plain functions called by the views, the command line and the tests. They raise an `AccountError`
subclass, whose message is fit to show to the user, when they refuse to do something.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from typing import NamedTuple
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..audit import record
from ..extensions import db
from ..ids import MAX_DATABASE_ID, parse_bounded_int
from ..mail import absolute_url, try_send_mail
from ..models import Invitation, User
from ..tokens import make_token, read_token


MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" by an online or throttled attack
# zxcvbn refuses longer input (its cost grows fast); the first 72 characters of a long passphrase are plenty.
ZXCVBN_MAX_LENGTH = 72
MAX_EMAIL_LENGTH = 254
# How long a confirmation link stays valid when KINDNS_EMAIL_CONFIRM_MAX_AGE is not configured.
DEFAULT_CONFIRM_MAX_AGE = 3 * 24 * 3600

# Compared against when the email is unknown, so that a login takes as long whether or not the account exists.
_TIMING_DUMMY_HASH = generate_password_hash("kindns timing equaliser, never a real password")


class AccountError(Exception):
    """A refusal whose message can be shown to the user as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidLink(AccountError):
    """A mailed link that is forged, expired or already used."""


class InvalidCredentials(AccountError):
    """Wrong password or unknown email: deliberately one and the same answer."""


class EmailNotConfirmed(AccountError):
    """The right password, but the address was never confirmed (a fresh link has been mailed)."""


class InvitationRefused(AccountError):
    """A valid invitation that this user may not accept."""


class InvalidAccountData(AccountError):
    """An email or password that breaks the rules (used by the command line; forms check the same rules)."""


# --- small helpers -------------------------------------------------------------------------------------

def normalise_email(email: str) -> str:
    """Addresses are stored and compared lower-case and without surrounding spaces."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None when it is. The forms and the CLI share these rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must be at least %(min)d characters long.", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password must be at most %(max)d characters long.", max=MAX_PASSWORD_LENGTH)
    if email and password.strip().lower() == normalise_email(email):
        return _("The password must not be your email address.")
    if is_guessable(password, email):
        return _("This password is too easy to guess: it is a common or leaked password, or made of repeats, "
                 "sequences or your address. A few unrelated words make a strong one.")
    return None


def is_guessable(password: str, email: str = "") -> bool:
    """Whether a password falls to a guessing attack, as NIST SP 800-63B asks to check: zxcvbn's estimate
    against its lists of common and leaked passwords, words and names, keyboard patterns, repeats and
    sequences, and the account's own address. Scores 0-2 (under about 10^10 guesses) are refused."""
    local_part = email.partition("@")[0]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH],
                    user_inputs=[email, local_part, "kindns", "registry", "icann"] if email else ["kindns"])
    return result["score"] < MIN_PASSWORD_SCORE


def email_problem(email: str) -> str | None:
    """Why an address is not acceptable for an account, or None when it is."""
    if len(email) > MAX_EMAIL_LENGTH:
        return _("The email address must be at most %(max)d characters long.", max=MAX_EMAIL_LENGTH)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return _("This is not a valid email address.")
    return None


def is_safe_next(target: str | None) -> bool:
    """Whether `target` is a path on this site, so that redirecting to it cannot send a user elsewhere."""
    if not target or len(target) > 500:
        return False
    # Browsers read a backslash as a slash ("/\\evil.example" is "//evil.example") and drop control characters.
    if "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def _send(to: str, subject: str, template: str, **context) -> bool:
    """Mail a message rendered from a text template; a mail failure is logged, not shown to the user,
    so that every visitor sees the same answer whatever happened behind it."""
    return try_send_mail(to, subject, render_template(template, **context))


def _hash_fragment(user: User) -> str:
    """A digest of the current password hash: a reset token carrying it dies when the password changes."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- sessions ---------------------------------------------------------------------------------------------

def user_for_session(session_id: str) -> User | None:
    """The user a session belongs to, from the id `User.get_id` stored in it ("<id>:<session version>");
    None when the account is gone or its sessions were ended since (Flask-Login then logs the visitor out)."""
    user_id, _, version = session_id.partition(":")
    user_id, version = parse_bounded_int(user_id, MAX_DATABASE_ID), parse_bounded_int(version, MAX_DATABASE_ID)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or version != user.session_version:
        return None
    return user


def end_sessions(user: User) -> None:
    """End every session of `user`, on every device: a session cookie copied before is worthless after."""
    user.session_version = (user.session_version or 0) + 1  # None on an account not saved yet


def _set_password(user: User, password: str) -> None:
    """A new password ends the sessions opened with the old one (whoever else knew it is logged out)."""
    user.password_hash = generate_password_hash(password)
    end_sessions(user)


# --- registration and confirmation -----------------------------------------------------------------------

def send_confirmation(user: User) -> bool:
    """Mail `user` a link that confirms the address and logs them in."""
    token = make_token("confirm-email", {"user": user.id, "email": user.email})
    link = absolute_url("accounts.confirm_email", token=token)
    return _send(user.email, _("Confirm your email address for the KINDNS Registry"),
                 "accounts/email/confirm.txt", link=link)


class Registration(NamedTuple):
    """A registration the rules accept, with its password hashed: what the worker is handed."""

    email: str
    password_hash: str


def prepare_registration(email: str, password: str) -> Registration:
    """Check a registration against the rules and hash its password, without looking at the database: the
    register page does this much and no more for every address, known or not, and the rest is the worker's
    (`complete_registration`), so that its answer takes as long whether or not the address has an account."""
    email = normalise_email(email)
    problem = email_problem(email) or password_problem(password, email)
    if problem:
        raise InvalidAccountData(problem)
    return Registration(email, generate_password_hash(password))


def register_account(email: str, password: str) -> User | None:
    """Register a new, unconfirmed account and mail a confirmation link; for an address already
    registered, mail its owner a note with a link to reset the password instead (`complete_registration`).

    Returns the new user, or None when the address was taken. Callers must show the same page in
    both cases, so that nobody can learn from this whether an address is registered.
    """
    return complete_registration(*prepare_registration(email, password))


def complete_registration(email: str, password_hash: str) -> User | None:
    """The second half of `register_account`, given a `prepare_registration`'s result."""
    if find_user_by_email(email) is None:
        user = User(email=email, password_hash=password_hash, organisation_role="member")
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # registered concurrently a moment ago
            db.session.rollback()
        else:
            send_confirmation(user)
            return user
    _send(email, _("You already have a KINDNS Registry account"), "accounts/email/already_registered.txt",
          link=absolute_url("accounts.forgot_password"))
    return None


def confirm_email(token: str) -> User:
    """Confirm the address a confirmation link was sent to; the link works once. Logging its owner in is the
    view's choice: never when someone else is logged in (see `accounts.views.confirm_email`)."""
    max_age = current_app.config.get("KINDNS_EMAIL_CONFIRM_MAX_AGE", DEFAULT_CONFIRM_MAX_AGE)
    payload = read_token("confirm-email", token, max_age=max_age)
    user = None
    if isinstance(payload, dict) and isinstance(payload.get("user"), int):
        user = db.session.get(User, payload["user"])
    if user is None or user.email != payload.get("email") or user.email_confirmed_at is not None:
        raise InvalidLink(_("This confirmation link is invalid, has expired or has already been used."))
    user.email_confirmed_at = _now()
    db.session.commit()
    return user


# --- logging in -------------------------------------------------------------------------------------------

def authenticate(email: str, password: str) -> User:
    """The user with this email and password. An unknown email and a wrong password give the same
    error; the right password on an unconfirmed account mails a fresh confirmation link."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_TIMING_DUMMY_HASH, password)
        raise InvalidCredentials(_("Invalid email or password."))
    if not check_password_hash(user.password_hash, password):
        raise InvalidCredentials(_("Invalid email or password."))
    if user.email_confirmed_at is None:
        send_confirmation(user)
        raise EmailNotConfirmed(_("Your email address is not confirmed yet. We have sent you a new "
                                  "confirmation link; follow it to log in."))
    return user


# --- password reset ---------------------------------------------------------------------------------------

def request_password_reset(email: str) -> User | None:
    """Mail a password reset link when the address has an account; do nothing otherwise. The worker does
    this (kindns.jobs.request_password_reset): the request only queues it, the same for every address.
    Returns the user mailed, for tests."""
    user = find_user_by_email(email)
    if user is None:
        return None
    token = make_token("password-reset", {"user": user.id, "hash": _hash_fragment(user)})
    link = absolute_url("accounts.reset_password", token=token)
    minutes = current_app.config["KINDNS_PASSWORD_RESET_MAX_AGE"] // 60
    _send(user.email, _("Reset your KINDNS Registry password"), "accounts/email/reset_password.txt",
          link=link, minutes=minutes)
    return user


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for, while it is unexpired and the password unchanged since it was sent."""
    payload = read_token("password-reset", token, max_age=current_app.config["KINDNS_PASSWORD_RESET_MAX_AGE"])
    user = None
    if isinstance(payload, dict) and isinstance(payload.get("user"), int) and isinstance(payload.get("hash"), str):
        user = db.session.get(User, payload["user"])
    if user is None or not hmac.compare_digest(payload["hash"], _hash_fragment(user)):
        raise InvalidLink(_("This password reset link is invalid, has expired or has already been used."))
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link. The link then stops working, as the hash it carries
    no longer matches. Following it also proves the address, so an unconfirmed account is confirmed."""
    user = user_for_reset_token(token)
    problem = password_problem(new_password, user.email)
    if problem:
        raise InvalidAccountData(problem)
    _set_password(user, new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = _now()
    db.session.commit()
    return user


# --- invitations ------------------------------------------------------------------------------------------

def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link is for."""
    invitation_id = read_token("invitation", token, max_age=current_app.config["KINDNS_INVITATION_MAX_AGE"])
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or invitation.accepted_at is not None:
        raise InvalidLink(_("This invitation link is invalid, has expired or has already been used."))
    return invitation


def invitation_problem(invitation: Invitation, user: User) -> str | None:
    """Why `user` may not accept `invitation`, or None when they may."""
    if normalise_email(user.email) != normalise_email(invitation.email):
        return _("This invitation was sent to %(invited)s, but you are logged in as %(current)s. Log out "
                 "and follow the link again.", invited=invitation.email, current=user.email)
    if user.organisation_id is not None:
        if user.organisation_id == invitation.organisation_id:
            return _("You are already a member of %(name)s.", name=invitation.organisation.name)
        return _("Your account already belongs to another organisation, and an account can belong to only one.")
    return None


def accept_invitation(invitation: Invitation, user: User) -> User:
    """Make `user` a member of the inviting organisation and mark the invitation used."""
    problem = invitation_problem(invitation, user)
    if problem:
        raise InvitationRefused(problem)
    user.organisation = invitation.organisation
    user.organisation_role = "member"
    invitation.accepted_at = _now()
    record("member.joined", invitation.organisation, user, email=user.email)
    db.session.commit()
    return user


def create_account_from_invitation(invitation: Invitation, password: str) -> User:
    """Create the invited person's account and make them a member. The address counts as confirmed:
    the invitation link was mailed to it."""
    email = normalise_email(invitation.email)
    if find_user_by_email(email) is not None:
        raise InvitationRefused(_("An account with this address exists already: log in to accept the invitation."))
    problem = password_problem(password, email)
    if problem:
        raise InvalidAccountData(problem)
    user = User(email=email, password_hash=generate_password_hash(password), email_confirmed_at=_now())
    db.session.add(user)
    try:
        return accept_invitation(invitation, user)
    except IntegrityError:  # the address was registered concurrently a moment ago
        db.session.rollback()
        raise InvitationRefused(_("An account with this address exists already: log in to accept the invitation."))


# --- staff ------------------------------------------------------------------------------------------------

def create_admin(email: str, password: str | None = None) -> tuple[User, bool]:
    """Create a confirmed staff account, or make an existing account staff. Returns (user, created).

    A confirmed account keeps its password (`password` may then be None). An unconfirmed one gets
    `password` first: anyone can register an address they do not own, and promoting it as it is
    would hand staff rights to whoever did.
    """
    email = normalise_email(email)
    user = find_user_by_email(email)
    if user is not None and user.email_confirmed_at is not None:
        user.is_staff = True
        db.session.commit()
        return user, False
    problem = email_problem(email)
    if problem:
        raise InvalidAccountData(problem)
    if password is None:
        raise InvalidAccountData(_("A password is required."))
    problem = password_problem(password, email)
    if problem:
        raise InvalidAccountData(problem)
    created = user is None
    if created:
        user = User(email=email, organisation_role="member")
        db.session.add(user)
    _set_password(user, password)
    user.email_confirmed_at = _now()
    user.is_staff = True
    db.session.commit()
    return user, created


def needs_password_for_admin(email: str) -> bool:
    """Whether `create_admin(email)` needs a password (it does unless a confirmed account exists)."""
    user = find_user_by_email(email)
    return user is None or user.email_confirmed_at is None
