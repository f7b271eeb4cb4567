"""The demo's officer of the month (demo.awards): the first unit's supervisor confirms the proposal
of the last ended month; when the open quarter has no ended month yet, the closed quarter's last."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from awards.models import Award, AwardStatus
from awards.queries import current_award, local_today
from core.db import db
from demo.awards import load_awards_demo
from demo.data import ensure_demo_accounts, load_demo
from org.models import Role, Unit, User


@pytest.mark.parametrize(
    "now, month",
    [
        (datetime(2026, 11, 20, 3, 0, tzinfo=UTC), date(2026, 10, 1)),  # October has ended
        (datetime(2026, 10, 5, 3, 0, tzinfo=UTC), date(2026, 9, 1)),  # Triwulan IV has no ended month
    ],
)
def test_the_demo_confirms_last_months_award(ctx, now, month):
    load_demo(7, now)
    ensure_demo_accounts(now)
    db.session.commit()
    periods = {p.status: p for p in db.session.scalars(sa.select(Period))}
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.id)))
    message = load_awards_demo(now, periods[PeriodStatus.CLOSED], periods[PeriodStatus.OPEN], units)
    db.session.commit()
    [award] = db.session.scalars(sa.select(Award)).all()
    assert (award.unit_id, award.month, award.status) == (units[0].id, month, AwardStatus.CONFIRMED)
    assert award.n >= periods[PeriodStatus.OPEN].min_n and award.proposed_officer_id == award.officer_id
    supervisor = db.session.scalar(sa.select(User).where(User.role == Role.SUPERVISOR))
    assert award.confirmed_by == supervisor.id
    assert award.officer.name in message and f"{month:%Y-%m}" in message
    assert current_award(units[0], local_today(units[0], now)) == award
    # Loading it again changes nothing.
    again = load_awards_demo(now, periods[PeriodStatus.CLOSED], periods[PeriodStatus.OPEN], units)
    assert "already" in again and db.session.scalar(sa.select(sa.func.count()).select_from(Award)) == 1
