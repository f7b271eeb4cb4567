"""Reads of the officer of the month: which months a unit may award, a month's standings (the
same scores as the appraisal's, over the month's slice of the period), and the awards given.

Which months: those of the period open today and of the period before it (its last month ends
when the period does, and is recognised in the first days of the next), each cut to its period
(``rules.month_slices``). A month that has ended may be confirmed; the current one shows
provisional standings. Today is the unit's local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from appraisal.policy import policy_of
from core.db import db
from org.models import Officer, Unit
from reports.queries import officer_rows

from . import rules
from .models import Award, AwardStatus


def local_today(unit: Unit, now: datetime) -> date:
    """The unit's local date at ``now`` (an aware moment)."""
    return now.astimezone(ZoneInfo(unit.timezone or "Asia/Jakarta")).date()


def award_periods(today: date) -> list[Period]:
    """The periods whose months may be awarded on ``today``: the one open on that day and the last
    one that ended before it (open or closed), newest first."""
    periods = []
    current = db.session.scalar(
        sa.select(Period).where(Period.status == PeriodStatus.OPEN, Period.starts_on <= today, Period.ends_on >= today)
    )
    if current is not None:
        periods.append(current)
    before = db.session.scalar(
        sa.select(Period)
        .where(Period.status != PeriodStatus.DRAFT, Period.ends_on < today)
        .order_by(Period.ends_on.desc())
        .limit(1)
    )
    if before is not None:
        periods.append(before)
    return periods


@dataclass(frozen=True)
class Month:
    """A month of a period as the unit's pages show it."""

    period: Period
    slice: rules.MonthSlice
    ended: bool
    award: Award | None  # the confirmed award, if any

    @property
    def month(self) -> date:
        return self.slice.month


def months(unit: Unit, today: date) -> list[Month]:
    """The months the unit may award or follow on ``today``, newest first: every started month of
    :func:`award_periods`, with its confirmed award."""
    found = []
    for period in award_periods(today):
        for piece in rules.month_slices(period.starts_on, period.ends_on):
            if piece.started(today):
                found.append((period, piece))
    confirmed = confirmed_awards(unit, [piece.month for _, piece in found])
    out = [Month(period, piece, piece.ended(today), confirmed.get(piece.month)) for period, piece in found]
    return sorted(out, key=lambda m: (m.slice.month, m.period.starts_on), reverse=True)


def find_month(unit: Unit, period: Period, month: date, today: date) -> Month | None:
    """The month of ``period`` that starts on ``month`` if the unit may award or follow it today."""
    return next((m for m in months(unit, today) if m.period.id == period.id and m.month == month), None)


def standings(unit: Unit, period: Period, piece: rules.MonthSlice) -> list[rules.Standing]:
    """The unit's officers in the month (the slice of the period), ranked (``rules.rank``): the
    appraisal's own rows (``reports.queries.officer_rows``) over the responses cast in the month."""
    rows = officer_rows(period, policy_of(period), unit.id, cast_within=rules.utc_bounds(piece, unit.timezone))
    return rules.rank(rows)


def flagged_total(ranked: list[rules.Standing]) -> int:
    return sum(s.excluded for s in ranked)


def confirmed_awards(unit: Unit, months_: list[date]) -> dict[date, Award]:
    if not months_:
        return {}
    rows = db.session.scalars(
        sa.select(Award).where(
            Award.unit_id == unit.id, Award.month.in_(months_), Award.status == AwardStatus.CONFIRMED
        )
    )
    return {award.month: award for award in rows}


def confirmed_award(unit: Unit, month: date) -> Award | None:
    return confirmed_awards(unit, [month]).get(month)


def month_awards(unit: Unit, month: date) -> list[Award]:
    """Every award of the unit for the month, withdrawn ones too, newest first."""
    return list(
        db.session.scalars(
            sa.select(Award)
            .where(Award.unit_id == unit.id, Award.month == month)
            .order_by(Award.confirmed_at.desc(), Award.id.desc())
        )
    )


def current_award(unit: Unit, today: date) -> Award | None:
    """The unit's officer of the month to show now (the lobby): the confirmed award of the last
    month that has ended by ``today`` (the unit's local date); None while it is not confirmed."""
    return confirmed_award(unit, rules.previous_month(today))


def officer_awards(officer: Officer) -> list[Award]:
    """The officer's awards, withdrawn ones too (the history says so), newest month first."""
    return list(
        db.session.scalars(
            sa.select(Award)
            .where(Award.officer_id == officer.id)
            .order_by(Award.month.desc(), Award.confirmed_at.desc(), Award.id.desc())
        )
    )


def unit_awards(unit: Unit, limit: int = 24) -> list[Award]:
    """The unit's confirmed awards, newest month first."""
    return list(
        db.session.scalars(
            sa.select(Award)
            .where(Award.unit_id == unit.id, Award.status == AwardStatus.CONFIRMED)
            .order_by(Award.month.desc())
            .limit(limit)
        )
    )
