"""Kiosk tablets and the one-time codes that pair them with a desk."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Model, UTCDateTime, utcnow
from org.models import Desk


class Kiosk(Model):
    """A tablet paired to one desk. It proves itself with a device token kept in a cookie;
    only the token's SHA-256 is stored, so a copy of the database cannot impersonate a kiosk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    desk_id: Mapped[int] = mapped_column(sa.ForeignKey("desk.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The start of the current span of contact, which ends at ``last_seen_at``; the spans before
    # it, each closed by an outage, are ``KioskContact`` rows (see kiosk.pairing.touch_kiosk).
    contact_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    desk: Mapped[Desk] = relationship()


class KioskContact(Model):
    """A span of time the kiosk was in contact with the server (heartbeats and votes at most a
    few minutes apart), closed by an outage. Between two spans lies an outage the server saw:
    the only past time a late vote may claim (kiosk.votes)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(sa.ForeignKey("kiosk.id", ondelete="CASCADE"))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_kiosk_contact_kiosk_last", "kiosk_id", "last_seen_at"),)


class PairingCode(Model):
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


class KioskRefusal(Model):
    """A vote from a paired kiosk that the server refused for good (see ``VoteError.final``): the
    tablet drops it from its queue, and this row is what staff see of it. A vote holds no personal
    data (a face, reason codes, a time, a language); what the tablet sent is kept as text, cut
    short and without control characters (``kiosk.refusals.sanitised``). One row per vote id and
    kiosk: a refusal answered twice (a lost answer, the tablet retrying) is recorded once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(sa.ForeignKey("kiosk.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    code: Mapped[str] = mapped_column(sa.String(30))  # a VoteError code
    vote_uuid: Mapped[str | None] = mapped_column(sa.String(36))  # None when the vote had no valid id
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # what the message names (the unknown reason)
    payload: Mapped[str] = mapped_column(sa.Text)

    kiosk: Mapped[Kiosk] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("kiosk_id", "vote_uuid", name="uq_kiosk_refusal_vote"),
        sa.Index("ix_kiosk_refusal_kiosk_received", "kiosk_id", "received_at"),
    )
