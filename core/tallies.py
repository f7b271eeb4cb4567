"""The running tallies of the responses, kept by their one writer (``core.responses``).

A page that sums a period's responses reads these instead of the responses, so that it costs the
same at ten thousand responses as at ten million. They hold nothing a response does not: each is
a sum over the responses of one period and unit, cut one way (a *dimension*), keyed by everything
a reader filters or groups on. ``core.recount`` recomputes them from the responses, and the tests
check what the writer keeps against that recount.

``response_tally`` (per response): count, sum and sum of squares of ``score_sum``, per
  period, dimension, unit and the dimension's key, channel, flags (``excluded`` follows from them),
  verified, ``score_n``, the face of a kiosk vote (0 for a survey: the top faces and the happy ones
  are counted from it) and whether it arrived late (``DELAYED_AFTER``). Dimensions:

  - ``officer``, ``desk``, ``service``: the id, or "" for none (unattributed, no service chosen).
    Every response is in exactly one officer key, so a unit's totals are their sum.
  - ``hour``: the UTC clock hour the response was cast in ("YYYY-MM-DD HH"): a unit's rhythm and
    a day's figures. Their readers ask for the channel, whether excluded, the answers counted and
    the face, never for the flags, verified or late: these rows are kept with those at 0 / false
    (``COARSE``), so that an hour has a row per face and not one per face and flag (the rhythm
    reads a period's hours of a unit, thousands of rows on pages of their own).
  - ``profile``: a phone survey's respondent profile, "gender|age band|education|occupation"
    ("" for a field not given); kiosk votes have none.

``answer_tally`` (per answer): count and sum of the answers' values, per period, dimension, unit
  and key, channel, indicator, flags and verified. A phone survey's under ``officer`` and ``desk``
  as above with ``value`` 0 (their SKM tables need sums only), and under ``service`` per
  ``value`` too: the counts of each answer a unit's own items show, summed over its services; a
  kiosk vote's (its face and the reasons picked) under ``officer`` only, for her sheet. Kept
  by indicator, not by SKM element: readers map indicators to elements when they read, as the
  reports always have.

A response outside any period is in no tally (it is in no score either). Rows whose counts fall
to zero (a response moved to other flags) are kept: a reader skips them, and the next response
of the same key reuses them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, PerDialect

OFFICER, DESK, SERVICE, HOUR, PROFILE = "officer", "desk", "service", "hour", "profile"
# What a reader asks for a whole unit: the sum of its rows under one of the dimensions above (no
# row of its own).
UNIT = "unit"
NONE = ""  # the key of "no officer", "no desk", "no service"
# The dimensions kept without flags, verified and late (see the module's docstring).
COARSE = frozenset({HOUR})
PROFILE_SEPARATOR = "|"


class ResponseTally(Model):
    __tablename__ = "response_tally"

    # The key's order is the readers': a period's rows of one dimension, of one unit, of one key.
    period_id: Mapped[int] = mapped_column(primary_key=True)
    dim: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    flags: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    excluded: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    verified: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    score_n: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    face: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    delayed: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    responses: Mapped[int] = mapped_column(sa.Integer)
    score_sum: Mapped[int] = mapped_column(sa.BigInteger)
    score_sq: Mapped[int] = mapped_column(sa.BigInteger)

    # One officer's rows, of a period or of all (her own history), wherever she served. The sums
    # are in no index, so adding to a row touches neither.
    __table_args__ = (sa.Index("ix_response_tally_key", "dim", "key", "period_id"), {"sqlite_with_rowid": False})


class AnswerTally(Model):
    __tablename__ = "answer_tally"

    period_id: Mapped[int] = mapped_column(primary_key=True)
    dim: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)  # 0 but in a survey's rows under its service
    flags: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    excluded: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    verified: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    answers: Mapped[int] = mapped_column(sa.Integer)
    answer_sum: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.Index("ix_answer_tally_key", "dim", "key", "period_id"), {"sqlite_with_rowid": False})


RESPONSE_KEY = (
    "period_id",
    "dim",
    "unit_id",
    "key",
    "channel",
    "flags",
    "excluded",
    "verified",
    "score_n",
    "face",
    "delayed",
)
RESPONSE_SUMS = ("responses", "score_sum", "score_sq")
ANSWER_SUMS = ("answers", "answer_sum")
ANSWER_KEY = (
    "period_id",
    "dim",
    "unit_id",
    "key",
    "channel",
    "indicator_id",
    "value",
    "flags",
    "excluded",
    "verified",
)
# A response that arrived more than this after the time it claims was held back (an offline queue
# after an outage, real or staged): counted per officer for the supervisor's warnings
# (reports.provenance), in whole seconds so that the recount's SQL finds the same.
DELAYED_AFTER_SECONDS = 60


def _id(value) -> str:
    return NONE if value is None else str(value)


HOUR_FORMAT = "%Y-%m-%d %H"


def hour_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(HOUR_FORMAT)


def _seconds(moment: datetime) -> int:
    """Whole seconds since 1970 (the recount's SQL counts the same way)."""
    return int(moment.timestamp())


def profile_key(gender, age_band, education, occupation) -> str:
    return PROFILE_SEPARATOR.join(value or "" for value in (gender, age_band, education, occupation))


class Increments:
    """What a transaction adds to the tallies (negative for what it takes away), summed per row so
    that each row is written once, and written in one order (sorted by key): two transactions
    never wait on each other's rows the other way round."""

    def __init__(self) -> None:
        self.responses: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.answers: defaultdict[tuple, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, row: dict, answers, sign: int = 1) -> None:
        """Add (sign 1) or take away (-1) one stored response: ``row`` its columns as the writer
        stores them, ``answers`` its (indicator id, value) pairs."""
        if row["period_id"] is None:
            return
        channel = getattr(row["channel"], "value", row["channel"])
        flags, excluded, verified = int(row["flags"]), bool(row["excluded"]), bool(row["verified"])
        score_sum, score_n = int(row["score_sum"]), int(row["score_n"])
        face = score_sum if channel == "kiosk" and score_n == 1 else 0
        delayed = _seconds(row["received_at"]) - _seconds(row["cast_at"]) > DELAYED_AFTER_SECONDS
        keys = [
            (OFFICER, _id(row["officer_id"])),
            (DESK, _id(row["desk_id"])),
            (SERVICE, _id(row["service_id"])),
            (HOUR, hour_key(row["cast_at"])),
        ]
        survey = channel == "qr"
        if survey:
            keys.append((PROFILE, profile_key(row["gender"], row["age_band"], row["education"], row["occupation"])))
        period_id, unit_id = row["period_id"], row["unit_id"]
        full = (flags, excluded, verified, score_n, face, delayed)
        coarse = (0, excluded, False, score_n, face, False)
        for dim, key in keys:
            sums = self.responses[(period_id, dim, unit_id, key, channel, *(coarse if dim in COARSE else full))]
            sums[0] += sign
            sums[1] += sign * score_sum
            sums[2] += sign * score_sum * score_sum
        head = (period_id, OFFICER, unit_id, keys[0][1], channel)
        if not survey:
            for indicator_id, value in answers:
                sums = self.answers[(*head, indicator_id, 0, flags, excluded, verified)]
                sums[0] += sign
                sums[1] += sign * value
            return
        for indicator_id, value in answers:
            # Per value under the service: what a unit's own items count (every survey is under
            # one service key, "" for none, so the unit's are their sum).
            for dim, key, by_value in ((OFFICER, keys[0][1], 0), (DESK, keys[1][1], 0), (SERVICE, keys[2][1], value)):
                sums = self.answers[
                    (period_id, dim, unit_id, key, channel, indicator_id, by_value, flags, excluded, verified)
                ]
                sums[0] += sign
                sums[1] += sign * value


# The stored columns of a response that its tallies are made of (see Increments.add).
TALLIED = (
    "id",
    "period_id",
    "unit_id",
    "officer_id",
    "desk_id",
    "service_id",
    "channel",
    "flags",
    "excluded",
    "verified",
    "score_n",
    "score_sum",
    "cast_at",
    "received_at",
    "gender",
    "age_band",
    "education",
    "occupation",
)


def _added(table: str, sums: tuple) -> str:
    return ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in sums)


def _upsert_sql(model, key: tuple, sums: tuple, rows: int) -> str:
    """SQLite: INSERT of ``rows`` rows at once, adding to the rows already there: one statement,
    its parameters the rows' values in order. Written out rather than compiled by SQLAlchemy with
    one bound parameter per value: every response writes a few dozen of these values, and their
    conversion through SQLAlchemy's types cost more than the upsert (all are plain integers,
    strings and booleans, which the driver takes as they are)."""
    table = model.__table__.name
    columns = (*key, *sums)
    row = "(" + ", ".join(["?"] * len(columns)) + ")"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {_added(table, sums)}"
    )


def _json_upsert_sql(model, key: tuple, sums: tuple) -> str:
    """PostgreSQL: the same upsert with its rows in one JSON parameter (an array of arrays, a row
    each), whatever their number: one statement text, which psycopg parses once and the server
    prepares and plans once (a text a row count, as on SQLite, is parsed by the driver and
    planned by the server every time: most of a survey's write on PostgreSQL), and one parameter
    the driver passes as it is (``json.dumps``), where an array a column costs the driver a look
    at every element to choose its type."""
    table = model.__table__
    columns = (*key, *sums)
    values = ", ".join(
        f"(row ->> {n})::{table.c[name].type.compile(dialect=_POSTGRESQL)}" for n, name in enumerate(columns)
    )
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"SELECT {values} FROM json_array_elements(%s::json) WITH ORDINALITY AS given(row, n) ORDER BY n "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {_added(table.name, sums)}"
    )


class TallySQL(PerDialect):
    """The two upserts, for one dialect (on SQLite, by the number of rows they write at once)."""

    def __init__(self, dialect):
        self.json = dialect.name == "postgresql"
        self.statements: dict[tuple[str, int], str] = {}

    def _statement(self, table: str, rows: int) -> str:
        found = self.statements.get((table, rows))
        if found is None:
            model, key, sums = _TABLES[table]
            found = self.statements[(table, rows)] = (
                _json_upsert_sql(model, key, sums) if self.json else _upsert_sql(model, key, sums, rows)
            )
        return found

    def apply(self, cursor, increments: Increments) -> None:
        for table, items in (("response", increments.responses), ("answer", increments.answers)):
            rows = [(*key, *sums) for key, sums in sorted(items.items()) if any(sums)]
            if not rows:
                continue
            if self.json:
                cursor.execute(self._statement(table, 0), [json.dumps(rows)])
                continue
            # In parts, for SQLite's limit on a statement's parameters (a batch of many).
            for start in range(0, len(rows), CHUNK):
                part = rows[start : start + CHUNK]
                cursor.execute(self._statement(table, len(part)), [value for row in part for value in row])


_TABLES = {
    "response": (ResponseTally, RESPONSE_KEY, RESPONSE_SUMS),
    "answer": (AnswerTally, ANSWER_KEY, ANSWER_SUMS),
}
_POSTGRESQL = postgresql.dialect()
CHUNK = 500
