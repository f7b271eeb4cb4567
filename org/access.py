"""Who may act on what: the roles and the unit scope of each.

Roles:
- ``admin``: everything, every unit;
- ``supervisor`` (unit manager, pejabat penilai): their own unit's services, desks, officers,
  kiosks, duty roster, comments, reports, rating decisions and disputes;
- ``officer``: their own account and their own appraisal sheet.

Scope is enforced in queries (``scoped``) and on every write (``require_unit``), never only by
hiding a link.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db
from core.errors import AccessDenied

from .models import ImportJob, Officer, Role, Unit, User

# --- Roles and scope ----------------------------------------------------------------------------


def can_manage_unit(user: User, unit_id: int | None) -> bool:
    """May ``user`` see and change the things of this unit?"""
    if user is None or not user.active:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and unit_id is not None and user.unit_id == unit_id


def require_admin(user: User) -> None:
    """What every unit shares (periods, indicators) only an administrator changes."""
    if user is None or user.role != Role.ADMIN or not user.active:
        raise AccessDenied()


def require_unit(user: User, unit_id: int | None) -> None:
    if not can_manage_unit(user, unit_id):
        raise AccessDenied()


def managed_unit_ids(user: User) -> list[int] | None:
    """The units ``user`` manages: None means every unit (an administrator)."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.SUPERVISOR and user.unit_id is not None:
        return [user.unit_id]
    return []


def scoped(query, unit_column, user: User):
    """Limit a query to the units ``user`` manages."""
    ids = managed_unit_ids(user)
    if ids is None:
        return query
    return query.where(unit_column.in_(ids)) if ids else query.where(sa.false())


def managed_units(user: User) -> list[Unit]:
    return db.session.scalars(scoped(sa.select(Unit).order_by(Unit.name), Unit.id, user)).all()


def can_view_sheet(user: User, officer: Officer) -> bool:
    """The officer themselves, their unit's supervisor, an administrator."""
    if user is None or not user.active:
        return False
    if user.role == Role.OFFICER:
        return user.officer_id == officer.id
    return can_manage_unit(user, officer.unit_id)


def can_manage_import(user: User, job: ImportJob) -> bool:
    """Whoever started an import, or manages its unit, may follow it. Following it takes its next
    step (its page asks for that), so seeing a job and stepping it are the same right."""
    if user is None or not user.active:
        return False
    return job.user_id == user.id or can_manage_unit(user, job.unit_id)
