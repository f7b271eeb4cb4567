"""The duty roster: which officer is on duty at which desk, from when to when.

A vote or a survey answer is attributed through it to whoever was serving at that desk at that
moment. Officers start and end duty at the kiosk with their PIN (``check_pin``), or an
administrator sets it (``roster_start``/``roster_end``); both are audited.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit
from core.db import db, utcnow

from .access import require_unit, scoped
from .errors import DutyError
from .models import Desk, Duty, Officer, Unit, User, local_clock

PIN_MAX_FAILURES = 5


PIN_LOCK = timedelta(minutes=15)


def local_date(unit: Unit, moment: datetime) -> date:
    """The calendar date of ``moment`` at the unit (periods are in local dates)."""
    return moment.astimezone(ZoneInfo(unit.timezone)).date()


def set_pin(officer: Officer, pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise DutyError("pin_format")
    officer.pin_hash = generate_password_hash(pin)
    officer.pin_failures = 0
    officer.pin_locked_until = None


def check_pin(officer: Officer, pin: str, now: datetime) -> None:
    """Raise DutyError unless ``pin`` is the officer's. After PIN_MAX_FAILURES wrong PINs in a
    row the PIN locks for PIN_LOCK (a supervisor can clear it: ``org.locks.unlock_pin``).

    Each attempt first claims one of the PIN_MAX_FAILURES tries in a single conditional UPDATE,
    and only then is the PIN compared: the database lets one claim at a time change the row, so
    however many kiosks or requests guess at once, no more than PIN_MAX_FAILURES PINs are ever
    compared between two right ones or two locks. The caller must commit even when this raises,
    so that the failure is counted."""
    if not officer.pin_hash:
        raise DutyError("no_pin")
    db.session.flush()
    table = Officer.__table__
    claimed = db.session.execute(
        sa.update(table)
        .where(
            table.c.id == officer.id,
            table.c.pin_failures < PIN_MAX_FAILURES,
            sa.or_(table.c.pin_locked_until.is_(None), table.c.pin_locked_until <= now),
        )
        .values(pin_failures=table.c.pin_failures + 1, pin_locked_until=None)
        .returning(table.c.pin_failures)
    ).scalar()
    if claimed is None:
        db.session.expire(officer, ["pin_failures", "pin_locked_until"])
        raise DutyError("locked", until=local_clock(officer.pin_locked_until or now + PIN_LOCK, officer.unit.timezone))
    if check_password_hash(officer.pin_hash, pin or ""):
        _set_pin_state(officer, failures=0, locked_until=None)
        return
    if claimed >= PIN_MAX_FAILURES:
        _set_pin_state(officer, failures=0, locked_until=now + PIN_LOCK)
        raise DutyError("locked", until=local_clock(now + PIN_LOCK, officer.unit.timezone))
    db.session.expire(officer, ["pin_failures", "pin_locked_until"])
    raise DutyError("bad_pin", left=PIN_MAX_FAILURES - claimed)


def _set_pin_state(officer: Officer, failures: int, locked_until: datetime | None) -> None:
    table = Officer.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == officer.id).values(pin_failures=failures, pin_locked_until=locked_until)
    )
    db.session.expire(officer, ["pin_failures", "pin_locked_until"])


@dataclass(frozen=True)
class OfficerActor:
    """An officer who changed something with their PIN, having no account: the audit log names
    them (``username``) and links no account (``id`` None)."""

    officer: Officer

    id = None

    @property
    def username(self) -> str:
        return f"{self.officer.name} ({self.officer.nip})"[:80]


def _pin_audit(action: str, duty: Duty, now: datetime, kiosk_id: int | None, before: dict | None = None) -> None:
    """A duty started or ended at a kiosk, in the audit log beside the roster's own changes:
    who (the officer, by PIN), at which desk, when, and through which tablet. Never the PIN."""
    desk, officer = duty.desk, duty.officer
    moment = {"duty_start": "started_at", "duty_end": "ended_at"}[action]
    audit.record(
        OfficerActor(officer),
        action,
        "duty",
        duty.id,
        f"{officer.name} @ {desk.name}",
        before=before,
        after={
            "desk_id": desk.id,
            "desk": desk.name,
            "officer_id": officer.id,
            "officer": officer.name,
            moment: now.isoformat(),
            "kiosk_id": kiosk_id,
        },
        unit_id=desk.unit_id,
        now=now,
    )


def start_duty_by_pin(
    desk: Desk, officer: Officer | None, pin: str, now: datetime, kiosk_id: int | None = None
) -> Duty:
    """An officer starts duty at the kiosk of ``desk`` with their PIN (audited, with the kiosk
    ``kiosk_id``). Raises DutyError; the caller commits even then, so that a wrong PIN is
    counted."""
    if officer is None or officer.unit_id != desk.unit_id:
        raise DutyError("no_officer")
    check_pin(officer, pin, now)
    replaced = desk.current_duty()
    if replaced is not None and replaced.officer_id == officer.id:
        return replaced  # already on duty here: nothing changes, nothing to log
    before = {"officer_id": replaced.officer_id, "officer": replaced.officer.name} if replaced else None
    duty = start_duty(desk, officer, now)
    _pin_audit("duty_start", duty, now, kiosk_id, before)
    return duty


def end_duty_by_pin(desk: Desk, pin: str, now: datetime, kiosk_id: int | None = None) -> Duty:
    """The officer on duty at ``desk`` ends it with their PIN (see ``start_duty_by_pin``)."""
    current = desk.current_duty()
    if current is None:
        raise DutyError("not_on_duty")
    check_pin(current.officer, pin, now)
    duty = end_duty(desk, now)
    _pin_audit("duty_end", duty, now, kiosk_id, {"ended_at": None})
    return duty


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
    return (
        sa.select(Duty)
        .where(Duty.started_at <= moment, sa.or_(Duty.ended_at.is_(None), Duty.ended_at > moment))
        .order_by(Duty.started_at.desc())
        .limit(1)
    )


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


def duty_query(
    user: User,
    desk_id: int | None = None,
    officer_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    tz: str = "Asia/Jakarta",
    unit_id: int | None = None,
):
    """Duties that overlap the days asked for (local days of ``tz``), at the desks of one unit
    (``unit_id``) or of all that ``user`` manages, the latest first, each with its officer, desk
    and unit (the roster shows all three)."""
    query = scoped(
        sa.select(Duty)
        .join(Desk, Duty.desk_id == Desk.id)
        .options(joinedload(Duty.officer), contains_eager(Duty.desk).joinedload(Desk.unit)),
        Desk.unit_id,
        user,
    )
    if unit_id is not None:
        query = query.where(Desk.unit_id == unit_id)
    if desk_id:
        query = query.where(Duty.desk_id == desk_id)
    if officer_id:
        query = query.where(Duty.officer_id == officer_id)
    zone = ZoneInfo(tz)
    # The first and the last day a date can be leave the range open: their midnights east of
    # UTC, or the day after the last, are moments no datetime holds.
    if day_from and day_from > date.min:
        start = datetime.combine(day_from, time(0), zone)
        query = query.where(sa.or_(Duty.ended_at.is_(None), Duty.ended_at > start))
    if day_to and day_to < date.max:
        end = datetime.combine(day_to + timedelta(days=1), time(0), zone)
        query = query.where(Duty.started_at < end)
    return query.order_by(Duty.started_at.desc(), Duty.id.desc())


def roster_start(actor: User, desk: Desk, officer: Officer, now: datetime | None = None) -> Duty:
    require_unit(actor, desk.unit_id)
    now = now or utcnow()
    replaced = desk.current_duty()
    replaced_info = {"officer_id": replaced.officer_id, "officer": replaced.officer.name} if replaced else None
    duty = start_duty(desk, officer, now, via="admin")
    audit.record(
        actor,
        "duty_start",
        "duty",
        duty.id,
        f"{officer.name} @ {desk.name}",
        before=replaced_info,
        after={
            "desk_id": desk.id,
            "desk": desk.name,
            "officer_id": officer.id,
            "officer": officer.name,
            "started_at": duty.started_at.isoformat(),
        },
        unit_id=desk.unit_id,
        now=now,
    )
    return duty


def roster_end(actor: User, desk: Desk, now: datetime | None = None) -> Duty:
    require_unit(actor, desk.unit_id)
    now = now or utcnow()
    duty = end_duty(desk, now, via="admin")
    audit.record(
        actor,
        "duty_end",
        "duty",
        duty.id,
        f"{duty.officer.name} @ {desk.name}",
        before={"ended_at": None},
        after={"ended_at": now.isoformat()},
        unit_id=desk.unit_id,
        now=now,
    )
    return duty
