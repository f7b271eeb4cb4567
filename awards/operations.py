"""The writes of the officer of the month: the supervisor confirms the month's award (the
product's proposal, or another officer who may win, with a reason) and may withdraw it with a
reason. Each checks scope (``org.access``), audits and flushes; the view commits."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from appraisal import scoring
from appraisal.models import Period
from core import audit
from core.db import db, utcnow
from org.access import require_unit
from org.models import Officer, Unit, User

from . import rules
from .errors import AwardError
from .models import Award, AwardStatus
from .queries import confirmed_award, find_month, local_today, standings

MAX_TEXT = 500  # characters of a citation or a reason


def _text(raw: str | None, required_code: str | None = None) -> str:
    text = (raw or "").strip()
    if required_code and not text:
        raise AwardError(required_code)
    if len(text) > MAX_TEXT:
        raise AwardError("text_too_long", max=MAX_TEXT)
    return text


def _label(award: Award, officer: Officer) -> str:
    return f"{officer.name} · {award.month:%Y-%m}"


def confirm_award(
    actor: User,
    unit: Unit,
    period: Period,
    month: date,
    officer_id: int | None,
    citation: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Award:
    """Recognise ``officer_id`` as the unit's officer of ``month`` (a month of ``period`` that has
    ended, in the unit's local time). The officer must be among those who may win the month; a
    reason is needed when it is not the product's proposal. The score and n are copied as the
    standings show them now, with the proposal."""
    require_unit(actor, unit.id)
    now = now or utcnow()
    found = find_month(unit, period, month, local_today(unit, now))
    if found is None:
        raise AwardError("month_unknown")
    if not found.ended:
        raise AwardError("month_not_ended")
    if confirmed_award(unit, month) is not None:
        raise AwardError("already_confirmed")
    ranked = standings(unit, period, found.slice)
    chosen = next((s for s in ranked if s.eligible and s.officer_id == officer_id), None)
    if chosen is None or chosen.score is None:
        raise AwardError("not_eligible")
    proposed = rules.proposal(ranked)
    is_proposal = proposed is not None and proposed.officer_id == chosen.officer_id
    why = _text(reason, None if is_proposal else "reason_required")
    words = _text(citation)
    officer = db.session.get_one(Officer, chosen.officer_id)
    award = Award(
        unit_id=unit.id,
        period_id=period.id,
        month=month,
        officer_id=officer.id,
        status=AwardStatus.CONFIRMED,
        score=str(scoring.display(chosen.score)),
        n=chosen.n,
        proposed_officer_id=proposed.officer_id if proposed else None,
        reason=why,
        citation=words,
        confirmed_at=now,
        confirmed_by=actor.id,
    )
    try:
        # Two supervisors confirming at once: the partial unique index keeps one, the other is told.
        with db.session.begin_nested():
            db.session.add(award)
            db.session.flush()
    except sa.exc.IntegrityError:
        raise AwardError("already_confirmed") from None
    audit.record(
        actor,
        "confirm",
        "award",
        award.id,
        _label(award, officer),
        unit_id=unit.id,
        after={
            "period": period.id,
            "month": month.isoformat(),
            "officer": officer.id,
            "proposed_officer": award.proposed_officer_id,
            "score": award.score,
            "n": award.n,
            "reason": why,
            "citation": words,
        },
        now=now,
    )
    return award


def withdraw_award(actor: User, award: Award, reason: str, now: datetime | None = None) -> Award:
    """Take a confirmed award back, with a reason. It is kept, marked withdrawn: the month may
    then be confirmed again."""
    require_unit(actor, award.unit_id)
    if award.status != AwardStatus.CONFIRMED:
        raise AwardError("not_confirmed")
    why = _text(reason, "withdraw_reason_required")
    now = now or utcnow()
    award.status = AwardStatus.WITHDRAWN
    award.withdrawn_at = now
    award.withdrawn_by = actor.id
    award.withdrawn_reason = why
    db.session.flush()
    audit.record(
        actor,
        "withdraw",
        "award",
        award.id,
        _label(award, award.officer),
        unit_id=award.unit_id,
        before={"status": AwardStatus.CONFIRMED.value},
        after={"status": AwardStatus.WITHDRAWN.value, "reason": why},
        now=now,
    )
    return award
