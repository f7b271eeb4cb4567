"""The kiosk vote: the busiest request of the system.

Every kiosk of a deployment sends one per citizen, and a kiosk back online flushes its whole
queue at once. A vote reads once, then writes what it must:

- one read (``_context``): the kiosk of the device token with its desk's unit and time zone, a
  response already stored under the vote's UUID, the open period, the duty at the desk when the
  vote was cast, the misuse checks, and a fingerprint of the kiosk indicators (which keys a
  per-process cache of them, see ``KioskVoteIndicators``);
- the response with its answers, through ``core.responses.ResponseWriter`` (the one writer of a
  response), unless its UUID is already stored: one statement on PostgreSQL, the response and
  then its answers on SQLite; should the same vote be stored meanwhile by a delivery running at
  the same moment, one more read finds what that delivery stored;
- the kiosk's heartbeat, at most once a minute.

The statements are SQLAlchemy Core, compiled once per dialect (``core.db.Prepared``), and run on a
pooled DBAPI connection of their own without the ORM session (``VoteTransaction``), or on the
session's connection in the caller's transaction (``record_vote``).

Every function that depends on the time takes ``now`` (an aware UTC datetime), so that tests
inject the clock instead of sleeping.
"""

from __future__ import annotations

import os
import threading
import uuid as uuid_module
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind, Period, PeriodStatus
from core.db import Prepared, db, utcnow
from core.responses import Channel, Given, NewResponse, Response, ResponseWriter
from org.models import Desk, Duty, Unit

from .errors import VoteError
from .models import Kiosk
from .pairing import HEARTBEAT_EVERY, token_hash
from .queries import kiosk_question

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy waiting orders the writers there
    fcntl = None

# A device clock more than this far ahead of ours is wrong; the received time is used instead.
CLOCK_SKEW_ALLOWED = timedelta(minutes=5)
# Before any kiosk was paired (so the received time stands in for it in any case), and far enough
# from the calendar's first day for the day and minute windows a vote is judged in.
EARLIEST_DEVICE_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_REASONS = 10


@dataclass(frozen=True)
class MisuseRules:
    """When kiosk votes are kept but flagged and left out of scores. Checked on the cast times
    the device reports, so the rules hold for votes that arrive late from an offline queue.

    - ``burst``: another vote on the same kiosk cast less than this long before or after;
    - ``max_per_minute``: this many votes already cast on the kiosk in the minute before;
    - ``after_duty_start``: cast this soon after the officer started duty at the desk (an officer
      rating themselves as they sit down).
    """

    burst: timedelta = timedelta(seconds=3)
    max_per_minute: int = 10
    after_duty_start: timedelta = timedelta(seconds=15)

    @classmethod
    def from_config(cls, config) -> MisuseRules:
        return cls(burst=timedelta(seconds=config["MISUSE_BURST_SECONDS"]),
                   max_per_minute=config["MISUSE_MAX_PER_MINUTE"],
                   after_duty_start=timedelta(seconds=config["MISUSE_AFTER_DUTY_START_SECONDS"]))

    def observe(self, near: bool, full_minute: bool, cast_at: datetime,
                duty_started_at: datetime | None) -> dict[str, bool]:
        """What the rules see in a vote, given whether another vote of the kiosk was cast within
        the burst window, whether ``max_per_minute`` were cast in the minute before, and when the
        duty the vote is attributed to started (the writer turns it into flags)."""
        return {"burst": near or full_minute or self.max_per_minute <= 0,
                "duty_just_started": duty_started_at is not None and cast_at - duty_started_at < self.after_duty_start}


@dataclass(frozen=True)
class KioskVoteIndicators:
    """What a vote needs of the indicators: the id of the kiosk question (None when there is no
    active one) and the id of every kiosk reason by its code, retired ones included (a tablet
    still showing yesterday's chips sends their codes, and the vote must not be refused)."""

    question_id: int | None
    reason_ids: dict[str, int]

    @classmethod
    def parse(cls, fingerprint: str) -> KioskVoteIndicators:
        """From the context's fingerprint: "id:kind:active:position:code" entries, comma-separated
        (codes are letters, digits, "_" and "-")."""
        entries = []
        for entry in filter(None, fingerprint.split(",")):
            ident, kind, active, position, code = entry.split(":", 4)
            entries.append(_Entry(int(ident), kind, active == "1", int(position), code))
        question = kiosk_question(entries)
        return cls(question.id if question else None,
                   {e.code: e.id for e in entries if e.kind == IndicatorKind.REASON})


@dataclass(frozen=True)
class _Entry:
    """One indicator in the fingerprint (``kind`` as stored: an ``IndicatorKind`` value)."""

    id: int
    kind: str
    active: bool
    position: int
    code: str


# Per process: the kiosk indicators by their fingerprint, the last few versions. The fingerprint
# comes with every vote's context query (the database builds it from a few dozen rows at most);
# it is also the content, so any change that matters to a vote (a reason retired, a question
# switched off or moved, a new version), by whatever means, is a new key, parsed without a query.
@lru_cache(maxsize=8)
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
    return ParsedVote(vote_uuid, value, list(dict.fromkeys(reasons)), cast_at, locale)


# --- The vote's SQL, built once per dialect ------------------------------------------------------

_DAYS = ("day_before", "utc_day", "day_after")


def _context():
    """The one read of a vote (see the module's docstring), for the kiosk of a device token's
    hash (as ``kiosk_for_token`` finds it: not a revoked one)."""
    kiosk, desk, unit = Kiosk.__table__, Desk.__table__, Unit.__table__
    response, period, duty, indicator = Response.__table__, Period.__table__, Duty.__table__, Indicator.__table__
    stored = response.alias("stored")
    cast_at = sa.bindparam("cast_at", type_=response.c.cast_at.type)

    def open_period_on(day: str):
        # The unit's local date is not known before its time zone is read, but it is the UTC
        # date, the day before or the day after: all three are looked up and the right one picked.
        return (sa.select(period.c.id)
                .where(period.c.status == PeriodStatus.OPEN, period.c.starts_on <= sa.bindparam(day, type_=sa.Date),
                       period.c.ends_on >= sa.bindparam(day, type_=sa.Date))
                .limit(1).scalar_subquery())

    def duty_at_cast(column):
        # The duty at the desk when the vote was cast (see org.duty.duty_at).
        return (sa.select(column)
                .where(duty.c.desk_id == kiosk.c.desk_id, duty.c.started_at <= cast_at,
                       sa.or_(duty.c.ended_at.is_(None), duty.c.ended_at > cast_at))
                .order_by(duty.c.started_at.desc()).limit(1).scalar_subquery())

    # Another vote of the kiosk cast within the burst window, before or after; and whether
    # max_per_minute votes were cast in the minute before (whether the max_per_minute-th exists:
    # a kiosk hammered with votes costs no more to check than a quiet one). Index range scans on
    # ix_response_kiosk_cast.
    near = sa.exists().where(response.c.kiosk_id == kiosk.c.id,
                             response.c.cast_at > sa.bindparam("burst_from", type_=response.c.cast_at.type),
                             response.c.cast_at < sa.bindparam("burst_to", type_=response.c.cast_at.type))
    full_minute = sa.exists(
        sa.select(response.c.id)
        .where(response.c.kiosk_id == kiosk.c.id,
               response.c.cast_at > sa.bindparam("minute_from", type_=response.c.cast_at.type),
               response.c.cast_at <= cast_at)
        .limit(1).offset(sa.bindparam("minute_offset", type_=sa.Integer)))
    # Every kiosk-channel indicator as "id:kind:active:position:code" (see KioskVoteIndicators).
    entry = (sa.cast(indicator.c.id, sa.String) + ":" + sa.cast(indicator.c.kind, sa.String) + ":"
             + sa.case((indicator.c.active, "1"), else_="0") + ":" + sa.cast(indicator.c.position, sa.String)
             + ":" + indicator.c.code)
    fingerprint = (sa.select(sa.func.aggregate_strings(entry, ","))
                   .where(sa.or_(indicator.c.channel == IndicatorChannel.KIOSK,
                                 indicator.c.channel == IndicatorChannel.BOTH))
                   .scalar_subquery())
    return (sa.select(kiosk.c.id, kiosk.c.desk_id, desk.c.unit_id, unit.c.timezone, kiosk.c.paired_at,
                      kiosk.c.last_seen_at, stored.c.id, stored.c.kiosk_id, stored.c.officer_id,
                      *(open_period_on(day) for day in _DAYS),
                      duty_at_cast(duty.c.officer_id), duty_at_cast(duty.c.started_at), near, full_minute,
                      fingerprint)
            .select_from(kiosk.join(desk, desk.c.id == kiosk.c.desk_id).join(unit, unit.c.id == desk.c.unit_id)
                         .outerjoin(stored, stored.c.uuid == sa.bindparam("uuid")))
            .where(kiosk.c.token_hash == sa.bindparam("token_hash"), kiosk.c.revoked_at.is_(None)))


def _kiosk_only():
    """The kiosk of a device token, when the vote itself is not worth reading the rest for."""
    kiosk, desk, unit = Kiosk.__table__, Desk.__table__, Unit.__table__
    return (sa.select(kiosk.c.id, kiosk.c.desk_id, desk.c.unit_id, unit.c.timezone, kiosk.c.paired_at,
                      kiosk.c.last_seen_at)
            .select_from(kiosk.join(desk, desk.c.id == kiosk.c.desk_id).join(unit, unit.c.id == desk.c.unit_id))
            .where(kiosk.c.token_hash == sa.bindparam("token_hash"), kiosk.c.revoked_at.is_(None)))


def _stored():
    response = Response.__table__
    return sa.select(response.c.kiosk_id, response.c.officer_id).where(response.c.uuid == sa.bindparam("uuid"))


def _touch():
    kiosk = Kiosk.__table__
    return (sa.update(kiosk).where(kiosk.c.id == sa.bindparam("kiosk_id"))
            .values(last_seen_at=sa.bindparam("seen_at", type_=kiosk.c.last_seen_at.type)))


class _VoteSQL:
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
        self.writer = ResponseWriter.of(dialect)

    @classmethod
    def of(cls, dialect) -> _VoteSQL:
        found = _vote_sql.get(dialect.name)
        if found is None:
            found = _vote_sql[dialect.name] = cls(dialect)
        return found


_vote_sql: dict[str, _VoteSQL] = {}


def _kiosk_ref(row) -> KioskRef:
    return KioskRef(*row[:6])


class _Vote:
    """One kiosk vote on its way in: its payload checked (``error`` holds what was wrong with it),
    then its kiosk and everything recording it depends on read in one query, then recorded."""

    def __init__(self, sql: _VoteSQL, cursor, payload, now: datetime, rules: MisuseRules):
        self.sql, self.cursor, self.now, self.rules = sql, cursor, now, rules
        self.kiosk: KioskRef | None = None
        self.context: tuple | None = None
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
        cast_at, rules = self.cast_at, self.rules
        day = self.utc_day = cast_at.astimezone(timezone.utc).date()
        return self.sql.context.one(self.cursor, {
            "token_hash": token_hash, "uuid": self.vote.uuid,
            "day_before": day - timedelta(days=1), "utc_day": day, "day_after": day + timedelta(days=1),
            "cast_at": cast_at, "burst_from": cast_at - rules.burst, "burst_to": cast_at + rules.burst,
            "minute_from": cast_at - timedelta(minutes=1),
            "minute_offset": max(rules.max_per_minute - 1, 0)})  # (a limit of 0 is judged without it)

    def record(self) -> tuple[VoteResult, bool]:
        """Stores the vote read (see ``record_vote``); returns (result, created)."""
        if self.error is not None:
            raise self.error
        kiosk, vote = self.kiosk, self.vote
        (stored_id, stored_kiosk_id, stored_officer_id, day_before, utc_day, day_after, officer_id, duty_started_at,
         near, full_minute, fingerprint) = self.context[6:]

        if stored_id is not None:
            return _stored_vote(vote.uuid, kiosk.id, stored_kiosk_id, stored_officer_id), False

        indicators = kiosk_vote_indicators(fingerprint)
        if indicators.question_id is None:
            raise VoteError("no_question", status=409)
        for code in vote.reasons:
            if code not in indicators.reason_ids:
                raise VoteError("unknown_reason", reason=code[:40])

        # Periods are in the unit's local dates.
        local_offset = (self.cast_at.astimezone(ZoneInfo(kiosk.timezone)).date() - self.utc_day).days
        period_id = {-1: day_before, 0: utc_day, 1: day_after}[local_offset]
        if period_id is None:
            raise VoteError("no_open_period", status=409)

        # Attributed to whoever was on duty at the desk when the vote was cast.
        response_id = self.sql.writer.write(self.cursor, NewResponse(
            uuid=vote.uuid, channel=Channel.KIOSK, unit_id=kiosk.unit_id, period_id=period_id,
            cast_at=self.cast_at, received_at=self.now, locale=vote.locale,
            desk_id=kiosk.desk_id, officer_id=officer_id, kiosk_id=kiosk.id,
            answers=(Given(indicators.question_id, vote.value),
                     *(Given(indicators.reason_ids[code], 1, on_scale=False) for code in vote.reasons)),
            clock_adjusted=self.clock_adjusted,
            **self.rules.observe(bool(near), bool(full_minute), self.cast_at, duty_started_at),
        ))
        if response_id is None:
            # The UUID was stored since the context was read: the same vote, delivered twice at
            # once. The answer is the first delivery's.
            stored_kiosk_id, stored_officer_id = self.sql.stored.one(self.cursor, {"uuid": vote.uuid})
            return _stored_vote(vote.uuid, kiosk.id, stored_kiosk_id, stored_officer_id), False
        return VoteResult(vote.uuid, officer_id is not None), True

    def touch(self) -> None:
        """The kiosk's heartbeat (as ``kiosk.pairing.touch_kiosk``)."""
        kiosk = self.kiosk
        if kiosk.last_seen_at is None or self.now - kiosk.last_seen_at >= HEARTBEAT_EVERY:
            self.sql.touch.execute(self.cursor, {"seen_at": self.now, "kiosk_id": kiosk.id})


def _stored_vote(vote_uuid: str, kiosk_id: int, stored_kiosk_id: int | None,
                 stored_officer_id: int | None) -> VoteResult:
    """The answer to a vote whose UUID is already stored: the first delivery's, unless another
    device (or the phone survey) used the UUID."""
    if stored_kiosk_id != kiosk_id:
        raise VoteError("uuid_conflict", status=409)
    return VoteResult(vote_uuid, stored_officer_id is not None)


class _WriteTurns:
    """On SQLite, votes take turns at the database's write lock through a kernel file lock.

    SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps and
    tries again (after 1, 2, 5, 10 ms …, up to ``busy_timeout``), so with several gunicorn workers
    each collision idles a worker for longer than a vote takes. Waiting on ``flock`` instead, the
    next vote starts writing the moment the previous one commits (bench/load: about +14 % votes
    a second, and a lower p99). It only orders the vote path's writers among themselves; SQLite's
    own locking still keeps every write correct, with or without it (other writers, such as an
    admin page or a phone survey, do not take a turn). One lock file per database, beside it; one
    open file per process and thread, since ``flock`` does not exclude holders of the same open
    file (a forked worker or another thread would share it)."""

    def __init__(self, database_path: str):
        self.path = database_path + "-votes.lock"
        self._local = threading.local()

    def _fd(self) -> int:
        pid, fd = getattr(self._local, "opened", (None, None))
        if pid != os.getpid():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._local.opened = (os.getpid(), fd)
        return fd

    def take(self) -> None:
        fcntl.flock(self._fd(), fcntl.LOCK_EX)

    def give_back(self) -> None:
        fcntl.flock(self._fd(), fcntl.LOCK_UN)


_write_turns: dict[str, _WriteTurns] = {}


def write_turns_of(engine) -> _WriteTurns | None:
    """The turns for an SQLite database file; None for PostgreSQL, whose writers do not exclude
    each other, for an in-memory database (one process) and where there is no ``fcntl``."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or fcntl is None or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    turns = _write_turns.get(database)
    if turns is None:
        turns = _write_turns[database] = _WriteTurns(os.path.abspath(database))
    return turns


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
        # On PostgreSQL the vote's only write is one statement, atomic on its own: in autocommit
        # the BEGIN and COMMIT round trips go (the heartbeat, when due, is its own statement).
        self._autocommit = self._sql.writer.one_statement
        try:
            if self._autocommit:
                self._connection.dbapi_connection.autocommit = True
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
            if self._autocommit:
                self._connection.dbapi_connection.autocommit = False  # as the pool hands it out
        except BaseException:
            self._connection.invalidate()  # a broken connection is not given to anyone else
            raise
        finally:
            self._end_turn()  # after the rollback: the next vote's turn finds the database free
            self._connection.close()

    def read(self, token: str | None, payload, now: datetime | None = None,
             rules: MisuseRules = MisuseRules()) -> KioskRef | None:
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
        if not self._autocommit:
            self._connection.commit()
        self._end_turn()

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            self._turns.give_back()


def record_vote(kiosk: Kiosk, payload, now: datetime | None = None,
                rules: MisuseRules = MisuseRules()) -> tuple[VoteResult, bool]:
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
