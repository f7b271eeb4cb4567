"""``flask --app app demo``: load the demo and say where everything is."""

import os

import click
import sqlalchemy as sa
from flask import current_app

from core.db import db, utcnow
from kiosk.pairing import new_pairing_code
from org.models import Desk, Unit

from .data import DEMO_PIN, ensure_demo_accounts, load_demo

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


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Load nothing when the database already has units.")
@click.option("--seed", type=int, default=2026, show_default=True)
def demo(if_empty, seed):
    """Load the demo (two units, desks, officers, periods, past responses) and say where to go."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        click.echo("Demo: the database already has data; left as it is.")
    else:
        click.echo(load_demo(seed=seed, now=utcnow()))
    logins = ensure_demo_accounts(utcnow())
    desk = db.session.scalar(sa.select(Desk).where(Desk.active.is_(True)).order_by(Desk.id))
    if desk is None:
        db.session.commit()
        return
    code = new_pairing_code(desk)
    db.session.commit()
    # `make run` starts gunicorn next, on the BIND of the environment (gunicorn.conf.py).
    local, note = served_at(os.environ.get("BIND", DEFAULT_BIND))
    public = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    base = local or public
    click.echo(
        f"\n  Suara Layanan is starting on {base}{f' ({note})' if note else ''}\n"
        f"  Kiosk:  {base}/kiosk/  (pair it with code {code} for {desk.unit.name} / {desk.name};\n"
        f"          valid 24 h, once; then tap 'Petugas' and start duty with PIN {DEMO_PIN})\n"
        f"  Admin:  {base}/admin/  sign in as\n"
        + "".join(
            f"          {role:<11} {username} / {password}{f'  ({whose})' if whose else ''}\n"
            for role, username, password, whose in logins
        )
        + f"  Lobby:  {base}/lobi/{desk.unit.code}  (the screen for the waiting room)\n"
        + f"  Health: {base}/healthz\n"
        + (f"  QR codes and posters point to {public} (PUBLIC_BASE_URL)\n" if public != base else "")
    )


COMMANDS = (demo,)
