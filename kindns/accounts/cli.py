"""Account commands: `flask --app app kindns create-admin EMAIL`."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """The new password: prompted twice, hidden, on a terminal; otherwise one line from stdin (for scripts)."""
    if _stdin_is_terminal():
        return click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException(_("No password given on standard input."))
    return line.rstrip("\r\n")


@click.command("create-admin")
@with_appcontext
@click.argument("email")
def create_admin_command(email: str) -> None:
    """Create a staff account for EMAIL, or make the existing account staff.

    The password is asked for (or read from one line of stdin) unless a confirmed account exists
    already, which keeps its password.
    """
    from .services import AccountError, create_admin, email_problem, needs_password_for_admin

    password = None
    if needs_password_for_admin(email):
        problem = email_problem(email.strip())
        if problem:
            raise click.ClickException(problem)
        password = _read_password()
    try:
        user, created = create_admin(email, password)
    except AccountError as error:
        raise click.ClickException(error.message) from None
    if created:
        click.echo(_("Created the staff account %(email)s.", email=user.email))
    else:
        click.echo(_("%(email)s is now staff.", email=user.email))


commands = [create_admin_command]
