"""Reads of the organisation: lists for the admin pages, scoped to the units a user manages."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from core.db import db

from .access import can_manage_unit, scoped
from .models import Desk, Duty, Officer, Unit, User


def units_query(user: User, search: str = ""):
    query = scoped(sa.select(Unit).order_by(Unit.name), Unit.id, user)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(Unit.name).like(like), sa.func.lower(Unit.code).like(like)))
    return query


def managed_unit(user: User, unit_id: int) -> Unit | None:
    """The unit, if ``user`` manages it; else None."""
    return db.session.get(Unit, unit_id) if can_manage_unit(user, unit_id) else None


def first_unit(user: User) -> Unit | None:
    """The first of the units ``user`` manages by name, or None when they manage none."""
    return db.session.scalar(units_query(user).order_by(Unit.id).limit(1))


def unit_of_record(user: User, model: type[Desk] | type[Officer], record_id: int) -> Unit | None:
    """The unit of the desk or officer ``record_id``, if ``user`` manages it; else None."""
    unit_id = db.session.scalar(sa.select(model.unit_id).where(model.id == record_id))
    return managed_unit(user, unit_id) if unit_id is not None else None


def desks_of(user: User, active_only: bool = True, unit_id: int | None = None) -> list[Desk]:
    """The desks of the units ``user`` manages (of one of them, ``unit_id``), each with its unit
    (lists label a desk by both)."""
    query = scoped(
        sa.select(Desk).join(Unit).options(contains_eager(Desk.unit)).order_by(Unit.name, Desk.name), Desk.unit_id, user
    )
    if active_only:
        query = query.where(Desk.active.is_(True))
    if unit_id is not None:
        query = query.where(Desk.unit_id == unit_id)
    return list(db.session.scalars(query))


def open_duties(desk_ids: Iterable[int]) -> dict[int, Duty]:
    """Who is on duty now at each of these desks: their open duty, with its officer, by desk id.
    One query for a whole list of desks."""
    ids = list(desk_ids)
    if not ids:
        return {}
    duties = db.session.scalars(
        sa.select(Duty)
        .join(Duty.officer)
        .options(contains_eager(Duty.officer))
        .where(Duty.desk_id.in_(ids), Duty.ended_at.is_(None))
    )
    return {duty.desk_id: duty for duty in duties}


def active_officers(user: User, unit_id: int | None = None) -> list[Officer]:
    """The active officers of the units ``user`` manages (of one of them, ``unit_id``), by name:
    those who can go on duty."""
    query = scoped(sa.select(Officer).where(Officer.active.is_(True)).order_by(Officer.name), Officer.unit_id, user)
    if unit_id is not None:
        query = query.where(Officer.unit_id == unit_id)
    return list(db.session.scalars(query))
