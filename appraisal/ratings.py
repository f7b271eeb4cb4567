"""The supervisor's word on an officer's Berorientasi Pelayanan rating for a period: confirm the
suggestion, or give another rating with a reason. Both the suggestion and the decision are kept
(``RatingDecision`` rows are never updated)."""

from datetime import datetime

import sqlalchemy as sa

from appraisal import scoring
from core import audit
from core.db import db, utcnow
from core.errors import AccessDenied, AdminError, Invalid
from org.access import can_appraise, period_unit
from org.models import Officer, User

from .disputes import reason_text
from .models import Period, PeriodStatus, RatingDecision


def decisions_history(period: Period, officer: Officer) -> list[RatingDecision]:
    """Every decision on the officer's rating for the period, newest first: the first one counts."""
    return list(
        db.session.scalars(
            sa.select(RatingDecision)
            .where(RatingDecision.period_id == period.id, RatingDecision.officer_id == officer.id)
            .order_by(RatingDecision.decided_at.desc(), RatingDecision.id.desc())
        )
    )


def decisions(period: Period, officer_ids=None) -> dict[int, RatingDecision]:
    """The latest decision per officer in the period."""
    query = sa.select(RatingDecision).where(RatingDecision.period_id == period.id)
    if officer_ids is not None:
        query = query.where(RatingDecision.officer_id.in_(list(officer_ids)))
    latest: dict[int, RatingDecision] = {}
    for row in db.session.scalars(query.order_by(RatingDecision.decided_at, RatingDecision.id)):
        latest[row.officer_id] = row
    return latest


def decide_rating(
    user: User, period: Period, officer: Officer, rating: str, reason: str, combined: dict, now: datetime | None = None
) -> RatingDecision:
    """Confirm the suggested rating, or give another with a reason. ``combined`` is the combined
    score of the officer's sheet for the period as the supervisor sees it (frozen once the period
    is closed), with its suggestion: both are kept with the decision."""
    unit_id = period_unit(officer, period.id)  # the period's unit, wherever she works now
    if not can_appraise(user, officer, period):
        raise AccessDenied()
    if period.status == PeriodStatus.DRAFT:
        raise AdminError("period_draft")
    try:
        chosen = scoring.Rating(rating)
    except ValueError:
        raise Invalid({"rating": "choice"}) from None
    suggested = combined.get("suggested")
    text = reason_text(reason, "reason", "rating_reason", required=chosen.value != suggested)
    value = combined["value"]
    decision = RatingDecision(
        period_id=period.id,
        officer_id=officer.id,
        suggested=suggested,
        rating=chosen.value,
        reason=text,
        score=str(scoring.display(value)) if value is not None and combined["enough"] else None,
        decided_at=now or utcnow(),
        decided_by=user.id,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        user,
        "rate",
        "officer",
        officer.id,
        f"{officer.name} · {period.name}",
        unit_id=unit_id,
        after={"period": period.id, "suggested": suggested, "rating": chosen.value, "reason": text},
        now=now,
    )
    return decision
