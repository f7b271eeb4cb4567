"""The reads the SKP pages share: the periods of a year, an officer's SKP, whose SKPs a user
sees on the index (her own, and her team's), the evaluation of each period, and the officers
and lines of the reporting-lines page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal.models import Period
from core.db import db, utcnow
from org.lines import appraisees, lines_on
from org.models import Officer, ReportingLine, Role, Unit, User

from .access import year_span
from .models import Evaluation, Skp

DEFAULT_TIMEZONE = "Asia/Jakarta"
SEARCH_LIMIT = 20


def in_year(skp: Skp, period: Period) -> bool:
    """Is the period one of the SKP's (those starting in its year, as :func:`periods_of_year`)?"""
    return period.starts_on.year == skp.year


def periods_of_year(year: int) -> list[Period]:
    """The appraisal periods that start in ``year``, in their order: the SKP's periods."""
    return list(
        db.session.scalars(
            sa.select(Period)
            .where(Period.starts_on >= date(year, 1, 1), Period.starts_on <= date(year, 12, 31))
            .order_by(Period.starts_on, Period.id)
        )
    )


def get_skp(officer: Officer, year: int) -> Skp | None:
    return db.session.scalar(sa.select(Skp).where(Skp.officer_id == officer.id, Skp.year == year))


def user_timezone(user: User) -> str:
    """The time zone of the user's unit (or of her officer's unit); Jakarta's for an administrator
    of every unit."""
    unit_id = user.unit_id
    if unit_id is None and user.officer_id is not None:
        unit_id = db.session.scalar(sa.select(Officer.unit_id).where(Officer.id == user.officer_id))
    if unit_id is not None:
        zone = db.session.scalar(sa.select(Unit.timezone).where(Unit.id == unit_id))
        if zone:
            return zone
    return DEFAULT_TIMEZONE


def today_for(user: User, now: datetime | None = None) -> date:
    """Today where the user works: a year turns at local midnight, not at UTC's."""
    return (now or utcnow()).astimezone(ZoneInfo(user_timezone(user))).date()


def evaluations_of(skp_ids, period_ids) -> dict[tuple[int, int], Evaluation]:
    """The evaluation of each (SKP, period) that has one."""
    skp_ids, period_ids = list(skp_ids), list(period_ids)
    if not skp_ids or not period_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.skp_id.in_(skp_ids), Evaluation.period_id.in_(period_ids))
    )
    return {(row.skp_id, row.period_id): row for row in rows}


@dataclass
class TeamRow:
    """An officer on the index: her SKP of the year (or None) and its evaluation per period."""

    officer: Officer
    skp: Skp | None
    evaluations: dict[int, Evaluation] = field(default_factory=dict)  # by period id


@dataclass
class Overview:
    """What the SKP index shows a user for a year."""

    year: int
    periods: list[Period]
    officer: Officer | None  # the user's own officer, if her account is one's
    own: TeamRow | None
    team: list[TeamRow]
    units: list[Unit]  # the units whose officers the user may list (managers)
    unit: Unit | None  # the unit listed now (managers)


def _team_officers(user: User, year: int, unit: Unit | None) -> list[Officer]:
    """The officers the user appraises over the year by the reporting lines, and, for a manager,
    the officers of the unit chosen (her own, for a supervisor): whom she appraises without a
    line and whose SKP she may follow."""
    span = year_span(year)
    found: dict[int, Officer] = {}
    if user.officer_id is not None:
        me = db.session.get(Officer, user.officer_id)
        if me is not None:
            found.update((o.id, o) for o in appraisees(me, span.starts_on, span.ends_on))
    if unit is not None and user.role != Role.OFFICER:
        for officer in db.session.scalars(
            sa.select(Officer).where(Officer.unit_id == unit.id, Officer.active.is_(True)).order_by(Officer.name)
        ):
            found.setdefault(officer.id, officer)
    if user.officer_id is not None:
        found.pop(user.officer_id, None)
    return sorted(found.values(), key=lambda o: (o.name.casefold(), o.id))


def skps_for(user: User, year: int, unit_id: int | None = None) -> Overview:
    """The user's own SKP of ``year`` and her team's, each with its evaluation per period. A
    manager lists one unit at a time (``unit_id``, else her first): an administrator of every
    unit would otherwise read every officer of the office on one page."""
    from org.access import managed_units

    periods = periods_of_year(year)
    units = managed_units(user) if user.role != Role.OFFICER else []
    unit = next((u for u in units if u.id == unit_id), units[0] if units else None)
    me = db.session.get(Officer, user.officer_id) if user.officer_id else None
    officers = ([me] if me else []) + _team_officers(user, year, unit)
    skps = {
        skp.officer_id: skp
        for skp in db.session.scalars(
            sa.select(Skp).where(Skp.year == year, Skp.officer_id.in_([o.id for o in officers]))
        )
    }
    evaluations = evaluations_of([s.id for s in skps.values()], [p.id for p in periods])

    def row(officer: Officer) -> TeamRow:
        skp = skps.get(officer.id)
        by_period = {}
        if skp is not None:
            by_period = {p.id: evaluations[(skp.id, p.id)] for p in periods if (skp.id, p.id) in evaluations}
        return TeamRow(officer, skp, by_period)

    rows = [row(officer) for officer in officers]
    own = rows.pop(0) if me else None
    return Overview(year, periods, me, own, rows, units, unit)


def skp_years() -> list[int]:
    """The years an SKP or a period exists for, newest first."""
    years = set(db.session.scalars(sa.select(Skp.year).distinct()))
    years.update(day.year for day in db.session.scalars(sa.select(Period.starts_on)))
    return sorted(years, reverse=True)


# --- The reporting-lines page ---------------------------------------------------------------------


@dataclass
class LineRow:
    officer: Officer
    line: ReportingLine | None  # the line holding today


def unit_officers(unit_id: int) -> list[Officer]:
    """The active officers of a unit, by name."""
    return list(
        db.session.scalars(
            sa.select(Officer).where(Officer.unit_id == unit_id, Officer.active.is_(True)).order_by(Officer.name)
        )
    )


def unit_lines(unit: Unit, today: date) -> list[LineRow]:
    """Each active officer of the unit with the line that holds today."""
    officers = unit_officers(unit.id)
    holding = lines_on([o.id for o in officers], today)
    return [LineRow(officer, holding.get(officer.id)) for officer in officers]


def search_officers(text: str, limit: int = SEARCH_LIMIT) -> list[Officer]:
    """Officers of every unit whose name contains ``text`` or whose NIP starts with its digits:
    an appraiser or her superior may work at another unit (a head's superior usually does)."""
    text = text.strip()
    if not text:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    condition = sa.func.lower(Officer.name).contains(text.lower(), autoescape=True)
    if digits and len(digits) == len(text.replace(" ", "")):
        condition = sa.or_(condition, Officer.nip.startswith(digits, autoescape=True))
    return list(
        db.session.scalars(
            sa.select(Officer).where(Officer.active.is_(True), condition).order_by(Officer.name).limit(limit)
        )
    )


def officer_by_nip(text: str) -> Officer | None:
    """The officer with this NIP, typed with or without its spaces; None when none has it."""
    digits = "".join(ch for ch in text if ch not in " .-")
    if len(digits) != 18 or not digits.isascii() or not digits.isdigit():
        return None
    return db.session.scalar(sa.select(Officer).where(Officer.nip == digits))
