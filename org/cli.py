"""``flask --app app ...`` for the organisation: duty at a desk, and ending the duties left open.

There is no command to type an officer's kiosk PIN: nobody but the officer ever knows it. An
officer sets it through a set-up link (``accounts.setup``), which the admin area's reset issues."""

import click
import sqlalchemy as sa

from core.db import db, utcnow
from core.errors import DomainError

from .duty import end_duty, start_duty
from .models import Desk, Officer
from .roster import end_overdue_duties


def desk_by_id(desk_id: int) -> Desk:
    desk = db.session.get(Desk, desk_id)
    if desk is None:
        raise click.BadParameter(f"no desk with id {desk_id}", param_hint="--desk")
    return desk


def _officer(nip: str) -> Officer:
    officer = db.session.scalar(sa.select(Officer).where(Officer.nip == nip))
    if officer is None:
        raise click.BadParameter(f"no officer with NIP {nip}", param_hint="--nip")
    return officer


duty = click.Group("duty", help="Who is on duty at which desk.")


@duty.command("start")
@click.option("--desk", "desk_id", type=int, required=True)
@click.option("--nip", required=True)
def duty_start(desk_id, nip):
    """Put an officer on duty at a desk (as an administrator, without a PIN)."""
    try:
        start_duty(desk_by_id(desk_id), _officer(nip), via="admin")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo("On duty.")


@duty.command("end")
@click.option("--desk", "desk_id", type=int, required=True)
def duty_end(desk_id):
    """End the duty at a desk."""
    try:
        end_duty(desk_by_id(desk_id), via="admin")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo("Duty ended.")


@duty.command("end-overdue")
def duty_end_overdue():
    """End every duty still open after its unit closed, at the closing time (deploy/suara-duty.timer
    runs this every five minutes; the kiosk also does it for its own desk)."""
    ended = end_overdue_duties(utcnow())
    db.session.commit()
    click.echo(f"Duties ended at closing time: {len(ended)}.")


COMMANDS = (duty,)
