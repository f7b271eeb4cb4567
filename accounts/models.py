"""The accounts' own table: the sessions signed in on the server (``accounts.sessions``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime
from org.models import User


class UserSession(Model):
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


class SetupLink(Model):
    """A one-time link (and the short code it carries) with which an officer sets up their own
    account: their password and their kiosk PIN (``accounts.setup``). Only a keyed hash of the
    code is stored, so a copy of this table opens no account. A link is used once, expires, and
    is revoked by the next link made for the same account."""

    __tablename__ = "setup_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
