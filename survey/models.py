"""One-time survey codes an officer shows after serving a citizen."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow
from org.models import Desk, Duty, Officer


class ServiceCode(Model):
    """A QR code valid once, for a limited time, shown by an officer after serving a citizen.

    A response through it is ``verified``: it comes from a real service event. So a code is only
    minted for an officer on duty at a desk, and bound to that duty (``duty_id``); what minted it
    is kept (the kiosk, or a keyed hash of the minting browser's device cookie) so that the
    device that minted it, or a browser signed in as the officer, cannot answer it. Refused
    attempts to answer it are counted (``refused_answers``), never silently dropped.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desk.id"))
    # None only for codes minted before codes were bound to a duty.
    duty_id: Mapped[int | None] = mapped_column(sa.ForeignKey("duty.id"))
    minted_kiosk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk.id", ondelete="SET NULL"))
    minted_device: Mapped[str | None] = mapped_column(sa.String(64))
    refused_answers: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response.id"))

    officer: Mapped[Officer] = relationship()
    desk: Mapped[Desk | None] = relationship()
    duty: Mapped[Duty | None] = relationship()

    # The minting rate of a duty is counted over this index.
    # Whether a device has minted any code is looked up on every answer to a one-time code.
    __table_args__ = (
        sa.Index("ix_service_code_duty_created", "duty_id", "created_at"),
        sa.Index("ix_service_code_minted_device", "minted_device"),
    )
