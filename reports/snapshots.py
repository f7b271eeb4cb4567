"""A closed period is frozen: its reports and sheets are stored when it closes and read from then
on; reopening drops them. Every closure and reopening goes through ``close_period`` and
``reopen_period``."""

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from appraisal.periods import transition
from appraisal.policy import policy_of
from core.db import db, utcnow
from core.errors import AdminError, Invalid
from core.responses import Response
from org.access import require_admin
from org.models import Officer, Unit, User

from .models import ScoreSnapshot
from .queries import compute_officer_sheet, compute_unit_report
from .tallies import tallies


def _freeze(value):
    """JSON-ready: Fractions as {"q": "p/q"} so that a snapshot keeps them exact."""
    if isinstance(value, Fraction):
        return {"q": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, (date, datetime)):
        return {"t": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _freeze(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_freeze(v) for v in value]
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
    row = db.session.scalar(sa.select(ScoreSnapshot).where(
        ScoreSnapshot.period_id == period.id, ScoreSnapshot.scope == scope, ScoreSnapshot.scope_id == scope_id))
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


def take_snapshot(period: Period, now: datetime | None = None) -> int:
    """Freeze the period's results: one unit report per unit and one sheet per officer with
    responses in it, in the caller's transaction. Returns the number of snapshots written."""
    now = now or utcnow()
    drop_snapshot(period)
    policy = policy_of(period)
    unit_ids = db.session.scalars(
        sa.select(Response.unit_id).where(Response.period_id == period.id).distinct()).all()
    officer_ids = db.session.scalars(
        sa.select(Response.officer_id).where(Response.period_id == period.id, Response.officer_id.is_not(None))
        .distinct()).all()
    count = 0
    for unit in db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids))):
        db.session.add(ScoreSnapshot(period_id=period.id, scope="unit", scope_id=unit.id, taken_at=now,
                                     data=_freeze(compute_unit_report(period, unit, policy))))
        count += 1
    for officer in db.session.scalars(sa.select(Officer).where(Officer.id.in_(officer_ids))):
        db.session.add(ScoreSnapshot(period_id=period.id, scope="officer", scope_id=officer.id, taken_at=now,
                                     data=_freeze(compute_officer_sheet(period, officer, policy))))
        count += 1
    db.session.flush()
    return count


def drop_snapshot(period: Period) -> None:
    db.session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.period_id == period.id))


def close_period(period: Period, user: User, now: datetime | None = None) -> Period:
    """Close an open period: it takes no more responses, and its scores are frozen in a snapshot
    taken in the same transaction."""
    require_admin(user)
    if period.status != PeriodStatus.OPEN:
        raise AdminError("period_not_open")
    now = now or utcnow()
    take_snapshot(period, now)
    return transition(user, period, "close", PeriodStatus.CLOSED, now)


def reopen_period(period: Period, user: User, reason: str, now: datetime | None = None) -> Period:
    """Open a closed period again, for a stated reason that goes into the audit log."""
    require_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "reason_required"})
    if len(reason) > 500:
        raise Invalid({"reason": ("too_long", {"max": 500})})
    if period.status != PeriodStatus.CLOSED:
        raise AdminError("period_not_closed")
    drop_snapshot(period)
    return transition(user, period, "reopen", PeriodStatus.OPEN, now or utcnow(), reason=reason)


def unit_overview(period: Period) -> dict[int, dict]:
    """Each unit's channel and combined scores for the period overview: frozen for a closed
    period (from its unit snapshots), else one GROUP BY over the period's unit index."""
    if period.status == PeriodStatus.CLOSED:
        rows = db.session.scalars(sa.select(ScoreSnapshot).where(
            ScoreSnapshot.period_id == period.id, ScoreSnapshot.scope == "unit")).all()
        keys = ("qr", "kiosk", "combined", "excluded")
        frozen = {row.scope_id: {key: value for key, value in _thaw(row.data).items() if key in keys} for row in rows}
        if frozen:
            return frozen
    policy = policy_of(period)
    return {unit_id: tally.scores(policy) for unit_id, tally in tallies(period.id, Response.unit_id).items()}


def officer_trend(officer: Officer, up_to: Period, limit: int = 8) -> list[dict]:
    """The officer's combined score in each period up to this one (oldest first): frozen figures
    for closed periods, today's for open ones."""
    periods = db.session.scalars(
        sa.select(Period).where(Period.starts_on <= up_to.starts_on, Period.status != PeriodStatus.DRAFT)
        .order_by(Period.starts_on.desc()).limit(limit)).all()
    points = []
    for period in reversed(periods):
        combined = officer_sheet(period, officer)["combined"]
        points.append({"period": period.name, "period_id": period.id, "value": combined["value"],
                       "n": combined["n"], "enough": combined["enough"], "low": combined["low"],
                       "high": combined["high"]})
    return points


def public_results(unit: Unit) -> list[dict]:
    """The unit's published results: closed periods only, from their snapshots, newest first; no
    officer in them."""
    rows = db.session.execute(
        sa.select(Period, ScoreSnapshot).join(ScoreSnapshot, sa.and_(
            ScoreSnapshot.period_id == Period.id, ScoreSnapshot.scope == "unit", ScoreSnapshot.scope_id == unit.id))
        .where(Period.status == PeriodStatus.CLOSED).order_by(Period.starts_on.desc())
    ).all()
    results = []
    for period, snapshot in rows:
        data = _thaw(snapshot.data)
        results.append({"period": period, "skm": data["skm"], "headline": data["headline"],
                        "kiosk": data["kiosk"], "taken_at": snapshot.taken_at})
    return results
