"""The appraisal workflow around the scores: who may see which sheet, disputes, the supervisor's
rating decision, and each period's scoring policy.

- An officer sees their own sheet; a supervisor sees the sheets and reports of their unit; an
  administrator sees everything. Every view asks these functions, never a template.
- An officer disputes a response given to them, with a reason; the supervisor of their unit (or
  an administrator) upholds or rejects it, with a reason. An upheld dispute flags the response
  ``DISPUTE_UPHELD``, which takes it out of every score. A closed period takes no dispute: its
  scores are frozen.
- The supervisor confirms the suggested rating or gives another one with a reason; both the
  suggestion and the decision are kept (``RatingDecision`` rows are never updated).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from . import audit, reports, scoring
from .db import db, utcnow
from .errors import AccessDenied, AdminError, Invalid
from .models import (
    Dispute, DisputeStatus, Flag, Officer, Period, PeriodStatus, RatingDecision, Response, Role, Unit, User,
)

MAX_REASON = 1000
POLICY_FIELDS = ("min_n", "qr_weight_pct", "rating_above", "rating_below")


# --- Who may see what ------------------------------------------------------------------------------

def can_manage_unit(user: User, unit_id: int | None) -> bool:
    """An administrator, or the supervisor of this unit."""
    if user is None or not user.active:
        return False
    return user.role == Role.ADMIN or (user.role == Role.SUPERVISOR and unit_id is not None
                                       and user.unit_id == unit_id)


def can_view_sheet(user: User, officer: Officer) -> bool:
    """The officer themselves, their unit's supervisor, an administrator."""
    if user is None or not user.active:
        return False
    if user.role == Role.OFFICER:
        return user.officer_id == officer.id
    return can_manage_unit(user, officer.unit_id)


def visible_units(user: User) -> list[Unit]:
    query = sa.select(Unit).order_by(Unit.name)
    if user.role != Role.ADMIN:
        query = query.where(Unit.id == (user.unit_id if user.role == Role.SUPERVISOR else -1))
    return list(db.session.scalars(query))


def reportable_periods() -> list[Period]:
    """Periods that can have results (open or closed), newest first."""
    return list(db.session.scalars(
        sa.select(Period).where(Period.status != PeriodStatus.DRAFT).order_by(Period.starts_on.desc())))


def _reason(raw, field: str, code: str, required: bool = True) -> str:
    text = (raw or "").strip()
    if required and not text:
        raise Invalid({field: code})
    if len(text) > MAX_REASON:
        raise Invalid({field: ("too_long", {"max": MAX_REASON})})
    return text


# --- Disputes ---------------------------------------------------------------------------------------

def file_dispute(user: User, response: Response, reason: str, now: datetime | None = None) -> Dispute:
    """The officer objects to a response given to them."""
    if user is None or user.role != Role.OFFICER or not user.active:
        raise AccessDenied()
    if response.officer_id is None or response.officer_id != user.officer_id:
        raise AdminError("not_your_response")
    period = db.session.get(Period, response.period_id)
    if period.status == PeriodStatus.CLOSED:
        raise AdminError("period_closed")
    text = _reason(reason, "reason", "dispute_reason")
    if db.session.scalar(sa.select(Dispute.id).where(Dispute.response_id == response.id)) is not None:
        raise AdminError("already_disputed")
    if response.excluded:
        raise AdminError("already_excluded")
    dispute = Dispute(response_id=response.id, officer_id=response.officer_id, period_id=response.period_id,
                      reason=text, created_at=now or utcnow(), created_by=user.id, status=DisputeStatus.OPEN)
    db.session.add(dispute)
    db.session.flush()
    officer = db.session.get(Officer, response.officer_id)
    audit.record(user, "dispute", "response", response.id, officer.name, unit_id=officer.unit_id,
                 after={"reason": text}, now=now)
    return dispute


def resolve_dispute(user: User, dispute: Dispute, uphold: bool, note: str,
                    now: datetime | None = None) -> Dispute:
    """The supervisor rules on a dispute; upheld, the response leaves every score."""
    officer = db.session.get(Officer, dispute.officer_id)
    if not can_manage_unit(user, officer.unit_id):
        raise AccessDenied()
    if dispute.status != DisputeStatus.OPEN:
        raise AdminError("dispute_resolved")
    period = db.session.get(Period, dispute.period_id)
    if period.status == PeriodStatus.CLOSED:
        raise AdminError("period_closed")
    text = _reason(note, "resolution", "ruling_reason")
    now = now or utcnow()
    dispute.status = DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED
    dispute.resolution, dispute.resolved_at, dispute.resolved_by = text, now, user.id
    if uphold:
        response = db.session.get(Response, dispute.response_id)
        response.add_flags(Flag.DISPUTE_UPHELD)
    db.session.flush()
    audit.record(user, "uphold" if uphold else "reject", "dispute", dispute.id, officer.name,
                 unit_id=officer.unit_id, after={"response": dispute.response_id, "resolution": text}, now=now)
    return dispute


def disputes_of(period: Period, *, officer_id: int | None = None, unit_id: int | None = None,
                status: DisputeStatus | None = None) -> list[Dispute]:
    query = (sa.select(Dispute).join(Officer, Officer.id == Dispute.officer_id)
             .where(Dispute.period_id == period.id).order_by(Dispute.created_at.desc()))
    if officer_id is not None:
        query = query.where(Dispute.officer_id == officer_id)
    if unit_id is not None:
        query = query.where(Officer.unit_id == unit_id)
    if status is not None:
        query = query.where(Dispute.status == status)
    return list(db.session.scalars(query))


# --- The rating decision -------------------------------------------------------------------------------

def latest_decision(period: Period, officer: Officer) -> RatingDecision | None:
    return db.session.scalar(
        sa.select(RatingDecision).where(RatingDecision.period_id == period.id, RatingDecision.officer_id == officer.id)
        .order_by(RatingDecision.decided_at.desc(), RatingDecision.id.desc()).limit(1))


def decisions_history(period: Period, officer: Officer) -> list[RatingDecision]:
    """Every decision on the officer's rating for the period, newest first."""
    return list(db.session.scalars(
        sa.select(RatingDecision).where(RatingDecision.period_id == period.id, RatingDecision.officer_id == officer.id)
        .order_by(RatingDecision.decided_at.desc(), RatingDecision.id.desc())))


def decisions(period: Period, officer_ids=None) -> dict[int, RatingDecision]:
    """The latest decision per officer in the period."""
    query = sa.select(RatingDecision).where(RatingDecision.period_id == period.id)
    if officer_ids is not None:
        query = query.where(RatingDecision.officer_id.in_(list(officer_ids)))
    latest: dict[int, RatingDecision] = {}
    for row in db.session.scalars(query.order_by(RatingDecision.decided_at, RatingDecision.id)):
        latest[row.officer_id] = row
    return latest


def decide_rating(user: User, period: Period, officer: Officer, rating: str, reason: str,
                  now: datetime | None = None) -> RatingDecision:
    """Confirm the suggested rating, or give another with a reason. The suggestion shown is the
    one of the period's sheet (frozen once the period is closed)."""
    if not can_manage_unit(user, officer.unit_id):
        raise AccessDenied()
    if period.status == PeriodStatus.DRAFT:
        raise AdminError("period_draft")
    try:
        chosen = scoring.Rating(rating)
    except ValueError:
        raise Invalid({"rating": "choice"}) from None
    sheet = reports.officer_sheet(period, officer)
    suggested = sheet["combined"].get("suggested")
    text = _reason(reason, "reason", "rating_reason", required=chosen.value != suggested)
    value = sheet["combined"]["value"]
    decision = RatingDecision(
        period_id=period.id, officer_id=officer.id, suggested=suggested, rating=chosen.value, reason=text,
        score=str(scoring.display(value)) if value is not None and sheet["combined"]["enough"] else None,
        decided_at=now or utcnow(), decided_by=user.id,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(user, "rate", "officer", officer.id, f"{officer.name} · {period.name}", unit_id=officer.unit_id,
                 after={"period": period.id, "suggested": suggested, "rating": chosen.value, "reason": text},
                 now=now)
    return decision


# --- The period's scoring policy ------------------------------------------------------------------------

def _parse_score(raw, field: str, errors: dict) -> Decimal | None:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[field] = "score_format"
        return None
    if not value.is_finite() or not 25 <= value <= 100 or value.as_tuple().exponent < -2:
        errors[field] = "score_format"
        return None
    return value


def _parse_int(raw, field: str, code: str, low: int, high: int, errors: dict) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        errors[field] = code
        return None
    return int(text)


def set_policy(user: User, period: Period, values: dict, now: datetime | None = None) -> Period:
    """Change how an open or draft period scores; a closed period's policy is frozen."""
    if user is None or user.role != Role.ADMIN or not user.active:
        raise AccessDenied()
    if period.status == PeriodStatus.CLOSED:
        raise AdminError("period_closed")
    errors: dict = {}
    min_n = _parse_int(values.get("min_n"), "min_n", "min_n_format", 1, 100000, errors)
    qr = _parse_int(values.get("qr_weight_pct"), "qr_weight_pct", "percent_format", 0, 100, errors)
    above = _parse_score(values.get("rating_above"), "rating_above", errors)
    below = _parse_score(values.get("rating_below"), "rating_below", errors)
    if above is not None and below is not None and below > above:
        errors["rating_below"] = "thresholds_order"
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(period, POLICY_FIELDS)
    period.min_n, period.qr_weight_pct, period.rating_above, period.rating_below = min_n, qr, above, below
    audit.record_changes(user, "period", period, before, period.name, now=now)
    return period
