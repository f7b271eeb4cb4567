"""The planned roster: a unit's opening hours and the shifts planned per desk. Who actually
served is the duty record (``org.duty``); this is what was meant to happen.

Every time here is a moment in UTC (as stored) or a wall-clock time of the unit (opening hours),
turned into each other through the unit's own time zone.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.db import db

from .models import OpeningHours, Unit

# A unit that has not set its hours serves Monday to Friday, 08:00 to 16:00 local time (a
# government office's usual day; each unit sets its own on its page).
DEFAULT_HOURS: dict[int, tuple[time, time]] = {weekday: (time(8, 0), time(16, 0)) for weekday in range(5)}


def hours_of(unit: Unit) -> dict[int, tuple[time, time]]:
    """The unit's opening hours per weekday (0 Monday), local wall-clock times."""
    rows = db.session.scalars(sa.select(OpeningHours).where(OpeningHours.unit_id == unit.id)).all()
    if not rows:
        return dict(DEFAULT_HOURS)
    return {row.weekday: (row.opens, row.closes) for row in rows}


def is_open(unit: Unit, at: datetime, hours: dict[int, tuple[time, time]] | None = None) -> bool:
    """Whether the unit serves the public at the moment ``at`` (aware, any zone)."""
    local = at.astimezone(ZoneInfo(unit.timezone))
    span = (hours if hours is not None else hours_of(unit)).get(local.weekday())
    return span is not None and span[0] <= local.time() < span[1]
