"""Kiosk tablets: pairing one with a desk by a one-time code, recognising it by its device
token, and the administrator's changes (revoke, move), audited.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from core import audit
from core.db import db, utcnow
from core.errors import AdminError
from org.access import require_unit, scoped
from org.models import Desk, Unit, User

from .errors import PairingError
from .models import Kiosk, KioskContact, PairingCode

PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a screen, typed


PAIRING_TTL = timedelta(hours=24)


def token_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_pairing_code(desk: Desk, now: datetime | None = None, ttl: timedelta = PAIRING_TTL) -> str:
    """Make a one-time pairing code for ``desk``; returns it as shown to the administrator
    (``ABCD-EFGH``). Only its hash is stored."""
    now = now or utcnow()
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(8))
    db.session.add(PairingCode(desk=desk, code_hash=token_hash(raw), created_at=now, expires_at=now + ttl))
    db.session.flush()
    return f"{raw[:4]}-{raw[4:]}"


def _normalize_pairing_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def pair_kiosk(code_text: str, now: datetime | None = None, name: str = "") -> tuple[Kiosk, str]:
    """Spend a pairing code; returns the new kiosk and its device token (shown once, to the
    tablet's cookie). Raises PairingError."""
    now = now or utcnow()
    raw = _normalize_pairing_code(code_text)
    if not raw:
        raise PairingError("missing")
    # Lock the row, so that one code pairs one tablet even when two race.
    code = db.session.scalar(sa.select(PairingCode).where(PairingCode.code_hash == token_hash(raw)).with_for_update())
    if code is None:
        raise PairingError("unknown")
    if code.used_at is not None:
        raise PairingError("used")
    if code.expires_at <= now:
        raise PairingError("expired")
    if not code.desk.active:
        raise PairingError("desk_inactive")
    token = secrets.token_urlsafe(32)
    kiosk = Kiosk(
        desk=code.desk,
        name=name or code.desk.name,
        token_hash=token_hash(token),
        paired_at=now,
        last_seen_at=now,
        contact_since=now,
    )
    db.session.add(kiosk)
    db.session.flush()
    # Conditional update: if another request spent the code meanwhile, this one matches no row.
    spent = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(PairingCode)
            .where(PairingCode.id == code.id, PairingCode.used_at.is_(None))
            .values(used_at=now, kiosk_id=kiosk.id)
        ),
    ).rowcount
    if spent != 1:
        raise PairingError("used")
    return kiosk, token


def kiosk_for_token(token: str | None) -> Kiosk | None:
    """The kiosk this device token belongs to, or None for a missing, unknown or revoked one."""
    if not token or len(token) > 200:
        return None
    # The desk and its unit come along: every kiosk request needs them.
    kiosk = db.session.scalar(
        sa.select(Kiosk)
        .where(Kiosk.token_hash == token_hash(token))
        .options(joinedload(Kiosk.desk).joinedload(Desk.unit))
    )
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk


# A kiosk's heartbeat is written at most this often, to keep writes off the hot path.
HEARTBEAT_EVERY = timedelta(seconds=60)
# A kiosk calls home every minute (its banner), and each vote is a contact too; with heartbeats
# written at most a minute apart, two written ones are less than two minutes apart while it is in
# contact. A longer silence is an outage the server saw: the span of contact before it is closed
# (a KioskContact row) and a new one starts. Half a heartbeat more leaves room for a slow request.
OUTAGE_AFTER = 2 * HEARTBEAT_EVERY + HEARTBEAT_EVERY / 2


def outage_ended(last_seen_at: datetime | None, now: datetime) -> bool:
    """Whether a contact at ``now`` ends an outage (the kiosk was last heard from longer ago than
    OUTAGE_AFTER)."""
    return last_seen_at is not None and now - last_seen_at > OUTAGE_AFTER


def touch_kiosk(kiosk: Kiosk, now: datetime | None = None) -> None:
    """Record a heartbeat (at most every HEARTBEAT_EVERY), and the span of contact an outage
    closes (as the vote does, kiosk.votes)."""
    now = now or utcnow()
    last_seen = kiosk.last_seen_at
    if last_seen is not None and now - last_seen < HEARTBEAT_EVERY:
        return
    if last_seen is None or outage_ended(last_seen, now):
        # Conditional, so that of two requests ending the same outage at once one closes the span.
        closed = cast(
            sa.CursorResult,
            db.session.execute(
                sa.update(Kiosk)
                .where(
                    Kiosk.id == kiosk.id, Kiosk.last_seen_at == last_seen if last_seen else Kiosk.last_seen_at.is_(None)
                )
                .values(last_seen_at=now, contact_since=now)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if closed and last_seen is not None:
            db.session.add(
                KioskContact(
                    kiosk_id=kiosk.id, first_seen_at=kiosk.contact_since or kiosk.paired_at, last_seen_at=last_seen
                )
            )
        kiosk.last_seen_at = kiosk.contact_since = now
        db.session.flush()
        return
    kiosk.last_seen_at = now


# A kiosk calls home every minute (its banner); five quiet minutes mean it is off or offline.
ONLINE_WINDOW = timedelta(minutes=5)


def kiosk_status(kiosk: Kiosk, now: datetime) -> str:
    """``revoked``, ``online`` (heard from within ONLINE_WINDOW) or ``offline``."""
    if kiosk.revoked_at is not None:
        return "revoked"
    if kiosk.last_seen_at is not None and now - kiosk.last_seen_at <= ONLINE_WINDOW:
        return "online"
    return "offline"


def kiosks_query(user: User, unit_id: int | None = None, status: str = "", now: datetime | None = None):
    """Kiosks the user manages, the live ones first; ``status`` filters online/offline/revoked."""
    now = now or utcnow()
    query = scoped(sa.select(Kiosk).join(Desk).join(Unit), Desk.unit_id, user)
    if unit_id:
        query = query.where(Desk.unit_id == unit_id)
    seen_since = now - ONLINE_WINDOW
    if status == "revoked":
        query = query.where(Kiosk.revoked_at.isnot(None))
    elif status == "online":
        query = query.where(Kiosk.revoked_at.is_(None), Kiosk.last_seen_at >= seen_since)
    elif status == "offline":
        query = query.where(
            Kiosk.revoked_at.is_(None), sa.or_(Kiosk.last_seen_at.is_(None), Kiosk.last_seen_at < seen_since)
        )
    return query.order_by(Kiosk.revoked_at.isnot(None), Unit.name, Desk.name, Kiosk.id)


def move_kiosk(actor: User, kiosk: Kiosk, desk: Desk, now: datetime | None = None) -> Kiosk:
    """Move a kiosk to another desk of the same unit (a tablet carried to another counter).
    Its past votes stay with the desk where they were cast."""
    require_unit(actor, kiosk.desk.unit_id)
    if kiosk.revoked_at is not None:
        raise AdminError("kiosk_revoked")
    if desk.unit_id != kiosk.desk.unit_id:
        raise AdminError("desk_other_unit")
    if not desk.active:
        raise AdminError("desk_inactive")
    if desk.id == kiosk.desk_id:
        return kiosk
    before = {"desk_id": kiosk.desk_id, "desk": kiosk.desk.name}
    kiosk.desk = desk
    db.session.flush()
    audit.record(
        actor,
        "move",
        "kiosk",
        kiosk.id,
        kiosk.name,
        before=before,
        after={"desk_id": desk.id, "desk": desk.name},
        unit_id=desk.unit_id,
        now=now,
    )
    return kiosk


def make_pairing_code(actor: User, desk: Desk, now: datetime | None = None) -> str:
    """A one-time code for a tablet to become this desk's kiosk; shown once, only its hash kept
    (and never written to the log)."""
    require_unit(actor, desk.unit_id)
    if not desk.active:
        raise AdminError("desk_inactive")
    now = now or utcnow()
    code = new_pairing_code(desk, now=now)
    audit.record(
        actor,
        "pairing_code",
        "desk",
        desk.id,
        f"{desk.unit.name} / {desk.name}",
        after={"expires_at": (now + PAIRING_TTL).isoformat()},
        unit_id=desk.unit_id,
        now=now,
    )
    return code


def revoke_kiosk(actor: User, kiosk: Kiosk, now: datetime | None = None) -> None:
    require_unit(actor, kiosk.desk.unit_id)
    if kiosk.revoked_at is not None:
        raise AdminError("kiosk_revoked")
    now = now or utcnow()
    kiosk.revoked_at = now
    audit.record(
        actor,
        "revoke",
        "kiosk",
        kiosk.id,
        kiosk.name,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat()},
        unit_id=kiosk.desk.unit_id,
        now=now,
    )
    db.session.flush()
