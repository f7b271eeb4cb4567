"""Alert rules per unit and the alerts they raised."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, enum_column, utcnow
from org.models import Unit


class AlertStatus(str, enum.Enum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # someone saw it and said what was done (a comment)


class AlertSetting(Model):
    """One unit's settings of one rule (``alerts.rules.RULES`` names them and their defaults):
    switched on or off, its thresholds, and where it is also sent."""

    __tablename__ = "alert_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    rule: Mapped[str] = mapped_column(sa.String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the rule's thresholds
    emails: Mapped[str] = mapped_column(sa.String(1000), default="")  # comma-separated
    webhook_url: Mapped[str] = mapped_column(sa.String(500), default="")

    __table_args__ = (sa.UniqueConstraint("unit_id", "rule", name="uq_alert_setting_unit_rule"),)


class Alert(Model):
    """One occurrence of a rule at a unit. ``subject`` names what it is about (``"desk:12"``,
    ``"kiosk:3"``, ``"dispute:40"``) so that a condition still holding raises no second alert."""

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    rule: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(60))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # the figures that raised it
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus), default=AlertStatus.OPEN)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhook_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it was sent to the unit's e-mails and webhook (or found none to send to): once, at the
    # first check in opening hours (alerts.delivery). ``mailed_at``/``webhook_at`` say what
    # arrived, ``delivery_error`` what failed.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_error: Mapped[str] = mapped_column(sa.String(200), default="")

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        sa.Index("ix_alert_unit_status_raised", "unit_id", "status", "raised_at"),
        sa.Index("ix_alert_unit_rule_subject", "unit_id", "rule", "subject", "raised_at"),
        # One open alert per rule and subject, even when the timer and a page check at once.
        sa.Index(
            "uq_alert_open_subject",
            "unit_id",
            "rule",
            "subject",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )
