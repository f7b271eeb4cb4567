"""State changes of accounts: signing in (failures counted, a lock after too many), passwords, and
the administrator's changes to accounts, each audited."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit
from core.db import db, id_from, utcnow
from core.errors import AdminError, Invalid
from core.records import Kind, created, updated
from org.access import require_admin
from org.models import Officer, Role, Unit, User, new_session_token

from .errors import LoginError

PASSWORD_MIN = 10


PASSWORD_MAX = 200


# Held in the database, so the lock holds across every server process; the per-client rate
# limit of the login form comes on top.
MAX_FAILED_LOGINS = 10


LOGIN_LOCK = timedelta(minutes=15)


USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,80}$")


USER_FIELDS = ("username", "name", "role", "unit_id", "officer_id", "active")


USER = Kind("user", USER_FIELDS, label="username")


# Checked against when the username is unknown, so that a wrong name costs as long as a wrong
# password and response times do not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not a password of anyone")


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


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == (username or "").strip().lower()))


def authenticate(username: str, password: str, now: datetime | None = None) -> User:
    """The account for these credentials, or LoginError. Failures are counted on the account;
    the caller commits even when this raises, so that the count holds."""
    now = now or utcnow()
    user = find_user(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise LoginError("bad_credentials")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginError("locked", until=user.locked_until.strftime("%H:%M UTC"))
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = now + LOGIN_LOCK
            raise LoginError("locked", until=user.locked_until.strftime("%H:%M UTC"))
        raise LoginError("bad_credentials")
    if not user.active:
        raise LoginError("inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def load_user(user_id: str) -> User | None:
    """The user for a session's id (``<id>:<session token>``); None when the password changed
    since, or the account was switched off."""
    raw_id, _, token = (user_id or "").partition(":")
    account_id = id_from(raw_id)
    if account_id is None or not token:
        return None
    user = db.session.get(User, account_id)
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def change_password(user: User, current: str, new: str, now: datetime | None = None) -> None:
    """The user changes their own password (typed twice alike: ``accounts.forms.PasswordForm``). Other
    sessions of the account are signed out."""
    if not check_password_hash(user.password_hash, current or ""):
        raise Invalid({"current": "password_wrong"})
    check_password_rules(new, user.username, field="new")
    if check_password_hash(user.password_hash, new):
        raise Invalid({"new": "password_same"})
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
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
    if role == Role.OFFICER:
        if officer is None:
            errors.setdefault("officer_nip", "officer_required")
        else:
            holder = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
            if holder is not None and holder is not user:
                errors["officer_nip"] = "officer_has_account"
            unit_id = officer.unit_id
    if role == Role.ADMIN:
        unit_id = None
    if role != Role.OFFICER:
        officer_id = None
    if errors:
        raise Invalid(errors)
    return dict(username=username, name=(values.get("name") or "").strip()[:200], role=role, unit_id=unit_id,
                officer_id=officer_id, active=bool(values.get("active", True)))


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
    if new_password:
        check_password_rules(new_password, clean["username"], field="new_password")
    updated(actor, USER, user, clean, now)
    if new_password:
        user.password_hash = hash_password(new_password)
        user.session_token = new_session_token()
        user.failed_logins, user.locked_until = 0, None
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
