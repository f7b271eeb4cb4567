"""``flask --app app alerts check``: judge every unit's alert rules, raise what is new, and send
what waits to be sent; run every minute by deploy/suara-alerts.timer."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app

from core.db import db, utcnow
from org.models import Unit

from .delivery import deliver_pending
from .operations import check_unit

alerts = click.Group("alerts", help="Live alerts: unhappy desks, silent kiosks, waiting disputes and objections.")


@alerts.command("check")
def check():
    """Check every unit's alert rules now; send alerts by e-mail and webhook in opening hours."""
    now = utcnow()
    raised = mailed = posted = failed = held = 0
    broken = []
    for unit in db.session.scalars(sa.select(Unit).order_by(Unit.id)).all():
        unit_id = unit.id
        try:
            raised += len(check_unit(unit, now))
            db.session.commit()
            delivered = deliver_pending(unit, now)
        except Exception as error:  # one unit's failure must not keep the others unchecked
            db.session.rollback()
            current_app.logger.exception("alerts of unit %s not checked", unit_id)
            broken.append(f"unit {unit_id}: {type(error).__name__}")
            continue
        mailed, posted = mailed + delivered.mailed, posted + delivered.posted
        failed, held = failed + delivered.failed, held + delivered.held
    click.echo(f"alerts raised: {raised}; e-mailed: {mailed}; webhooks: {posted}; failed: {failed}; held: {held}")
    if broken:
        click.echo("not checked: " + ", ".join(broken), err=True)
        raise click.exceptions.Exit(1)


COMMANDS = (alerts,)
