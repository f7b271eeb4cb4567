"""The start page's checklist of a new unit: what it takes before its citizens can rate its
officers. Each step is ticked from the records themselves, never from a box someone ticked:
desks, officers, accounts set up by their officers, a period open today, posters printed (the
audit log's "posters" entries, ``survey.operations.posters_printed``), kiosks paired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from accounts.operations import NO_PASSWORD
from core.audit import AuditLog
from core.db import db
from kiosk.models import Kiosk
from kiosk.outside_period import periods_open_for
from org.models import Desk, Officer, Role, Unit, User

STEPS = ("desks", "officers", "accounts", "period", "posters", "kiosks")


@dataclass(frozen=True)
class UnitChecklist:
    unit: Unit
    desks: int  # active desks
    officers: int  # active officers
    accounts: int  # active officers whose own account is set up
    period_open: bool
    posters: bool
    kiosk_desks: int  # active desks with a paired kiosk

    @property
    def done(self) -> dict[str, bool]:
        return {
            "desks": self.desks > 0,
            "officers": self.officers > 0,
            "accounts": self.officers > 0 and self.accounts >= self.officers,
            "period": self.period_open,
            "posters": self.posters,
            "kiosks": self.desks > 0 and self.kiosk_desks >= self.desks,
        }

    @property
    def complete(self) -> bool:
        return all(self.done.values())


def _counts(query) -> dict[int, int]:
    return dict(db.session.execute(query).all())


def checklists(units: list[Unit], now: datetime) -> list[UnitChecklist]:
    """Each unit's checklist, from a handful of grouped queries whatever the number of units."""
    ids = [unit.id for unit in units]
    if not ids:
        return []
    desks = _counts(
        sa.select(Desk.unit_id, sa.func.count()).where(Desk.unit_id.in_(ids), Desk.active).group_by(Desk.unit_id)
    )
    officers = _counts(
        sa.select(Officer.unit_id, sa.func.count())
        .where(Officer.unit_id.in_(ids), Officer.active)
        .group_by(Officer.unit_id)
    )
    accounts = _counts(
        sa.select(Officer.unit_id, sa.func.count())
        .join(User, User.officer_id == Officer.id)
        .where(
            Officer.unit_id.in_(ids),
            Officer.active,
            User.active,
            User.role == Role.OFFICER,
            User.password_hash != NO_PASSWORD,
        )
        .group_by(Officer.unit_id)
    )
    printed = set(
        db.session.scalars(
            sa.select(AuditLog.entity_id)
            .where(AuditLog.action == "posters", AuditLog.entity == "unit", AuditLog.entity_id.in_(ids))
            .distinct()
        )
    )
    open_now = periods_open_for(units, now)
    kiosk_desks = _counts(
        sa.select(Desk.unit_id, sa.func.count(sa.distinct(Desk.id)))
        .join(Kiosk, Kiosk.desk_id == Desk.id)
        .where(Desk.unit_id.in_(ids), Desk.active, Kiosk.revoked_at.is_(None))
        .group_by(Desk.unit_id)
    )
    return [
        UnitChecklist(
            unit=unit,
            desks=desks.get(unit.id, 0),
            officers=officers.get(unit.id, 0),
            accounts=accounts.get(unit.id, 0),
            period_open=open_now[unit.id],
            posters=unit.id in printed,
            kiosk_desks=kiosk_desks.get(unit.id, 0),
        )
        for unit in units
    ]
