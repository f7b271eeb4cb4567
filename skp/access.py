"""Who may see and change an SKP. Per period, the rules are org.access's (``can_appraise``,
``can_view_sheet``, ``can_decide_objection``, ``can_rate_unit``); the plan of a year has no
single period, so its appraiser is the one the reporting lines name over the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from org.access import appraiser_line, can_manage_unit
from org.models import Role, User

from .models import Skp


@dataclass(frozen=True)
class Span:
    """A stretch of days that org.access reads like a period (it has no id: no responses)."""

    starts_on: date
    ends_on: date
    id: int | None = None


def year_span(year: int) -> Span:
    return Span(date(year, 1, 1), date(year, 12, 31))


def is_plan_appraiser(user: User, skp: Skp) -> bool:
    """The appraiser of the SKP's year: the one the reporting line over the year names (the
    line holding on its last day, else the latest within it); without a line, a supervisor
    of the officer's unit or an administrator (never the officer herself)."""
    if user is None or not user.active:
        return False
    span = year_span(skp.year)
    line = appraiser_line(skp.officer, span.starts_on, span.ends_on)
    if line is not None:
        return user.officer_id is not None and user.officer_id == line.appraiser_id
    return user.officer_id != skp.officer_id and can_manage_unit(user, skp.officer.unit_id)


def is_plan_officer(user: User, skp: Skp) -> bool:
    return user is not None and user.active and user.officer_id is not None and user.officer_id == skp.officer_id


def can_plan(user: User, skp: Skp) -> bool:
    """Draft and agree the plan: the officer and her appraiser."""
    return is_plan_officer(user, skp) or is_plan_appraiser(user, skp)


def can_view_skp(user: User, skp: Skp) -> bool:
    """The officer, the appraiser and the appraiser's superior of any line in the year, the
    supervisor of her unit, and an administrator."""
    if user is None or not user.active:
        return False
    if can_plan(user, skp):
        return True
    span = year_span(skp.year)
    line = appraiser_line(skp.officer, span.starts_on, span.ends_on)
    if line is not None and user.officer_id is not None and user.officer_id in (line.appraiser_id, line.superior_id):
        return True
    return user.role != Role.OFFICER and can_manage_unit(user, skp.officer.unit_id)
