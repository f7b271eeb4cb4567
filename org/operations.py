"""State changes of the organisation's places: units, their services and desks. Each takes the
values its form checked (``org.forms``), checks the actor's unit scope and what needs the
database, and is audited in the same transaction (``core.records``).
"""

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from core.db import db, has_rows
from core.errors import Invalid
from core.records import Kind, created, deleted, updated

from .access import require_admin, require_unit
from .models import Desk, Service, Unit, User, desk_name_key

UNIT_FIELDS = ("code", "name", "address", "timezone", "max_votes_per_hour", "lobby_shows_award")


SERVICE_FIELDS = ("name_id", "name_en", "position", "active")


DESK_FIELDS = ("name", "active")


UNIT = Kind("unit", UNIT_FIELDS, unit="id")


SERVICE = Kind("service", SERVICE_FIELDS, label="name_id")


DESK = Kind("desk", DESK_FIELDS)


def _unit_values(values: dict, unit: Unit | None = None) -> dict:
    """The form's checked values; a unit's code is its own (it is in the addresses of its pages)."""
    clean = {name: values[name] for name in UNIT_FIELDS}
    if has_rows(Unit, Unit.code == clean["code"], Unit.id != (unit.id if unit else -1)):
        raise Invalid({"code": "code_taken"})
    return clean


def create_unit(actor: User, values: dict, now: datetime | None = None) -> Unit:
    require_admin(actor)
    return created(actor, UNIT, Unit(**_unit_values(values)), now)


def update_unit(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Unit:
    require_unit(actor, unit.id)
    return updated(actor, UNIT, unit, _unit_values(values, unit), now)


def delete_unit(actor: User, unit: Unit, now: datetime | None = None) -> None:
    require_admin(actor)
    deleted(actor, UNIT, unit, now)


def create_service(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Service:
    require_unit(actor, unit.id)
    return created(actor, SERVICE, Service(unit=unit, **{name: values[name] for name in SERVICE_FIELDS}), now)


def update_service(actor: User, service: Service, values: dict, now: datetime | None = None) -> Service:
    require_unit(actor, service.unit_id)
    return updated(actor, SERVICE, service, {name: values[name] for name in SERVICE_FIELDS}, now)


def delete_service(actor: User, service: Service, now: datetime | None = None) -> None:
    require_unit(actor, service.unit_id)
    deleted(actor, SERVICE, service, now)


def _desk_values(values: dict, unit_id: int, desk: Desk | None = None) -> dict:
    """The form's checked values; a desk's name is its own within its unit, whatever its case
    or spacing ("loket  a" is "Loket A"): lists, duty and pairing name desks by it."""
    clean = {name: values[name] for name in DESK_FIELDS}
    if has_rows(
        Desk,
        Desk.unit_id == unit_id,
        Desk.name_key == desk_name_key(clean["name"]),
        Desk.id != (desk.id if desk else -1),
    ):
        raise Invalid({"name": "desk_name_taken"})
    return clean


@contextmanager
def _desk_name_race():
    """Two administrators naming two desks alike at the same moment: the unique index refuses the
    second, with the same message as the check before it."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise Invalid({"name": "desk_name_taken"}) from None


def create_desk(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Desk:
    require_unit(actor, unit.id)
    clean = _desk_values(values, unit.id)
    with _desk_name_race():
        return created(actor, DESK, Desk(unit=unit, **clean), now)


def update_desk(actor: User, desk: Desk, values: dict, now: datetime | None = None) -> Desk:
    require_unit(actor, desk.unit_id)
    clean = _desk_values(values, desk.unit_id, desk)
    with _desk_name_race():
        return updated(actor, DESK, desk, clean, now)


def delete_desk(actor: User, desk: Desk, now: datetime | None = None) -> None:
    require_unit(actor, desk.unit_id)
    deleted(actor, DESK, desk, now)  # its pairing codes go with it (ON DELETE CASCADE)
