"""The demo's alerts (demo.alerts): the first unit's supervisor finds two open alerts, unhappy
faces at a desk and a dispute waiting; the demo's imaginary tablets raise nothing."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alerts.models import Alert, AlertStatus
from alerts.operations import check_unit
from alerts.queries import describe, open_alerts
from core.db import db
from demo.alerts import load_alerts_demo
from demo.data import load_demo
from org.models import Unit


def test_the_demo_leaves_two_open_alerts(ctx):
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # a Friday, 10:00 WIB: open
    message = load_demo(7, now)  # the demo tells the alerts' story last (demo.alerts)
    db.session.commit()
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.id)))
    alerts = open_alerts(units)
    assert sorted(alert.rule for alert in alerts) == ["dispute_waiting", "unhappy_desk"]
    assert all(alert.unit_id == units[0].id and alert.status == AlertStatus.OPEN for alert in alerts)
    assert f"Alerts: 2 open at {units[0].name}" in message
    unhappy = next(alert for alert in alerts if alert.rule == "unhappy_desk")
    assert "3 of the 5 kiosk votes" in describe(unhappy, "en")
    # The imaginary tablets stay quiet in opening hours; nothing else is raised by a later check.
    for unit in units:
        assert check_unit(unit, now + timedelta(minutes=30)) == []
    # Loading it again changes nothing.
    assert "already" in load_alerts_demo(now, units)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 2
