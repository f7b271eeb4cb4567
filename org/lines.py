"""Reporting lines: who appraises whom, and when (``ReportingLine``), and who heads each unit.

A line is set from a day on; it ends the line before it the day before, and replaces any line
that was to start on or after that day, so that on any day at most one line holds for an
officer and the history of the ones that held stays. Only an administrator or the supervisor of
the officer's unit sets a line; each change is audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from core import audit
from core.db import db, utcnow
from core.errors import Invalid

from .access import require_unit
from .models import Officer, ReportingLine, Unit, User


def lines_of(officer: Officer) -> list[ReportingLine]:
    """Every line of the officer, newest first."""
    return list(
        db.session.scalars(
            sa.select(ReportingLine)
            .where(ReportingLine.officer_id == officer.id)
            .order_by(ReportingLine.valid_from.desc(), ReportingLine.id.desc())
        )
    )


def lines_on(officer_ids, day: date) -> dict[int, ReportingLine]:
    """The line holding on ``day`` for each of ``officer_ids`` that has one."""
    ids = list(officer_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(ReportingLine)
        .where(
            ReportingLine.officer_id.in_(ids),
            ReportingLine.valid_from <= day,
            sa.or_(ReportingLine.valid_to.is_(None), ReportingLine.valid_to >= day),
        )
        .order_by(ReportingLine.valid_from)
    )
    return {line.officer_id: line for line in rows}


def appraisees(appraiser: Officer, starts_on: date, ends_on: date) -> list[Officer]:
    """The officers whose line over the span names ``appraiser`` (``org.access.appraiser_line``:
    the line holding on the span's last day, else the latest within it)."""
    candidates = db.session.scalars(
        sa.select(ReportingLine)
        .where(
            ReportingLine.valid_from <= ends_on,
            sa.or_(ReportingLine.valid_to.is_(None), ReportingLine.valid_to >= starts_on),
        )
        .order_by(ReportingLine.valid_from, ReportingLine.id)
    )
    latest: dict[int, ReportingLine] = {}
    for line in candidates:
        latest[line.officer_id] = line
    ids = [officer_id for officer_id, line in latest.items() if line.appraiser_id == appraiser.id]
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Officer).where(Officer.id.in_(ids)).order_by(Officer.name)))


def _check(officer: Officer, appraiser: Officer, superior: Officer | None, valid_from: date) -> None:
    errors = {}
    if appraiser.id == officer.id:
        errors["appraiser"] = "line_self"
    if superior is not None and superior.id in (officer.id, appraiser.id):
        errors["superior"] = "line_superior"
    if not errors:
        # Two officers appraising each other on the same day is no line of authority.
        theirs = lines_on([appraiser.id], valid_from).get(appraiser.id)
        if theirs is not None and theirs.appraiser_id == officer.id:
            errors["appraiser"] = "line_circle"
    if errors:
        raise Invalid(errors)


def set_line(
    actor: User,
    officer: Officer,
    appraiser: Officer,
    superior: Officer | None,
    valid_from: date,
    now: datetime | None = None,
) -> ReportingLine:
    """From ``valid_from`` on, ``appraiser`` appraises ``officer`` and ``superior`` decides her
    objections (see the module's docstring for what happens to the lines around it)."""
    require_unit(actor, officer.unit_id)
    _check(officer, appraiser, superior, valid_from)
    now = now or utcnow()
    for later in db.session.scalars(
        sa.select(ReportingLine).where(ReportingLine.officer_id == officer.id, ReportingLine.valid_from >= valid_from)
    ):
        audit.record(
            actor,
            "delete",
            "reporting_line",
            later.id,
            officer.name,
            unit_id=officer.unit_id,
            before=_values(later),
            now=now,
        )
        db.session.delete(later)
    for earlier in db.session.scalars(
        sa.select(ReportingLine).where(
            ReportingLine.officer_id == officer.id,
            ReportingLine.valid_from < valid_from,
            sa.or_(ReportingLine.valid_to.is_(None), ReportingLine.valid_to >= valid_from),
        )
    ):
        earlier.valid_to = valid_from - timedelta(days=1)
    line = ReportingLine(
        officer_id=officer.id,
        appraiser_id=appraiser.id,
        superior_id=superior.id if superior else None,
        valid_from=valid_from,
        created_at=now,
        created_by=actor.id,
    )
    db.session.add(line)
    db.session.flush()
    audit.record(
        actor, "create", "reporting_line", line.id, officer.name, unit_id=officer.unit_id, after=_values(line), now=now
    )
    return line


def end_line(actor: User, line: ReportingLine, valid_to: date, now: datetime | None = None) -> ReportingLine:
    """The line holds no more after ``valid_to``: the officer goes back to her unit's supervisors."""
    officer = db.session.get_one(Officer, line.officer_id)
    require_unit(actor, officer.unit_id)
    if valid_to < line.valid_from:
        raise Invalid({"valid_to": "dates_order"})
    before = _values(line)
    line.valid_to = valid_to
    db.session.flush()
    audit.record(
        actor,
        "update",
        "reporting_line",
        line.id,
        officer.name,
        unit_id=officer.unit_id,
        before=before,
        after=_values(line),
        now=now,
    )
    return line


def set_unit_head(actor: User, unit: Unit, head: Officer | None, now: datetime | None = None) -> Unit:
    """Name the officer who heads the unit (or nobody). The head works at the unit."""
    require_unit(actor, unit.id)
    if head is not None and head.unit_id != unit.id:
        raise Invalid({"head": "head_other_unit"})
    before = {"head_officer_id": unit.head_officer_id}
    unit.head_officer_id = head.id if head else None
    db.session.flush()
    audit.record_changes(actor, "unit", unit, before, unit.name, unit_id=unit.id, now=now)
    return unit


def _values(line: ReportingLine) -> dict:
    return {
        "officer": line.officer_id,
        "appraiser": line.appraiser_id,
        "superior": line.superior_id,
        "valid_from": line.valid_from.isoformat(),
        "valid_to": line.valid_to.isoformat() if line.valid_to else None,
    }
