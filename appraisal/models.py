"""The appraisal's tables: periods with their scoring policy, the indicators citizens answer,
officers' disputes and supervisors' rating decisions. Every moment is stored in UTC (see
``UTCDateTime``).

*SKM* is the community-satisfaction survey of PermenPANRB 14/2017; its nine elements (*unsur*,
U1..U9) are ``Indicator`` rows with ``skm_element`` set.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, enum_column, utcnow
from core.responses import Channel, Response
from org.models import Officer, User

from . import scoring


class IndicatorChannel(str, enum.Enum):
    KIOSK = "kiosk"
    QR = "qr"
    BOTH = "both"


class IndicatorKind(str, enum.Enum):
    # A question answered on the 1-4 SKM scale.
    SCALE = "scale"
    # A follow-up reason a citizen may pick after a kiosk rating; its answer value is always 1.
    REASON = "reason"
    # A unit's own survey item answered yes or no: 1 no, 2 yes (see ``YES``/``NO``).
    YES_NO = "yes_no"
    # A unit's own survey item answered in a few words: stored in ``Answer.text`` (value 1).
    TEXT = "text"


# The stored values of a yes/no answer.
NO, YES = 1, 2


class PeriodStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    # Being closed (reports.closing): it takes no more responses, as a closed period, while its
    # results are frozen in steps; read as an open period (computed) until the last step closes it.
    CLOSING = "closing"
    CLOSED = "closed"


class Period(Model):
    """An appraisal period (e.g. Triwulan IV 2026), inclusive dates in each unit's local time."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[PeriodStatus] = mapped_column(enum_column(PeriodStatus), default=PeriodStatus.DRAFT, index=True)
    # Scoring policy of the period (issue #4). Below ``min_n`` counted responses a score is "not
    # enough data", never a grade. An officer's combined score weighs the phone survey at
    # ``qr_weight_pct`` % and the kiosk at the rest. Suggested ratings: a published score at or
    # above ``rating_above`` is "di atas ekspektasi", below ``rating_below`` "di bawah".
    min_n: Mapped[int] = mapped_column(default=scoring.DEFAULT_MIN_N, server_default=str(scoring.DEFAULT_MIN_N))
    qr_weight_pct: Mapped[int] = mapped_column(
        default=scoring.DEFAULT_QR_WEIGHT_PCT, server_default=str(scoring.DEFAULT_QR_WEIGHT_PCT)
    )
    rating_above: Mapped[Decimal] = mapped_column(
        sa.Numeric(5, 2), default=scoring.RATING_ABOVE, server_default=str(scoring.RATING_ABOVE)
    )
    rating_below: Mapped[Decimal] = mapped_column(
        sa.Numeric(5, 2), default=scoring.RATING_BELOW, server_default=str(scoring.RATING_BELOW)
    )
    # A phone-survey response through a one-time service code (``Response.verified``: proven to
    # follow a real service) weighs this many unverified ones in the survey score; 1: the same.
    verified_weight: Mapped[Decimal] = mapped_column(
        sa.Numeric(4, 2), default=scoring.DEFAULT_VERIFIED_WEIGHT, server_default=str(scoring.DEFAULT_VERIFIED_WEIGHT)
    )

    __table_args__ = (
        sa.CheckConstraint("starts_on <= ends_on", name="dates_in_order"),
        sa.CheckConstraint("min_n >= 1", name="min_n_positive"),
        sa.CheckConstraint("qr_weight_pct BETWEEN 0 AND 100", name="qr_weight_pct_range"),
        sa.CheckConstraint("rating_below <= rating_above", name="rating_thresholds_order"),
        sa.CheckConstraint("verified_weight BETWEEN 1 AND 5", name="verified_weight_range"),
    )

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def settled(self) -> bool:
        """Closed or being closed: its responses, their rulings and its policy no longer change."""
        return self.status in (PeriodStatus.CLOSING, PeriodStatus.CLOSED)


class Indicator(Model):
    """A question asked of citizens, or a reason they can pick on the kiosk.

    Answers refer to the indicator by id; editing its text later never rewrites past answers.
    ``labels_id``/``labels_en`` hold the four answer labels (1 worst .. 4 best) of a scale question.
    ``weight`` is None for the SKM default of an equal share (1/n).

    ``unit_id`` None: a national indicator, asked by every unit. Set: a unit's own question
    (issue #17): its kiosk question replaces the national one on that unit's kiosks, its kiosk
    reasons (when it has any active) replace the national reasons, and its survey items are asked
    after the nine SKM elements. A unit's own indicator never carries an SKM element or a weight,
    so the IKM (computed over the elements only) never sees it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    kind: Mapped[IndicatorKind] = mapped_column(enum_column(IndicatorKind), default=IndicatorKind.SCALE)
    text_id: Mapped[str] = mapped_column(sa.String(300))
    text_en: Mapped[str] = mapped_column(sa.String(300))
    labels_id: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    labels_en: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skm_element: Mapped[str | None] = mapped_column(sa.String(8))
    weight: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 6))
    channel: Mapped[IndicatorChannel] = mapped_column(enum_column(IndicatorChannel), default=IndicatorChannel.QR)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text_id

    def labels(self, locale: str) -> list[str]:
        return self.labels_en if locale == "en" and self.labels_en else self.labels_id

    def on_channel(self, channel: Channel) -> bool:
        return self.channel == IndicatorChannel.BOTH or self.channel.value == channel.value


class DisputeStatus(str, enum.Enum):
    OPEN = "open"
    UPHELD = "upheld"  # the response leaves the officer's score (Flag.DISPUTE_UPHELD)
    REJECTED = "rejected"


class Dispute(Model):
    """An officer's objection to one response attributed to them, and the supervisor's ruling.

    One per response: a rejected dispute is final for that response."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id"), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[DisputeStatus] = mapped_column(enum_column(DisputeStatus), default=DisputeStatus.OPEN)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    resolution: Mapped[str | None] = mapped_column(sa.Text)

    response: Mapped[Response] = relationship()
    officer: Mapped[Officer] = relationship()


class RatingDecision(Model):
    """The supervisor's word on an officer's Berorientasi Pelayanan rating for a period: the
    suggestion as it stood, and the rating given, with a reason when it departs from it.

    Never updated: a new decision is a new row, so the history stays; the latest one counts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    suggested: Mapped[str | None] = mapped_column(sa.String(12))  # None: not enough data
    score: Mapped[str | None] = mapped_column(sa.String(12))  # the published score shown then
    rating: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_rating_decision_period_officer", "period_id", "officer_id", "decided_at"),)

    @property
    def overrides(self) -> bool:
        return self.rating != self.suggested
