"""What keeps a person out for a while, seen and cleared by who manages them: an officer's kiosk
PIN locked after wrong PINs (``org.duty.check_pin``), and the sign-ins of an account slowed from
the sources that failed too often (``accounts.operations.authenticate``). Clearing either is
audited."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa

from core import audit
from core.db import db, utcnow

from .access import require_unit
from .models import Officer, SignInFailure, User


def pin_locked(officer: Officer, now: datetime | None = None) -> bool:
    return officer.pin_locked_until is not None and officer.pin_locked_until > (now or utcnow())


def unlock_pin(actor: User, officer: Officer, now: datetime | None = None) -> None:
    """Clear the officer's wrong PINs and the lock they caused (the PIN itself stays)."""
    require_unit(actor, officer.unit_id)
    now = now or utcnow()
    before = {
        "pin_failures": officer.pin_failures or 0,
        "pin_locked_until": (
            officer.pin_locked_until.isoformat() if officer.pin_locked_until and pin_locked(officer, now) else None
        ),
    }
    officer.pin_failures, officer.pin_locked_until = 0, None
    db.session.flush()
    audit.record(
        actor,
        "pin_unlock",
        "officer",
        officer.id,
        officer.name,
        before=before,
        after={"pin_failures": 0, "pin_locked_until": None},
        unit_id=officer.unit_id,
        now=now,
    )


def sign_in_name(username: str | None) -> str:
    """A username as failures are counted under it: as typed, without case or spaces around."""
    return (username or "").strip().lower()[:80]


def sign_in_blocks(usernames, now: datetime | None = None) -> dict[str, list[SignInFailure]]:
    """For each of these accounts, the sources its sign-ins are refused from now, latest end first."""
    names = {sign_in_name(name) for name in usernames}
    if not names:
        return {}
    rows = db.session.scalars(
        sa.select(SignInFailure)
        .where(SignInFailure.username.in_(names), SignInFailure.blocked_until > (now or utcnow()))
        .order_by(SignInFailure.blocked_until.desc())
    ).all()
    blocks: dict[str, list[SignInFailure]] = {}
    for row in rows:
        # Selected by name above: never a failure counted for a source alone (no name).
        blocks.setdefault(cast(str, row.username), []).append(row)
    return blocks


def clear_sign_in(actor: User, user: User, now: datetime | None = None) -> int:
    """Forget the failed sign-ins under this account's name from every source (a supervisor for
    the accounts of their unit, an administrator for any): its owner may try again at once.
    Returns how many sources were refused."""
    require_unit(actor, user.unit_id)
    now = now or utcnow()
    name = sign_in_name(user.username)
    blocked = db.session.scalars(
        sa.select(SignInFailure.source)
        .where(SignInFailure.username == name, SignInFailure.blocked_until > now)
        .order_by(SignInFailure.source)
    ).all()
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == name))
    audit.record(
        actor,
        "sign_in_unlock",
        "user",
        user.id,
        user.username,
        before={"sources": list(blocked)},
        after={"sources": []},
        unit_id=user.unit_id,
        now=now,
    )
    return len(blocked)


def account_of(officer: Officer) -> User | None:
    """The officer's own account, if they have one."""
    return db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
