"""State changes of the domain, one function each. Views parse requests and call these.

Every function that depends on the time takes ``now`` (an aware UTC datetime), so that tests
inject the clock instead of sleeping. Functions add to the session and flush; the caller (a view
or a CLI command) commits once, so a failed step leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid as uuid_module
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from .db import db, utcnow
from .errors import DutyError, PairingError, VoteError
from .models import (
    Answer, Channel, Desk, Duty, Flag, Indicator, IndicatorChannel, IndicatorKind, Kiosk, Officer, PairingCode, Period,
    PeriodStatus, Response, Unit,
)

PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a screen, typed
PAIRING_TTL = timedelta(hours=24)
PIN_MAX_FAILURES = 5
PIN_LOCK = timedelta(minutes=15)
# A device clock more than this far ahead of ours is wrong; the received time is used instead.
CLOCK_SKEW_ALLOWED = timedelta(minutes=5)
MAX_REASONS = 10


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def local_date(unit: Unit, moment: datetime) -> date:
    """The calendar date of ``moment`` at the unit (periods are in local dates)."""
    return moment.astimezone(ZoneInfo(unit.timezone)).date()


# --- Kiosk pairing --------------------------------------------------------------------------

def make_pairing_code(desk: Desk, now: datetime | None = None, ttl: timedelta = PAIRING_TTL) -> str:
    """Make a one-time pairing code for ``desk``; returns it as shown to the administrator
    (``ABCD-EFGH``). Only its hash is stored."""
    now = now or utcnow()
    raw = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(8))
    db.session.add(PairingCode(desk=desk, code_hash=_sha256(raw), created_at=now, expires_at=now + ttl))
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
    code = db.session.scalar(
        sa.select(PairingCode).where(PairingCode.code_hash == _sha256(raw)).with_for_update()
    )
    if code is None:
        raise PairingError("unknown")
    if code.used_at is not None:
        raise PairingError("used")
    if code.expires_at <= now:
        raise PairingError("expired")
    if not code.desk.active:
        raise PairingError("desk_inactive")
    token = secrets.token_urlsafe(32)
    kiosk = Kiosk(desk=code.desk, name=name or code.desk.name, token_hash=_sha256(token), paired_at=now,
                  last_seen_at=now)
    db.session.add(kiosk)
    db.session.flush()
    # Conditional update: if another request spent the code meanwhile, this one matches no row.
    spent = db.session.execute(
        sa.update(PairingCode)
        .where(PairingCode.id == code.id, PairingCode.used_at.is_(None))
        .values(used_at=now, kiosk_id=kiosk.id)
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
        sa.select(Kiosk).where(Kiosk.token_hash == _sha256(token))
        .options(joinedload(Kiosk.desk).joinedload(Desk.unit))
    )
    if kiosk is None or kiosk.revoked_at is not None:
        return None
    return kiosk


def revoke_kiosk(kiosk: Kiosk, now: datetime | None = None) -> None:
    kiosk.revoked_at = now or utcnow()


def touch_kiosk(kiosk: Kiosk, now: datetime | None = None) -> None:
    """Record a heartbeat; written at most once a minute, to keep writes off the hot path."""
    now = now or utcnow()
    if kiosk.last_seen_at is None or now - kiosk.last_seen_at >= timedelta(seconds=60):
        kiosk.last_seen_at = now


# --- Duty -----------------------------------------------------------------------------------

def set_pin(officer: Officer, pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise DutyError("pin_format")
    officer.pin_hash = generate_password_hash(pin)
    officer.pin_failures = 0
    officer.pin_locked_until = None


def check_pin(officer: Officer, pin: str, now: datetime) -> None:
    """Raise DutyError unless ``pin`` is the officer's. Failures are counted in the database (so
    the limit holds across kiosks and servers); after PIN_MAX_FAILURES the PIN locks for a while.
    The caller must commit even when this raises, so that the failure is counted."""
    if officer.pin_locked_until is not None and officer.pin_locked_until > now:
        raise DutyError("locked", until=officer.pin_locked_until.strftime("%H:%M UTC"))
    if not officer.pin_hash:
        raise DutyError("no_pin")
    if not check_password_hash(officer.pin_hash, pin or ""):
        officer.pin_failures = (officer.pin_failures or 0) + 1
        if officer.pin_failures >= PIN_MAX_FAILURES:
            officer.pin_failures = 0
            officer.pin_locked_until = now + PIN_LOCK
            raise DutyError("locked", until=officer.pin_locked_until.strftime("%H:%M UTC"))
        raise DutyError("bad_pin", left=PIN_MAX_FAILURES - officer.pin_failures)
    officer.pin_failures = 0
    officer.pin_locked_until = None


def current_duty(desk: Desk) -> Duty | None:
    return desk.current_duty()


def start_duty(desk: Desk, officer: Officer, now: datetime | None = None, via: str = "pin") -> Duty:
    """Put ``officer`` on duty at ``desk``. Whoever was at the desk is relieved; an officer on
    duty at another desk must end that duty first (one person cannot serve two counters)."""
    now = now or utcnow()
    if officer.unit_id != desk.unit_id:
        raise DutyError("unknown_officer")
    if not officer.active:
        raise DutyError("inactive_officer")
    elsewhere = db.session.scalar(sa.select(Duty).where(Duty.officer_id == officer.id, Duty.ended_at.is_(None)))
    if elsewhere is not None:
        if elsewhere.desk_id == desk.id:
            return elsewhere
        raise DutyError("on_duty_elsewhere", name=officer.name, desk=elsewhere.desk.name)
    previous = desk.current_duty()
    if previous is not None:
        previous.ended_at = now
        previous.ended_via = "replaced"
        db.session.flush()
    duty = Duty(officer=officer, desk=desk, started_at=now, started_via=via)
    db.session.add(duty)
    db.session.flush()
    return duty


def end_duty(desk: Desk, now: datetime | None = None, via: str = "pin") -> Duty:
    now = now or utcnow()
    duty = desk.current_duty()
    if duty is None:
        raise DutyError("not_on_duty")
    duty.ended_at = now
    duty.ended_via = via
    db.session.flush()
    return duty


def _on_duty_at(moment: datetime):
    """The duties running at that moment, newest first: a query to narrow to a desk or officer."""
    return (sa.select(Duty)
            .where(Duty.started_at <= moment, sa.or_(Duty.ended_at.is_(None), Duty.ended_at > moment))
            .order_by(Duty.started_at.desc())
            .limit(1))


def duty_at(desk_id: int, moment: datetime) -> Duty | None:
    """The duty at the desk at that moment (the moment a vote was cast, which for an offline
    kiosk can be long before it arrives)."""
    return db.session.scalar(_on_duty_at(moment).where(Duty.desk_id == desk_id))


def desk_of_officer_at(officer_id: int, moment: datetime) -> int | None:
    """The desk where the officer was on duty at that moment, if any."""
    duty = db.session.scalar(_on_duty_at(moment).where(Duty.officer_id == officer_id))
    return duty.desk_id if duty else None


def officer_on_duty_at(desk_id: int, moment: datetime) -> int | None:
    """Who was on duty at the desk at that moment, or None."""
    duty = duty_at(desk_id, moment)
    return duty.officer_id if duty else None


# --- Periods ----------------------------------------------------------------------------------

def open_period_on(day: date) -> Period | None:
    return db.session.scalar(
        sa.select(Period).where(Period.status == PeriodStatus.OPEN, Period.starts_on <= day, Period.ends_on >= day)
    )


# --- Votes ------------------------------------------------------------------------------------

def kiosk_indicators() -> tuple[Indicator | None, list[Indicator]]:
    """The kiosk's main question (the first active kiosk scale indicator) and its reasons."""
    on_kiosk = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.active.is_(True), Indicator.channel.in_([IndicatorChannel.KIOSK, IndicatorChannel.BOTH]))
        .order_by(Indicator.position, Indicator.id)
    ).all()
    question = next((i for i in on_kiosk if i.kind == IndicatorKind.SCALE), None)
    reasons = [i for i in on_kiosk if i.kind == IndicatorKind.REASON]
    return question, reasons


def kiosk_reasons_by_code(codes: list[str]) -> dict[str, Indicator]:
    """The kiosk reasons with these codes, retired ones included: a tablet still showing
    yesterday's chips sends their codes, and the citizen's vote must not be refused for it."""
    if not codes:
        return {}
    rows = db.session.scalars(
        sa.select(Indicator).where(Indicator.code.in_(codes), Indicator.kind == IndicatorKind.REASON,
                                   Indicator.channel.in_([IndicatorChannel.KIOSK, IndicatorChannel.BOTH]))
    )
    return {row.code: row for row in rows}


def kiosk_config_version(question: Indicator | None, reasons: list[Indicator]) -> str:
    """A short fingerprint of what the kiosk screen shows; the kiosk reloads when it changes."""
    parts = [f"{i.id}:{i.code}:{i.text_id}:{i.text_en}:{i.labels_id}:{i.labels_en}"
             for i in ([question] if question else []) + reasons]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class MisuseRules:
    """When kiosk votes are kept but flagged and left out of scores. Checked on the cast times
    the device reports, so the rules hold for votes that arrive late from an offline queue.

    - ``burst``: another vote on the same kiosk cast less than this long before or after;
    - ``max_per_minute``: this many votes already cast on the kiosk in the minute before;
    - ``after_duty_start``: cast this soon after the officer started duty at the desk (an officer
      rating themselves as they sit down).
    """

    burst: timedelta = timedelta(seconds=3)
    max_per_minute: int = 10
    after_duty_start: timedelta = timedelta(seconds=15)

    @classmethod
    def from_config(cls, config) -> "MisuseRules":
        return cls(burst=timedelta(seconds=config["MISUSE_BURST_SECONDS"]),
                   max_per_minute=config["MISUSE_MAX_PER_MINUTE"],
                   after_duty_start=timedelta(seconds=config["MISUSE_AFTER_DUTY_START_SECONDS"]))


def misuse_flags(kiosk_id: int, cast_at: datetime, duty: Duty | None, rules: MisuseRules) -> Flag:
    """The misuse flags a vote cast at ``cast_at`` on this kiosk earns (see MisuseRules)."""
    flags = Flag(0)
    # One pass over this kiosk's votes around the cast time (an index range scan).
    window_start = cast_at - max(rules.burst, timedelta(minutes=1))
    near, last_minute = db.session.execute(
        sa.select(
            sa.func.count().filter(Response.cast_at > cast_at - rules.burst),
            sa.func.count().filter(Response.cast_at > cast_at - timedelta(minutes=1), Response.cast_at <= cast_at),
        ).where(Response.kiosk_id == kiosk_id, Response.cast_at > window_start,
                Response.cast_at < cast_at + rules.burst)
    ).one()
    if near or last_minute >= rules.max_per_minute:
        flags |= Flag.BURST
    if duty is not None and cast_at - duty.started_at < rules.after_duty_start:
        flags |= Flag.DUTY_START
    return flags


@dataclass(frozen=True)
class VoteResult:
    """What the kiosk is told about a vote; the same for the first delivery and every retry."""

    uuid: str
    attributed: bool

    def as_json(self) -> dict:
        return {"status": "recorded", "uuid": self.uuid, "attributed": self.attributed}


def _parse_vote(payload) -> tuple[str, int, list[str], datetime | None, str]:
    if not isinstance(payload, dict):
        raise VoteError("not_json")
    raw_uuid = payload.get("uuid")
    try:
        if not isinstance(raw_uuid, str):
            raise ValueError
        vote_uuid = str(uuid_module.UUID(raw_uuid))
    except ValueError:
        raise VoteError("bad_uuid") from None
    value = payload.get("value")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise VoteError("bad_value")
    reasons = payload.get("reasons", [])
    if reasons is None:
        reasons = []
    if not isinstance(reasons, list) or len(reasons) > MAX_REASONS or not all(isinstance(r, str) for r in reasons):
        raise VoteError("bad_reasons")
    cast_at = payload.get("cast_at")
    if cast_at is not None:
        try:
            if not isinstance(cast_at, str):
                raise ValueError
            cast_at = datetime.fromisoformat(cast_at.replace("Z", "+00:00"))
            if cast_at.tzinfo is None:
                raise ValueError
            # In UTC from here on; a time at the very edge of the calendar cannot be moved there.
            cast_at = cast_at.astimezone(timezone.utc)
        except (ValueError, OverflowError):
            raise VoteError("bad_cast_at") from None
    locale = payload.get("locale", "id")
    if locale not in ("id", "en"):
        raise VoteError("bad_locale")
    return vote_uuid, value, list(dict.fromkeys(reasons)), cast_at, locale


def _existing_vote(vote_uuid: str, kiosk: Kiosk) -> VoteResult | None:
    row = db.session.execute(
        sa.select(Response.kiosk_id, Response.officer_id).where(Response.uuid == vote_uuid)
    ).first()
    if row is None:
        return None
    if row.kiosk_id != kiosk.id:
        raise VoteError("uuid_conflict", status=409)
    return VoteResult(vote_uuid, row.officer_id is not None)


def record_vote(kiosk: Kiosk, payload, now: datetime | None = None,
                rules: MisuseRules = MisuseRules()) -> tuple[VoteResult, bool]:
    """Store one kiosk vote; returns (result, created). Idempotent on the vote's UUID: a vote
    sent again gets the first delivery's result and stores nothing. Raises VoteError, having
    stored nothing, for any bad input. Suspect votes are stored, flagged (see MisuseRules)."""
    now = now or utcnow()
    vote_uuid, value, reason_codes, cast_at, locale = _parse_vote(payload)

    existing = _existing_vote(vote_uuid, kiosk)
    if existing is not None:
        return existing, False

    flags = Flag(0)
    # A device clock can be wrong: ahead of ours, or reset to 1970 by a flat battery. No vote is
    # cast in the future or before its kiosk was paired; for those, the received time stands in.
    if cast_at is not None and not kiosk.paired_at - CLOCK_SKEW_ALLOWED <= cast_at <= now + CLOCK_SKEW_ALLOWED:
        flags |= Flag.CLOCK_ADJUSTED
        cast_at = None
    cast_at = cast_at or now

    question, _reasons = kiosk_indicators()
    if question is None:
        raise VoteError("no_question", status=409)
    by_code = kiosk_reasons_by_code(reason_codes)
    for code in reason_codes:
        if code not in by_code:
            raise VoteError("unknown_reason", reason=code[:40])

    desk = kiosk.desk
    period = open_period_on(local_date(desk.unit, cast_at))
    if period is None:
        raise VoteError("no_open_period", status=409)

    duty = duty_at(desk.id, cast_at)
    officer_id = duty.officer_id if duty else None
    if officer_id is None:
        flags |= Flag.UNATTRIBUTED  # kept for the desk and the unit: a citizen's voice is never dropped
    flags |= misuse_flags(kiosk.id, cast_at, duty, rules)

    response = Response(
        uuid=vote_uuid, channel=Channel.KIOSK, unit_id=desk.unit_id, desk_id=desk.id, officer_id=officer_id,
        period_id=period.id, kiosk_id=kiosk.id, cast_at=cast_at, received_at=now, locale=locale,
        score_sum=value, score_n=1,
    )
    response.add_flags(flags)
    response.answers.append(Answer(indicator_id=question.id, value=value))
    for code in reason_codes:
        response.answers.append(Answer(indicator_id=by_code[code].id, value=1))
    existing = insert_once(response, lambda: _existing_vote(vote_uuid, kiosk))
    if existing is not None:
        return existing, False
    return VoteResult(vote_uuid, officer_id is not None), True


def insert_once(response: Response, find_existing):
    """Add ``response`` unless its UUID is already stored; then return ``find_existing()`` (what
    the first delivery got), else None. A savepoint holds the insert, so when the same UUID lands
    concurrently only this insert is rolled back and the caller's transaction goes on."""
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        existing = find_existing()
        if existing is None:
            raise
        return existing
    return None
