"""Onboarding and resets without anyone knowing a secret but its owner.

An administrator, or the supervisor of the unit, makes sign-in accounts (role officer) for the
officers who have none, in one step, and hands each officer a set-up link: printed on a slip, or
sent by e-mail. No one sets the password: the account cannot sign in until its officer opens
the link, chooses a password and a kiosk PIN, and is signed in. A reset (the officer forgot)
does the same: the old password and PIN stop working, every session ends, a new link is made.

A link carries a short random code (SETUP_CODE_LENGTH characters of ``CODE_ALPHABET``, about 59
bits). Only a keyed hash of it is stored (HMAC-SHA256 with the app's secret key), so neither a
copy of the table nor one of the code's hash opens an account; a link is used once, expires
after SETUP_LIFETIME, and the next link made for an account revokes the one before. Guessing is
slowed by the set-up pages' rate limit (``accounts.admin_views``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from core import audit
from core.db import db, utcnow
from core.errors import Invalid
from org.access import require_unit, scoped
from org.duty import set_pin
from org.locks import sign_in_name
from org.models import CODE_ALPHABET, Officer, Role, SignInFailure, User

from .errors import SetupError
from .models import SetupLink
from .operations import NO_PASSWORD, USER, check_password_rules, has_password, hash_password
from .sessions import end_sessions

SETUP_LIFETIME = timedelta(days=7)
SETUP_CODE_LENGTH = 12
# What a code may be typed as: its groups joined by dashes or spaces, in either case.
SETUP_CODE_MAX_TYPED = 40


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the only moment its code exists outside the officer's hands."""

    officer: Officer
    user: User
    code: str
    expires_at: datetime

    @property
    def shown_code(self) -> str:
        return format_code(self.code)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(SETUP_CODE_LENGTH))


def format_code(code: str) -> str:
    """The code as printed and read aloud: groups of four ("abcd-efgh-jkmn")."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def clean_code(typed: str | None) -> str | None:
    """The code as typed (any case, with dashes or spaces), or None when it cannot be one."""
    text = (typed or "")[:SETUP_CODE_MAX_TYPED].lower()
    code = "".join(ch for ch in text if ch not in "- ")
    if len(code) != SETUP_CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def code_hash(code: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"setup-link|{code}".encode(), hashlib.sha256).hexdigest()


# --- Accounts for officers ------------------------------------------------------------------------


def officers_without_account(actor: User, unit_id: int | None = None) -> list[Officer]:
    """The active officers the actor manages that have no account, by unit and name."""
    query = scoped(sa.select(Officer), Officer.unit_id, actor).where(
        Officer.active.is_(True), ~sa.exists().where(User.officer_id == Officer.id)
    )
    if unit_id:
        query = query.where(Officer.unit_id == unit_id)
    return list(db.session.scalars(query.order_by(Officer.unit_id, Officer.name, Officer.id)))


def accounts_waiting(actor: User, unit_id: int | None = None) -> list[User]:
    """The officers' accounts the actor manages that have not been set up yet."""
    query = (
        scoped(sa.select(User).join(Officer, User.officer_id == Officer.id), Officer.unit_id, actor)
        .where(User.role == Role.OFFICER, User.password_hash == NO_PASSWORD, Officer.active.is_(True))
        .order_by(Officer.unit_id, Officer.name, Officer.id)
    )
    if unit_id:
        query = query.where(Officer.unit_id == unit_id)
    return list(db.session.scalars(query))


def latest_links(user_ids: list[int]) -> dict[int, SetupLink]:
    """The newest link of each of these accounts, by account id (one query)."""
    if not user_ids:
        return {}
    newest = sa.select(sa.func.max(SetupLink.id)).where(SetupLink.user_id.in_(user_ids)).group_by(SetupLink.user_id)
    return {link.user_id: link for link in db.session.scalars(sa.select(SetupLink).where(SetupLink.id.in_(newest)))}


def username_for(officer: Officer) -> str:
    """The officer's NIP; if another account already has that name, the NIP and "-2", "-3"...
    (predictable, so that a supervisor can tell an officer their username)."""
    taken = set(
        db.session.scalars(sa.select(sa.func.lower(User.username)).where(User.username.like(f"{officer.nip}%")))
    )
    name, n = officer.nip, 1
    while name in taken:
        n += 1
        name = f"{officer.nip}-{n}"
    return name


def _create_account(actor: User, officer: Officer, now: datetime) -> User:
    user = User(
        username=username_for(officer),
        name=officer.name[:200],
        role=Role.OFFICER,
        password_hash=NO_PASSWORD,
        unit_id=officer.unit_id,
        officer_id=officer.id,
        active=True,
        created_at=now,
    )
    try:
        # Two managers making the same accounts at once: the second finds them made.
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise SetupError("made_meanwhile") from None
    audit.record(
        actor, "create", "user", user.id, user.username, after=USER.values(user), unit_id=user.unit_id, now=now
    )
    return user


def issue_link(actor: User, user: User, now: datetime | None = None) -> IssuedLink:
    """A new set-up link for an officer's account; the links made before it stop working."""
    officer = user.officer
    if officer is None:
        raise SetupError("not_officer")
    require_unit(actor, officer.unit_id)
    now = now or utcnow()
    db.session.execute(
        sa.update(SetupLink)
        .where(SetupLink.user_id == user.id, SetupLink.used_at.is_(None), SetupLink.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    code = new_code()
    link = SetupLink(
        user_id=user.id,
        token_hash=code_hash(code),
        created_at=now,
        expires_at=now + SETUP_LIFETIME,
        created_by=actor.id,
    )
    db.session.add(link)
    db.session.flush()
    # The log says a link was made and until when, never its code.
    audit.record(
        actor,
        "setup_link",
        "user",
        user.id,
        user.username,
        after={"expires_at": link.expires_at.isoformat()},
        unit_id=officer.unit_id,
        now=now,
    )
    return IssuedLink(officer, user, code, link.expires_at)


def create_accounts(actor: User, unit_id: int | None = None, now: datetime | None = None) -> list[IssuedLink]:
    """Accounts for every active officer the actor manages (of ``unit_id`` if given) that has
    none, each with its set-up link."""
    now = now or utcnow()
    if unit_id is not None:
        require_unit(actor, unit_id)
    return [
        issue_link(actor, _create_account(actor, officer, now), now)
        for officer in officers_without_account(actor, unit_id)
    ]


def renew_links(actor: User, unit_id: int | None = None, now: datetime | None = None) -> list[IssuedLink]:
    """New links for every account the actor manages that is still waiting to be set up (the
    sheet was lost, or the links expired); the old links stop working."""
    now = now or utcnow()
    if unit_id is not None:
        require_unit(actor, unit_id)
    return [issue_link(actor, user, now) for user in accounts_waiting(actor, unit_id)]


def reset_officer(actor: User, officer: Officer, now: datetime | None = None) -> IssuedLink:
    """The officer forgot their password or PIN (or someone may know them): both stop working,
    every session of the account ends, and a new set-up link is made. An officer without an
    account gets one. Nobody but the officer ever learns the new ones."""
    require_unit(actor, officer.unit_id)
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
    if user is None:
        return issue_link(actor, _create_account(actor, officer, now), now)
    before = {"password": has_password(user), "pin": officer.pin_hash is not None}
    user.password_hash = NO_PASSWORD
    officer.pin_hash, officer.pin_failures, officer.pin_locked_until = None, 0, None
    end_sessions(user, now)
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == sign_in_name(user.username)))
    db.session.flush()
    audit.record(
        actor,
        "reset",
        "user",
        user.id,
        user.username,
        before=before,
        after={"password": False, "pin": False},
        unit_id=officer.unit_id,
        now=now,
    )
    return issue_link(actor, user, now)


# --- The officer's side -----------------------------------------------------------------------------


def find_link(typed: str | None, now: datetime | None = None) -> SetupLink:
    """The link a code opens now, or SetupError: no such code, used, replaced, or expired."""
    code = clean_code(typed)
    link = db.session.scalar(sa.select(SetupLink).where(SetupLink.token_hash == code_hash(code))) if code else None
    if link is None:
        raise SetupError("unknown")
    if link.used_at is not None:
        raise SetupError("used")
    if link.revoked_at is not None:
        raise SetupError("revoked")
    if link.expires_at <= (now or utcnow()):
        raise SetupError("expired")
    if not link.user.active or link.user.officer is None or not link.user.officer.active:
        raise SetupError("inactive")
    return link


def check_pin_rules(pin: str, field: str = "pin") -> None:
    """4 to 8 digits (``org.duty.set_pin``), and not one a colleague would try first: one digit
    repeated, or a run up or down ("1234", "9876")."""
    pin = pin or ""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):  # as org.duty.set_pin
        raise Invalid({field: "pin_format"})
    steps = {int(b) - int(a) for a, b in pairwise(pin)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        raise Invalid({field: "pin_easy"})


def complete_setup(typed: str, password: str, pin: str, now: datetime | None = None) -> User:
    """The officer sets their own password and kiosk PIN with the link's code: the link is used
    up, every other session of the account ends (the view signs this browser in). The log says
    that both were set, never what they are."""
    now = now or utcnow()
    link = find_link(typed, now)
    user, officer = link.user, link.user.officer
    errors = {}
    for check in (lambda: check_password_rules(password or "", user.username), lambda: check_pin_rules(pin or "")):
        try:
            check()
        except Invalid as error:
            errors.update(error.fields)
    if errors:
        raise Invalid(errors)
    # Used in one statement that only one request can win: two tabs sending the same code set
    # the account once.
    claimed = db.session.execute(
        sa.update(SetupLink)
        .where(SetupLink.id == link.id, SetupLink.used_at.is_(None), SetupLink.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise SetupError("used")
    user.password_hash = hash_password(password)
    set_pin(officer, pin)
    end_sessions(user, now)
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == sign_in_name(user.username)))
    db.session.flush()
    audit.record(user, "setup", "user", user.id, user.username, after={"password": True}, unit_id=user.unit_id, now=now)
    audit.record(user, "pin", "officer", officer.id, officer.name, unit_id=officer.unit_id, now=now)
    return user


def change_own_pin(user: User, current: str, new: str, now: datetime | None = None) -> None:
    """An officer changes their own kiosk PIN, proving it is them with their current PIN or their
    password. The log says that it changed, never what it is."""
    officer = user.officer
    if officer is None:
        raise SetupError("not_officer")
    current = current or ""
    right = (officer.pin_hash is not None and check_password_hash(officer.pin_hash, current)) or (
        has_password(user) and check_password_hash(user.password_hash, current)
    )
    if not right:
        raise Invalid({"current": "pin_wrong"})
    check_pin_rules(new or "", field="new")
    set_pin(officer, new)
    db.session.flush()
    audit.record(user, "pin", "officer", officer.id, officer.name, unit_id=officer.unit_id, now=now)
