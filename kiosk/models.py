"""Kiosk tablets and the one-time codes that pair them with a desk."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from org.models import Desk


class Kiosk(db.Model):
    """A tablet paired to one desk. It proves itself with a device token kept in a cookie;
    only the token's SHA-256 is stored, so a copy of the database cannot impersonate a kiosk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    desk: Mapped[Desk] = relationship()


class PairingCode(db.Model):
    """A one-time code an administrator makes so that a tablet can become a desk's kiosk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Spent or short-lived: they go with their desk.
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kiosk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk.id"))

    desk: Mapped[Desk] = relationship()
