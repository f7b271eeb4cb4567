"""State changes of accounts: signing in (failures slowed where they come from), passwords, and
the administrator's changes to accounts, each audited."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit
from core.db import db, utcnow
from core.errors import AdminError, Invalid
from core.records import Kind, created, updated
from org.access import require_admin
from org.locks import sign_in_name
from org.models import Officer, Role, SignInFailure, Unit, User, local_clock

from .errors import LoginError
from .sessions import end_sessions, load_session

PASSWORD_MIN = 10


PASSWORD_MAX = 200


# zxcvbn's score, 0 to 4: 3 means at least 10^8 guesses, in zxcvbn's words "safely unguessable:
# moderate protection from offline slow-hash scenario" (passwords are hashed with scrypt); 2 and
# below fall to a short dictionary attack.
PASSWORD_MIN_SCORE = 3


ESTIMATED_LENGTH = 72


# Failed sign-ins slow down where they come from, not the account (``org.models.SignInFailure``):
# from one source, a username may be tried PAIR_FREE times, then each further failure makes that
# source wait twice as long as the last time (1, 2, 4, 8 minutes, then FAILURE_MAX_WAIT); a
# source, whatever names it tries, SOURCE_FREE times. A browser that signed in to an account
# before is a source of its own for that account, so neither an attacker behind the same office
# NAT nor one elsewhere can keep the owner out. Failures are forgotten FAILURE_MEMORY after the
# last one.
PAIR_FREE = 5


SOURCE_FREE = 20


FAILURE_FIRST_WAIT = timedelta(minutes=1)


FAILURE_MAX_WAIT = timedelta(minutes=15)


FAILURE_MEMORY = timedelta(hours=1)


# Where a deployment's people are when the account has no unit (an administrator).
DEFAULT_TIMEZONE = "Asia/Jakarta"


USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,80}$")


USER_FIELDS = ("username", "name", "role", "unit_id", "officer_id", "active")


USER = Kind("user", USER_FIELDS, label="username")


# Checked against when the username is unknown, so that a wrong name costs as long as a wrong
# password and response times do not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password of anyone")

# The password "hash" of an account nobody has chosen a password for yet (an officer's account
# waiting for its set-up link, ``accounts.setup``): no password matches it.
NO_PASSWORD = "!"


def has_password(user: User) -> bool:
    return user.password_hash != NO_PASSWORD


def hash_password(password: str) -> str:
    """Werkzeug's default: scrypt with a random salt."""
    return generate_password_hash(password)


def check_password_rules(password: str, username: str = "", field: str = "password") -> None:
    """Every password meets these, however the account gets it (a form, the command line)."""
    if len(password) < PASSWORD_MIN:
        raise Invalid({field: ("password_short", {"min": PASSWORD_MIN})})
    if len(password) > PASSWORD_MAX:
        raise Invalid({field: ("password_long", {"max": PASSWORD_MAX})})
    if username and username.lower() in password.lower():
        raise Invalid({field: "password_is_username"})
    # zxcvbn, Dropbox's estimator (the Python port): lists of the most common passwords, names
    # and words, keyboard runs, repeats and dates, and the username itself. It reads at most
    # its first 72 characters, which already tell a guessable password from a strong one.
    # Imported here: its word lists take ~14 MB, which a worker that never sets a password (nearly
    # all of them: votes and surveys) need not hold.
    from zxcvbn import zxcvbn

    if zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[username] if username else [])["score"] < PASSWORD_MIN_SCORE:
        raise Invalid({field: "password_weak"})


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == (username or "").strip().lower()))


def sign_in_source(address: str | None) -> str:
    """The source of a sign-in from this client address: the address itself, or for IPv6 its /64
    network (one machine is routinely given a whole /64, and could take a new address per try)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _wait(failures: int, free: int) -> timedelta | None:
    """How long a source waits after its ``failures``-th failure (None: it may try again now)."""
    if failures < free:
        return None
    return min(FAILURE_MAX_WAIT, FAILURE_FIRST_WAIT * 2 ** min(failures - free, 10))


def _count_failure(key: str, username: str | None, source: str, free: int, now: datetime) -> datetime | None:
    """One more failure under ``key``, counted in a single statement (an insert, or an update
    of the row that exists), so that parallel failures each count; returns the moment the
    source may try again, if it must wait."""
    table = SignInFailure.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    forgotten = table.c.last_failure_at < now - FAILURE_MEMORY
    statement = insert.values(key=key, username=username, source=source, failures=1, last_failure_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": sa.case((forgotten, 1), else_=table.c.failures + 1), "last_failure_at": now},
    ).returning(table.c.failures)
    failures = db.session.execute(statement).scalar_one()
    wait = _wait(failures, free)
    if wait is None:
        return None
    db.session.execute(sa.update(table).where(table.c.key == key).values(blocked_until=now + wait))
    return now + wait


def authenticate(
    username: str, password: str, now: datetime | None = None, *, address: str = "", device: str | None = None
) -> User:
    """The account for these credentials, or LoginError. ``address`` is the client's address;
    ``device`` the id of this browser when it has signed in to this very account before (a
    signed cookie: ``accounts.admin_views``). Failures are counted per (username, source) and
    per source, never against the account everywhere; the caller commits even when this
    raises, so that the counts hold."""
    now = now or utcnow()
    name = sign_in_name(username)
    source = sign_in_source(address)
    pair_source = f"device:{device[:32]}" if device else source
    keys = {f"pair:{name}|{pair_source}": (name, pair_source, PAIR_FREE)}
    if not device:
        # A browser the account signed in from before is not held back by what its office's
        # address did; any other client is.
        keys[f"source:{source}"] = (None, source, SOURCE_FREE)
    user = find_user(username)
    timezone = user.unit.timezone if user is not None and user.unit is not None else DEFAULT_TIMEZONE
    blocked_until = db.session.scalar(
        sa.select(sa.func.max(SignInFailure.blocked_until)).where(
            SignInFailure.key.in_(keys), SignInFailure.blocked_until > now
        )
    )
    if blocked_until is not None:
        raise LoginError("throttled", until=local_clock(blocked_until, timezone))
    # A wrong name costs as long as a wrong password: response times do not tell which accounts exist.
    # An account waiting for its set-up answers like an unknown name, in as long.
    usable = user is not None and has_password(user)
    right = check_password_hash(user.password_hash if usable else _DUMMY_HASH, password or "") and usable
    if user is None or not right:
        waits = [
            until
            for key, (counted_name, counted_source, free) in keys.items()
            if (until := _count_failure(key, counted_name, counted_source, free, now)) is not None
        ]
        db.session.execute(
            sa.delete(SignInFailure).where(
                SignInFailure.last_failure_at < now - FAILURE_MEMORY,
                sa.or_(SignInFailure.blocked_until.is_(None), SignInFailure.blocked_until < now),
            )
        )
        if waits:
            raise LoginError("throttled", until=local_clock(max(waits), timezone))
        raise LoginError("bad_credentials")
    if not user.active:
        raise LoginError("inactive")
    # The source proved itself for this account; what the source did under other names stays.
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.key == f"pair:{name}|{pair_source}"))
    user.last_login_at = now
    return user


# Sent by the admin pages' own polls (hx-headers on the polling element): not a person's activity.
BACKGROUND_POLL_HEADER = "X-Background-Poll"


def load_user(user_id: str) -> User | None:
    """The user for a session's id (``<id>:<token>``, see ``accounts.sessions``); None when that
    session was ended, has expired, or the account was switched off."""
    background = has_request_context() and bool(request.headers.get(BACKGROUND_POLL_HEADER))
    return load_session(user_id, touch=not background)


def change_password(user: User, current: str, new: str, now: datetime | None = None) -> None:
    """The user changes their own password (typed twice alike: ``accounts.forms.PasswordForm``). Other
    sessions of the account are signed out."""
    if not check_password_hash(user.password_hash, current or ""):
        raise Invalid({"current": "password_wrong"})
    check_password_rules(new, user.username, field="new")
    if check_password_hash(user.password_hash, new):
        raise Invalid({"new": "password_same"})
    user.password_hash = hash_password(new)
    end_sessions(user, now)  # every browser; the view starts a new session for this one
    audit.record(user, "password", "user", user.id, user.username, unit_id=user.unit_id, now=now)


def _check_user_values(values: dict, user: User | None = None) -> dict:
    """The account's values, with the records they name: its unit, its officer (by NIP), whose
    account it is. The username's format is checked here as well as in the form, for the
    accounts the command line and the demo make."""
    username = (values.get("username") or "").strip()
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = "username_format"
    else:
        other = find_user(username)
        if other is not None and other is not user:
            errors["username"] = "username_taken"
    try:
        role = Role(values.get("role"))
    except ValueError:
        errors["role"] = "choice"
        role = None
    unit_id = values.get("unit_id") or None
    officer_id = values.get("officer_id") or None
    nip = "".join(ch for ch in str(values.get("officer_nip") or "") if ch.isdigit())
    if nip and officer_id is None:
        officer_id = db.session.scalar(sa.select(Officer.id).where(Officer.nip == nip))
        if officer_id is None:
            errors["officer_nip"] = "unknown_officer"
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        errors["unit_id"] = "unknown_unit"
    officer = db.session.get(Officer, officer_id) if officer_id else None
    if officer_id and officer is None:
        errors["officer_nip"] = "unknown_officer"
    if role == Role.SUPERVISOR and unit_id is None:
        errors["unit_id"] = "unit_required"
    if role == Role.OFFICER and officer is None:
        errors.setdefault("officer_nip", "officer_required")
    # A supervisor may be an officer too (her unit's pejabat penilai by the reporting lines,
    # org.access): her account then names that officer, as an officer's account does.
    if role in (Role.OFFICER, Role.SUPERVISOR) and officer is not None:
        holder = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
        if holder is not None and holder is not user:
            errors["officer_nip"] = "officer_has_account"
        if role == Role.OFFICER:
            unit_id = officer.unit_id
    if role == Role.ADMIN:
        unit_id = None
    if role not in (Role.OFFICER, Role.SUPERVISOR):
        officer_id = None
    if errors:
        raise Invalid(errors)
    return dict(
        username=username,
        name=(values.get("name") or "").strip()[:200],
        role=role,
        unit_id=unit_id,
        officer_id=officer_id,
        active=bool(values.get("active", True)),
    )


def create_user(actor: User | None, values: dict, password: str, now: datetime | None = None) -> User:
    """An account, made by an administrator (``actor``), or with no actor by the command line or
    the demo, which run with the server's own rights."""
    if actor is not None:
        require_admin(actor)
    clean = _check_user_values(values)
    check_password_rules(password or "", clean["username"])
    return created(actor, USER, User(password_hash=hash_password(password), created_at=now or utcnow(), **clean), now)


def update_user(actor: User, user: User, values: dict, new_password: str = "", now: datetime | None = None) -> User:
    """Change an account; a new password (a reset by the administrator) signs it out everywhere
    and unlocks it. The log never holds a password or its hash."""
    require_admin(actor)
    clean = _check_user_values(values, user)
    if user.id == actor.id and (clean["role"] != user.role or not clean["active"]):
        raise AdminError("own_account")
    if new_password and Role.OFFICER in (user.role, clean["role"]):
        # Nobody sets an officer's password for them: a reset makes a set-up link (accounts.setup).
        raise Invalid({"new_password": "officer_password"})
    if new_password:
        check_password_rules(new_password, clean["username"], field="new_password")
    updated(actor, USER, user, clean, now)
    if new_password:
        user.password_hash = hash_password(new_password)
        end_sessions(user, now)
        # The owner is given a new password: whatever failed under the name before is over.
        db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == sign_in_name(user.username)))
        audit.record(actor, "password_reset", "user", user.id, user.username, unit_id=user.unit_id, now=now)
    return user


def create_admin(username: str, password: str, name: str = "", now: datetime | None = None) -> User:
    """The first administrator, from the command line (no actor: the log says "cli")."""
    return create_user(None, dict(username=username, name=name, role=Role.ADMIN.value, active=True), password, now)


def users_query(search: str = ""):
    """The accounts, by username, each with its unit and officer (the list shows both)."""
    query = sa.select(User).options(selectinload(User.unit), selectinload(User.officer)).order_by(User.username)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.username).like(like), sa.func.lower(User.name).like(like)))
    return query
