"""Kiosk votes cast while no appraisal period is open.

They are stored all the same, with no period and flagged NO_PERIOD (``core.responses``): in no
score, and not taken into a period opened later (a period counts what was cast while it was
open, never what an administrator's late opening would sweep in). Only the kiosk keeps such
votes: the phone survey tells the citizen that it is closed. What is read here tells the people
who can act: the kiosk's staff panel and banner, and the admin area's start page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from appraisal.periods import open_period_on
from core.db import db
from core.responses import Response
from org.duty import local_date
from org.models import Unit


def period_open_for(unit: Unit, now: datetime) -> bool:
    """Whether a period is open on the unit's local date now (periods are in local dates)."""
    return open_period_on(local_date(unit, now)) is not None


def periods_open_for(units: list[Unit], now: datetime) -> dict[int, bool]:
    """``period_open_for`` of each unit, by id. The units' local dates are at most three (WIB,
    WITA, WIT): one look-up each, whatever the number of units."""
    open_on: dict = {}
    found = {}
    for unit in units:
        day = local_date(unit, now)
        if day not in open_on:
            open_on[day] = open_period_on(day) is not None
        found[unit.id] = open_on[day]
    return found


@dataclass(frozen=True)
class KeptOutside:
    """Votes of one unit kept outside any period: how many, and the latest's cast time."""

    unit: Unit
    count: int
    last_cast_at: datetime | None


@dataclass(frozen=True)
class OutsidePeriod:
    """For the start page: the units with no period open today, and every unit's votes kept
    outside any period."""

    without_period: list[Unit]
    kept: list[KeptOutside]


def outside_period(units: list[Unit], now: datetime) -> OutsidePeriod:
    open_now = periods_open_for(units, now)
    without = [unit for unit in units if not open_now[unit.id]]
    by_id = {unit.id: unit for unit in units}
    rows = (
        db.session.execute(
            sa.select(Response.unit_id, sa.func.count(), sa.func.max(Response.cast_at))
            .where(Response.period_id.is_(None), Response.unit_id.in_(list(by_id)))
            .group_by(Response.unit_id)
        ).all()
        if by_id
        else []
    )
    kept = sorted(
        (KeptOutside(by_id[unit_id], count, last) for unit_id, count, last in rows), key=lambda k: k.unit.name
    )
    return OutsidePeriod(without, kept)
