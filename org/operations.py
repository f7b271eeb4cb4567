"""State changes of the organisation's places: units, their services and desks. Each checks the
actor's unit scope and is audited in the same transaction.
"""

import re
import zoneinfo
from datetime import datetime

from core import audit
from core.db import db, has_rows, referenced
from core.errors import AdminError, Invalid

from .accounts import require_unit
from .models import Desk, Service, Unit, User

UNIT_FIELDS = ("code", "name", "address", "timezone")


SERVICE_FIELDS = ("name_id", "name_en", "position", "active")


DESK_FIELDS = ("name", "active")


UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


# The time zones of Indonesia: WIB (two names in use), WITA and WIT.
INDONESIAN_TIMEZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")


def _text(values: dict, name: str, max_length: int, required: bool = True, errors: dict | None = None) -> str:
    value = (values.get(name) or "").strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > max_length:
        errors[name] = ("too_long", {"max": max_length})
    return value


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
    if referenced(unit):
        raise AdminError("unit_in_use")
    audit.record(actor, "delete", "unit", unit.id, unit.name, before=audit.snapshot(unit, UNIT_FIELDS),
                 unit_id=unit.id, now=now)
    db.session.delete(unit)
    db.session.flush()


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
    if referenced(service):
        raise AdminError("service_in_use")
    audit.record(actor, "delete", "service", service.id, service.name_id,
                 before=audit.snapshot(service, SERVICE_FIELDS), unit_id=service.unit_id, now=now)
    db.session.delete(service)
    db.session.flush()


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
    if referenced(desk):  # its pairing codes go with it (ON DELETE CASCADE)
        raise AdminError("desk_in_use")
    audit.record(actor, "delete", "desk", desk.id, desk.name, before=audit.snapshot(desk, DESK_FIELDS),
                 unit_id=desk.unit_id, now=now)
    db.session.delete(desk)
    db.session.flush()
