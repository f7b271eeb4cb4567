"""``flask --app app kiosk ...``: pairing codes for tablets, from the command line."""

from datetime import timedelta

import click
import sqlalchemy as sa

from core.db import db
from org.cli import desk_by_id
from org.models import Desk

from .pairing import new_pairing_code

kiosk = click.Group("kiosk", help="Kiosk tablets.")


@kiosk.command("pair-code")
@click.option("--desk", "desk_id", type=int, required=True, help="Desk id (see `flask kiosk desks`).")
@click.option("--hours", type=int, default=24, show_default=True, help="How long the code is valid.")
def pair_code(desk_id, hours):
    """Make a one-time code that pairs a tablet with a desk."""
    desk = desk_by_id(desk_id)
    code = new_pairing_code(desk, ttl=timedelta(hours=hours))
    db.session.commit()
    click.echo(f"Pairing code for {desk.unit.name} / {desk.name}: {code} (valid {hours} h, once)")


@kiosk.command("desks")
def desks():
    """List desks with their ids."""
    for desk in db.session.scalars(sa.select(Desk).order_by(Desk.unit_id, Desk.name)):
        click.echo(f"{desk.id:4}  {desk.unit.name} / {desk.name}")


COMMANDS = (kiosk,)
