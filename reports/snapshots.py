"""A closed period is frozen: its reports and sheets are stored when it closes and read from then
on; reopening drops them. Both happen in ``reports.closing``; this module reads what is frozen
(and computes what is not)."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from appraisal.periods import reportable_periods
from appraisal.policy import policy_of
from core.db import db
from core.tallies import UNIT
from org.models import Officer, Unit

from .models import ScoreSnapshot
from .queries import compute_officer_sheet, compute_unit_report, officer_rows, officer_scores
from .tallies import kept_tallies


def freeze(value):
    """JSON-ready: Fractions as {"q": "p/q"} so that a snapshot keeps them exact."""
    if isinstance(value, Fraction):
        return {"q": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, (date, datetime)):
        return {"t": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): freeze(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [freeze(v) for v in value]
    return value


def _thaw(value):
    if isinstance(value, dict):
        if value.keys() == {"q"}:
            return Fraction(value["q"])
        if value.keys() == {"d"}:
            return Decimal(value["d"])
        if value.keys() == {"t"}:
            text = value["t"]
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    return value


def _snapshot(period: Period, scope: str, scope_id: int) -> dict | None:
    row = db.session.scalar(
        sa.select(ScoreSnapshot).where(
            ScoreSnapshot.period_id == period.id, ScoreSnapshot.scope == scope, ScoreSnapshot.scope_id == scope_id
        )
    )
    return _thaw(row.data) if row is not None else None


def unit_report(period: Period, unit: Unit) -> dict:
    """The unit's report: frozen for a closed period, computed now otherwise."""
    if period.status == PeriodStatus.CLOSED:
        frozen = _snapshot(period, "unit", unit.id)
        if frozen is not None:
            return {**frozen, "frozen": True}
    return {**compute_unit_report(period, unit), "frozen": False}


def officer_sheet(period: Period, officer: Officer) -> dict:
    if period.status == PeriodStatus.CLOSED:
        frozen = _snapshot(period, "officer", officer.id)
        if frozen is not None:
            return {**frozen, "frozen": True}
    return {**compute_officer_sheet(period, officer), "frozen": False}


def _unit_snapshots(period: Period, unit_ids: list[int] | None = None) -> dict[int, dict]:
    """The period's unit snapshots by unit id (of these units, or all), read in one query."""
    query = sa.select(ScoreSnapshot.scope_id, ScoreSnapshot.data).where(
        ScoreSnapshot.period_id == period.id, ScoreSnapshot.scope == "unit"
    )
    if unit_ids is not None:
        query = query.where(ScoreSnapshot.scope_id.in_(unit_ids))
    return {row.scope_id: row.data for row in db.session.execute(query)}


def unit_overview(period: Period) -> dict[int, dict]:
    """Each unit's channel and combined scores for the period overview: frozen for a closed
    period (from its unit snapshots), else one GROUP BY over the period's unit index."""
    if period.status == PeriodStatus.CLOSED:
        keys = ("qr", "kiosk", "combined", "excluded")
        frozen = {
            unit_id: {key: _thaw(value) for key, value in data.items() if key in keys}
            for unit_id, data in _unit_snapshots(period).items()
        }
        if frozen:
            return frozen
    policy = policy_of(period)
    return {unit_id: tally.scores(policy) for unit_id, tally in kept_tallies(period.id, UNIT).items()}


def units_officer_rows(period: Period, units: list[Unit]) -> list[dict]:
    """The officers' rows of these units' reports, unit after unit, as :func:`unit_report` has
    them: frozen for a closed period (its snapshots read at once), computed now otherwise."""
    frozen = _unit_snapshots(period, [unit.id for unit in units]) if period.status == PeriodStatus.CLOSED else {}
    policy = None
    rows = []
    for unit in units:
        if unit.id in frozen:
            rows += _thaw(frozen[unit.id]["officers"])
        else:
            policy = policy or policy_of(period)
            rows += officer_rows(period, policy, unit.id)
    return rows


def officer_trend(
    officer: Officer, up_to: Period, sheet: dict | None = None, periods: list[Period] | None = None, limit: int = 8
) -> list[dict]:
    """The officer's combined score in each period up to this one (oldest first): frozen figures
    for closed periods, today's for open ones. ``sheet`` is the officer's sheet of ``up_to`` and
    ``periods`` the reportable periods (newest first), where the caller has them already."""
    periods = [p for p in (reportable_periods() if periods is None else periods) if p.starts_on <= up_to.starts_on][
        :limit
    ]
    known = up_to.id if sheet is not None else None
    closed = [p.id for p in periods if p.status == PeriodStatus.CLOSED and p.id != known]
    frozen: dict[int, Any] = (
        dict(
            db.session.execute(
                sa.select(ScoreSnapshot.period_id, ScoreSnapshot.data).where(
                    ScoreSnapshot.period_id.in_(closed),
                    ScoreSnapshot.scope == "officer",
                    ScoreSnapshot.scope_id == officer.id,
                )
            ).all()
        )
        if closed
        else {}
    )
    points = []
    for period in reversed(periods):
        if period.id == known:
            combined = cast(dict, sheet)["combined"]  # known is set only when a sheet was given
        elif period.id in frozen:
            combined = _thaw(frozen[period.id]["combined"])
        else:  # open, or closed before the officer had any response (no snapshot): as the sheet does
            combined = officer_scores(period, officer)["combined"]
        points.append(
            {
                "period": period.name,
                "period_id": period.id,
                "value": combined["value"],
                "n": combined["n"],
                "enough": combined["enough"],
                "low": combined["low"],
                "high": combined["high"],
            }
        )
    return points


def public_results(unit: Unit) -> list[dict]:
    """The unit's published results: closed periods only, from their snapshots, newest first; no
    officer in them."""
    rows = db.session.execute(
        sa.select(Period, ScoreSnapshot)
        .join(
            ScoreSnapshot,
            sa.and_(
                ScoreSnapshot.period_id == Period.id, ScoreSnapshot.scope == "unit", ScoreSnapshot.scope_id == unit.id
            ),
        )
        .where(Period.status == PeriodStatus.CLOSED)
        .order_by(Period.starts_on.desc())
    ).all()
    results = []
    for period, snapshot in rows:
        data = _thaw(snapshot.data)
        results.append({"period": period, "skm": data["skm"], "headline": data["headline"]})
    return results


def published_units() -> list[dict]:
    """The units that publish results (a closed period with its frozen unit report), by name:
    each with its newest closed period and that period's headline. No officer in them."""
    rows = db.session.execute(
        sa.select(Unit, Period, ScoreSnapshot)
        .join(ScoreSnapshot, sa.and_(ScoreSnapshot.scope == "unit", ScoreSnapshot.scope_id == Unit.id))
        .join(Period, Period.id == ScoreSnapshot.period_id)
        .where(Period.status == PeriodStatus.CLOSED)
        .order_by(Unit.name, Unit.id, Period.starts_on.desc())
    ).all()
    newest: dict[int, dict] = {}
    for unit, period, snapshot in rows:
        if unit.id not in newest:
            newest[unit.id] = {"unit": unit, "period": period, "headline": _thaw(snapshot.data)["headline"]}
    return list(newest.values())
