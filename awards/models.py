"""The officer-of-the-month awards: one per unit and month once confirmed."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appraisal.models import Period
from core.db import Model, UTCDateTime, enum_column, utcnow
from org.models import Officer, Unit


class AwardStatus(str, enum.Enum):
    CONFIRMED = "confirmed"  # the supervisor confirmed it: shown, printable
    WITHDRAWN = "withdrawn"  # taken back with a reason (kept: the history says so)


class Award(Model):
    """A unit's officer of the month. ``month`` is the month's first day; the score, n and the
    runner-up margin are copied as the supervisor saw them when confirming."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    month: Mapped[date] = mapped_column(sa.Date)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus), default=AwardStatus.CONFIRMED)
    score: Mapped[str] = mapped_column(sa.String(12), default="")  # as shown (shrunk), e.g. "91.40"
    n: Mapped[int] = mapped_column(default=0)  # counted responses in the month
    proposed_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))  # the product's
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why, when not the proposal
    citation: Mapped[str] = mapped_column(sa.Text, default="")  # printed on the certificate
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str] = mapped_column(sa.Text, default="")

    unit: Mapped[Unit] = relationship()
    period: Mapped[Period] = relationship()
    officer: Mapped[Officer] = relationship(foreign_keys=[officer_id])

    __table_args__ = (
        sa.Index(
            "uq_award_unit_month_confirmed",
            "unit_id",
            "month",
            unique=True,
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        ),
    )
