"""Sessions held on the server: signing in starts one, each request finds it again, and signing
out, a new password or an administrator's reset ends every session of the account.

Flask's session is a signed cookie that the server cannot take back: a copy made before signing
out would work for as long as it is kept. So the cookie carries only ``<user id>:<token>``
(Flask-Login's user id), and the server decides on every request, from ``user_session``, whether
that token still stands: not revoked, not idle longer than ``SESSION_IDLE_MINUTES``, not older
than ``SESSION_LIFETIME_HOURS`` (both in ``config.Config``). Each check takes the time as an
argument, so that tests move the clock rather than wait.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from core.db import db, id_from, utcnow
from org.models import User

from .models import UserSession

# last_seen_at is written at most this often: a write per request would cost more than the
# minute of precision the idle timeout needs.
TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_LIFETIME_HOURS"])


def start_session(user: User, now: datetime | None = None) -> str:
    """A new session of ``user``; returns what the cookie keeps (``user.get_id()`` afterwards).
    The account's sessions that can no longer be used are deleted on the way."""
    now = now or utcnow()
    _idle, lifetime = _limits()
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id,
            sa.or_(UserSession.revoked_at.is_not(None), UserSession.created_at <= now - lifetime),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), created_at=now, last_seen_at=now))
    db.session.flush()
    user.session_key = f"{user.id}:{token}"
    return user.session_key


def load_session(key: str | None, now: datetime | None = None, touch: bool = True) -> User | None:
    """The account whose live session the cookie's ``key`` names, or None: unknown, revoked, idle
    too long, past its lifetime, or the account switched off. Marks the session seen, at most
    once a minute, unless ``touch`` is False: a page's own background poll (a badge, a list
    refreshing itself) is not the person using it, and must not keep an idle session alive."""
    raw_id, _, token = (key or "").partition(":")
    user_id = id_from(raw_id)
    if user_id is None or not token or len(token) > 100:
        return None
    now = now or utcnow()
    idle, lifetime = _limits()
    # Only a request that has not used the database yet may commit the touch below: later, the
    # commit could carry half of the request's own work with it. The admin area's guard asks for
    # the user first thing; a page elsewhere that asks late just leaves the touch to the next.
    may_commit = not db.session().in_transaction()
    found = db.session.scalar(
        sa.select(UserSession)
        .join(UserSession.user)
        .options(contains_eager(UserSession.user))
        .where(UserSession.token_hash == _hash(token), UserSession.user_id == user_id)
    )
    if (
        found is None
        or found.revoked_at is not None
        or not found.user.active
        or now - found.created_at >= lifetime
        or now - found.last_seen_at >= idle
    ):
        return None
    user = found.user
    if touch and may_commit and now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        db.session.commit()
    user.session_key = key
    return user


def end_sessions(user: User, now: datetime | None = None) -> int:
    """Revoke every live session of ``user`` (on every browser); how many there were."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
