"""Command-line tools: ``flask --app app <command>``."""

import os
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask

from . import services
from .db import db, utcnow
from .errors import DomainError
from .models import Desk, Officer


def _desk(desk_id: int) -> Desk:
    desk = db.session.get(Desk, desk_id)
    if desk is None:
        raise click.BadParameter(f"no desk with id {desk_id}", param_hint="--desk")
    return desk


def _officer(nip: str) -> Officer:
    officer = db.session.scalar(sa.select(Officer).where(Officer.nip == nip))
    if officer is None:
        raise click.BadParameter(f"no officer with NIP {nip}", param_hint="--nip")
    return officer


# Where gunicorn listens unless BIND says otherwise (the same default as gunicorn.conf.py's).
DEFAULT_BIND = "127.0.0.1:8000"


def served_at(bind: str) -> tuple[str | None, str]:
    """The address to open in a browser on this machine for gunicorn's ``bind`` setting (read
    with gunicorn's own parser), and what to add about it: an address of every network
    interface is opened as localhost. None for a Unix socket or a file descriptor, which only
    a proxy in front can serve."""
    from gunicorn.util import parse_address

    try:
        address = parse_address(bind)
    except (RuntimeError, ValueError):
        return None, f"BIND={bind} is not an address gunicorn understands"
    if not isinstance(address, tuple):
        return None, f"listening on {bind}"
    host, port = address
    if host in ("", "0.0.0.0", "::"):
        local = "[::1]" if host == "::" else "127.0.0.1"
        return f"http://{local}:{port}", f"and on every other address of this machine, port {port}"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}", ""


def register_cli(app: Flask) -> None:
    kiosk = click.Group("kiosk", help="Kiosk tablets.")
    duty = click.Group("duty", help="Who is on duty at which desk.")
    officer = click.Group("officer", help="Officers.")

    @kiosk.command("pair-code")
    @click.option("--desk", "desk_id", type=int, required=True, help="Desk id (see `flask kiosk desks`).")
    @click.option("--hours", type=int, default=24, show_default=True, help="How long the code is valid.")
    def pair_code(desk_id, hours):
        """Make a one-time code that pairs a tablet with a desk."""
        desk = _desk(desk_id)
        code = services.make_pairing_code(desk, ttl=timedelta(hours=hours))
        db.session.commit()
        click.echo(f"Pairing code for {desk.unit.name} / {desk.name}: {code} (valid {hours} h, once)")

    @kiosk.command("desks")
    def desks():
        """List desks with their ids."""
        for desk in db.session.scalars(sa.select(Desk).order_by(Desk.unit_id, Desk.name)):
            click.echo(f"{desk.id:4}  {desk.unit.name} / {desk.name}")

    @duty.command("start")
    @click.option("--desk", "desk_id", type=int, required=True)
    @click.option("--nip", required=True)
    def duty_start(desk_id, nip):
        """Put an officer on duty at a desk (as an administrator, without a PIN)."""
        try:
            services.start_duty(_desk(desk_id), _officer(nip), via="admin")
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo("On duty.")

    @duty.command("end")
    @click.option("--desk", "desk_id", type=int, required=True)
    def duty_end(desk_id):
        """End the duty at a desk."""
        try:
            services.end_duty(_desk(desk_id), via="admin")
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo("Duty ended.")

    @officer.command("set-pin")
    @click.option("--nip", required=True)
    @click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True)
    def set_pin(nip, pin):
        """Set an officer's kiosk PIN (4 to 8 digits)."""
        try:
            services.set_pin(_officer(nip), pin)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo("PIN set.")

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Load nothing when the database already has units.")
    @click.option("--seed", type=int, default=2026, show_default=True)
    def demo(if_empty, seed):
        """Load the demo (two units, desks, officers, periods, past responses) and say where to go."""
        from .demo import DEMO_PIN, ensure_demo_accounts, load_demo
        from .models import Unit

        if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
            click.echo("Demo: the database already has data; left as it is.")
        else:
            click.echo(load_demo(seed=seed, now=utcnow()))
        logins = ensure_demo_accounts(utcnow())
        desk = db.session.scalar(sa.select(Desk).where(Desk.active.is_(True)).order_by(Desk.id))
        if desk is None:
            db.session.commit()
            return
        code = services.make_pairing_code(desk)
        db.session.commit()
        # `make run` starts gunicorn next, on the BIND of the environment (gunicorn.conf.py).
        local, note = served_at(os.environ.get("BIND", DEFAULT_BIND))
        public = app.config["PUBLIC_BASE_URL"].rstrip("/")
        base = local or public
        click.echo(
            f"\n  Suara Layanan is starting on {base}{f' ({note})' if note else ''}\n"
            f"  Kiosk:  {base}/kiosk/  (pair it with code {code} for {desk.unit.name} / {desk.name};\n"
            f"          valid 24 h, once; then tap 'Petugas' and start duty with PIN {DEMO_PIN})\n"
            f"  Admin:  {base}/admin/  sign in as\n"
            + "".join(f"          {role:<11} {username} / {password}{f'  ({whose})' if whose else ''}\n"
                      for role, username, password, whose in logins)
            + f"  Health: {base}/healthz\n"
            + (f"  QR codes and posters point to {public} (PUBLIC_BASE_URL)\n" if public != base else "")
        )

    for group in (kiosk, duty, officer):
        app.cli.add_command(group)
