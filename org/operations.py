"""State changes of the organisation's places: units, their services and desks. Each takes the
values its form checked (``org.forms``), checks the actor's unit scope and what needs the
database, and is audited in the same transaction.
"""

from datetime import datetime

from core import audit
from core.db import db, has_rows, referenced
from core.errors import AdminError, Invalid

from .access import require_unit
from .models import Desk, Service, Unit, User

UNIT_FIELDS = ("code", "name", "address", "timezone")


SERVICE_FIELDS = ("name_id", "name_en", "position", "active")


DESK_FIELDS = ("name", "active")


# The time zones of Indonesia: WIB (two names in use), WITA and WIT.
INDONESIAN_TIMEZONES = ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")


def _unit_values(values: dict, unit: Unit | None = None) -> dict:
    """The form's checked values; a unit's code is its own (it is in the addresses of its pages)."""
    clean = {name: values[name] for name in UNIT_FIELDS}
    if has_rows(Unit, Unit.code == clean["code"], Unit.id != (unit.id if unit else -1)):
        raise Invalid({"code": "code_taken"})
    return clean


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


def create_service(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Service:
    require_unit(actor, unit.id)
    service = Service(unit=unit, **{name: values[name] for name in SERVICE_FIELDS})
    db.session.add(service)
    db.session.flush()
    audit.record(actor, "create", "service", service.id, service.name_id,
                 after=audit.snapshot(service, SERVICE_FIELDS), unit_id=unit.id, now=now)
    return service


def update_service(actor: User, service: Service, values: dict, now: datetime | None = None) -> Service:
    require_unit(actor, service.unit_id)
    clean = {name: values[name] for name in SERVICE_FIELDS}
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


def create_desk(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Desk:
    require_unit(actor, unit.id)
    desk = Desk(unit=unit, **{name: values[name] for name in DESK_FIELDS})
    db.session.add(desk)
    db.session.flush()
    audit.record(actor, "create", "desk", desk.id, desk.name, after=audit.snapshot(desk, DESK_FIELDS),
                 unit_id=unit.id, now=now)
    return desk


def update_desk(actor: User, desk: Desk, values: dict, now: datetime | None = None) -> Desk:
    require_unit(actor, desk.unit_id)
    clean = {name: values[name] for name in DESK_FIELDS}
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
