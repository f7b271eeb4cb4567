"""The planned roster: a unit's opening hours and the shifts planned per desk. Who actually
served is the duty record (``org.duty``); this is what was meant to happen.

Every time here is a moment in UTC (as stored) or a wall-clock time of the unit (opening hours,
a shift as typed), turned into each other through the unit's own time zone (``zoneinfo``:
Indonesia keeps no daylight saving time, but a zone's rules are the zone's business).

The roster also ends what people forget to end: a duty still open when its unit closed ends at
the closing time, by itself (``end_overdue_duties``; the kiosk calls it for its desk whenever it
loads its state, and a timer for every desk), so that a duty left open does not run overnight
and the next morning's votes are not given to whoever forgot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from core import audit
from core.db import db
from core.errors import DomainError

from .access import require_unit
from .models import Desk, Duty, Officer, OpeningHours, Shift, Unit, User, local_clock

# A unit that has not set its hours serves Monday to Friday, 08:00 to 16:00 local time (a
# government office's usual day; each unit sets its own on its page).
DEFAULT_HOURS: dict[int, tuple[time, time]] = {weekday: (time(8, 0), time(16, 0)) for weekday in range(5)}

# A shift is one stretch at a counter: longer than a day is a typing mistake.
MAX_SHIFT = timedelta(hours=24)

Hours = dict[int, tuple[time, time]]


class RosterError(DomainError):
    """A shift or opening hours refused: a clash with the plan (409) or a bad value (422)."""

    status = 409
    messages = {
        "officer_busy": _l("%(name)s already has a shift at %(desk)s from %(start)s to %(end)s."),
        "desk_busy": _l("%(desk)s already has a shift from %(start)s to %(end)s (%(name)s)."),
        "other_unit": _l("This officer does not work at this unit."),
        "inactive_officer": _l("This officer is not active."),
        "inactive_desk": _l("This desk is switched off."),
        "span": _l("A shift ends after it starts."),
        "too_long": _l("A shift lasts at most 24 hours."),
        "hours_span": _l("%(day)s: the closing time must be after the opening time."),
        "hours_partial": _l("%(day)s: give both the opening and the closing time, or neither (closed)."),
        "hours_none": _l("Open on at least one day of the week."),
        "same_week": _l("Choose a week other than the one copied."),
    }
    BAD_VALUES = {"span", "too_long", "hours_span", "hours_partial", "hours_none", "same_week"}

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        self.status = 422 if code in self.BAD_VALUES else 409


WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


@dataclass(frozen=True)
class SystemActor:
    """The server itself, acting on a rule (a duty ended at closing time): the audit log names
    it and links no account."""

    id = None
    username = "system"


SYSTEM = SystemActor()


# --- Time: the unit's wall clock and the stored moments -----------------------------------------


def zone_of(unit: Unit) -> ZoneInfo:
    return ZoneInfo(unit.timezone)


def moment(unit: Unit, day: date, at: time) -> datetime:
    """The moment (UTC) of a wall-clock time ``at`` on the local ``day`` of the unit."""
    return datetime.combine(day, at, zone_of(unit)).astimezone(timezone.utc)


def local_day(unit: Unit, at: datetime) -> date:
    return at.astimezone(zone_of(unit)).date()


def week_of(day: date) -> date:
    """The Monday of the week ``day`` is in (weeks run Monday to Sunday, as in Indonesia)."""
    return day - timedelta(days=day.weekday())


def _span_text(unit: Unit, starts_at: datetime, ends_at: datetime) -> tuple[str, str]:
    return local_clock(starts_at, unit.timezone, "%Y-%m-%d %H:%M"), local_clock(ends_at, unit.timezone)


# --- Opening hours ------------------------------------------------------------------------------


def hours_of(unit: Unit) -> Hours:
    """The unit's opening hours per weekday (0 Monday), local wall-clock times."""
    rows = db.session.scalars(sa.select(OpeningHours).where(OpeningHours.unit_id == unit.id)).all()
    if not rows:
        return dict(DEFAULT_HOURS)
    return {row.weekday: (row.opens, row.closes) for row in rows}


def is_open(unit: Unit, at: datetime, hours: Hours | None = None) -> bool:
    """Whether the unit serves the public at the moment ``at`` (aware, any zone)."""
    local = at.astimezone(zone_of(unit))
    span = (hours if hours is not None else hours_of(unit)).get(local.weekday())
    return span is not None and span[0] <= local.time() < span[1]


def check_hours(hours: dict[int, tuple[time | None, time | None]]) -> Hours:
    """The weekly hours as typed (a day with neither time is closed), or RosterError: both
    times or neither, the closing after the opening, at least one day open (a unit without
    any row keeps the default hours, so "closed every day" cannot be stored)."""
    clean: Hours = {}
    for weekday in range(7):
        opens, closes = hours.get(weekday, (None, None))
        if opens is None and closes is None:
            continue
        day = str(WEEKDAYS[weekday])
        if opens is None or closes is None:
            raise RosterError("hours_partial", day=day)
        if not opens < closes:
            raise RosterError("hours_span", day=day)
        clean[weekday] = (opens, closes)
    if not clean:
        raise RosterError("hours_none")
    return clean


def _hours_audit(hours: Hours) -> dict:
    return {str(weekday): f"{opens:%H:%M}-{closes:%H:%M}" for weekday, (opens, closes) in sorted(hours.items())}


def set_hours(
    actor: User, unit: Unit, hours: dict[int, tuple[time | None, time | None]], now: datetime | None = None
) -> Hours:
    """Replace the unit's weekly opening hours (audited with the week before and after)."""
    require_unit(actor, unit.id)
    clean = check_hours(hours)
    before = hours_of(unit)
    if clean == before:
        return clean
    db.session.execute(sa.delete(OpeningHours).where(OpeningHours.unit_id == unit.id))
    db.session.add_all(
        OpeningHours(unit_id=unit.id, weekday=weekday, opens=opens, closes=closes)
        for weekday, (opens, closes) in clean.items()
    )
    audit.record(
        actor,
        "update",
        "opening_hours",
        unit.id,
        unit.name,
        before={"hours": _hours_audit(before)},
        after={"hours": _hours_audit(clean)},
        unit_id=unit.id,
        now=now,
    )
    db.session.flush()
    return clean


# --- Ending the duties left open ----------------------------------------------------------------


def closing_after(unit: Unit, started_at: datetime, hours: Hours) -> datetime:
    """When a duty that started at ``started_at`` ends by itself if nobody ends it.

    The rule: a duty started on an open day before its closing time (during the opening hours,
    or early, before the doors open) ends at that day's closing time. A duty started when the
    unit was closed that day (after closing, or on a closed day such as a Saturday of overtime)
    ends at the end of that local day, midnight: never at a later day's closing, which would
    let it run overnight, the very thing this prevents."""
    zone = zone_of(unit)
    local = started_at.astimezone(zone)
    span = hours.get(local.weekday())
    if span is not None and local.time() < span[1]:
        return datetime.combine(local.date(), span[1], zone).astimezone(timezone.utc)
    return datetime.combine(local.date() + timedelta(days=1), time(0), zone).astimezone(timezone.utc)


def end_overdue_duties(now: datetime, desk_ids: Iterable[int] | None = None) -> list[Duty]:
    """End every open duty (of ``desk_ids``, or of every desk) whose unit has closed since it
    started: at that closing moment (``closing_after``), ``ended_via`` "closing", audited as the
    system. Idempotent: an ended duty is never touched again. Cheap for one desk: one indexed
    read of its open duty, and the unit's hours only when there is one."""
    query = (
        sa.select(Duty)
        .where(Duty.ended_at.is_(None), Duty.started_at < now)
        .options(joinedload(Duty.desk).joinedload(Desk.unit), joinedload(Duty.officer))
    )
    if desk_ids is not None:
        query = query.where(Duty.desk_id.in_(list(desk_ids)))
    ended = []
    hours_by_unit: dict[int, Hours] = {}
    for duty in db.session.scalars(query).unique():
        unit = duty.desk.unit
        if unit.id not in hours_by_unit:
            hours_by_unit[unit.id] = hours_of(unit)
        closes = closing_after(unit, duty.started_at, hours_by_unit[unit.id])
        if closes > now:
            continue
        duty.ended_at, duty.ended_via = closes, "closing"
        audit.record(
            SYSTEM,
            "duty_end",
            "duty",
            duty.id,
            f"{duty.officer.name} @ {duty.desk.name}",
            before={"ended_at": None},
            after={"ended_at": closes.isoformat(), "ended_via": "closing"},
            unit_id=unit.id,
            now=now,
        )
        ended.append(duty)
    if ended:
        db.session.flush()
    return ended


# --- Shifts -------------------------------------------------------------------------------------


def _overlapping(starts_at: datetime, ends_at: datetime):
    """Shifts that share some time with [starts_at, ends_at): one ending as the next starts do not."""
    return sa.select(Shift).where(Shift.starts_at < ends_at, Shift.ends_at > starts_at).order_by(Shift.starts_at)


def _refuse_clash(desk: Desk, officer: Officer, starts_at: datetime, ends_at: datetime) -> None:
    unit = desk.unit
    mine = db.session.scalar(_overlapping(starts_at, ends_at).where(Shift.officer_id == officer.id).limit(1))
    if mine is not None:
        start, end = _span_text(unit, mine.starts_at, mine.ends_at)
        raise RosterError("officer_busy", name=officer.name, desk=mine.desk.name, start=start, end=end)
    taken = db.session.scalar(_overlapping(starts_at, ends_at).where(Shift.desk_id == desk.id).limit(1))
    if taken is not None:
        start, end = _span_text(unit, taken.starts_at, taken.ends_at)
        raise RosterError("desk_busy", name=taken.officer.name, desk=desk.name, start=start, end=end)


def _shift_values(shift: Shift) -> dict:
    return {
        "desk_id": shift.desk_id,
        "desk": shift.desk.name,
        "officer_id": shift.officer_id,
        "officer": shift.officer.name,
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
    }


def _label(shift: Shift) -> str:
    start, end = _span_text(shift.desk.unit, shift.starts_at, shift.ends_at)
    return f"{shift.officer.name} @ {shift.desk.name}, {start}-{end}"


def add_shift(
    actor: User, desk: Desk, officer: Officer, starts_at: datetime, ends_at: datetime, now: datetime | None = None
) -> Shift:
    """Plan ``officer`` at ``desk`` from ``starts_at`` to ``ends_at`` (moments). Refused, with
    nothing changed: another unit's officer, a switched-off officer or desk, a span that ends
    before it starts or lasts more than a day, and any overlap with the officer's own shifts
    (at any desk) or with the desk's."""
    require_unit(actor, desk.unit_id)
    if officer.unit_id != desk.unit_id:
        raise RosterError("other_unit")
    if not officer.active:
        raise RosterError("inactive_officer")
    if not desk.active:
        raise RosterError("inactive_desk")
    if not starts_at < ends_at:
        raise RosterError("span")
    if ends_at - starts_at > MAX_SHIFT:
        raise RosterError("too_long")
    _refuse_clash(desk, officer, starts_at, ends_at)
    shift = Shift(desk=desk, officer=officer, starts_at=starts_at, ends_at=ends_at, created_by=actor.id)
    db.session.add(shift)
    db.session.flush()
    audit.record(
        actor, "create", "shift", shift.id, _label(shift), after=_shift_values(shift), unit_id=desk.unit_id, now=now
    )
    return shift


def remove_shift(actor: User, shift: Shift, now: datetime | None = None) -> None:
    require_unit(actor, shift.desk.unit_id)
    audit.record(
        actor,
        "delete",
        "shift",
        shift.id,
        _label(shift),
        before=_shift_values(shift),
        unit_id=shift.desk.unit_id,
        now=now,
    )
    db.session.delete(shift)
    db.session.flush()


def shifts_between(unit: Unit, starts_at: datetime, ends_at: datetime) -> list[Shift]:
    """The unit's shifts that start in [starts_at, ends_at), by desk and time."""
    return list(
        db.session.scalars(
            sa.select(Shift)
            .join(Desk, Shift.desk_id == Desk.id)
            .where(Desk.unit_id == unit.id, Shift.starts_at >= starts_at, Shift.starts_at < ends_at)
            .options(joinedload(Shift.officer), joinedload(Shift.desk))
            .order_by(Desk.name, Shift.starts_at)
        )
    )


def _week_bounds(unit: Unit, monday: date) -> tuple[datetime, datetime]:
    return moment(unit, monday, time(0)), moment(unit, monday + timedelta(days=7), time(0))


@dataclass
class Copied:
    """What copying a week did: the shifts made, and each one left out with the reason."""

    made: list[Shift] = field(default_factory=list)
    skipped: list[tuple[Shift, str]] = field(default_factory=list)


def copy_week(actor: User, unit: Unit, source: date, target: date, now: datetime | None = None) -> Copied:
    """Copy the unit's shifts of the week of ``source`` into the week of ``target``, each on the
    same weekday at the same wall-clock times. A shift that would clash (or whose officer or
    desk is no longer there to plan) is skipped and reported; the others are made, each audited
    as a shift added."""
    require_unit(actor, unit.id)
    source, target = week_of(source), week_of(target)
    if source == target:
        raise RosterError("same_week")
    zone = zone_of(unit)
    result = Copied()
    for shift in shifts_between(unit, *_week_bounds(unit, source)):
        start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
        day = target + (start.date() - source)
        starts_at = moment(unit, day, start.time())
        ends_at = moment(unit, day + (end.date() - start.date()), end.time())
        try:
            # add_shift checks everything before it writes: a refusal leaves nothing behind.
            result.made.append(add_shift(actor, shift.desk, shift.officer, starts_at, ends_at, now))
        except RosterError as error:
            result.skipped.append((shift, error.message))
    return result


# --- What the pages show ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftView:
    shift: Shift
    starts: str  # local wall-clock "HH:MM"
    ends: str  # "HH:MM", with "+1" when it ends the next day


@dataclass
class WeekView:
    """A week of a unit's roster: its local days (Monday first), its desks, and the shifts of
    each desk on each day (by the day they start), with the opening hours of each day."""

    unit: Unit
    monday: date
    days: list[date]
    desks: list[Desk]
    officers: list[Officer]
    cells: dict[tuple[int, date], list[ShiftView]]
    hours: Hours

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    def cell(self, desk: Desk, day: date) -> list[ShiftView]:
        return self.cells.get((desk.id, day), [])

    @property
    def empty(self) -> bool:
        return not self.cells


def week_view(unit: Unit, day: date) -> WeekView:
    monday = week_of(day)
    zone = zone_of(unit)
    cells: dict[tuple[int, date], list[ShiftView]] = {}
    for shift in shifts_between(unit, *_week_bounds(unit, monday)):
        start, end = shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone)
        ends = f"{end:%H:%M}" + (f" +{(end.date() - start.date()).days}" if end.date() != start.date() else "")
        cells.setdefault((shift.desk_id, start.date()), []).append(ShiftView(shift, f"{start:%H:%M}", ends))
    return WeekView(
        unit=unit,
        monday=monday,
        days=[monday + timedelta(days=n) for n in range(7)],
        desks=list(
            db.session.scalars(
                sa.select(Desk).where(Desk.unit_id == unit.id, Desk.active.is_(True)).order_by(Desk.name)
            )
        ),
        officers=list(
            db.session.scalars(
                sa.select(Officer).where(Officer.unit_id == unit.id, Officer.active.is_(True)).order_by(Officer.name)
            )
        ),
        cells=cells,
        hours=hours_of(unit),
    )


def shifts_at(moment_: datetime, desk_ids: Iterable[int] | None = None, officer_ids: Iterable[int] | None = None):
    """The shifts running at that moment."""
    query = sa.select(Shift).where(Shift.starts_at <= moment_, Shift.ends_at > moment_)
    if desk_ids is not None:
        query = query.where(Shift.desk_id.in_(list(desk_ids)))
    if officer_ids is not None:
        query = query.where(Shift.officer_id.in_(list(officer_ids)))
    return db.session.scalars(query).all()


@dataclass(frozen=True)
class Staff:
    """Whom a kiosk offers to start duty at its desk, and who is planned there."""

    officers: list[Officer]
    scheduled_ids: set[int]  # of ``officers``: planned at this desk now
    planned: Shift | None  # the shift at this desk now, or else the next one today
    planned_now: bool = False  # whether ``planned`` has begun
    planned_from: str = ""  # its start and end as the office reads them ("13:00 WIB")
    planned_until: str = ""


def staff_for_desk(desk: Desk, now: datetime) -> Staff:
    """The officers of the desk's unit a kiosk offers: those planned at this desk now, then
    those free (no shift elsewhere now, not on duty at another desk), by name. Also the shift
    planned at this desk now or next today (local day), to show while nobody is on duty."""
    officers = db.session.scalars(
        sa.select(Officer).where(Officer.unit_id == desk.unit_id, Officer.active.is_(True)).order_by(Officer.name)
    ).all()
    ids = [officer.id for officer in officers]
    running = shifts_at(now, officer_ids=ids)
    here = {shift.officer_id for shift in running if shift.desk_id == desk.id}
    elsewhere = {shift.officer_id for shift in running if shift.desk_id != desk.id}
    on_duty_elsewhere = set(
        db.session.scalars(
            sa.select(Duty.officer_id).where(Duty.ended_at.is_(None), Duty.desk_id != desk.id, Duty.officer_id.in_(ids))
        )
    )
    offered = [o for o in officers if o.id in here or (o.id not in elsewhere and o.id not in on_duty_elsewhere)]
    offered.sort(key=lambda o: o.id not in here)  # stable: by name within each group
    end_of_day = moment(desk.unit, local_day(desk.unit, now) + timedelta(days=1), time(0))
    planned = db.session.scalar(
        sa.select(Shift)
        .where(Shift.desk_id == desk.id, Shift.ends_at > now, Shift.starts_at < end_of_day)
        .options(joinedload(Shift.officer))
        .order_by(Shift.starts_at)
        .limit(1)
    )
    if planned is None:
        return Staff(officers=offered, scheduled_ids=here, planned=None)
    return Staff(
        officers=offered,
        scheduled_ids=here,
        planned=planned,
        planned_now=planned.starts_at <= now,
        planned_from=local_clock(planned.starts_at, desk.unit.timezone),
        planned_until=local_clock(planned.ends_at, desk.unit.timezone),
    )
