"""The accounts' own table: the sessions signed in on the server (``accounts.sessions``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db
from org.models import User


class UserSession(db.Model):
    """One signing in, from one browser. The browser's cookie holds a random token; only its
    SHA-256 is stored, so a copy of this table signs nobody in. A session ends when it is revoked
    (signing out, a new password, an administrator's reset), when it has been idle too long, or
    when it reaches its absolute lifetime, whatever the cookie says."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
