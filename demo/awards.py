"""The demo's officer of the month: the first unit's supervisor confirms the product's proposal for
the last month that has ended (of the open quarter, or the closed quarter's last month when the
open one has no ended month yet), so that the lobby, the certificate and the officer's history
have something to show. The other unit's months wait for their supervisor."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from appraisal.models import Period
from awards import rules
from awards.operations import confirm_award
from awards.queries import local_today, months, standings
from core.db import db
from org.models import Role, Unit, User

CITATION = "Atas pelayanan yang ramah, cepat dan tuntas sepanjang bulan, menurut penilaian masyarakat."


def _confirmer(unit: Unit) -> User | None:
    """The unit's supervisor (the demo's own account), else an administrator."""
    for role, where in ((Role.SUPERVISOR, User.unit_id == unit.id), (Role.ADMIN, sa.true())):
        user = db.session.scalar(
            sa.select(User).where(User.role == role, User.active.is_(True), where).order_by(User.id).limit(1)
        )
        if user is not None:
            return user
    return None


def load_awards_demo(now: datetime, previous: Period, current: Period, units: list[Unit]) -> str:
    """Confirm the last ended month's award of the first unit (see above); what was done, in words."""
    if not units:
        return "Officer of the month: no unit."
    unit = units[0]
    actor = _confirmer(unit)
    if actor is None:
        return "Officer of the month: no supervisor or administrator to confirm it."
    db.session.flush()
    today = local_today(unit, now)
    for month in months(unit, today):
        if not month.ended or month.period.id not in (previous.id, current.id):
            continue
        if month.award is not None:
            return f"Officer of the month of {unit.name}, {month.month:%Y-%m}: {month.award.officer.name} (already)."
        proposal = rules.proposal(standings(unit, month.period, month.slice))
        if proposal is None:
            continue
        award = confirm_award(actor, unit, month.period, month.month, proposal.officer_id, CITATION, now=now)
        return f"Officer of the month of {unit.name}, {award.month:%Y-%m}: {award.officer.name} (score {award.score})."
    return f"Officer of the month of {unit.name}: no ended month with enough responses."
