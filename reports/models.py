"""Frozen results of a closed period and the jobs that close and reopen periods; staff's triage
of citizens' comments."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, UTCDateTime, enum_column, utcnow


class ScoreSnapshot(Model):
    """A closed period's computed results, frozen: one row per unit report and per officer sheet.

    ``data`` is what the report showed at closing (exact fractions as "p/q" strings). Reports of a
    closed period read it instead of computing, so later changes to data or settings (weights,
    thresholds, hidden comments...) do not move a closed period's scores. Reopening removes it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"))
    scope: Mapped[str] = mapped_column(sa.String(8))  # "unit" or "officer"
    scope_id: Mapped[int] = mapped_column()
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (sa.UniqueConstraint("period_id", "scope", "scope_id", name="one_per_scope"),)


class PeriodJobStatus(str, enum.Enum):
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


class PeriodJob(Model):
    """Closing or reopening a period, done in steps (``reports.closing``). Its progress lives
    here, not in a server process, so that any request or the command line takes the next step
    and a job cut off half-way goes on where it stopped.

    A close lists, in its first step, every unit and officer with responses in the period
    (``todo``, ``total``) and how many responses the period holds (``responses``, ``last_id``);
    each later step freezes the next of them (``done``); the last checks that no response came in
    meanwhile and closes the period."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # A period that may be deleted (no responses) takes its jobs with it.
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(8))  # "close" or "reopen"
    status: Mapped[PeriodJobStatus] = mapped_column(enum_column(PeriodJobStatus, 12), default=PeriodJobStatus.RUNNING)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # None: the command line
    reason: Mapped[str | None] = mapped_column(sa.Text)  # a reopening's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stepped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [["unit", id], ["officer", id], ...]; SQL NULL (not JSON null) until listed.
    todo: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    responses: Mapped[int | None] = mapped_column()
    last_id: Mapped[int | None] = mapped_column()
    restarts: Mapped[int] = mapped_column(default=0)  # responses came in while it ran: begun again


class CommentTag(str, enum.Enum):
    PRAISE = "praise"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"


class CommentTriage(Model):
    """What staff made of one citizen's comment: its tag and, for a complaint, the answer given
    and its closing. Kept beside the response, never on it: the response has one writer
    (core.responses) and its substance is never edited. No row: not yet looked at (untagged)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id"), unique=True)
    tag: Mapped[CommentTag | None] = mapped_column(enum_column(CommentTag, 12), index=True)
    tagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tagged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # A complaint is closed by its answer; closed_at is set with it and cleared on reopening.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
