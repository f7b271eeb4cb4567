"""Who may act on what: the roles and the unit scope of each.

Roles:
- ``admin``: everything, every unit;
- ``supervisor`` (unit manager, pejabat penilai): their own unit's services, desks, officers,
  kiosks, duty roster, comments and reports; the sheets, rating decisions and disputes of the
  periods that belong to their unit (``period_unit``: an officer who moved keeps a period where
  it began);
- ``officer``: their own account and their own appraisal sheet.

Scope is enforced in queries (``scoped``) and on every write (``require_unit``), never only by
hiding a link.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db
from core.errors import AccessDenied
from core.responses import Response

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


# --- An officer's period: whose it is ------------------------------------------------------------
# An officer may move to another unit in the middle of a period. That period stays with the unit
# where its work began, and with its supervisor: it belongs to the unit where her first response
# of the period was given (a response keeps the unit it was given at,
# ``Response.unit_id``, whatever happens to the officer later). That unit's supervisor reads her
# sheet, comments included, rates her and rules on her disputes; the new unit's supervisor does
# so from the next period on. Before her first response of a period, it is her current unit's.
# The first response, not the most: the appraiser of a period never changes while it runs.


def _first_responses(period_id: int, officer_ids):
    return (
        sa.select(sa.func.min(Response.id))
        .where(Response.period_id == period_id, Response.officer_id.in_(list(officer_ids)))
        .group_by(Response.officer_id)
    )


def period_unit_sql(period_id, officer_id):
    """The same rule in SQL, for a query over many (period, officer) pairs: the unit of the first
    response of ``officer_id`` in ``period_id`` (columns of the outer query); NULL before any."""
    return (
        sa.select(Response.unit_id)
        .where(Response.period_id == period_id, Response.officer_id == officer_id)
        .order_by(Response.id)
        .limit(1)
        .scalar_subquery()
    )


def period_units(period_id: int, officers) -> dict[int, int]:
    """The unit each of ``officers`` is appraised in for the period, by officer id (see above);
    one query, however many officers."""
    units = {officer.id: officer.unit_id for officer in officers}
    if units:
        units.update(
            db.session.execute(
                sa.select(Response.officer_id, Response.unit_id).where(
                    Response.id.in_(_first_responses(period_id, units))
                )
            ).all()
        )
    return units


def period_unit(officer: Officer, period_id: int) -> int:
    """The unit the officer is appraised in for the period (see above)."""
    return period_units(period_id, [officer])[officer.id]


def can_view_sheet(user: User, officer: Officer, period_id: int) -> bool:
    """The officer themselves; for the period, the supervisor of the unit it belongs to, and an
    administrator."""
    if user is None or not user.active:
        return False
    if user.role == Role.OFFICER:
        return user.officer_id == officer.id
    return can_manage_unit(user, period_unit(officer, period_id))


def can_appraise(user: User, officer: Officer, period_id: int) -> bool:
    """May ``user`` rate the officer for the period and rule on her disputes in it?"""
    return can_manage_unit(user, period_unit(officer, period_id))


def can_manage_import(user: User, job: ImportJob) -> bool:
    """Whoever started an import, or manages its unit, may follow it. Following it takes its next
    step (its page asks for that), so seeing a job and stepping it are the same right."""
    if user is None or not user.active:
        return False
    return job.user_id == user.id or can_manage_unit(user, job.unit_id)
