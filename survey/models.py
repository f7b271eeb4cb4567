"""One-time survey codes an officer shows after serving a citizen."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from org.models import Desk, Officer


class ServiceCode(db.Model):
    """A QR code valid once, for a limited time, shown by an officer after serving a citizen.

    A response through it is ``verified``: it comes from a real service event.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(24), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desk.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response.id"))

    officer: Mapped[Officer] = relationship()
    desk: Mapped[Desk | None] = relationship()
