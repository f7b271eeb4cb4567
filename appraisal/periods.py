"""Appraisal periods and their life: draft -> open -> closed, and closed -> open again.

- Periods may not overlap: a vote or a survey answer belongs to exactly one period.
- Closing freezes the period's scores and reopening drops them, so both are operations of
  ``reports.closing`` (jobs in steps: ``start_close``, ``start_reopen``), built on ``move`` here.
- Reopening needs a reason and is logged; a period with responses cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from core import audit
from core.db import changed_one, db, has_rows
from core.errors import AdminError, Invalid
from core.responses import Response
from core.tallies import SERVICE, ResponseTally
from org.access import require_admin
from org.models import User

from .models import Period, PeriodStatus

PERIOD_FIELDS = ("name", "starts_on", "ends_on", "status")
MAX_REOPEN_REASON = 500  # characters


def overlapping(starts_on: date, ends_on: date, exclude_id: int | None = None) -> Period | None:
    return db.session.scalar(
        sa.select(Period)
        .where(Period.starts_on <= ends_on, Period.ends_on >= starts_on, Period.id != (exclude_id or -1))
        .order_by(Period.starts_on)
        .limit(1)
    )


def _period_values(values: dict, period: Period | None = None) -> dict:
    """The form's checked values (``appraisal.forms.PeriodForm``), against the other periods:
    none may overlap, and a period that has responses keeps its dates."""
    clean = {name: values[name] for name in ("name", "starts_on", "ends_on")}
    errors: dict = {}
    other = overlapping(clean["starts_on"], clean["ends_on"], period.id if period else None)
    if other is not None:
        errors["starts_on"] = (
            "overlaps",
            {"name": other.name, "starts": other.starts_on.isoformat(), "ends": other.ends_on.isoformat()},
        )
    if (
        period is not None
        and (clean["starts_on"], clean["ends_on"]) != (period.starts_on, period.ends_on)
        and has_responses(period)
    ):
        errors["starts_on"] = "dates_locked"
    if errors:
        raise Invalid(errors)
    return clean


def has_responses(period: Period) -> bool:
    return has_rows(Response, Response.period_id == period.id)


def create_period(actor: User, values: dict, now: datetime | None = None) -> Period:
    """A new period, as a draft: it takes no votes until it is opened."""
    require_admin(actor)
    period = Period(status=PeriodStatus.DRAFT, **_period_values(values))
    db.session.add(period)
    db.session.flush()
    audit.record(
        actor, "create", "period", period.id, period.name, after=audit.snapshot(period, PERIOD_FIELDS), now=now
    )
    return period


def update_period(actor: User, period: Period, values: dict, now: datetime | None = None) -> Period:
    require_admin(actor)
    clean = _period_values(values, period)
    before = audit.snapshot(period, PERIOD_FIELDS)
    for name, value in clean.items():
        setattr(period, name, value)
    audit.record_changes(actor, "period", period, before, period.name, now=now)
    return period


def delete_period(actor: User, period: Period, now: datetime | None = None) -> None:
    require_admin(actor)
    if has_responses(period):
        raise AdminError("period_has_responses")
    audit.record(
        actor, "delete", "period", period.id, period.name, before=audit.snapshot(period, PERIOD_FIELDS), now=now
    )
    db.session.delete(period)
    db.session.flush()


def move(
    actor: User | None,
    period: Period,
    action: str,
    frm: PeriodStatus,
    to: PeriodStatus,
    now: datetime | None,
    reason: str | None = None,
) -> bool:
    """Move the period from ``frm`` to ``to``, audited, if it is still in ``frm``: a
    compare-and-set in the caller's transaction, so that of two requests moving it at once one
    does. False when it was not in ``frm`` (nothing changed). Opening is here (``open_period``);
    closing and reopening freeze and unfreeze its reports, so they are jobs of ``reports.closing``."""
    moved = db.session.execute(
        sa.update(Period)
        .where(Period.id == period.id, Period.status == frm)
        .values(status=to)
        .execution_options(synchronize_session=False)
    )
    if not changed_one(moved):
        return False
    set_committed_value(period, "status", to)
    after = {"status": to.value}
    if reason:
        after["reason"] = reason
    audit.record(actor, action, "period", period.id, period.name, before={"status": frm.value}, after=after, now=now)
    return True


def open_period(period: Period, user: User, now: datetime | None = None) -> Period:
    """A draft period starts taking votes and survey answers (for its dates)."""
    require_admin(user)
    if not move(user, period, "open", PeriodStatus.DRAFT, PeriodStatus.OPEN, now):
        raise AdminError("period_not_draft")
    return period


def periods_query(search: str = ""):
    query = sa.select(Period).order_by(Period.starts_on.desc())
    if search:
        query = query.where(sa.func.lower(Period.name).like(f"%{search.strip().lower()}%"))
    return query


def response_counts(period_ids: list[int]) -> dict[int, int]:
    if not period_ids:
        return {}
    """How many responses each period holds (every response is under one service key of the kept
    tallies, core.tallies): a few rows a unit, however many responses."""
    rows = db.session.execute(
        sa.select(ResponseTally.period_id, sa.func.sum(ResponseTally.responses))
        .where(ResponseTally.period_id.in_(period_ids), ResponseTally.dim == SERVICE)
        .group_by(ResponseTally.period_id)
    )
    return {period_id: int(count) for period_id, count in rows if count}


# A statement that reads everything in one go (the kiosk vote's, the survey response's) cannot
# know a unit's local date before it has read the unit's time zone; but that date is the UTC date,
# the day before or the day after. So it reads the open period of all three (``AROUND``) and picks
# the right one afterwards (``open_period_of``).
AROUND = ("day_before", "utc_day", "day_after")


def open_periods_around() -> list:
    """The id of the open period on each day of ``AROUND``, as scalar subqueries to select; their
    days are bound parameters of those names (``days_around``)."""
    period = Period.__table__
    return [
        sa.select(period.c.id)
        .where(
            period.c.status == PeriodStatus.OPEN,
            period.c.starts_on <= sa.bindparam(day, type_=sa.Date),
            period.c.ends_on >= sa.bindparam(day, type_=sa.Date),
        )
        .limit(1)
        .scalar_subquery()
        for day in AROUND
    ]


def days_around(moment: datetime) -> dict[str, date]:
    """The parameters of ``open_periods_around`` for a moment."""
    day = moment.astimezone(timezone.utc).date()
    return dict(zip(AROUND, (day - timedelta(days=1), day, day + timedelta(days=1)), strict=True))


def open_period_of(period_ids: Sequence[int | None], moment: datetime, zone: str) -> int | None:
    """Of the ids ``open_periods_around`` read for ``moment``, the open period's on its local date
    in the time zone ``zone``; None when no period was open that day."""
    local_offset = (moment.astimezone(ZoneInfo(zone)).date() - moment.astimezone(timezone.utc).date()).days
    return period_ids[local_offset + 1]


def open_period_on(day: date) -> Period | None:
    return db.session.scalar(
        sa.select(Period).where(Period.status == PeriodStatus.OPEN, Period.starts_on <= day, Period.ends_on >= day)
    )


def reportable_periods() -> list[Period]:
    """Periods that can have results (open or closed), newest first."""
    return list(
        db.session.scalars(
            sa.select(Period).where(Period.status != PeriodStatus.DRAFT).order_by(Period.starts_on.desc())
        )
    )
