"""The rules of the officer of the month, pure (no database, no clock of their own).

- **A month is a slice of a period**, not a period: the days of a calendar month that lie inside
  the period (a month partly outside it is the part inside), counted in the unit's local time,
  so that a vote at 23:30 WITA on the 31st belongs to the 31st's month.
- **Who may win** is decided by the same fairness rules as every score: only counted responses
  (flagged ones are left out), a combined score only from the period's minimum number of
  responses in a channel (``appraisal.scoring.combine``), and the rank score shrunk towards the
  unit's score of the same month with a prior of at least ``scoring.MIN_PRIOR_STRENGTH`` answers
  (``scoring.shrink``), so that a handful of perfect votes cannot top a solid record. The numbers
  come from ``reports.queries.officer_rows`` over the month: one implementation of the scoring.
- **The order** is the shrunk score, highest first; ties go to more counted responses, then to
  the name in alphabetical order, then to the lower officer id (two officers of the same name), so
  that the proposal never depends on the order rows came from the database.
- **When a month can be awarded**: once it has ended (the day after its last day has begun in the
  unit's local time). The current month shows provisional standings only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MonthSlice:
    """The days of one calendar month inside a period (local dates, both included)."""

    month: date  # the month's first day: what an award is keyed by
    first: date
    last: date

    def ended(self, today: date) -> bool:
        """Has the slice ended by ``today`` (the unit's local date)?"""
        return self.last < today

    def started(self, today: date) -> bool:
        return self.first <= today

    @property
    def partial(self) -> bool:
        """Only part of the calendar month lies inside the period."""
        return self.first != self.month or self.last != next_month(self.month) - timedelta(days=1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before ``day``'s."""
    return month_start(month_start(day) - timedelta(days=1))


def month_slices(starts_on: date, ends_on: date) -> list[MonthSlice]:
    """The months of a period (its first and last day, inclusive), each cut to the period."""
    slices = []
    month = month_start(starts_on)
    while month <= ends_on:
        following = next_month(month)
        slices.append(MonthSlice(month, max(month, starts_on), min(following - timedelta(days=1), ends_on)))
        month = following
    return slices


def utc_bounds(piece: MonthSlice, timezone: str) -> tuple[datetime, datetime]:
    """The slice as moments in UTC: from local midnight of its first day to local midnight after its
    last day (excluded)."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(piece.first, time(0), zone)
    until = datetime.combine(piece.last + timedelta(days=1), time(0), zone)
    return since.astimezone(ZoneInfo("UTC")), until.astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class Standing:
    """One officer in a month: the counted responses that made the combined score (``n``), the
    combined score before and after shrinkage (``value``, ``score``; None without enough data),
    the responses left out (flagged), and the place among those who may win (None: may not)."""

    officer_id: int
    name: str
    nip: str
    n: int
    responses: int  # every counted response of the month, both channels
    value: Fraction | None
    score: Fraction | None
    excluded: int
    eligible: bool
    rank: int | None = None


def _standing(row: dict) -> Standing:
    combined = row["combined"]
    eligible = bool(combined["enough"]) and row["rank_score"] is not None
    return Standing(
        officer_id=row["officer_id"],
        name=row["name"],
        nip=row["nip"],
        n=combined["n"] if eligible else 0,
        responses=row["qr"]["n"] + row["kiosk"]["n"],
        value=combined["value"] if eligible else None,
        score=row["rank_score"] if eligible else None,
        excluded=row["excluded"],
        eligible=eligible,
    )


def order_key(standing: Standing) -> tuple:
    """Highest shrunk score first; then more counted responses; then the name; then the id."""
    return (-(standing.score or 0), -standing.n, standing.name.casefold(), standing.officer_id)


def rank(rows: list[dict]) -> list[Standing]:
    """The month's standings from the officers' rows of ``reports.queries.officer_rows`` (each
    with its combined score and its shrunk ``rank_score``): those who may win first, in order and
    numbered from 1; then those without enough data, by counted responses and name."""
    standings = [_standing(row) for row in rows]
    eligible = sorted((s for s in standings if s.eligible), key=order_key)
    others = sorted(
        (s for s in standings if not s.eligible), key=lambda s: (-s.responses, s.name.casefold(), s.officer_id)
    )
    numbered = [Standing(**{**s.__dict__, "rank": place}) for place, s in enumerate(eligible, start=1)]
    return numbered + others


def proposal(standings: list[Standing]) -> Standing | None:
    """The product's proposal: the first of those who may win, or nobody."""
    return next((s for s in standings if s.eligible), None)
