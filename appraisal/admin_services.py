"""State changes of the admin area for places and devices: units, services, desks, kiosks, the
duty roster, and the moderation of comments. One function each; every one checks the actor's
unit scope, writes an audit entry, and flushes; the view commits.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from . import audit, services
from .accounts import require_unit, scoped
from .errors import AdminError, Invalid
from .db import db, utcnow
from .models import (
    Desk, Duty, ImportJob, Kiosk, Officer, PairingCode, Response, Service, ServiceCode, Unit, User,
)

UNIT_FIELDS = ("code", "name", "address", "timezone")
SERVICE_FIELDS = ("name_id", "name_en", "position", "active")
DESK_FIELDS = ("name", "active")
UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
# The time zones of Indonesia: WIB (two names in use), WITA and WIT.
INDONESIAN_TIMEZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")
# A kiosk calls home every minute (its banner); five quiet minutes mean it is off or offline.
ONLINE_WINDOW = timedelta(minutes=5)


def has_rows(model, *where) -> bool:
    return db.session.scalar(sa.select(sa.literal(1)).select_from(model).where(*where).limit(1)) is not None


def _text(values: dict, name: str, max_length: int, required: bool = True, errors: dict | None = None) -> str:
    value = (values.get(name) or "").strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > max_length:
        errors[name] = ("too_long", {"max": max_length})
    return value


# --- Units --------------------------------------------------------------------------------------

def _unit_values(values: dict, unit: Unit | None = None) -> dict:
    errors: dict = {}
    code = _text(values, "code", 40, errors=errors).lower()
    if "code" not in errors:
        if not UNIT_CODE.match(code):
            errors["code"] = "code_format"
        elif has_rows(Unit, Unit.code == code, Unit.id != (unit.id if unit else -1)):
            errors["code"] = "code_taken"
    name = _text(values, "name", 200, errors=errors)
    address = _text(values, "address", 300, required=False, errors=errors)
    tz = (values.get("timezone") or "").strip()
    if tz not in zoneinfo.available_timezones():
        errors["timezone"] = "unknown_timezone"
    if errors:
        raise Invalid(errors)
    return dict(code=code, name=name, address=address, timezone=tz)


def create_unit(actor: User, values: dict, now: datetime | None = None) -> Unit:
    if not actor.is_admin:
        require_unit(actor, None)
    unit = Unit(**_unit_values(values))
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "create", "unit", unit.id, unit.name, after=audit.snapshot(unit, UNIT_FIELDS),
                 unit_id=unit.id, now=now)
    return unit


def update_unit(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Unit:
    require_unit(actor, unit.id)
    clean = _unit_values(values, unit)
    before = audit.snapshot(unit, UNIT_FIELDS)
    for name, value in clean.items():
        setattr(unit, name, value)
    audit.record_changes(actor, "unit", unit, before, unit.name, unit_id=unit.id, now=now)
    return unit


def delete_unit(actor: User, unit: Unit, now: datetime | None = None) -> None:
    if not actor.is_admin:
        require_unit(actor, None)
    for model, column in ((Desk, Desk.unit_id), (Service, Service.unit_id), (Officer, Officer.unit_id),
                          (User, User.unit_id), (Response, Response.unit_id), (ImportJob, ImportJob.unit_id)):
        if has_rows(model, column == unit.id):
            raise AdminError("unit_in_use")
    audit.record(actor, "delete", "unit", unit.id, unit.name, before=audit.snapshot(unit, UNIT_FIELDS),
                 unit_id=unit.id, now=now)
    db.session.delete(unit)
    db.session.flush()


def units_query(user: User, search: str = ""):
    query = scoped(sa.select(Unit).order_by(Unit.name), Unit.id, user)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(Unit.name).like(like), sa.func.lower(Unit.code).like(like)))
    return query


# --- Services (jenis layanan) --------------------------------------------------------------------

def _int(values: dict, name: str, errors: dict, default: int = 0) -> int:
    raw = str(values.get(name) if values.get(name) is not None else "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        errors[name] = "number_format"
        return default


def _service_values(values: dict) -> dict:
    errors: dict = {}
    clean = dict(name_id=_text(values, "name_id", 200, errors=errors),
                 name_en=_text(values, "name_en", 200, required=False, errors=errors),
                 position=_int(values, "position", errors), active=bool(values.get("active")))
    if errors:
        raise Invalid(errors)
    return clean


def create_service(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Service:
    require_unit(actor, unit.id)
    service = Service(unit=unit, **_service_values(values))
    db.session.add(service)
    db.session.flush()
    audit.record(actor, "create", "service", service.id, service.name_id,
                 after=audit.snapshot(service, SERVICE_FIELDS), unit_id=unit.id, now=now)
    return service


def update_service(actor: User, service: Service, values: dict, now: datetime | None = None) -> Service:
    require_unit(actor, service.unit_id)
    clean = _service_values(values)
    before = audit.snapshot(service, SERVICE_FIELDS)
    for name, value in clean.items():
        setattr(service, name, value)
    audit.record_changes(actor, "service", service, before, service.name_id, unit_id=service.unit_id, now=now)
    return service


def delete_service(actor: User, service: Service, now: datetime | None = None) -> None:
    require_unit(actor, service.unit_id)
    if has_rows(Response, Response.service_id == service.id):
        raise AdminError("service_in_use")
    audit.record(actor, "delete", "service", service.id, service.name_id,
                 before=audit.snapshot(service, SERVICE_FIELDS), unit_id=service.unit_id, now=now)
    db.session.delete(service)
    db.session.flush()


# --- Desks (loket) ------------------------------------------------------------------------------

def _desk_values(values: dict) -> dict:
    errors: dict = {}
    clean = dict(name=_text(values, "name", 100, errors=errors), active=bool(values.get("active")))
    if errors:
        raise Invalid(errors)
    return clean


def create_desk(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Desk:
    require_unit(actor, unit.id)
    desk = Desk(unit=unit, **_desk_values(values))
    db.session.add(desk)
    db.session.flush()
    audit.record(actor, "create", "desk", desk.id, desk.name, after=audit.snapshot(desk, DESK_FIELDS),
                 unit_id=unit.id, now=now)
    return desk


def update_desk(actor: User, desk: Desk, values: dict, now: datetime | None = None) -> Desk:
    require_unit(actor, desk.unit_id)
    clean = _desk_values(values)
    before = audit.snapshot(desk, DESK_FIELDS)
    for name, value in clean.items():
        setattr(desk, name, value)
    audit.record_changes(actor, "desk", desk, before, desk.name, unit_id=desk.unit_id, now=now)
    return desk


def delete_desk(actor: User, desk: Desk, now: datetime | None = None) -> None:
    require_unit(actor, desk.unit_id)
    for model, column in ((Kiosk, Kiosk.desk_id), (Duty, Duty.desk_id), (Response, Response.desk_id),
                          (ServiceCode, ServiceCode.desk_id)):
        if has_rows(model, column == desk.id):
            raise AdminError("desk_in_use")
    # Pairing codes are spent or short-lived; they go with the desk.
    db.session.execute(sa.delete(PairingCode).where(PairingCode.desk_id == desk.id))
    audit.record(actor, "delete", "desk", desk.id, desk.name, before=audit.snapshot(desk, DESK_FIELDS),
                 unit_id=desk.unit_id, now=now)
    db.session.delete(desk)
    db.session.flush()


def desks_of(user: User, active_only: bool = True) -> list[Desk]:
    query = scoped(sa.select(Desk).join(Unit).order_by(Unit.name, Desk.name), Desk.unit_id, user)
    if active_only:
        query = query.where(Desk.active.is_(True))
    return db.session.scalars(query).all()


# --- Kiosks -------------------------------------------------------------------------------------

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
        query = query.where(Kiosk.revoked_at.is_(None),
                            sa.or_(Kiosk.last_seen_at.is_(None), Kiosk.last_seen_at < seen_since))
    return query.order_by(Kiosk.revoked_at.isnot(None), Unit.name, Desk.name, Kiosk.id)


def make_pairing_code(actor: User, desk: Desk, now: datetime | None = None) -> str:
    """A one-time code for a tablet to become this desk's kiosk; shown once, only its hash kept
    (and never written to the log)."""
    require_unit(actor, desk.unit_id)
    if not desk.active:
        raise AdminError("desk_inactive")
    now = now or utcnow()
    code = services.make_pairing_code(desk, now=now)
    audit.record(actor, "pairing_code", "desk", desk.id, f"{desk.unit.name} / {desk.name}",
                 after={"expires_at": (now + services.PAIRING_TTL).isoformat()}, unit_id=desk.unit_id, now=now)
    return code


def revoke_kiosk(actor: User, kiosk: Kiosk, now: datetime | None = None) -> None:
    require_unit(actor, kiosk.desk.unit_id)
    if kiosk.revoked_at is not None:
        raise AdminError("kiosk_revoked")
    now = now or utcnow()
    services.revoke_kiosk(kiosk, now)
    audit.record(actor, "revoke", "kiosk", kiosk.id, kiosk.name, before={"revoked_at": None},
                 after={"revoked_at": now.isoformat()}, unit_id=kiosk.desk.unit_id, now=now)
    db.session.flush()


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
    audit.record(actor, "move", "kiosk", kiosk.id, kiosk.name, before=before,
                 after={"desk_id": desk.id, "desk": desk.name}, unit_id=desk.unit_id, now=now)
    return kiosk


# --- Duty roster --------------------------------------------------------------------------------

def start_duty(actor: User, desk: Desk, officer: Officer, now: datetime | None = None) -> Duty:
    require_unit(actor, desk.unit_id)
    now = now or utcnow()
    replaced = desk.current_duty()
    replaced_info = {"officer_id": replaced.officer_id, "officer": replaced.officer.name} if replaced else None
    duty = services.start_duty(desk, officer, now, via="admin")
    audit.record(actor, "duty_start", "duty", duty.id, f"{officer.name} @ {desk.name}", before=replaced_info,
                 after={"desk_id": desk.id, "desk": desk.name, "officer_id": officer.id, "officer": officer.name,
                        "started_at": duty.started_at.isoformat()},
                 unit_id=desk.unit_id, now=now)
    return duty


def end_duty(actor: User, desk: Desk, now: datetime | None = None) -> Duty:
    require_unit(actor, desk.unit_id)
    now = now or utcnow()
    duty = services.end_duty(desk, now, via="admin")
    audit.record(actor, "duty_end", "duty", duty.id, f"{duty.officer.name} @ {desk.name}",
                 before={"ended_at": None}, after={"ended_at": now.isoformat()}, unit_id=desk.unit_id, now=now)
    return duty


def duty_query(user: User, desk_id: int | None = None, officer_id: int | None = None,
               day_from: date | None = None, day_to: date | None = None, tz: str = "Asia/Jakarta"):
    """Duties that overlap the days asked for (local days of ``tz``), the latest first."""
    query = scoped(sa.select(Duty).join(Desk, Duty.desk_id == Desk.id), Desk.unit_id, user)
    if desk_id:
        query = query.where(Duty.desk_id == desk_id)
    if officer_id:
        query = query.where(Duty.officer_id == officer_id)
    zone = ZoneInfo(tz)
    if day_from:
        start = datetime.combine(day_from, time(0), zone)
        query = query.where(sa.or_(Duty.ended_at.is_(None), Duty.ended_at > start))
    if day_to:
        end = datetime.combine(day_to + timedelta(days=1), time(0), zone)
        query = query.where(Duty.started_at < end)
    return query.order_by(Duty.started_at.desc(), Duty.id.desc())


# --- Comments -----------------------------------------------------------------------------------

def comments_query(user: User, unit_id: int | None = None, period_id: int | None = None, hidden: str = "",
                   search: str = ""):
    query = scoped(sa.select(Response).where(Response.comment.isnot(None), Response.comment != ""),
                   Response.unit_id, user)
    if unit_id:
        query = query.where(Response.unit_id == unit_id)
    if period_id:
        query = query.where(Response.period_id == period_id)
    if hidden == "yes":
        query = query.where(Response.comment_hidden.is_(True))
    elif hidden == "no":
        query = query.where(Response.comment_hidden.is_(False))
    if search:
        query = query.where(sa.func.lower(Response.comment).like(f"%{search.strip().lower()}%"))
    return query.order_by(Response.cast_at.desc(), Response.id.desc())


def set_comment_hidden(actor: User, response: Response, hidden: bool, now: datetime | None = None) -> None:
    """Hide an abusive comment from every page and report (or show it again). The text is kept:
    it is evidence, and the hiding itself is logged."""
    require_unit(actor, response.unit_id)
    if not response.comment:
        raise AdminError("no_comment")
    if response.comment_hidden == hidden:
        raise AdminError("already_hidden" if hidden else "not_hidden")
    response.comment_hidden = hidden
    db.session.flush()
    audit.record(actor, "hide" if hidden else "unhide", "comment", response.id, response.comment[:80],
                 before={"comment_hidden": not hidden}, after={"comment_hidden": hidden},
                 unit_id=response.unit_id, now=now)
