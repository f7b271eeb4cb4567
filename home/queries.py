"""The figures of the three homes and of the lobby screen, read from the features that own them.

Every score comes from the reports' own sums (``reports.tallies``) scored by
``appraisal.scoring`` through ``Tally.scores``, so a figure here is the figure the reports show;
"today" is the same sum restricted to the unit's local day. Each read is a grouped query over
the units, desks or officers shown, never one query per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from alerts.models import Alert, AlertStatus
from alerts.queries import open_alerts
from appraisal.models import Dispute, DisputeStatus, Period, PeriodStatus
from appraisal.periods import open_period_on
from appraisal.policy import Policy, policy_of
from appraisal.scoring import Grade, display
from awards.models import Award, AwardStatus
from core.db import db
from core.responses import Channel, Response
from core.tallies import OFFICER, UNIT
from kiosk.models import Kiosk
from kiosk.pairing import ONLINE_WINDOW
from org.access import can_appraise, can_decide_objection, period_unit_sql
from org.models import Desk, Duty, Officer, Shift, Unit, User
from org.roster import hours_of
from reports.snapshots import public_results
from reports.tallies import Tally, element_table, hour_rows, hour_tallies, kept_tallies, tallies, unit_tallies
from skp.access import is_plan_appraiser
from skp.models import Evaluation, EvaluationStatus, Objection, ObjectionStatus, Skp, SkpStatus
from skp.queries import skps_for

HAPPY_FACES = (3, 4)  # the two smiling faces of the kiosk (1 is the unhappiest, 4 the happiest)
ALERTS_SHOWN = 5
# An open period's evaluations are due from this many days before it ends.
EVALUATION_DUE = timedelta(days=14)


# --- Time -------------------------------------------------------------------------------------------


def local_day(unit: Unit, now: datetime) -> date:
    return now.astimezone(ZoneInfo(unit.timezone)).date()


def day_bounds(timezone_name: str, day: date) -> tuple[datetime, datetime]:
    """A local day in a time zone as a span of UTC moments [start, end)."""
    zone = ZoneInfo(timezone_name)
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _today(unit: Unit, now: datetime):
    """SQL conditions: cast on the unit's local day of ``now``."""
    start, end = _today_bounds(unit, now)
    return (Response.cast_at >= start, Response.cast_at < end)


def _today_bounds(unit: Unit, now: datetime) -> tuple[datetime, datetime]:
    return day_bounds(unit.timezone, local_day(unit, now))


# --- Scores ------------------------------------------------------------------------------------------


def headline(tally: Tally, policy: Policy) -> dict:
    """The IKM of the tally's own SKM table with the published page's minimum-n rule
    (``reports.queries._headline``): a grade only from the period's min_n respondents on."""
    table = element_table(tally.elements, policy)
    enough = table["respondents"] >= policy.min_n
    return {
        "ikm": table["ikm"],
        "respondents": table["respondents"],
        "enough": enough,
        "grade": table["grade"] if enough else None,
    }


def counted(tally: Tally) -> int:
    """The responses that count in a score (both channels)."""
    return tally.pooled.n


@dataclass
class Figures:
    """One officer's, desk's or unit's scores (``Tally.scores``) and counted responses."""

    scores: dict
    counted: int

    @classmethod
    def of(cls, tally: Tally | None, policy: Policy) -> Figures:
        tally = tally or Tally()
        return cls(tally.scores(policy), counted(tally))


def _happy_share(period: Period, unit_ids: list[int], since: datetime, until: datetime) -> dict[int, tuple[int, int]]:
    """(smiling faces, counted kiosk votes) per unit from ``since`` to ``until``, from the kept
    tallies per clock hour (their face)."""
    shares: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, channel, excluded, _score_n, face, count, _total, _squares in hour_rows(
        period.id, unit_ids, since, until
    ):
        if channel != Channel.KIOSK.value or excluded or not face:
            continue
        shares[unit_id][1] += int(count)
        if face in HAPPY_FACES:
            shares[unit_id][0] += int(count)
    return {unit_id: (happy, total) for unit_id, (happy, total) in shares.items()}


# --- The lobby ---------------------------------------------------------------------------------------


@dataclass
class Lobby:
    unit: Unit
    now: datetime
    day: date
    period: Period | None
    min_n: int = 0
    today_counted: int = 0
    today_kiosk: dict = field(default_factory=dict)  # score data of today's kiosk votes
    happy: Fraction | None = None  # share of smiling faces today, from min_n kiosk votes on
    happy_n: int = 0
    period_counted: int = 0
    headline: dict = field(default_factory=dict)  # the period's IKM and grade (minimum-n rule)
    award: Award | None = None
    # With no period open today: the latest published (closed) period's result, as /hasil shows it.
    published: dict | None = None

    @property
    def happy_percent(self) -> Decimal | None:
        """The share of smiling faces as a whole percentage, halves up, as published figures are."""
        return None if self.happy is None else display(self.happy * 100, 0)

    @property
    def grade(self) -> Grade | None:
        letter = self.headline.get("grade")
        return Grade[letter] if letter else None

    @property
    def published_grade(self) -> Grade | None:
        letter = self.published["headline"].get("grade") if self.published else None
        return Grade[letter] if letter else None


def lobby(unit: Unit, now: datetime) -> Lobby:
    """What the unit's lobby screen shows now: no officer, except the confirmed officer of the
    month where the unit opts in; no comment, ever."""
    day = local_day(unit, now)
    period = open_period_on(day)
    board = Lobby(unit=unit, now=now, day=day, period=period)
    if period is not None:
        policy = policy_of(period)
        board.min_n = policy.min_n
        today = hour_tallies(period.id, [unit.id], *_today_bounds(unit, now)).get(unit.id, Tally())
        board.today_counted = counted(today)
        board.today_kiosk = today.scores(policy)["kiosk"]
        happy, votes = _happy_share(period, [unit.id], *_today_bounds(unit, now)).get(unit.id, (0, 0))
        board.happy_n = votes
        if votes and votes >= policy.min_n:
            board.happy = Fraction(happy, votes)
        whole = kept_tallies(period.id, UNIT, unit_id=unit.id).get(unit.id, Tally())
        board.period_counted = counted(whole)
        board.headline = headline(whole, policy)
    else:
        board.published = next(iter(public_results(unit)), None)
    if unit.lobby_shows_award:
        board.award = current_award(unit, day)
    return board


def current_award(unit: Unit, day: date) -> Award | None:
    """The unit's confirmed officer of the month: this month's, else the latest before it."""
    return db.session.scalar(
        sa.select(Award)
        .where(Award.unit_id == unit.id, Award.status == AwardStatus.CONFIRMED, Award.month <= day)
        .order_by(Award.month.desc(), Award.id.desc())
        .limit(1)
    )


def lobby_unit(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code[:40]))


# --- What needs a person: shared reads ------------------------------------------------------------------


def offline_kiosks(unit_ids: list[int], now: datetime) -> list[Kiosk]:
    """Paired kiosks of these units not heard from within ``kiosk.pairing.ONLINE_WINDOW``."""
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Kiosk)
            .join(Desk, Desk.id == Kiosk.desk_id)
            .where(
                Desk.unit_id.in_(unit_ids),
                Kiosk.revoked_at.is_(None),
                sa.or_(Kiosk.last_seen_at.is_(None), Kiosk.last_seen_at < now - ONLINE_WINDOW),
            )
            .options(contains_eager(Kiosk.desk))
            .order_by(Desk.name, Kiosk.id)
        )
    )


def _pending(unit_of):
    return (
        Dispute.status == DisputeStatus.OPEN,
        Period.status != PeriodStatus.CLOSED,
        unit_of,
    )


def _pending_dispute_units(unit_ids: list[int]) -> list[int]:
    """The unit of each pending dispute of these units (disputes are few: counted here)."""
    if not unit_ids:
        return []
    unit_of = period_unit_sql(Dispute.period_id, Dispute.officer_id)
    return list(
        db.session.scalars(
            sa.select(unit_of)
            .select_from(Dispute)
            .join(Period, Period.id == Dispute.period_id)
            .where(*_pending(unit_of.in_(unit_ids)))
        )
    )


def pending_disputes(unit_ids: list[int]) -> list[Dispute]:
    """Open disputes of periods not closed, in these units (the unit of the officer's period)."""
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Dispute)
            .join(Period, Period.id == Dispute.period_id)
            .where(*_pending(period_unit_sql(Dispute.period_id, Dispute.officer_id).in_(unit_ids)))
            .options(selectinload(Dispute.officer))
            .order_by(Dispute.created_at)
        )
    )


@dataclass
class RosterGap:
    desk: Desk
    no_shift: bool  # no shift planned for it today
    no_duty: bool  # the unit is open now and nobody is on duty at it


def roster_gaps(unit: Unit, now: datetime) -> list[RosterGap]:
    """The unit's active desks without a planned shift in today's opening hours, or without an
    officer on duty while the unit is open now. A closed day has no gaps."""
    day = local_day(unit, now)
    span = hours_of(unit).get(day.weekday())
    if span is None:
        return []
    zone = ZoneInfo(unit.timezone)
    opens = datetime.combine(day, span[0], zone).astimezone(timezone.utc)
    closes = datetime.combine(day, span[1], zone).astimezone(timezone.utc)
    open_now = opens <= now < closes
    desks = list(
        db.session.scalars(
            sa.select(Desk).where(Desk.unit_id == unit.id, Desk.active.is_(True)).order_by(Desk.name, Desk.id)
        )
    )
    ids = [desk.id for desk in desks]
    if not ids:
        return []
    planned = set(
        db.session.scalars(
            sa.select(Shift.desk_id)
            .where(Shift.desk_id.in_(ids), Shift.starts_at < closes, Shift.ends_at > opens)
            .distinct()
        )
    )
    staffed = set(db.session.scalars(sa.select(Duty.desk_id).where(Duty.desk_id.in_(ids), Duty.ended_at.is_(None))))
    gaps = []
    for desk in desks:
        gap = RosterGap(desk, desk.id not in planned, open_now and desk.id not in staffed)
        if gap.no_shift or gap.no_duty:
            gaps.append(gap)
    return gaps


@dataclass
class SkpTask:
    kind: str  # "agree_plan", "evaluate", "decide_objection", "acknowledge"
    skp: Skp
    period: Period | None = None


def objections_to_decide(user: User) -> list[SkpTask]:
    """Open objections (keberatan) this user decides (``org.access.can_decide_objection``)."""
    rows = db.session.execute(
        sa.select(Objection, Evaluation, Skp)
        .join(Evaluation, Evaluation.id == Objection.evaluation_id)
        .join(Skp, Skp.id == Evaluation.skp_id)
        .where(Objection.status == ObjectionStatus.OPEN)
        .order_by(Objection.filed_at)
    ).all()
    return [
        SkpTask("decide_objection", skp, evaluation.period)
        for _objection, evaluation, skp in rows
        if can_decide_objection(user, skp.officer, evaluation.period)
    ]


def appraiser_tasks(user: User, day: date) -> list[SkpTask]:
    """The team's SKP plans waiting for this appraiser's agreement, and their evaluations due
    (an open period ending within ``EVALUATION_DUE`` or ended) not signed yet."""
    overview = skps_for(user, day.year, user.unit_id)
    tasks = []
    due = [
        period
        for period in overview.periods
        if period.status == PeriodStatus.OPEN and period.ends_on - EVALUATION_DUE <= day
    ]
    for row in overview.team:
        skp = row.skp
        if skp is None:
            continue
        if (
            skp.status == SkpStatus.DRAFT
            and skp.officer_agreed_at is not None
            and skp.appraiser_agreed_at is None
            and is_plan_appraiser(user, skp)
        ):
            tasks.append(SkpTask("agree_plan", skp))
        if skp.status != SkpStatus.AGREED:
            continue
        for period in due:
            evaluation = row.evaluations.get(period.id)
            if (evaluation is None or evaluation.status == EvaluationStatus.DRAFT) and can_appraise(
                user, row.officer, period
            ):
                tasks.append(SkpTask("evaluate", skp, period))
    return tasks


# --- The supervisor's home ----------------------------------------------------------------------------


@dataclass
class Row:
    """A desk or an officer with its figures today and in the period."""

    id: int | None
    name: str
    today: Figures
    period: Figures


@dataclass
class UnitHome:
    unit: Unit
    day: date
    period: Period | None
    min_n: int = 0
    today: Figures | None = None
    whole: Figures | None = None
    headline: dict = field(default_factory=dict)
    desks: list[Row] = field(default_factory=list)
    officers: list[Row] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    alert_count: int = 0
    disputes: list[Dispute] = field(default_factory=list)
    kiosks_offline: list[Kiosk] = field(default_factory=list)
    gaps: list[RosterGap] = field(default_factory=list)


def unit_home(unit: Unit, now: datetime) -> UnitHome:
    """A unit's figures today and in the open period, per desk and per officer (with n), and
    what waits at the unit: open alerts, pending disputes, kiosks offline, roster gaps."""
    day = local_day(unit, now)
    period = open_period_on(day)
    home = UnitHome(unit=unit, day=day, period=period)
    if period is not None:
        policy = policy_of(period)
        home.min_n = policy.min_n
        # The period as the unit report reads it (one GROUP BY, element sums added in).
        whole = unit_tallies(period.id, unit.id)
        today = (Response.unit_id == unit.id, *_today(unit, now))
        # A day's figures are counts and the kiosk score: no SKM element sums.
        today_desks = tallies(period.id, Response.desk_id, *today, elements=False)
        today_officers = tallies(period.id, Response.officer_id, *today, elements=False)
        home.today = Figures.of(hour_tallies(period.id, [unit.id], *_today_bounds(unit, now)).get(unit.id), policy)
        home.whole = Figures.of(whole.unit, policy)
        home.headline = headline(whole.unit, policy)
        desks = db.session.execute(
            sa.select(Desk.id, Desk.name).where(
                Desk.unit_id == unit.id, sa.or_(Desk.active.is_(True), Desk.id.in_(list(whole.desks)))
            )
        ).all()
        home.desks = sorted(
            (
                Row(
                    desk_id,
                    name,
                    Figures.of(today_desks.get(desk_id), policy),
                    Figures.of(whole.desks.get(desk_id), policy),
                )
                for desk_id, name in desks
            ),
            key=lambda row: (row.name.casefold(), row.id),
        )
        officer_ids = [key for key in set(whole.officers) | set(today_officers) if key is not None]
        names = (
            dict(db.session.execute(sa.select(Officer.id, Officer.name).where(Officer.id.in_(officer_ids))).all())
            if officer_ids
            else {}
        )
        home.officers = sorted(
            (
                Row(
                    officer_id,
                    names[officer_id],
                    Figures.of(today_officers.get(officer_id), policy),
                    Figures.of(whole.officers.get(officer_id), policy),
                )
                for officer_id in officer_ids
            ),
            key=lambda row: (row.name.casefold(), row.id),
        )
    home.alerts = open_alerts([unit], ALERTS_SHOWN)
    home.alert_count = open_alert_counts([unit.id]).get(unit.id, 0)
    home.disputes = pending_disputes([unit.id])
    home.kiosks_offline = offline_kiosks([unit.id], now)
    home.gaps = roster_gaps(unit, now)
    return home


def open_alert_counts(unit_ids: list[int]) -> dict[int, int]:
    if not unit_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Alert.unit_id, sa.func.count())
            .where(Alert.unit_id.in_(unit_ids), Alert.status == AlertStatus.OPEN)
            .group_by(Alert.unit_id)
        ).all()
    )


# --- The officer's home --------------------------------------------------------------------------------


@dataclass
class OfficerHome:
    officer: Officer
    day: date
    period: Period | None
    min_n: int = 0
    today: Figures | None = None
    whole: Figures | None = None
    skp: Skp | None = None
    tasks: list[SkpTask] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)  # her own, not ruled on yet


def officer_home(officer: Officer, now: datetime) -> OfficerHome:
    """The officer's own figures today and in the open period (as her sheet shows them), and
    what waits for her: her SKP to agree, evaluations to acknowledge."""
    unit = officer.unit
    day = local_day(unit, now)
    period = open_period_on(day)
    home = OfficerHome(officer=officer, day=day, period=period)
    if period is not None:
        policy = policy_of(period)
        home.min_n = policy.min_n
        mine = Response.officer_id == officer.id
        home.today = Figures.of(
            tallies(period.id, Response.officer_id, mine, *_today(unit, now), elements=False).get(officer.id), policy
        )
        home.whole = Figures.of(kept_tallies(period.id, OFFICER, key=officer.id).get(officer.id), policy)
    home.skp = db.session.scalar(sa.select(Skp).where(Skp.officer_id == officer.id, Skp.year == day.year))
    if home.skp is not None and home.skp.status == SkpStatus.DRAFT and home.skp.officer_agreed_at is None:
        home.tasks.append(SkpTask("agree_plan", home.skp))
    signed = db.session.execute(
        sa.select(Evaluation, Skp)
        .join(Skp, Skp.id == Evaluation.skp_id)
        .where(Skp.officer_id == officer.id, Evaluation.status == EvaluationStatus.SIGNED)
        .order_by(Evaluation.signed_at)
    ).all()
    home.tasks += [SkpTask("acknowledge", skp, evaluation.period) for evaluation, skp in signed]
    home.disputes = list(
        db.session.scalars(
            sa.select(Dispute)
            .where(Dispute.officer_id == officer.id, Dispute.status == DisputeStatus.OPEN)
            .order_by(Dispute.created_at)
        )
    )
    return home


# --- The administrator's home -----------------------------------------------------------------------------


@dataclass
class UnitGlance:
    unit: Unit
    period: Period | None
    min_n: int = 0
    today: Figures | None = None
    headline: dict = field(default_factory=dict)
    alerts: int = 0
    kiosks_offline: int = 0
    disputes: int = 0


def units_at_a_glance(units: Sequence[Unit], now: datetime) -> list[UnitGlance]:
    """Every unit in one table: today's counted responses and kiosk score, the open period's
    IKM and grade, open alerts, kiosks offline and pending disputes. Grouped by local day (at
    most three: WIB, WITA, WIT), one GROUP BY each, whatever the number of units."""
    rows = {unit.id: UnitGlance(unit, None) for unit in units}
    by_day: dict[date, list[Unit]] = defaultdict(list)
    for unit in units:
        by_day[local_day(unit, now)].append(unit)
    for day, group in by_day.items():
        period = open_period_on(day)
        if period is None:
            continue
        policy = policy_of(period)
        ids = [unit.id for unit in group]
        # Units of several time zones share a date most of the day: a day's bounds are per zone.
        by_zone: dict[str, list[int]] = defaultdict(list)
        for unit in group:
            by_zone[unit.timezone].append(unit.id)
        today: dict = {}
        for zone, zone_ids in by_zone.items():
            today.update(hour_tallies(period.id, zone_ids, *day_bounds(zone, day)))
        whole = kept_tallies(period.id, UNIT)
        for unit in group:
            glance = rows[unit.id]
            glance.period, glance.min_n = period, policy.min_n
            glance.today = Figures.of(today.get(unit.id), policy)
            glance.headline = headline(whole.get(unit.id) or Tally(), policy)
    ids = list(rows)
    for unit_id, count in open_alert_counts(ids).items():
        rows[unit_id].alerts = count
    for kiosk in offline_kiosks(ids, now):
        rows[kiosk.desk.unit_id].kiosks_offline += 1
    for dispute_unit in _pending_dispute_units(ids):
        rows[dispute_unit].disputes += 1
    return [rows[unit.id] for unit in units]


# --- Whose home -------------------------------------------------------------------------------------------


@dataclass
class SupervisorHome:
    units: list[UnitHome]
    tasks: list[SkpTask]


def supervisor_home(user: User, units: Sequence[Unit], now: datetime) -> SupervisorHome:
    """The supervisor's unit (or units) and the SKP work waiting for her."""
    homes = [unit_home(unit, now) for unit in units]
    day = homes[0].day if homes else now.date()
    return SupervisorHome(homes, objections_to_decide(user) + appraiser_tasks(user, day))
