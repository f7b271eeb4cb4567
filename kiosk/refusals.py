"""Votes the server refused for good: recorded where staff see them, so that the tablet can drop
them from its queue (see ``VoteError.final``) without anything vanishing unseen.

The vote endpoint records one when it refuses a vote of a paired kiosk for good; the kiosk list
in the admin area counts them per kiosk, a page lists them, and the kiosk's staff panel shows how
many its tablet dropped.
"""

from __future__ import annotations

import unicodedata
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.db import db, utcnow

from .errors import VoteError
from .models import KioskRefusal

# What is kept of the body a tablet sent: a vote is about 150 characters; anything much longer is
# not a vote, and its first part says enough about what was sent.
PAYLOAD_KEPT = 1000


def sanitised(body: bytes) -> str:
    """The body as text to keep and show: undecodable bytes replaced, control characters (a NUL,
    which PostgreSQL refuses in text; line breaks) dropped, cut to ``PAYLOAD_KEPT`` characters.
    A vote carries no personal data, so nothing else needs taking out."""
    text = body[: PAYLOAD_KEPT * 4].decode("utf-8", errors="replace")
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return text[:PAYLOAD_KEPT] + ("…" if len(text) > PAYLOAD_KEPT else "")


def body_of(request) -> bytes:
    """What the request carried, as sent; a form post (which is no vote, but a tablet or a script
    may send one) has had its body parsed away by then, so its fields stand in."""
    body = request.get_data()
    if not body and request.form:
        body = urlencode(request.form.to_dict(flat=False), doseq=True).encode()
    return body


def vote_uuid_of(payload) -> str | None:
    """The vote's id, when it sent a valid one (how a refusal sent twice is recognised)."""
    raw = payload.get("uuid") if isinstance(payload, dict) else None
    try:
        return str(uuid_module.UUID(raw)) if isinstance(raw, str) and len(raw) <= 64 else None
    except ValueError:
        return None


def record_refusal(kiosk_id: int, error: VoteError, payload, body: bytes, now: datetime | None = None) -> None:
    """Record that the kiosk's vote was refused for good, once per vote id (the tablet sends a vote
    again when the answer was lost on the way). The caller commits."""
    dialect = db.session.get_bind().dialect
    insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(KioskRefusal)
        .values(
            kiosk_id=kiosk_id,
            received_at=now or utcnow(),
            code=error.code[:30],
            params={name: str(value)[:40] for name, value in error.params.items()},
            vote_uuid=vote_uuid_of(payload),
            payload=sanitised(body),
        )
        .on_conflict_do_nothing(index_elements=["kiosk_id", "vote_uuid"])
    )


@dataclass(frozen=True)
class RefusalCount:
    count: int
    last_at: datetime | None


def refusal_counts(kiosk_ids: list[int]) -> dict[int, RefusalCount]:
    """How many votes of each kiosk were refused for good, and when the last was."""
    if not kiosk_ids:
        return {}
    rows = db.session.execute(
        sa.select(KioskRefusal.kiosk_id, sa.func.count(), sa.func.max(KioskRefusal.received_at))
        .where(KioskRefusal.kiosk_id.in_(kiosk_ids))
        .group_by(KioskRefusal.kiosk_id)
    )
    return {kiosk_id: RefusalCount(count, last_at) for kiosk_id, count, last_at in rows}


def refusals_query(kiosk_id: int):
    """A kiosk's refused votes, newest first."""
    return (
        sa.select(KioskRefusal)
        .where(KioskRefusal.kiosk_id == kiosk_id)
        .order_by(KioskRefusal.received_at.desc(), KioskRefusal.id.desc())
    )


def refusal_message(refusal: KioskRefusal) -> str:
    """Why the vote was refused, in the reader's language."""
    if refusal.code not in VoteError.messages:
        return refusal.code
    return VoteError.text(refusal.code, refusal.params or None)
