"""Disputes: an officer objects to a response given to them, with a reason; the supervisor of
their unit (or an administrator) upholds or rejects it, with a reason. An upheld dispute flags the
response ``DISPUTE_UPHELD``, which takes it out of every score. A closed period takes no dispute:
its scores are frozen."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import audit
from core.db import db, utcnow
from core.errors import AccessDenied, AdminError, Invalid
from core.responses import Flag, Response, flag_response
from org.access import can_appraise, period_unit, period_unit_sql
from org.models import Officer, Role, User

from .models import Dispute, DisputeStatus, Period

MAX_REASON = 1000


def reason_text(raw, field: str, code: str, required: bool = True, max_length: int = MAX_REASON) -> str:
    """A reason as typed for a dispute, a ruling, a rating or a reopened period: stripped, refused
    as ``field``'s ``code`` when required and empty, or when longer than ``max_length``."""
    text = (raw or "").strip()
    if required and not text:
        raise Invalid({field: code})
    if len(text) > max_length:
        raise Invalid({field: ("too_long", {"max": max_length})})
    return text


def file_dispute(user: User, response: Response, reason: str, now: datetime | None = None) -> Dispute:
    """The officer objects to a response given to them."""
    if user is None or user.role != Role.OFFICER or not user.active:
        raise AccessDenied()
    if response.officer_id is None or response.officer_id != user.officer_id:
        raise AdminError("not_your_response")
    period = db.session.get_one(Period, response.period_id)
    if period.settled:
        raise AdminError("period_closed")
    text = reason_text(reason, "reason", "dispute_reason")
    if db.session.scalar(sa.select(Dispute.id).where(Dispute.response_id == response.id)) is not None:
        raise AdminError("already_disputed")
    if response.excluded:
        raise AdminError("already_excluded")
    dispute = Dispute(
        response_id=response.id,
        officer_id=response.officer_id,
        period_id=response.period_id,
        reason=text,
        created_at=now or utcnow(),
        created_by=user.id,
        status=DisputeStatus.OPEN,
    )
    db.session.add(dispute)
    db.session.flush()
    officer = db.session.get_one(Officer, response.officer_id)
    audit.record(
        user, "dispute", "response", response.id, officer.name, unit_id=officer.unit_id, after={"reason": text}, now=now
    )
    return dispute


def resolve_dispute(user: User, dispute: Dispute, uphold: bool, note: str, now: datetime | None = None) -> Dispute:
    """The supervisor rules on a dispute; upheld, the response leaves every score."""
    officer = db.session.get_one(Officer, dispute.officer_id)
    period = db.session.get_one(Period, dispute.period_id)
    unit_id = period_unit(officer, dispute.period_id)
    if not can_appraise(user, officer, period):  # the period's appraiser rules
        raise AccessDenied()
    if dispute.status != DisputeStatus.OPEN:
        raise AdminError("dispute_resolved")
    if period.settled:
        raise AdminError("period_closed")
    text = reason_text(note, "resolution", "ruling_reason")
    now = now or utcnow()
    dispute.status = DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED
    dispute.resolution, dispute.resolved_at, dispute.resolved_by = text, now, user.id
    if uphold:
        response = db.session.get_one(Response, dispute.response_id)
        flag_response(response, Flag.DISPUTE_UPHELD)
    db.session.flush()
    audit.record(
        user,
        "uphold" if uphold else "reject",
        "dispute",
        dispute.id,
        officer.name,
        unit_id=unit_id,
        after={"response": dispute.response_id, "resolution": text},
        now=now,
    )
    return dispute


def disputes_of(
    period: Period,
    *,
    officer_id: int | None = None,
    unit_id: int | None = None,
    status: DisputeStatus | None = None,
    with_responses: bool = False,
) -> list[Dispute]:
    """The period's disputes, newest first; ``with_responses``: with their responses, read in one
    query rather than one each."""
    query = (
        sa.select(Dispute)
        .join(Officer, Officer.id == Dispute.officer_id)
        .where(Dispute.period_id == period.id)
        .order_by(Dispute.created_at.desc())
    )
    if with_responses:
        query = query.options(selectinload(Dispute.response))
    if officer_id is not None:
        query = query.where(Dispute.officer_id == officer_id)
    if unit_id is not None:  # the unit the officer's period belongs to (org.access.period_unit)
        query = query.where(period_unit_sql(Dispute.period_id, Dispute.officer_id) == unit_id)
    if status is not None:
        query = query.where(Dispute.status == status)
    return list(db.session.scalars(query))
