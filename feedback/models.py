"""The tables of 360° feedback rounds.

Anonymity is kept by the schema itself: an answer (``RoundAnswer``) names the officer rated, the
kind of rater and the value, never the rater or the invitation, has no time, and its key is
random, so that neither order nor time ties it to an invitation. The only link between a rater
and a round is the invitation's ``answered`` flag: what stops a second answer, and all progress
is counted from.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.models import Period
from core.db import Model, UTCDateTime, enum_column, utcnow
from org.models import Officer, Unit

# Never fewer raters of a kind than this before their answers are shown (the floor).
MIN_RATERS_FLOOR = 3


class RoundStatus(str, enum.Enum):
    OPEN = "open"  # raters answer; nothing is shown to the officer yet
    CLOSED = "closed"  # answers are final and shown, in aggregate where anonymous


class RaterKind(str, enum.Enum):
    SELF = "self"
    SUPERVISOR = "supervisor"
    PEER = "peer"  # anonymous
    SUBORDINATE = "subordinate"  # anonymous

    @property
    def anonymous(self) -> bool:
        return self in (RaterKind.PEER, RaterKind.SUBORDINATE)


class FeedbackRound(Model):
    """A round of 360° feedback for one unit's officers in one period."""

    __tablename__ = "feedback_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), index=True)
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus), default=RoundStatus.OPEN)
    # The fewest raters of an anonymous kind whose answers are shown; never below MIN_RATERS_FLOOR.
    min_raters: Mapped[int] = mapped_column(default=MIN_RATERS_FLOOR)
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the day answers are asked by (local)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    unit: Mapped[Unit] = relationship()
    period: Mapped[Period] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("unit_id", "period_id", name="uq_feedback_round_unit_period"),
        sa.CheckConstraint(f"min_raters >= {MIN_RATERS_FLOOR}", name="min_raters_floor"),
    )


class Invitation(Model):
    """One rater asked to rate one officer in a round. The rater is an officer (self, peer,
    subordinate, or an appraiser who is an officer) or, for the supervisor kind, an account
    without an officer (a unit supervisor). Only a keyed hash of the personal link's token is
    kept. Stays the rater's for this round even if he leaves the unit."""

    __tablename__ = "feedback_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_round.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))  # the officer rated
    kind: Mapped[RaterKind] = mapped_column(enum_column(RaterKind))
    rater_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    rater_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(default=0)
    answered: Mapped[bool] = mapped_column(default=False)  # no time: it would tie rater to answer
    withdrawn: Mapped[bool] = mapped_column(default=False)  # taken back before answering
    # Where e-mail reminders go, given by the rater himself on his requests page (accounts have no
    # address); a new invitation takes the rater's latest one.
    email: Mapped[str | None] = mapped_column(sa.String(254))

    round: Mapped[FeedbackRound] = relationship()
    subject: Mapped[Officer] = relationship(foreign_keys=[subject_id])
    rater_officer: Mapped[Officer | None] = relationship(foreign_keys=[rater_officer_id])

    __table_args__ = (
        sa.Index("ix_feedback_invitation_round_subject", "round_id", "subject_id"),
        sa.UniqueConstraint(
            "round_id", "subject_id", "kind", "rater_officer_id", "rater_user_id", name="uq_feedback_invitation"
        ),
        sa.CheckConstraint("rater_officer_id IS NOT NULL OR rater_user_id IS NOT NULL", name="has_rater"),
    )


def random_key() -> str:
    return secrets.token_hex(16)


class RoundAnswer(Model):
    """One rating of one value of one officer by one rater of a kind, with an optional comment.
    Deliberately without the rater, the invitation or a time (see the module's docstring)."""

    __tablename__ = "feedback_answer"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=random_key)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_round.id"))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    kind: Mapped[RaterKind] = mapped_column(enum_column(RaterKind))
    value: Mapped[str] = mapped_column(sa.String(40))  # appraisal.berakhlak code
    score: Mapped[int] = mapped_column(sa.SmallInteger)  # 1..4
    comment: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.Index("ix_feedback_answer_round_subject", "round_id", "subject_id", "kind", "value"),
        sa.CheckConstraint("score BETWEEN 1 AND 4", name="score_range"),
    )
