"""The audit log: every change made in the admin area, with the values before and after.

Domain functions of the admin area call ``record`` in the same transaction as the change, so a
change and its log entry are committed together or not at all.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, UTCDateTime, db, utcnow


class Actor(Protocol):
    """Who made a change: a signed-in account (``None`` for the command line)."""

    @property
    def id(self) -> int | None: ...

    @property
    def username(self) -> str: ...


class AuditLog(Model):
    """One change made in the admin area: who, when (UTC), what, and the values before and after.

    ``username`` is copied, so the log still says who even if the account is renamed.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80), default="")
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None] = mapped_column()
    label: Mapped[str] = mapped_column(sa.String(300), default="")  # what it was, in words
    unit_id: Mapped[int | None] = mapped_column()  # no foreign key: the unit may be deleted later
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    __table_args__ = (sa.Index("ix_audit_log_entity", "entity", "entity_id"),)


# What the log speaks of: every entity an entry may name, in the order the audit page's filter
# offers them (the admin area labels each).
ENTITIES = (
    "unit",
    "service",
    "desk",
    "officer",
    "kiosk",
    "duty",
    "period",
    "indicator",
    "comment",
    "user",
    "import",
    "response",
    "dispute",
    "reporting_line",
    "skp",
    "skp_result",
    "skp_expectation",
    "skp_realisation",
    "skp_feedback",
    "skp_unit_result",
    "skp_evaluation",
    "skp_objection",
    "feedback_round",
    "feedback_invitation",
    "award",
    "comment_triage",
    "shift",
    "opening_hours",
    "alert",
    "alert_setting",
)


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj, fields) -> dict:
    """The named attributes of ``obj`` as JSON-ready values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    label: str = "",
    *,
    before: dict | None = None,
    after: dict | None = None,
    unit_id: int | None = None,
    now: datetime | None = None,
) -> AuditLog:
    entry = AuditLog(
        at=now or utcnow(),
        user_id=actor.id if actor else None,
        username=actor.username if actor else "cli",
        action=action,
        entity=entity,
        entity_id=entity_id,
        label=label[:300],
        unit_id=unit_id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def record_changes(
    actor: Actor | None,
    entity: str,
    obj,
    before: dict,
    label: str = "",
    *,
    unit_id: int | None = None,
    now: datetime | None = None,
) -> AuditLog | None:
    """Log an update with only the fields that changed; nothing when nothing changed."""
    db.session.flush()
    after = snapshot(obj, before.keys())
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return None
    return record(
        actor,
        "update",
        entity,
        obj.id,
        label,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        unit_id=unit_id,
        now=now,
    )


def search(
    user_id: int | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
):
    """The log, newest first, filtered; days are UTC calendar days, both inclusive."""
    query = sa.select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if user_id:
        query = query.where(AuditLog.user_id == user_id)
    if entity:
        query = query.where(AuditLog.entity == entity)
    if entity_id:
        query = query.where(AuditLog.entity_id == entity_id)
    if day_from:
        query = query.where(AuditLog.at >= datetime.combine(day_from, time(0), timezone.utc))
    if day_to and day_to < date.max:  # the last day a date can be leaves the range open
        query = query.where(AuditLog.at < datetime.combine(day_to + timedelta(days=1), time(0), timezone.utc))
    return query
