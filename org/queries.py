"""Reads of the organisation: lists for the admin pages, scoped to the units a user manages."""

import sqlalchemy as sa

from core.db import db

from .access import scoped
from .models import Desk, Unit, User


def units_query(user: User, search: str = ""):
    query = scoped(sa.select(Unit).order_by(Unit.name), Unit.id, user)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(Unit.name).like(like), sa.func.lower(Unit.code).like(like)))
    return query


def desks_of(user: User, active_only: bool = True) -> list[Desk]:
    query = scoped(sa.select(Desk).join(Unit).order_by(Unit.name, Desk.name), Desk.unit_id, user)
    if active_only:
        query = query.where(Desk.active.is_(True))
    return db.session.scalars(query).all()
