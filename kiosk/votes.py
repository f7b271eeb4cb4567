"""State changes of the domain, one function each. Views parse requests and call these.

Every function that depends on the time takes ``now`` (an aware UTC datetime), so that tests
inject the clock instead of sleeping. Functions add to the session and flush; the caller (a view
or a CLI command) commits once, so a failed step leaves nothing behind.
"""

from __future__ import annotations

import os
import re
import threading
import uuid as uuid_module
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal.models import IndicatorKind
from core.db import UTCDateTime, db, utcnow
from core.responses import EXCLUDING_FLAGS, Channel, Flag, Response
from org.models import Duty

from .errors import VoteError
from .models import Kiosk
from .pairing import _sha256

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy waiting orders the writers there
    fcntl = None


# A device clock more than this far ahead of ours is wrong; the received time is used instead.
CLOCK_SKEW_ALLOWED = timedelta(minutes=5)
MAX_REASONS = 10


# --- Kiosk pairing --------------------------------------------------------------------------


# --- Duty -----------------------------------------------------------------------------------


# --- Periods ----------------------------------------------------------------------------------


# --- Votes ------------------------------------------------------------------------------------


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
    def from_config(cls, config) -> "MisuseRules":
        return cls(burst=timedelta(seconds=config["MISUSE_BURST_SECONDS"]),
                   max_per_minute=config["MISUSE_MAX_PER_MINUTE"],
                   after_duty_start=timedelta(seconds=config["MISUSE_AFTER_DUTY_START_SECONDS"]))

    def judge(self, near: bool, full_minute: bool, cast_at: datetime, duty_started_at: datetime | None) -> Flag:
        """The flags, given whether another vote of the kiosk was cast within the burst window,
        whether ``max_per_minute`` were in the minute before, and when the duty the vote is
        attributed to started."""
        flags = Flag(0)
        if near or full_minute or self.max_per_minute <= 0:
            flags |= Flag.BURST
        if duty_started_at is not None and cast_at - duty_started_at < self.after_duty_start:
            flags |= Flag.DUTY_START
        return flags


def misuse_flags(kiosk_id: int, cast_at: datetime, duty: Duty | None, rules: MisuseRules) -> Flag:
    """The misuse flags a vote cast at ``cast_at`` on this kiosk earns (see MisuseRules)."""
    with _session_cursor() as (sql, cursor):
        near, full_minute = sql.one(cursor, sql.misuse, {"kiosk_id": kiosk_id, **sql.misuse_params(cast_at, rules)}
                                    ) or (False, False)
    return rules.judge(bool(near), bool(full_minute), cast_at, duty.started_at if duty else None)


@dataclass(frozen=True)
class KioskVoteIndicators:
    """What a vote needs of the indicators: the id of the kiosk question (None when there is no
    active one) and the id of every kiosk reason by its code, retired ones included (a tablet
    still showing yesterday's chips sends their codes, and the vote must not be refused)."""

    question_id: int | None
    reason_ids: dict[str, int]

    @classmethod
    def parse(cls, fingerprint: str) -> "KioskVoteIndicators":
        """From ``_INDICATORS_SQL``: "id:kind:active:position:code" entries, comma-separated
        (codes are letters, digits, "_" and "-")."""
        rows = []
        for entry in filter(None, fingerprint.split(",")):
            ident, kind, active, position, code = entry.split(":", 4)
            rows.append((int(position), int(ident), kind, active == "1", code))
        rows.sort()  # the kiosk's order: position, then id
        question = next((ident for _, ident, kind, active, _ in rows if kind == IndicatorKind.SCALE.value and active),
                        None)
        return cls(question, {code: ident for _, ident, kind, _, code in rows if kind == IndicatorKind.REASON.value})


# Per process: the kiosk indicators by their fingerprint, the last few versions. The fingerprint
# comes with every vote's context query (the database builds it from a few dozen rows at most);
# it is also the content, so any change that matters to a vote (a reason retired, a question
# switched off or moved, a new version), by whatever means, is a new key, parsed without a query.
_vote_indicators: dict[str, KioskVoteIndicators] = {}
_VOTE_INDICATORS_KEPT = 8


def kiosk_vote_indicators(fingerprint: str | None) -> KioskVoteIndicators:
    fingerprint = fingerprint or ""
    found = _vote_indicators.get(fingerprint)
    if found is None:
        found = KioskVoteIndicators.parse(fingerprint)
        if len(_vote_indicators) >= _VOTE_INDICATORS_KEPT:
            _vote_indicators.clear()
        _vote_indicators[fingerprint] = found
    return found


@dataclass(frozen=True)
class KioskRef:
    """What a vote needs to know of its kiosk, read in one query without the ORM."""

    id: int
    desk_id: int
    unit_id: int
    timezone: str
    paired_at: datetime
    last_seen_at: datetime | None


# The vote path. A kiosk vote is the busiest request of the system. It reads once: one row with
# everything recording the vote depends on (``_CONTEXT_SQL``): the kiosk of the device token with
# its desk's unit and time zone, a response already stored under the vote's UUID, the open
# period, the duty at the cast time, the misuse checks and the fingerprint of the kiosk
# indicators. Then it writes the response, unless its UUID is there (``ON CONFLICT (uuid) DO
# NOTHING``), and its answers: one statement on PostgreSQL, two on SQLite (which has no
# INSERT in a WITH clause).
#
# The statements run on a DBAPI cursor: of the session's connection for ``record_vote`` (in the
# caller's transaction), of a pooled connection of its own for the vote endpoint
# (``VoteTransaction``). The SQL is written out rather than built by SQLAlchemy per vote:
# rendering and binding cost SQLAlchemy ~40 µs a statement (~190 µs for the context query), more
# than SQLite takes to run it. Values still go through the columns' own SQLAlchemy type
# processors (``_VoteSQL``), so what is written and compared is exactly what the ORM writes.

# Another vote of the kiosk cast within the burst window, before or after; and whether
# max_per_minute votes were cast in the minute before (whether the max_per_minute-th exists: a
# kiosk hammered with votes costs no more to check than a quiet one). Index range scans on
# ix_response_kiosk_cast.
_NEAR_SQL = """EXISTS (SELECT 1 FROM response
 WHERE kiosk_id = kiosk.id AND cast_at > :burst_from AND cast_at < :burst_to)"""
_FULL_MINUTE_SQL = """EXISTS (SELECT 1 FROM response
 WHERE kiosk_id = kiosk.id AND cast_at > :minute_from AND cast_at <= :cast_at LIMIT 1 OFFSET :minute_offset)"""
# Every kiosk-channel indicator as "id:kind:active:position:code" (see KioskVoteIndicators).
_INDICATORS_SQL = """(SELECT {string_agg}(CAST(id AS VARCHAR) || ':' || kind || ':'
 || CASE WHEN active THEN '1' ELSE '0' END || ':' || CAST(position AS VARCHAR) || ':' || code, ',')
 FROM indicator WHERE channel IN ('kiosk', 'both'))"""
# The duty at the desk when the vote was cast (see ``duty_at``).
_DUTY_SQL = """(SELECT {column} FROM duty
 WHERE desk_id = kiosk.desk_id AND started_at <= :cast_at AND (ended_at IS NULL OR ended_at > :cast_at)
 ORDER BY started_at DESC LIMIT 1)"""
# The open period of a day (see ``open_period_on``). The unit's local date is not known before
# its time zone is read, but it is the UTC date, the day before or the day after: all three are
# looked up and the right one picked.
_PERIOD_SQL = "(SELECT id FROM period WHERE status = 'open' AND starts_on <= :{day} AND ends_on >= :{day} LIMIT 1)"
_DAYS = ("day_before", "utc_day", "day_after")

_CONTEXT_SQL = f"""
SELECT kiosk.id, kiosk.desk_id, desk.unit_id, unit.timezone, kiosk.paired_at, kiosk.last_seen_at,
 stored.id, stored.kiosk_id, stored.officer_id,
 {", ".join(_PERIOD_SQL.format(day=day) for day in _DAYS)},
 {_DUTY_SQL.format(column="officer_id")}, {_DUTY_SQL.format(column="started_at")},
 {_NEAR_SQL}, {_FULL_MINUTE_SQL},
 {_INDICATORS_SQL}
FROM kiosk JOIN desk ON desk.id = kiosk.desk_id JOIN unit ON unit.id = desk.unit_id
LEFT JOIN response AS stored ON stored.uuid = :uuid
WHERE {{which_kiosk}}
"""
# The kiosk of a device token, as ``kiosk_for_token`` finds it (not a revoked one); or a kiosk by
# its id (``record_vote``, given the kiosk).
_BY_TOKEN = "kiosk.token_hash = :token_hash AND kiosk.revoked_at IS NULL"
_BY_ID = "kiosk.id = :kiosk_id"
_KIOSK_SQL = f"""
SELECT kiosk.id, kiosk.desk_id, desk.unit_id, unit.timezone, kiosk.paired_at, kiosk.last_seen_at
FROM kiosk JOIN desk ON desk.id = kiosk.desk_id JOIN unit ON unit.id = desk.unit_id
WHERE {_BY_TOKEN}
"""

_MISUSE_SQL = f"SELECT {_NEAR_SQL}, {_FULL_MINUTE_SQL} FROM kiosk WHERE {_BY_ID}"

_STORED_SQL = "SELECT kiosk_id, officer_id FROM response WHERE uuid = :uuid"

_TOUCH_SQL = "UPDATE kiosk SET last_seen_at = :seen_at WHERE id = :kiosk_id"

_response = Response.__table__
# The response's columns but its id, and what the model fills in for those a vote leaves unset.
_RESPONSE_COLUMNS = [column for column in _response.columns if column.key != "id"]
_RESPONSE_DEFAULTS = {
    column.key: column.default.arg if column.default is not None and column.default.is_scalar else None
    for column in _RESPONSE_COLUMNS
}
_INSERT_RESPONSE_SQL = (
    f"INSERT INTO response ({', '.join(c.name for c in _RESPONSE_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c.key for c in _RESPONSE_COLUMNS)}) ON CONFLICT (uuid) DO NOTHING RETURNING id"
)
_INSERT_ANSWER_SQL = (
    "INSERT INTO answer (response_id, indicator_id, value) VALUES (:response_id, :indicator_id, :value)"
)
# PostgreSQL: the response and its answers in one statement (no answer when the UUID was there).
_INSERT_VOTE_PG_SQL = f"""
WITH inserted AS ({_INSERT_RESPONSE_SQL}),
answered AS (INSERT INTO answer (response_id, indicator_id, value)
 SELECT inserted.id, answer.indicator_id, answer.value
 FROM inserted, unnest(CAST(:answer_indicators AS integer[]), CAST(:answer_values AS smallint[]))
  AS answer (indicator_id, value))
SELECT id FROM inserted
"""


def _identity(value):
    return value


class _VoteSQL:
    """The vote path's SQL for one database dialect, with the value conversions of its columns'
    SQLAlchemy types (UTCDateTime, Date and the channel's Enum; the other values need none)."""

    _by_dialect: dict[str, "_VoteSQL"] = {}

    @classmethod
    def of(cls, dialect) -> "_VoteSQL":
        found = cls._by_dialect.get(dialect.name)
        if found is None:
            found = cls._by_dialect[dialect.name] = cls(dialect)
        return found

    def __init__(self, dialect):
        if dialect.name == "sqlite":
            render, string_agg = _identity, "group_concat"  # sqlite3 takes :name parameters
        elif dialect.name == "postgresql":
            render, string_agg = (lambda sql: re.sub(r"(?<![\w:]):([a-z_]+)", r"%(\1)s", sql)), "string_agg"
        else:
            # The product runs on SQLite and PostgreSQL only (README, "One machine, or several");
            # any other DATABASE_URL is a configuration error, said plainly at the first vote.
            raise RuntimeError(f"Suara Layanan supports SQLite and PostgreSQL databases, not {dialect.name}")
        # PostgreSQL writes a vote in one statement, atomic on its own (see ``insert``).
        self.one_statement_insert = dialect.name == "postgresql"
        context = _CONTEXT_SQL.replace("{string_agg}", string_agg)
        self.context = {"token": render(context.replace("{which_kiosk}", _BY_TOKEN)),
                        "id": render(context.replace("{which_kiosk}", _BY_ID))}
        self.kiosk = render(_KIOSK_SQL)
        self.misuse = render(_MISUSE_SQL)
        self.stored = render(_STORED_SQL)
        self.insert_response = render(_INSERT_RESPONSE_SQL)
        self.insert_answer = render(_INSERT_ANSWER_SQL)
        self.insert_vote = render(_INSERT_VOTE_PG_SQL)
        self.touch = render(_TOUCH_SQL)
        moment = UTCDateTime().dialect_impl(dialect)
        self.moment_in = moment.bind_processor(dialect) or _identity
        self.moment_out = moment.result_processor(dialect, None) or _identity
        self.day_in = sa.Date().dialect_impl(dialect).bind_processor(dialect) or _identity
        self.kiosk_channel = (_response.c.channel.type.dialect_impl(dialect).bind_processor(dialect)
                              or _identity)(Channel.KIOSK)

    @staticmethod
    def one(cursor, sql: str, params: dict) -> tuple | None:
        """The first row of a query, or None."""
        cursor.execute(sql, params)
        return cursor.fetchone()

    def misuse_params(self, cast_at: datetime, rules: MisuseRules) -> dict:
        moment = self.moment_in
        return {"cast_at": moment(cast_at), "burst_from": moment(cast_at - rules.burst),
                "burst_to": moment(cast_at + rules.burst), "minute_from": moment(cast_at - timedelta(minutes=1)),
                "minute_offset": max(rules.max_per_minute - 1, 0)}  # (a limit of 0 is judged without it)

    def kiosk_ref(self, row: tuple) -> KioskRef:
        kiosk_id, desk_id, unit_id, tz, paired_at, last_seen_at = row[:6]
        return KioskRef(kiosk_id, desk_id, unit_id, tz, self.moment_out(paired_at), self.moment_out(last_seen_at))

    def insert(self, cursor, values: dict, answers: list[tuple[int, int]]) -> int | None:
        """Inserts the response and its answers (indicator id, value) unless the response's UUID
        is stored; returns its id, or None when the UUID was there. A duplicate delivered at the
        same moment waits for the first delivery's transaction, then inserts nothing."""
        if self.one_statement_insert:
            row = self.one(cursor, self.insert_vote, {**values, "answer_indicators": [i for i, _ in answers],
                                                      "answer_values": [v for _, v in answers]})
            return row[0] if row else None
        row = self.one(cursor, self.insert_response, values)
        if row is None:
            return None
        cursor.executemany(self.insert_answer, [{"response_id": row[0], "indicator_id": indicator, "value": value}
                                                for indicator, value in answers])
        return row[0]

    def touch_kiosk(self, cursor, kiosk: KioskRef, now: datetime) -> None:
        """``touch_kiosk`` for a KioskRef: the same heartbeat, written at most once a minute."""
        if kiosk.last_seen_at is None or now - kiosk.last_seen_at >= timedelta(seconds=60):
            cursor.execute(self.touch, {"seen_at": self.moment_in(now), "kiosk_id": kiosk.id})


class _Vote:
    """One kiosk vote on its way in: its payload checked (``error`` holds what was wrong with it),
    then its kiosk and everything recording it depends on read in one query, then recorded."""

    def __init__(self, sql: _VoteSQL, cursor, payload, now: datetime, rules: MisuseRules):
        self.sql, self.cursor, self.now, self.rules = sql, cursor, now, rules
        self.kiosk: KioskRef | None = None
        self.context: tuple | None = None
        self.flags = Flag(0)
        self.error: VoteError | None = None
        try:
            self.uuid, self.value, self.reasons, cast_at, self.locale = _parse_vote(payload)
        except VoteError as error:
            self.error = error
            return
        # A device clock can be wrong: ahead of ours, or reset to 1970 by a flat battery. No vote
        # is cast in the future or before its kiosk was paired (checked once the kiosk is read);
        # for those, the received time stands in.
        self.device_time = cast_at is not None and cast_at <= now + CLOCK_SKEW_ALLOWED
        if cast_at is not None and not self.device_time:
            self.flags |= Flag.CLOCK_ADJUSTED
        self.cast_at = cast_at if self.device_time else now

    def read(self, which: str, key) -> KioskRef | None:
        """The kiosk (``which`` is "token", with the device token's hash, or "id") and, for a
        valid vote, its context; None when there is no such kiosk."""
        if self.error is not None:
            row = self.sql.one(self.cursor, self.sql.kiosk, {"token_hash": key}) if which == "token" else None
            self.kiosk = self.sql.kiosk_ref(row) if row else None
            return self.kiosk
        row = self._read_context(which, key)
        if row is not None and self.device_time and self.cast_at < self.sql.moment_out(row[4]) - CLOCK_SKEW_ALLOWED:
            self.flags |= Flag.CLOCK_ADJUSTED  # cast before the kiosk was paired: read again for now
            self.device_time, self.cast_at = False, self.now
            row = self._read_context(which, key)
        self.kiosk = self.sql.kiosk_ref(row) if row else None
        self.context = row
        return self.kiosk

    def _read_context(self, which: str, key) -> tuple | None:
        day = self.utc_day = self.cast_at.astimezone(timezone.utc).date()
        return self.sql.one(self.cursor, self.sql.context[which], {
            "token_hash" if which == "token" else "kiosk_id": key, "uuid": self.uuid,
            "day_before": self.sql.day_in(day - timedelta(days=1)), "utc_day": self.sql.day_in(day),
            "day_after": self.sql.day_in(day + timedelta(days=1)), **self.sql.misuse_params(self.cast_at, self.rules)})

    def record(self) -> tuple[VoteResult, bool]:
        """Stores the vote read (see ``record_vote``); returns (result, created)."""
        if self.error is not None:
            raise self.error
        kiosk, sql = self.kiosk, self.sql
        (stored_id, stored_kiosk_id, stored_officer_id, day_before, utc_day, day_after, officer_id, duty_started_at,
         near, full_minute, fingerprint) = self.context[6:]

        if stored_id is not None:
            return _stored_vote(self.uuid, kiosk.id, stored_kiosk_id, stored_officer_id), False

        indicators = kiosk_vote_indicators(fingerprint)
        if indicators.question_id is None:
            raise VoteError("no_question", status=409)
        for code in self.reasons:
            if code not in indicators.reason_ids:
                raise VoteError("unknown_reason", reason=code[:40])

        # Periods are in the unit's local dates.
        local_offset = (self.cast_at.astimezone(ZoneInfo(kiosk.timezone)).date() - self.utc_day).days
        period_id = {-1: day_before, 0: utc_day, 1: day_after}[local_offset]
        if period_id is None:
            raise VoteError("no_open_period", status=409)

        # Attributed to whoever was on duty at the desk when the vote was cast.
        flags = self.flags
        if officer_id is None:
            flags |= Flag.UNATTRIBUTED  # kept for the desk and the unit: a citizen's voice is never dropped
        flags |= self.rules.judge(bool(near), bool(full_minute), self.cast_at, sql.moment_out(duty_started_at))

        response_id = sql.insert(self.cursor, {
            **_RESPONSE_DEFAULTS,
            "uuid": self.uuid, "channel": sql.kiosk_channel, "unit_id": kiosk.unit_id, "desk_id": kiosk.desk_id,
            "officer_id": officer_id, "period_id": period_id, "kiosk_id": kiosk.id,
            "cast_at": sql.moment_in(self.cast_at), "received_at": sql.moment_in(self.now), "locale": self.locale,
            "score_sum": self.value, "score_n": 1,
            # As Response.add_flags does: ``excluded`` is derived from the flags.
            "flags": int(flags), "excluded": bool(flags & EXCLUDING_FLAGS),
        }, [(indicators.question_id, self.value)] + [(indicators.reason_ids[code], 1) for code in self.reasons])
        if response_id is None:
            # The UUID was stored since the context was read: the same vote, delivered twice at
            # once. The answer is the first delivery's.
            stored_kiosk_id, stored_officer_id = sql.one(self.cursor, sql.stored, {"uuid": self.uuid})
            return _stored_vote(self.uuid, kiosk.id, stored_kiosk_id, stored_officer_id), False
        return VoteResult(self.uuid, officer_id is not None), True


@contextmanager
def _session_cursor():
    """The vote path's SQL and a DBAPI cursor on the session's connection (in its transaction).
    What the session holds but has not written yet is flushed first, as the ORM's autoflush would."""
    session = db.session()
    session.flush()
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        yield _VoteSQL.of(connection.dialect), cursor
    finally:
        cursor.close()


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


def _write_turns_of(engine) -> _WriteTurns | None:
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


class VoteTransaction:
    """The vote endpoint's database work: one pooled DBAPI connection, one transaction, no ORM
    session (whose per-request lifecycle alone costs ~90 µs of CPU, more than the vote's SQL).
    Leaving the block returns the connection to the pool, which rolls back what was not committed.

        with VoteTransaction() as votes:
            kiosk = votes.read(token, payload, rules=rules)   # None: not a paired kiosk
            result, created = votes.record()                  # or VoteError
            votes.touch()
            votes.commit()

    ``read`` reads the kiosk and, when the payload is a valid vote, everything recording it needs,
    in one query; the endpoint refuses an unpaired tablet, counts the kiosk's rate limit, and only
    then calls ``record``, which raises what was wrong with the payload or stores the vote.
    """

    def __enter__(self) -> "VoteTransaction":
        engine = db.engine
        self._sql = _VoteSQL.of(engine.dialect)
        self._turns, self._has_turn = _write_turns_of(engine), False
        self._dbapi_error = engine.dialect.loaded_dbapi.Error
        self._connection = engine.raw_connection()
        # On PostgreSQL the vote's only write is one statement, atomic on its own: in autocommit
        # the BEGIN and COMMIT round trips go (the heartbeat, when due, is its own statement).
        self._autocommit = self._sql.one_statement_insert
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
        ``kiosk_for_token``); ``payload`` is the vote (None when the request is not JSON)."""
        self._vote = _Vote(self._sql, self._cursor, payload, now or utcnow(), rules)
        if not token or len(token) > 200:
            return None
        return self._vote.read("token", _sha256(token))

    @property
    def error(self) -> VoteError | None:
        """What is wrong with the payload read (``record`` would raise it), or None."""
        return self._vote.error

    def record(self) -> tuple[VoteResult, bool]:
        """See ``record_vote``. The writes begin here: on SQLite, wait for the vote's turn."""
        if self._turns is not None and not self._has_turn:
            self._turns.take()
            self._has_turn = True
        return self._vote.record()

    def touch(self) -> None:
        self._sql.touch_kiosk(self._cursor, self._vote.kiosk, self._vote.now)

    def commit(self) -> None:
        if not self._autocommit:
            self._connection.commit()
        self._end_turn()

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            self._turns.give_back()


@dataclass(frozen=True)
class VoteResult:
    """What the kiosk is told about a vote; the same for the first delivery and every retry."""

    uuid: str
    attributed: bool

    def as_json(self) -> dict:
        return {"status": "recorded", "uuid": self.uuid, "attributed": self.attributed}


def _parse_vote(payload) -> tuple[str, int, list[str], datetime | None, str]:
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
    return vote_uuid, value, list(dict.fromkeys(reasons)), cast_at, locale


def _stored_vote(vote_uuid: str, kiosk_id: int, stored_kiosk_id: int | None,
                 stored_officer_id: int | None) -> VoteResult:
    """The answer to a vote whose UUID is already stored: the first delivery's, unless another
    device (or the phone survey) used the UUID."""
    if stored_kiosk_id != kiosk_id:
        raise VoteError("uuid_conflict", status=409)
    return VoteResult(vote_uuid, stored_officer_id is not None)


def record_vote(kiosk: Kiosk | KioskRef, payload, now: datetime | None = None,
                rules: MisuseRules = MisuseRules()) -> tuple[VoteResult, bool]:
    """Store one kiosk vote, in the session's transaction; returns (result, created). Idempotent
    on the vote's UUID: a vote sent again gets the first delivery's result and stores nothing,
    also when both deliveries arrive at once. Raises VoteError, having stored nothing, for any bad
    input. Suspect votes are stored, flagged (see MisuseRules). The vote endpoint does the same
    through ``VoteTransaction``."""
    with _session_cursor() as (sql, cursor):
        vote = _Vote(sql, cursor, payload, now or utcnow(), rules)
        if vote.error is not None:
            raise vote.error
        if vote.read("id", kiosk.id) is None:
            raise ValueError(f"no kiosk {kiosk.id}")
        return vote.record()


