"""Frozen results of a closed period."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Model, UTCDateTime, utcnow


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
