"""Who rates whom in a round: the officers rated (the unit's active officers, and whoever was
already invited for), and for each the raters of the four kinds.

- self: the officer herself;
- supervisor: her appraiser by the reporting line over the period (``org.access.appraiser_line``);
  without a line, the unit's supervisor accounts (``RaterKey.user_id``), as they appraise her then;
- subordinates: the officers whose line over the period names her as appraiser
  (``org.lines.appraisees``), from whatever unit;
- peers: chosen by the supervisor among the unit's other active officers; suggested by the duty
  days they shared with her in the period (both on duty at a desk of the unit on the same local
  day), most first.

A rater who left the unit keeps the invitations he has: nothing here removes one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.db import db
from org.access import appraiser_line
from org.lines import appraisees
from org.models import Desk, Duty, Officer, Role, User

from .errors import FeedbackError
from .models import FeedbackRound, Invitation, RaterKind, RoundStatus


@dataclass(frozen=True)
class RaterKey:
    """A rater: an officer, or an account without one (a unit's supervisor)."""

    officer_id: int | None = None
    user_id: int | None = None


def subjects(round_: FeedbackRound) -> list[Officer]:
    """The officers rated in the round: the unit's active officers and anyone already invited for
    (an officer who moved keeps her round), by name."""
    invited = sa.select(Invitation.subject_id).where(Invitation.round_id == round_.id)
    return list(
        db.session.scalars(
            sa.select(Officer)
            .where(
                sa.or_(
                    sa.and_(Officer.unit_id == round_.unit_id, Officer.active.is_(True)),
                    Officer.id.in_(invited),
                )
            )
            .order_by(Officer.name, Officer.id)
        )
    )


def supervisor_raters(round_: FeedbackRound, officer: Officer) -> list[RaterKey]:
    """Her appraiser by the line over the period; without one, the unit's active supervisor
    accounts (never her own)."""
    period = round_.period
    line = appraiser_line(officer, period.starts_on, period.ends_on)
    if line is not None:
        return [RaterKey(officer_id=line.appraiser_id)]
    accounts = db.session.scalars(
        sa.select(User)
        .where(User.role == Role.SUPERVISOR, User.unit_id == round_.unit_id, User.active.is_(True))
        .order_by(User.id)
    )
    return [RaterKey(user_id=user.id) for user in accounts if user.officer_id != officer.id]


def subordinate_raters(round_: FeedbackRound, officer: Officer) -> list[RaterKey]:
    period = round_.period
    return [RaterKey(officer_id=o.id) for o in appraisees(officer, period.starts_on, period.ends_on) if o.active]


def default_raters(round_: FeedbackRound, officer: Officer):
    """(kind, rater) of every rater invited without being chosen: self, supervisor, subordinates."""
    yield RaterKind.SELF, RaterKey(officer_id=officer.id)
    for key in supervisor_raters(round_, officer):
        yield RaterKind.SUPERVISOR, key
    for key in subordinate_raters(round_, officer):
        yield RaterKind.SUBORDINATE, key


def check_peer(round_: FeedbackRound, subject: Officer, peer: Officer) -> None:
    """Nobody rates himself as a peer; a peer is an active officer of the round's unit."""
    if peer.id == subject.id:
        raise FeedbackError("peer_self")
    if peer.unit_id != round_.unit_id or not peer.active:
        raise FeedbackError("peer_other_unit")


# --- Shared duty days ------------------------------------------------------------------------------


def _span(round_: FeedbackRound) -> tuple[datetime, datetime, ZoneInfo]:
    """The period's first and last moment at the unit (UTC bounds), and the unit's zone."""
    zone = ZoneInfo(round_.unit.timezone)
    period = round_.period
    starts = datetime.combine(period.starts_on, time(0), zone)
    ends = datetime.combine(period.ends_on + timedelta(days=1), time(0), zone)
    return starts, ends, zone


def duty_days(round_: FeedbackRound) -> dict[int, set[date]]:
    """The local days each officer was on duty at a desk of the unit within the period (a duty
    over midnight counts on each day it touched)."""
    starts, ends, zone = _span(round_)
    rows = db.session.execute(
        sa.select(Duty.officer_id, Duty.started_at, Duty.ended_at)
        .join(Desk, Desk.id == Duty.desk_id)
        .where(
            Desk.unit_id == round_.unit_id,
            Duty.started_at < ends,
            sa.or_(Duty.ended_at.is_(None), Duty.ended_at >= starts),
        )
    )
    days: dict[int, set[date]] = defaultdict(set)
    first, last = round_.period.starts_on, round_.period.ends_on
    for officer_id, started_at, ended_at in rows:
        day = max(started_at.astimezone(zone).date(), first)
        until = min((ended_at or ends - timedelta(seconds=1)).astimezone(zone).date(), last)
        while day <= until:
            days[officer_id].add(day)
            day += timedelta(days=1)
    return days


def shared_days(days: dict[int, set[date]], a: int, b: int) -> int:
    return len(days.get(a, set()) & days.get(b, set()))


def unit_officers(round_: FeedbackRound) -> list[Officer]:
    """The active officers of the round's unit: who may be a peer."""
    return list(
        db.session.scalars(sa.select(Officer).where(Officer.unit_id == round_.unit_id, Officer.active.is_(True)))
    )


def peer_suggestions(
    round_: FeedbackRound,
    subject: Officer,
    days: dict[int, set[date]] | None = None,
    colleagues: list[Officer] | None = None,
):
    """(officer, shared duty days) for each officer who may be her peer, most shared days first,
    then by name (``days`` and ``colleagues``: already read for the whole round)."""
    days = duty_days(round_) if days is None else days
    colleagues = unit_officers(round_) if colleagues is None else colleagues
    found = [(officer, shared_days(days, subject.id, officer.id)) for officer in colleagues if officer.id != subject.id]
    return sorted(found, key=lambda pair: (-pair[1], pair[0].name.casefold(), pair[0].id))


# --- What the pages read ------------------------------------------------------------------------------
# Progress of anonymous kinds is shown as counts only: never which peer or team member answered.


def _mine(user: User):
    """The invitations whose rater is ``user`` (by his account, or by the officer he is)."""
    if user.officer_id is not None:
        return sa.or_(Invitation.rater_user_id == user.id, Invitation.rater_officer_id == user.officer_id)
    return Invitation.rater_user_id == user.id


def open_requests(user: User) -> list[Invitation]:
    """The user's invitations still to answer, in open rounds, the oldest round first."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(FeedbackRound, FeedbackRound.id == Invitation.round_id)
            .where(
                _mine(user),
                FeedbackRound.status == RoundStatus.OPEN,
                Invitation.answered.is_(False),
                Invitation.withdrawn.is_(False),
            )
            .order_by(FeedbackRound.id, Invitation.kind, Invitation.id)
        )
    )


def answered_requests(user: User) -> list[Invitation]:
    """The user's answered invitations in rounds still open (to show they are done)."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .join(FeedbackRound, FeedbackRound.id == Invitation.round_id)
            .where(_mine(user), FeedbackRound.status == RoundStatus.OPEN, Invitation.answered.is_(True))
            .order_by(FeedbackRound.id, Invitation.id)
        )
    )


def open_request_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invitation)
            .join(FeedbackRound, FeedbackRound.id == Invitation.round_id)
            .where(
                _mine(user),
                FeedbackRound.status == RoundStatus.OPEN,
                Invitation.answered.is_(False),
                Invitation.withdrawn.is_(False),
            )
        )
        or 0
    )


def reminder_email(user: User) -> str | None:
    """The address the user gave for reminders (on his latest invitation that has one)."""
    return db.session.scalar(
        sa.select(Invitation.email)
        .where(_mine(user), Invitation.email.is_not(None))
        .order_by(Invitation.id.desc())
        .limit(1)
    )


@dataclass
class Progress:
    invited: int = 0
    answered: int = 0


def progress(round_ids) -> dict[int, Progress]:
    """Invited (not withdrawn) and answered invitations per round: counts only."""
    ids = list(round_ids)
    found = {round_id: Progress() for round_id in ids}
    if ids:
        rows = db.session.execute(
            sa.select(
                Invitation.round_id,
                sa.func.count(),
                sa.func.sum(sa.case((Invitation.answered.is_(True), 1), else_=0)),
            )
            .where(Invitation.round_id.in_(ids), Invitation.withdrawn.is_(False))
            .group_by(Invitation.round_id)
        )
        for round_id, invited, answered in rows:
            found[round_id] = Progress(invited, int(answered or 0))
    return found


def rounds_of(user: User, unit_ids: list[int] | None) -> list[FeedbackRound]:
    """The rounds of the units the user manages (``unit_ids``; None: every unit), newest first."""
    query = sa.select(FeedbackRound).order_by(FeedbackRound.opened_at.desc(), FeedbackRound.id.desc())
    if unit_ids is not None:
        query = query.where(FeedbackRound.unit_id.in_(unit_ids))
    return list(db.session.scalars(query))


@dataclass
class Rater:
    """A rater as the round page shows him: a name, and whether he has an account to answer with.
    ``answered`` only for the kinds that are not anonymous."""

    invitation: Invitation
    name: str
    has_account: bool
    answered: bool | None


@dataclass
class SubjectRow:
    officer: Officer
    raters: dict[RaterKind, list[Rater]]
    counts: dict[RaterKind, Progress]
    suggestions: list[tuple[Officer, int]]

    @property
    def anonymous_answered(self) -> bool:
        return any(self.counts[kind].answered for kind in RaterKind if kind.anonymous)


def round_rows(round_: FeedbackRound) -> list[SubjectRow]:
    """Each officer of the round with her raters by kind, the counts per kind, and the peers
    that may still be added (most shared duty days first)."""
    people = subjects(round_)
    invitations = list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.round_id == round_.id, Invitation.withdrawn.is_(False))
            .order_by(Invitation.id)
        )
    )
    officer_ids = {i.rater_officer_id for i in invitations if i.rater_officer_id is not None}
    user_ids = {i.rater_user_id for i in invitations if i.rater_user_id is not None}
    officers = (
        {o.id: o for o in db.session.scalars(sa.select(Officer).where(Officer.id.in_(officer_ids)))}
        if officer_ids
        else {}
    )
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    with_account = (
        set(
            db.session.scalars(
                sa.select(User.officer_id).where(User.officer_id.in_(officer_ids), User.active.is_(True))
            )
        )
        if officer_ids
        else set()
    )
    days, colleagues = duty_days(round_), unit_officers(round_)
    rows = []
    for officer in people:
        mine = [i for i in invitations if i.subject_id == officer.id]
        raters: dict[RaterKind, list[Rater]] = {kind: [] for kind in RaterKind}
        counts = {kind: Progress() for kind in RaterKind}
        for invitation in mine:
            if invitation.rater_officer_id is not None:
                name = officers[invitation.rater_officer_id].name
                has_account = invitation.rater_officer_id in with_account
            else:
                user = users[cast(int, invitation.rater_user_id)]  # has_rater: one of the two is set
                name, has_account = user.name or user.username, user.active
            shown = None if invitation.kind.anonymous else invitation.answered
            raters[invitation.kind].append(Rater(invitation, name, has_account, shown))
            counts[invitation.kind].invited += 1
            counts[invitation.kind].answered += int(invitation.answered)
        for kind in raters:
            raters[kind].sort(key=lambda rater: rater.name.casefold())
        taken = {i.rater_officer_id for i in mine}
        suggestions = [pair for pair in peer_suggestions(round_, officer, days, colleagues) if pair[0].id not in taken]
        rows.append(SubjectRow(officer, raters, counts, suggestions))
    return rows
