"""What the kiosk's tests start from."""

from datetime import datetime, timedelta, timezone

import pytest

from core.db import db
from org.duty import start_duty
from tests.factories import make_desk, make_kiosk, make_officer, make_period


@pytest.fixture
def setup(factories):
    """An open period, a desk with a paired kiosk and an officer of its unit on duty since an hour
    ago: the ids, and the kiosk's device token."""
    period = make_period()
    desk = make_desk()
    officer = make_officer(unit=desk.unit, name="Siti Rahmawati")
    kiosk, token = make_kiosk(desk)
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return dict(
        period_id=period.id,
        desk_id=desk.id,
        officer_id=officer.id,
        kiosk_id=kiosk.id,
        token=token,
        unit_id=desk.unit_id,
    )
