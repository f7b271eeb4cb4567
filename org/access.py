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
from core.tallies import OFFICER, ResponseTally

from .models import ImportJob, Officer, ReportingLine, Role, Unit, User

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
    return list(db.session.scalars(scoped(sa.select(Unit).order_by(Unit.name), Unit.id, user)))


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
    """The unit each of ``officers`` is appraised in for the period, by officer id (see above).
    Where an officer has responses at one unit only (nearly always), the kept tallies say which
    (core.tallies: one query, however many officers); only for those with responses at several
    is the first response looked up."""
    units = {officer.id: officer.unit_id for officer in officers}
    if not units:
        return units
    found: dict[int, set[int]] = {}
    t = ResponseTally
    for key, unit_id in db.session.execute(
        sa.select(t.key, t.unit_id)
        .where(t.period_id == period_id, t.dim == OFFICER, t.key.in_([str(officer_id) for officer_id in units]))
        .group_by(t.key, t.unit_id)
        .having(sa.func.sum(t.responses) > 0)
    ):
        found.setdefault(int(key), set()).add(unit_id)
    moved = [officer_id for officer_id, at in found.items() if len(at) > 1]
    units.update({officer_id: next(iter(at)) for officer_id, at in found.items() if len(at) == 1})
    if moved:
        units.update(
            db.session.execute(
                sa.select(Response.officer_id, Response.unit_id).where(
                    Response.id.in_(_first_responses(period_id, moved))
                )
            ).all()
        )
    return units


def period_unit(officer: Officer, period_id: int) -> int:
    """The unit the officer is appraised in for the period (see above)."""
    return period_units(period_id, [officer])[officer.id]


# --- Who appraises whom ----------------------------------------------------------------------------
# The reporting lines (``ReportingLine``) name each officer's pejabat penilai and atasan pejabat
# penilai. A period is appraised by the line that holds on its last day, or, if none holds then
# (the officer left the line during the period), the latest that held within it. An officer
# without a line is appraised by the supervisors of the unit the period belongs to
# (``period_unit``) and an administrator; her objections then go to an administrator.
# ``period`` below is any object with ``id``, ``starts_on`` and ``ends_on`` (an appraisal period:
# org may not import appraisal).


def appraiser_line(officer: Officer, starts_on, ends_on) -> ReportingLine | None:
    """The reporting line that appraises ``officer`` over the span (see above)."""
    return db.session.scalar(
        sa.select(ReportingLine)
        .where(
            ReportingLine.officer_id == officer.id,
            ReportingLine.valid_from <= ends_on,
            sa.or_(ReportingLine.valid_to.is_(None), ReportingLine.valid_to >= starts_on),
        )
        .order_by(ReportingLine.valid_from.desc(), ReportingLine.id.desc())
        .limit(1)
    )


def _is_officer(user: User, officer_id: int | None) -> bool:
    return officer_id is not None and user.officer_id == officer_id


def can_view_sheet(user: User, officer: Officer, period) -> bool:
    """The officer themselves; for the period, her appraiser and the appraiser's superior, the
    supervisor of the unit it belongs to, and an administrator."""
    if user is None or not user.active:
        return False
    if user.officer_id is not None and user.officer_id == officer.id:
        return True
    line = appraiser_line(officer, period.starts_on, period.ends_on)
    if line is not None and (_is_officer(user, line.appraiser_id) or _is_officer(user, line.superior_id)):
        return True
    return user.role != Role.OFFICER and can_manage_unit(user, period_unit(officer, period.id))


def can_appraise(user: User, officer: Officer, period) -> bool:
    """May ``user`` rate the officer for the period and rule on her disputes in it? Her appraiser
    by the reporting line; without a line, her unit's supervisor or an administrator."""
    if user is None or not user.active:
        return False
    line = appraiser_line(officer, period.starts_on, period.ends_on)
    if line is not None:
        return _is_officer(user, line.appraiser_id)
    return user.officer_id != officer.id and can_manage_unit(user, period_unit(officer, period.id))


def can_decide_objection(user: User, officer: Officer, period) -> bool:
    """May ``user`` decide the officer's objection (keberatan) to her evaluation in the period?
    The atasan pejabat penilai of the line; without one, an administrator."""
    if user is None or not user.active:
        return False
    line = appraiser_line(officer, period.starts_on, period.ends_on)
    if line is not None and line.superior_id is not None:
        return _is_officer(user, line.superior_id)
    return user.role == Role.ADMIN and user.officer_id != officer.id


def can_rate_unit(user: User, unit: Unit, period) -> bool:
    """May ``user`` set the unit's result (hasil kerja organisasi) for the period? The appraiser
    of the unit's head (the head's superior); an administrator records it on their behalf (the
    superior may not use the product)."""
    if user is None or not user.active:
        return False
    if user.role == Role.ADMIN:
        return True
    if unit.head_officer_id is None:
        return False
    head = db.session.get_one(Officer, unit.head_officer_id)
    line = appraiser_line(head, period.starts_on, period.ends_on)
    return line is not None and _is_officer(user, line.appraiser_id)


def can_manage_import(user: User, job: ImportJob) -> bool:
    """Whoever started an import, or manages its unit, may follow it. Following it takes its next
    step (its page asks for that), so seeing a job and stepping it are the same right."""
    if user is None or not user.active:
        return False
    return job.user_id == user.id or can_manage_unit(user, job.unit_id)
