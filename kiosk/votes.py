"""The kiosk vote: the busiest request of the system.

Every kiosk of a deployment sends one per citizen, and a kiosk back online flushes its whole
queue at once. A vote reads once, then writes what it must:

- one read (``_context``): the kiosk of the device token with its desk's unit, time zone and
  ceiling, a response already stored under the vote's UUID, the open period, the duty at the desk
  when the vote was cast, the kiosk's contact around the cast time (whether the time may be
  believed, see ``MisuseRules``), and a fingerprint of the kiosk indicators (which keys a
  per-process cache of them, see ``KioskVoteIndicators``);
- for a believed vote, one more read (``_newest``): the desk's votes just before it and what the
  desk counted in its hour (a handful of index entries), or, for a vote cast among stored ones
  (an offline queue), the desk's votes within the rules' reach (``_window``);
- the response with its answers, through ``core.responses.ResponseWriter`` (the one writer of a
  response), unless its UUID is already stored: one statement on PostgreSQL, the response and
  then its answers on SQLite; should the same vote be stored meanwhile by a delivery running at
  the same moment, one more read finds what that delivery stored; with it, the new flags of the
  stored votes its arrival changes (none, mostly), and the tallies of both (``core.tallies``);
- the kiosk's heartbeat, at most once a minute, and the span of contact an outage closes.

The statements are SQLAlchemy Core, compiled once per dialect (``core.db.Prepared``), and run on a
pooled DBAPI connection of their own without the ORM session (``VoteTransaction``), or on the
session's connection in the caller's transaction (``record_vote``).

Every function that depends on the time takes ``now`` (an aware UTC datetime), so that tests
inject the clock instead of sleeping.
"""

from __future__ import annotations

import uuid as uuid_module
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import pairwise

import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind
from appraisal.periods import days_around, open_period_of, open_periods_around
from core.db import PerDialect, Prepared, db, utcnow, write_turns_of
from core.responses import Channel, Flag, Given, NewResponse, Response, ResponseWriter, excluded_by, flags_of
from org.models import Desk, Duty, Unit

from .errors import VoteError
from .models import Kiosk, KioskContact
from .pairing import HEARTBEAT_EVERY, outage_ended, token_hash
from .queries import kiosk_question

# A device clock more than this far ahead of ours is wrong; the received time is used instead.
CLOCK_SKEW_ALLOWED = timedelta(minutes=5)
# Before any kiosk was paired (so the received time stands in for it in any case), and far enough
# from the calendar's first day for the day and minute windows a vote is judged in.
EARLIEST_DEVICE_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_REASONS = 10


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
# The rules' own flags: judged again, as a pure function of a desk's votes, whenever a vote arrives
# among them. Every other flag of a vote is its own (observed when it arrived, or a dispute upheld).
RULE_FLAGS = Flag.BURST | Flag.REGULAR | Flag.OVER_RATE


@dataclass(frozen=True)
class MisuseRules:
    """When kiosk votes are kept but flagged and left out of scores.

    When a vote may claim the past (``believed``): a kiosk is in contact every minute (its
    banner, its votes; kiosk.pairing), so a vote cast while it was in contact reaches the server
    within seconds. A vote received more than ``late_after`` after its cast time is believed only
    when that time lies in an outage the server saw (a gap in the kiosk's contact), and arrives
    within ``outage_flush`` of the outage's end (a queue is sent as soon as the kiosk is back).
    Any other is flagged LATE, and takes no part in the rules below.

    The rules below look at a desk's believed kiosk votes in the order of their cast times (then
    their UUIDs), both ways in time: each vote's flags are a pure function of the set of the
    desk's votes around it (``judge``), so the order in which an offline queue arrives changes
    nothing. When a vote arrives, the votes around it are judged again and the flags that change
    are rewritten (``core.responses.ResponseWriter.reflag``).

    - BURST: the previous vote was cast less than ``burst`` before, or ``max_per_minute`` votes
      were cast in the minute before;
    - REGULAR: one of a run of ``regular_run`` consecutive votes whose intervals are each at most
      ``regular_max_interval`` and differ from each other by at most ``regular_spread`` (or
      REGULAR_SPREAD_SHARE of their mean, if more). Citizens served one after another are never
      that regular: service times vary by minutes, and six intervals a second apart of each other
      are a script or a finger on a metronome. Beyond ``regular_max_interval`` the hour's ceiling
      holds them anyway;
    - OVER_RATE: the desk already counted its unit's ``max_votes_per_hour`` votes in the clock
      hour (the unit's local hour: Indonesia's zones are whole hours from UTC). The surplus in
      cast order is flagged, only votes no other flag leaves out are counted. Clock hours keep a
      vote's judgement within its hour; two hours' ceilings meet at a boundary, so a desk never
      counts more than the ceiling in a clock hour, nor more than twice it in any sixty minutes;
    - DUTY_START (the vote's own, seen when it arrives): cast within ``after_duty_start`` of the
      officer starting duty at the desk (an officer rating themselves as they sit down).
    """

    burst: timedelta = timedelta(seconds=3)
    max_per_minute: int = 10
    after_duty_start: timedelta = timedelta(seconds=15)
    # The kiosk sends a vote once its reasons are picked (KIOSK_REASON_SECONDS at most), then
    # retries for a while: this covers both.
    late_after: timedelta = timedelta(seconds=30)
    outage_flush: timedelta = timedelta(minutes=60)
    regular_run: int = 6
    regular_spread: timedelta = timedelta(seconds=1)
    regular_max_interval: timedelta = timedelta(seconds=120)

    @classmethod
    def from_config(cls, config) -> MisuseRules:
        default = cls()

        def seconds(name: str, fallback: timedelta) -> timedelta:
            return timedelta(seconds=config[name]) if name in config else fallback

        return cls(
            burst=timedelta(seconds=config["MISUSE_BURST_SECONDS"]),
            max_per_minute=config["MISUSE_MAX_PER_MINUTE"],
            after_duty_start=timedelta(seconds=config["MISUSE_AFTER_DUTY_START_SECONDS"]),
            late_after=seconds("MISUSE_LATE_SECONDS", default.late_after),
            outage_flush=seconds("MISUSE_OUTAGE_FLUSH_SECONDS", default.outage_flush),
            regular_run=config.get("MISUSE_REGULAR_RUN", default.regular_run),
            regular_spread=seconds("MISUSE_REGULAR_SPREAD_SECONDS", default.regular_spread),
            regular_max_interval=seconds("MISUSE_REGULAR_MAX_INTERVAL_SECONDS", default.regular_max_interval),
        )

    @property
    def reach(self) -> timedelta:
        """How far a vote's flags look from its cast time: the minute before, and a regular run."""
        return max(MINUTE, self.regular_max_interval * max(self.regular_run - 1, 0)) + timedelta(seconds=1)

    @property
    def previous_needed(self) -> int:
        """How many votes before a vote the rules look at when it is the desk's newest."""
        return max(self.max_per_minute, self.regular_run - 1, 1)

    def believed(
        self,
        cast_at: datetime,
        now: datetime,
        last_seen_at: datetime | None,
        contact_since: datetime | None,
        next_span_start: datetime | None,
    ) -> bool:
        """Whether a vote cast at ``cast_at`` and received ``now`` may claim that time, given the
        kiosk's contact: its current span (``contact_since`` to ``last_seen_at``) and the start
        of the first closed span that ends at or after ``cast_at`` (None when there is none)."""
        if now - cast_at <= self.late_after or last_seen_at is None:
            return True
        if cast_at > last_seen_at:
            # Since the kiosk was last heard from: believed if that silence is an outage.
            return outage_ended(last_seen_at, now)
        since = contact_since or last_seen_at
        if cast_at >= since or (next_span_start is not None and next_span_start <= cast_at):
            return False  # the kiosk was in contact then: the vote would have arrived at once
        ended = next_span_start if next_span_start is not None else since
        return now - ended <= self.outage_flush

    def duty_just_started(self, cast_at: datetime, duty_started_at: datetime | None) -> bool:
        return duty_started_at is not None and cast_at - duty_started_at < self.after_duty_start

    def regular(self, times: list[datetime]) -> bool:
        """Whether consecutive cast times (a whole run) are machine-regular."""
        gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
        if not gaps or max(gaps) > self.regular_max_interval.total_seconds():
            return False
        allowed = max(self.regular_spread.total_seconds(), REGULAR_SPREAD_SHARE * sum(gaps) / len(gaps))
        return max(gaps) - min(gaps) <= allowed


# See MisuseRules: the spread a regular run may have, as a share of its mean interval.
REGULAR_SPREAD_SHARE = 0.05


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class DeskVote:
    """What the rules see of a desk's believed kiosk vote: its id (None for the one arriving),
    its order (cast time, then UUID) and its flags."""

    id: int | None
    cast_at: datetime
    uuid: str
    flags: Flag


def judge(votes: list[DeskVote], rules: MisuseRules, ceiling: int) -> list[Flag]:
    """The flags of each of a desk's votes (sorted by cast time, then UUID) under the rules: a
    pure function of the set (see MisuseRules). Exact for a vote whose reach (``rules.reach``,
    and its whole clock hour) lies within the votes given."""
    n = len(votes)
    times = [v.cast_at for v in votes]
    burst, regular = [False] * n, [False] * n
    first_in_minute = 0
    for i in range(n):
        while times[first_in_minute] <= times[i] - MINUTE:
            first_in_minute += 1
        burst[i] = (i > 0 and times[i] - times[i - 1] < rules.burst) or i - first_in_minute >= rules.max_per_minute
    run = rules.regular_run
    if run >= 2:
        for start in range(n - run + 1):
            if rules.regular(times[start : start + run]):
                regular[start : start + run] = [True] * run
    flags, counted = [], {}
    for i, vote in enumerate(votes):
        flag = Flag(vote.flags) & ~RULE_FLAGS
        if burst[i]:
            flag |= Flag.BURST
        if regular[i]:
            flag |= Flag.REGULAR
        if not excluded_by(flag):
            hour = hour_of(vote.cast_at)
            if counted.get(hour, 0) >= ceiling:
                flag |= Flag.OVER_RATE
            else:
                counted[hour] = counted.get(hour, 0) + 1
        flags.append(flag)
    return flags


def judge_newest(
    vote: DeskVote, previous: list[DeskVote], counted_in_hour: int, rules: MisuseRules, ceiling: int
) -> tuple[Flag, dict[int, Flag]]:
    """``judge`` for a vote cast after every other of its desk, from the ``rules.previous_needed``
    votes before it (newest first) and the number of votes the desk counted in its hour: its
    flags, and the new flags of the votes before it that change (the run it completes, if
    regular). The same result as ``judge`` over all the desk's votes (tests/kiosk/test_plausibility)."""
    flag = Flag(vote.flags) & ~RULE_FLAGS
    in_minute = sum(1 for p in previous[: max(rules.max_per_minute, 0)] if p.cast_at > vote.cast_at - MINUTE)
    if (previous and vote.cast_at - previous[0].cast_at < rules.burst) or in_minute >= rules.max_per_minute:
        flag |= Flag.BURST
    changes, freed = {}, 0
    run = previous[: rules.regular_run - 1][::-1]
    if (
        rules.regular_run >= 2
        and len(run) == rules.regular_run - 1
        and rules.regular([p.cast_at for p in run] + [vote.cast_at])
    ):
        flag |= Flag.REGULAR
        for p in run:
            if not excluded_by(p.flags) and hour_of(p.cast_at) == hour_of(vote.cast_at):
                freed += 1  # it was counted in the hour; no longer
            new = (Flag(p.flags) & ~Flag.OVER_RATE) | Flag.REGULAR
            if new != p.flags:
                changes[p.id] = new
    if not excluded_by(flag) and counted_in_hour - freed >= ceiling:
        flag |= Flag.OVER_RATE
    return flag, changes


@dataclass(frozen=True)
class KioskVoteIndicators:
    """What a vote needs of the indicators: the id of the kiosk question (None when there is no
    active one) and the id of every kiosk reason by its code, retired ones included (a tablet
    still showing yesterday's chips sends their codes, and the vote must not be refused)."""

    question_id: int | None
    reason_ids: dict[str, int]
    # Every kiosk question by its code (retired ones and the unit's own included): a vote names
    # the question its citizen saw, which a change made since must not rewrite.
    question_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, fingerprint: str) -> KioskVoteIndicators:
        """From the context's fingerprint: "id:kind:active:position:unit:code" entries, comma-
        separated (unit empty for a national one; codes are letters, digits, "_" and "-"). Only the
        national entries and those of the kiosk's unit are in it, so a reason of another unit is
        unknown here."""
        entries = []
        for entry in filter(None, fingerprint.split(",")):
            parts = entry.split(":")
            if len(parts) == 5:  # no unit part: a national entry
                parts.insert(4, "")
            ident, kind, active, position, unit, code = parts
            entries.append(_Entry(int(ident), kind, active == "1", int(position), code, int(unit) if unit else None))
        question = kiosk_question(entries)
        return cls(
            question.id if question else None,
            {e.code: e.id for e in entries if e.kind == IndicatorKind.REASON},
            {e.code: e.id for e in entries if e.kind == IndicatorKind.SCALE},
        )

    def question_for(self, code: str | None) -> int | None:
        """The question a vote answers: the one its tablet showed (``code``), if it is one of the
        kiosk's (national or its unit's own); else the kiosk's question now (an older tablet
        sends no code)."""
        return self.question_ids.get(code, self.question_id) if code else self.question_id


@dataclass(frozen=True)
class _Entry:
    """One indicator in the fingerprint (``kind`` as stored: an ``IndicatorKind`` value)."""

    id: int
    kind: str
    active: bool
    position: int
    code: str
    unit_id: int | None = None


# Per process: the kiosk indicators by their fingerprint, the last few versions. The fingerprint
# comes with every vote's context query (the database builds it from a few dozen rows at most);
# it is also the content, so any change that matters to a vote (a reason retired, a question
# switched off or moved, a new version), by whatever means, is a new key, parsed without a query.
# A unit with questions of its own has a fingerprint of its own: room for a few dozen of them.
@lru_cache(maxsize=64)
def kiosk_vote_indicators(fingerprint: str | None) -> KioskVoteIndicators:
    return KioskVoteIndicators.parse(fingerprint or "")


@dataclass(frozen=True)
class KioskRef:
    """What a vote needs to know of its kiosk, read with the vote's context."""

    id: int
    desk_id: int
    unit_id: int
    timezone: str
    paired_at: datetime
    last_seen_at: datetime | None


@dataclass(frozen=True)
class VoteResult:
    """What the kiosk is told about a vote; the same for the first delivery and every retry."""

    uuid: str
    attributed: bool

    def as_json(self) -> dict:
        return {"status": "recorded", "uuid": self.uuid, "attributed": self.attributed}


@dataclass(frozen=True)
class ParsedVote:
    uuid: str
    value: int
    reasons: list[str]
    cast_at: datetime | None
    locale: str
    question: str | None = None  # the code of the question the tablet showed, if it said


def parse_vote(payload) -> ParsedVote:
    """The vote a kiosk sent, checked; raises VoteError for anything wrong with it."""
    if not isinstance(payload, dict):
        raise VoteError("not_json")
    raw_uuid = payload.get("uuid")
    try:
        if not isinstance(raw_uuid, str):
            raise ValueError
        vote_uuid = str(uuid_module.UUID(raw_uuid))
    except ValueError:
        raise VoteError("bad_uuid") from None
    value = payload.get("value")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise VoteError("bad_value")
    reasons = payload.get("reasons", [])
    if reasons is None:
        reasons = []
    if not isinstance(reasons, list) or len(reasons) > MAX_REASONS or not all(isinstance(r, str) for r in reasons):
        raise VoteError("bad_reasons")
    cast_at = payload.get("cast_at")
    if cast_at is not None:
        try:
            if not isinstance(cast_at, str):
                raise ValueError
            cast_at = datetime.fromisoformat(cast_at.replace("Z", "+00:00"))
            if cast_at.tzinfo is None:
                raise ValueError
            # In UTC from here on; a time at the very edge of the calendar cannot be moved there.
            cast_at = cast_at.astimezone(timezone.utc)
        except (ValueError, OverflowError):
            raise VoteError("bad_cast_at") from None
    locale = payload.get("locale", "id")
    if locale not in ("id", "en"):
        raise VoteError("bad_locale")
    question = payload.get("question")
    # Only a hint of what was on screen: anything but a short code is ignored, and so is a code
    # that is not one of the kiosk's questions (``KioskVoteIndicators.question_for``).
    question = question if isinstance(question, str) and 0 < len(question) <= 40 else None
    return ParsedVote(vote_uuid, value, list(dict.fromkeys(reasons)), cast_at, locale, question)


# --- The vote's SQL, built once per dialect ------------------------------------------------------


def _context():
    """The one read of a vote (see the module's docstring), for the kiosk of a device token's
    hash (as ``kiosk_for_token`` finds it: not a revoked one)."""
    kiosk, desk, unit = Kiosk.__table__, Desk.__table__, Unit.__table__
    response, duty, indicator = Response.__table__, Duty.__table__, Indicator.__table__
    stored = response.alias("stored")
    cast_at = sa.bindparam("cast_at", type_=response.c.cast_at.type)

    def duty_at_cast(column):
        # The duty at the desk when the vote was cast (see org.duty.duty_at).
        return (
            sa.select(column)
            .where(
                duty.c.desk_id == kiosk.c.desk_id,
                duty.c.started_at <= cast_at,
                sa.or_(duty.c.ended_at.is_(None), duty.c.ended_at > cast_at),
            )
            .order_by(duty.c.started_at.desc())
            .limit(1)
            .scalar_subquery()
        )

    # The start of the first closed span of contact that ends at or after the cast time (see
    # MisuseRules.believed): one index probe on ix_kiosk_contact_kiosk_last.
    contact = KioskContact.__table__
    next_span_start = (
        sa.select(contact.c.first_seen_at)
        .where(contact.c.kiosk_id == kiosk.c.id, contact.c.last_seen_at >= cast_at)
        .order_by(contact.c.last_seen_at)
        .limit(1)
        .scalar_subquery()
    )
    # Every kiosk-channel indicator, national or the kiosk's unit's own, as
    # "id:kind:active:position:unit:code" (see KioskVoteIndicators).
    entry = (
        sa.cast(indicator.c.id, sa.String)
        + ":"
        + sa.cast(indicator.c.kind, sa.String)
        + ":"
        + sa.case((indicator.c.active, "1"), else_="0")
        + ":"
        + sa.cast(indicator.c.position, sa.String)
        + ":"
        + sa.func.coalesce(sa.cast(indicator.c.unit_id, sa.String), "")
        + ":"
        + indicator.c.code
    )
    fingerprint = (
        sa.select(sa.func.aggregate_strings(entry, ","))
        .where(
            sa.or_(indicator.c.channel == IndicatorChannel.KIOSK, indicator.c.channel == IndicatorChannel.BOTH),
            sa.or_(indicator.c.unit_id.is_(None), indicator.c.unit_id == desk.c.unit_id),
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            kiosk.c.id,
            kiosk.c.desk_id,
            desk.c.unit_id,
            unit.c.timezone,
            kiosk.c.paired_at,
            kiosk.c.last_seen_at,
            stored.c.id,
            stored.c.kiosk_id,
            stored.c.officer_id,
            *open_periods_around(),
            duty_at_cast(duty.c.officer_id),
            duty_at_cast(duty.c.started_at),
            fingerprint,
            kiosk.c.contact_since,
            next_span_start,
            unit.c.max_votes_per_hour,
        )
        .select_from(
            kiosk.join(desk, desk.c.id == kiosk.c.desk_id)
            .join(unit, unit.c.id == desk.c.unit_id)
            .outerjoin(stored, stored.c.uuid == sa.bindparam("uuid"))
        )
        .where(kiosk.c.token_hash == sa.bindparam("token_hash"), kiosk.c.revoked_at.is_(None))
    )


def _kiosk_only():
    """The kiosk of a device token, when the vote itself is not worth reading the rest for."""
    kiosk, desk, unit = Kiosk.__table__, Desk.__table__, Unit.__table__
    return (
        sa.select(kiosk.c.id, kiosk.c.desk_id, desk.c.unit_id, unit.c.timezone, kiosk.c.paired_at, kiosk.c.last_seen_at)
        .select_from(kiosk.join(desk, desk.c.id == kiosk.c.desk_id).join(unit, unit.c.id == desk.c.unit_id))
        .where(kiosk.c.token_hash == sa.bindparam("token_hash"), kiosk.c.revoked_at.is_(None))
    )


def _stored():
    response = Response.__table__
    return sa.select(response.c.kiosk_id, response.c.officer_id).where(response.c.uuid == sa.bindparam("uuid"))


def _touch():
    kiosk = Kiosk.__table__
    return (
        sa.update(kiosk)
        .where(kiosk.c.id == sa.bindparam("kiosk_id"))
        .values(last_seen_at=sa.bindparam("seen_at", type_=kiosk.c.last_seen_at.type))
    )


def _end_outage():
    """The heartbeat that ends an outage: a new span of contact starts (conditional: of two
    requests ending the same outage, one does)."""
    kiosk = Kiosk.__table__
    seen_at = sa.bindparam("seen_at", type_=kiosk.c.last_seen_at.type)
    return (
        sa.update(kiosk)
        .where(
            kiosk.c.id == sa.bindparam("kiosk_id"),
            kiosk.c.last_seen_at == sa.bindparam("last_seen_at", type_=kiosk.c.last_seen_at.type),
        )
        .values(last_seen_at=seen_at, contact_since=seen_at)
    )


def _close_span():
    contact = KioskContact.__table__
    return sa.insert(contact).values(
        kiosk_id=sa.bindparam("kiosk_id"),
        first_seen_at=sa.bindparam("first_seen_at", type_=contact.c.first_seen_at.type),
        last_seen_at=sa.bindparam("last_seen_at", type_=contact.c.last_seen_at.type),
    )


def _believed_votes(response):
    """A desk's kiosk votes whose cast time was believed: the votes the rules look at."""
    return (
        response.c.desk_id == sa.bindparam("desk_id"),
        response.c.channel == Channel.KIOSK,
        response.c.flags.op("&")(int(Flag.LATE)) == 0,
    )


def _newest():
    """For a vote about to be stored at a desk: whether any believed vote of the desk comes after
    it (then the votes around it are judged again, ``_window``), the number of votes the desk
    counted in the vote's hour before it (ix_response_desk_counted: at most the ceiling of them,
    however hammered the kiosk), and the believed votes just before it, newest first
    (ix_response_desk_cast, read backwards from the vote)."""
    response = Response.__table__
    cast_at = sa.bindparam("cast_at", type_=response.c.cast_at.type)
    vote_uuid = sa.bindparam("uuid", type_=response.c.uuid.type)
    newer = sa.exists().where(
        *_believed_votes(response),
        response.c.cast_at >= cast_at,
        sa.or_(response.c.cast_at > cast_at, response.c.uuid > vote_uuid),
    )
    counted = (
        sa.select(sa.func.count())
        .select_from(response)
        .where(
            response.c.desk_id == sa.bindparam("desk_id"),
            response.c.excluded == sa.false(),
            response.c.cast_at >= sa.bindparam("hour", type_=response.c.cast_at.type),
            response.c.cast_at <= cast_at,
            response.c.channel == Channel.KIOSK,
        )
        .scalar_subquery()
    )
    head = sa.select(newer.label("newer"), counted.label("counted")).subquery("head")
    before = (
        sa.select(response.c.id, response.c.cast_at, response.c.uuid, response.c.flags)
        .where(
            *_believed_votes(response),
            response.c.cast_at <= cast_at,
            sa.or_(response.c.cast_at < cast_at, response.c.uuid < vote_uuid),
        )
        .order_by(response.c.cast_at.desc(), response.c.uuid.desc())
        .limit(sa.bindparam("previous", type_=sa.Integer))
        .subquery("before")
    )
    return (
        sa.select(head.c.newer, head.c.counted, before.c.id, before.c.cast_at, before.c.uuid, before.c.flags)
        .select_from(head.outerjoin(before, sa.true()))
        .order_by(before.c.cast_at.desc(), before.c.uuid.desc())
    )


def _window():
    """A desk's believed votes cast in a window, in the rules' order."""
    response = Response.__table__
    return (
        sa.select(response.c.id, response.c.cast_at, response.c.uuid, response.c.flags)
        .where(
            *_believed_votes(response),
            response.c.cast_at >= sa.bindparam("window_from", type_=response.c.cast_at.type),
            response.c.cast_at < sa.bindparam("window_to", type_=response.c.cast_at.type),
        )
        .order_by(response.c.cast_at, response.c.uuid)
    )


# PostgreSQL: the votes of one desk are judged one at a time (a transaction-scoped advisory lock
# keyed by the desk, in this application's key space); SQLite writes one at a time anyway.
_LOCK_SPACE = 0x53554152  # "SUAR"


def _lock_desk():
    # The two-key (integer, integer) form, whatever integer type the driver sends.
    return sa.select(
        sa.func.pg_advisory_xact_lock(
            sa.cast(sa.bindparam("lock_space", type_=sa.Integer), sa.Integer),
            sa.cast(sa.bindparam("desk_id", type_=sa.Integer), sa.Integer),
        )
    )


class _VoteSQL(PerDialect):
    """The vote's statements for one dialect."""

    def __init__(self, dialect):
        if dialect.name not in ("sqlite", "postgresql"):
            # The product runs on SQLite and PostgreSQL only (README, "One machine, or several");
            # any other DATABASE_URL is a configuration error, said plainly at the first vote.
            raise RuntimeError(f"Suara Layanan supports SQLite and PostgreSQL databases, not {dialect.name}")
        self.context = Prepared(_context(), dialect)
        self.kiosk = Prepared(_kiosk_only(), dialect)
        self.stored = Prepared(_stored(), dialect)
        self.touch = Prepared(_touch(), dialect)
        self.end_outage = Prepared(_end_outage(), dialect)
        self.close_span = Prepared(_close_span(), dialect)
        self.newest = Prepared(_newest(), dialect)
        self.window = Prepared(_window(), dialect)
        self.lock_desk = Prepared(_lock_desk(), dialect) if dialect.name == "postgresql" else None
        self.writer = ResponseWriter.of(dialect)


def _kiosk_ref(row) -> KioskRef:
    return KioskRef(*row[:6])


class _Vote:
    """One kiosk vote on its way in: its payload checked (``error`` holds what was wrong with it),
    then its kiosk and everything recording it depends on read in one query, then recorded."""

    def __init__(self, sql: _VoteSQL, cursor, payload, now: datetime, rules: MisuseRules):
        self.sql, self.cursor, self.now, self.rules = sql, cursor, now, rules
        self.kiosk: KioskRef | None = None
        self.context: tuple | None = None
        self.contact_since: datetime | None = None
        self.error: VoteError | None = None
        try:
            self.vote = parse_vote(payload)
        except VoteError as error:
            self.error = error
            return
        # A device clock can be wrong: ahead of ours, or reset to 1970 by a flat battery. No vote
        # is cast in the future or before its kiosk was paired (checked once the kiosk is read);
        # for those, the received time stands in.
        cast_at = self.vote.cast_at
        self.device_time = cast_at is not None and EARLIEST_DEVICE_TIME <= cast_at <= now + CLOCK_SKEW_ALLOWED
        self.clock_adjusted = cast_at is not None and not self.device_time
        self.cast_at = cast_at if self.device_time else now

    def read(self, token_hash: str) -> KioskRef | None:
        """The kiosk of the device token's hash and, for a valid vote, its context; None when
        there is no such kiosk in service."""
        if self.error is not None:
            row = self.sql.kiosk.one(self.cursor, {"token_hash": token_hash})
            self.kiosk = _kiosk_ref(row) if row else None
            return self.kiosk
        row = self._read_context(token_hash)
        if row is not None and self.device_time and self.cast_at < row[4] - CLOCK_SKEW_ALLOWED:
            # Cast before the kiosk was paired: read again for now.
            self.clock_adjusted, self.device_time, self.cast_at = True, False, self.now
            row = self._read_context(token_hash)
        self.kiosk = _kiosk_ref(row) if row else None
        self.context = row
        return self.kiosk

    def _read_context(self, token_hash: str) -> tuple | None:
        return self.sql.context.one(
            self.cursor,
            {"token_hash": token_hash, "uuid": self.vote.uuid, "cast_at": self.cast_at, **days_around(self.cast_at)},
        )

    def record(self) -> tuple[VoteResult, bool]:
        """Stores the vote read (see ``record_vote``); returns (result, created)."""
        if self.error is not None:
            raise self.error
        kiosk, vote = self.kiosk, self.vote
        (
            stored_id,
            stored_kiosk_id,
            stored_officer_id,
            day_before,
            utc_day,
            day_after,
            officer_id,
            duty_started_at,
            fingerprint,
            contact_since,
            next_span_start,
            ceiling,
        ) = self.context[6:]
        self.contact_since = contact_since

        if stored_id is not None:
            return _stored_vote(vote.uuid, kiosk.id, stored_kiosk_id, stored_officer_id), False

        indicators = kiosk_vote_indicators(fingerprint)
        if indicators.question_id is None:
            raise VoteError("no_question", status=409)
        for code in vote.reasons:
            if code not in indicators.reason_ids:
                raise VoteError("unknown_reason", reason=code[:40])

        # Periods are in the unit's local dates. None when no period was open that day: the vote is
        # kept all the same, outside any period (the writer flags it NO_PERIOD: in no score, and
        # not taken into a period opened later).
        period_id = open_period_of((day_before, utc_day, day_after), self.cast_at, kiosk.timezone)

        # Attributed to whoever was on duty at the desk when the vote was cast.
        new = NewResponse(
            uuid=vote.uuid,
            channel=Channel.KIOSK,
            unit_id=kiosk.unit_id,
            period_id=period_id,
            cast_at=self.cast_at,
            received_at=self.now,
            locale=vote.locale,
            desk_id=kiosk.desk_id,
            officer_id=officer_id,
            kiosk_id=kiosk.id,
            answers=(
                Given(indicators.question_for(vote.question), vote.value),
                *(Given(indicators.reason_ids[code], 1, on_scale=False) for code in vote.reasons),
            ),
            clock_adjusted=self.clock_adjusted,
            duty_just_started=self.rules.duty_just_started(self.cast_at, duty_started_at),
            late=not self.rules.believed(
                self.cast_at, self.now, kiosk.last_seen_at, contact_since or kiosk.paired_at, next_span_start
            ),
        )
        # A vote whose time is not believed takes no part in the rules: it must not move a
        # colleague's votes in or out of a score.
        changes = {} if new.late else self._judge(new, ceiling)
        if changes:
            own = changes.pop(None)
            new = replace(
                new,
                burst=bool(own & Flag.BURST),
                regular=bool(own & Flag.REGULAR),
                over_rate=bool(own & Flag.OVER_RATE),
            )
        if self.sql.writer.write(self.cursor, new, changes) is None:
            # The UUID was stored since the context was read: the same vote, delivered twice at
            # once. The answer is the first delivery's.
            stored_kiosk_id, stored_officer_id = self.sql.stored.one(self.cursor, {"uuid": vote.uuid})
            return _stored_vote(vote.uuid, kiosk.id, stored_kiosk_id, stored_officer_id), False
        return VoteResult(vote.uuid, officer_id is not None), True

    def _judge(self, new: NewResponse, ceiling: int) -> dict[int | None, Flag]:
        """The rules' flags of the new vote (under the key None) and of the desk's stored votes
        whose flags its arrival changes (see MisuseRules)."""
        rules, sql, cursor, desk_id = self.rules, self.sql, self.cursor, new.desk_id
        if sql.lock_desk is not None:
            sql.lock_desk.one(cursor, {"lock_space": _LOCK_SPACE, "desk_id": desk_id})
        arriving = DeskVote(None, new.cast_at, new.uuid, flags_of(new))
        rows = _all(
            sql.newest,
            cursor,
            {
                "desk_id": desk_id,
                "cast_at": new.cast_at,
                "uuid": new.uuid,
                "hour": hour_of(new.cast_at),
                "previous": rules.previous_needed,
            },
        )
        newer, counted = rows[0][0], rows[0][1]
        if not newer:
            # The usual case: the desk's newest vote. Only the votes just before it matter.
            previous = [DeskVote(row[2], row[3], row[4], Flag(row[5])) for row in rows if row[2] is not None]
            own, changes = judge_newest(arriving, previous, counted, rules, ceiling)
            return {None: own, **changes}
        # Cast among votes already stored (an offline queue, in any order): judge again every
        # vote whose flags it may change (those within the rules' reach, with their whole clock
        # hours), from the votes within the reach of those.
        reach = rules.reach
        first, last = hour_of(new.cast_at - reach), hour_of(new.cast_at + reach) + HOUR
        votes = [
            DeskVote(row[0], row[1], row[2], Flag(row[3]))
            for row in _all(
                sql.window, cursor, {"desk_id": desk_id, "window_from": first - reach, "window_to": last + reach}
            )
        ]
        votes.append(arriving)
        votes.sort(key=lambda v: (v.cast_at, v.uuid))
        changes = {}
        for vote, flags in zip(votes, judge(votes, rules, ceiling)):
            if vote.id is None:
                changes[None] = flags
            elif first <= vote.cast_at < last and flags != vote.flags:
                changes[vote.id] = flags
        return changes

    def touch(self) -> None:
        """The kiosk's heartbeat (as ``kiosk.pairing.touch_kiosk``), and the span of contact an
        outage closes."""
        kiosk = self.kiosk
        last_seen = kiosk.last_seen_at
        if last_seen is not None and self.now - last_seen < HEARTBEAT_EVERY:
            return
        if last_seen is None or not outage_ended(last_seen, self.now):
            self.sql.touch.execute(self.cursor, {"seen_at": self.now, "kiosk_id": kiosk.id})
            return
        self.sql.end_outage.execute(self.cursor, {"seen_at": self.now, "kiosk_id": kiosk.id, "last_seen_at": last_seen})
        if self.cursor.rowcount == 1:
            self.sql.close_span.execute(
                self.cursor,
                {
                    "kiosk_id": kiosk.id,
                    "last_seen_at": last_seen,
                    "first_seen_at": self.contact_since or kiosk.paired_at,
                },
            )


def _all(prepared: Prepared, cursor, values: dict) -> list[tuple]:
    """Every row of a prepared query, through the types of its selected columns."""
    prepared.execute(cursor, values)
    return [
        tuple(convert(value) if convert else value for convert, value in zip(prepared.results, row))
        for row in cursor.fetchall()
    ]


def _stored_vote(
    vote_uuid: str, kiosk_id: int, stored_kiosk_id: int | None, stored_officer_id: int | None
) -> VoteResult:
    """The answer to a vote whose UUID is already stored: the first delivery's, unless another
    device (or the phone survey) used the UUID."""
    if stored_kiosk_id != kiosk_id:
        raise VoteError("uuid_conflict", status=409)
    return VoteResult(vote_uuid, stored_officer_id is not None)


class _VoteEngine:
    """What the votes on one engine share, found at the first: the statements of its dialect, the
    write turns of its SQLite file, and the error its driver raises."""

    def __init__(self, engine):
        self.sql = _VoteSQL.of(engine.dialect)
        self.turns = write_turns_of(engine)
        self.dbapi_error = engine.dialect.loaded_dbapi.Error

    @classmethod
    def of(cls, engine) -> _VoteEngine:
        found = _vote_engines.get(engine)
        if found is None:
            found = _vote_engines[engine] = cls(engine)
        return found


# Weak: an engine disposed of with its app (the tests make several) takes its entry along.
_vote_engines: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class VoteTransaction:
    """The vote endpoint's database work: one pooled DBAPI connection, one transaction, no ORM
    session (whose per-request lifecycle alone costs more CPU than the vote's SQL). Leaving the
    block returns the connection to the pool, which rolls back what was not committed.

        with VoteTransaction() as votes:
            kiosk = votes.read(token, payload, rules=rules)   # None: not a paired kiosk
            result, created = votes.record()                  # or VoteError
            votes.touch()
            votes.commit()

    ``read`` reads the kiosk and, when the payload is a valid vote, everything recording it needs,
    in one query; ``record`` raises what was wrong with the payload, or stores the vote.
    """

    def __enter__(self) -> VoteTransaction:
        engine = db.engine
        shared = _VoteEngine.of(engine)
        self._sql, self._turns, self._dbapi_error = shared.sql, shared.turns, shared.dbapi_error
        self._has_turn = False
        self._connection = engine.raw_connection()
        # One transaction on both databases (no autocommit): a vote is judged with the desk's
        # votes around it (under a per-desk lock on PostgreSQL) and may rewrite their flags,
        # which must commit together with it.
        try:
            self._cursor = self._connection.cursor()
        except BaseException:
            self._connection.invalidate()
            raise
        self._vote: _Vote | None = None
        return self

    def __exit__(self, exc_type, exc, _traceback) -> None:
        try:
            if isinstance(exc, self._dbapi_error):
                # The database refused or dropped the connection: it is closed (which rolls back)
                # and not given to anyone else; the pool opens a new one, as SQLAlchemy does
                # when it sees a disconnect.
                self._connection.invalidate()
                return
            if self._has_turn:  # not committed
                self._connection.rollback()
            self._cursor.close()
        except BaseException:
            self._connection.invalidate()  # a broken connection is not given to anyone else
            raise
        finally:
            self._end_turn()  # after the rollback: the next vote's turn finds the database free
            self._connection.close()

    def read(
        self, token: str | None, payload, now: datetime | None = None, rules: MisuseRules = MisuseRules()
    ) -> KioskRef | None:
        """The kiosk of the device token, None for a missing, unknown or revoked one (as
        ``kiosk.pairing.kiosk_for_token``); ``payload`` is the vote (None when it is not JSON)."""
        self._vote = _Vote(self._sql, self._cursor, payload, now or utcnow(), rules)
        if not token or len(token) > 200:
            return None
        return self._vote.read(token_hash(token))

    def record(self) -> tuple[VoteResult, bool]:
        """See ``record_vote``. The writes begin here: on SQLite, wait for the vote's turn."""
        if self._turns is not None and not self._has_turn:
            self._turns.take()
            self._has_turn = True
        return self._vote.record()

    def touch(self) -> None:
        self._vote.touch()

    def commit(self) -> None:
        self._connection.commit()
        self._end_turn()

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            self._turns.give_back()


def record_vote(
    kiosk: Kiosk, payload, now: datetime | None = None, rules: MisuseRules = MisuseRules()
) -> tuple[VoteResult, bool]:
    """Store one kiosk vote, in the session's transaction; returns (result, created). Idempotent
    on the vote's UUID: a vote sent again gets the first delivery's result and stores nothing,
    also when both deliveries arrive at once. Raises VoteError, having stored nothing, for any bad
    input. Suspect votes are stored, flagged (see MisuseRules). The vote endpoint does the same
    through ``VoteTransaction``, and reads the kiosk as this does: by its device token's hash, so
    a revoked kiosk is none."""
    session = db.session()
    session.flush()
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        vote = _Vote(_VoteSQL.of(connection.dialect), cursor, payload, now or utcnow(), rules)
        if vote.error is not None:
            raise vote.error
        if vote.read(kiosk.token_hash) is None:
            raise ValueError(f"no kiosk {kiosk.id} in service")
        return vote.record()
    finally:
        cursor.close()
