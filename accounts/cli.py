"""``flask --app app create-admin``: the first administrator of a new installation."""

import click
import sqlalchemy as sa

from core.db import db
from core.errors import DomainError
from org.models import Role, User

from . import operations


@click.command("create-admin")
@click.option("--username", prompt=True, help="The administrator's username.")
@click.option("--name", default="", help="Their full name, shown in the audit log.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters (prompted when left out, so it stays out of the shell history).",
)
def create_admin_command(username, name, password):
    """Create an administrator account."""
    try:
        user = operations.create_admin(username, password, name=name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    admins = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.ADMIN))
    click.echo(f"Administrator '{user.username}' created ({admins} in all). Sign in at /admin/login.")


COMMANDS = (create_admin_command,)
