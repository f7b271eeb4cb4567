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
  - ``hour``: the UTC clock hour the response was cast in ("YYYY-MM-DD HH"): a unit's rhythm.
  - ``profile``: a phone survey's respondent profile, "gender|age band|education|occupation"
    ("" for a field not given); kiosk votes have none.

``answer_tally`` (per phone-survey answer): count and sum of the answers' values, per period,
  unit, dimension and key, indicator, flags and verified. ``officer``, ``desk`` and ``service`` as
  above with ``value`` 0 (their SKM tables need sums only); ``unit`` (key "") per ``value`` too,
  for the counts of each answer a unit's own items show. Kept by indicator, not by SKM element:
  readers map indicators to elements when they read, as the reports always have.

A response outside any period is in no tally (it is in no score either). Rows whose counts fall
to zero (a response moved to other flags) are kept: a reader skips them, and the next response
of the same key reuses them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, PerDialect, Prepared

OFFICER, DESK, SERVICE, HOUR, PROFILE, UNIT = "officer", "desk", "service", "hour", "profile", "unit"
NONE = ""  # the key of "no officer", "no desk", "no service"
PROFILE_SEPARATOR = "|"


class ResponseTally(Model):
    __tablename__ = "response_tally"

    # The key's order is the readers': a period's rows of one dimension, of one unit, of one key.
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), primary_key=True)
    dim: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
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


class AnswerTally(Model):
    __tablename__ = "answer_tally"

    period_id: Mapped[int] = mapped_column(sa.ForeignKey("period.id"), primary_key=True)
    dim: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), primary_key=True)
    value: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)  # 0 but in the unit's rows
    flags: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    excluded: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    verified: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True)
    answers: Mapped[int] = mapped_column(sa.Integer)
    answer_sum: Mapped[int] = mapped_column(sa.BigInteger)


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
ANSWER_KEY = ("period_id", "dim", "unit_id", "key", "indicator_id", "value", "flags", "excluded", "verified")
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
        for dim, key in keys:
            sums = self.responses[
                (period_id, dim, unit_id, key, channel, flags, excluded, verified, score_n, face, delayed)
            ]
            sums[0] += sign
            sums[1] += sign * score_sum
            sums[2] += sign * score_sum * score_sum
        if not survey:
            return  # a kiosk vote's face is its score; its reasons are read from the answers
        for indicator_id, value in answers:
            for dim, key in keys[:3]:
                sums = self.answers[(period_id, dim, unit_id, key, indicator_id, 0, flags, excluded, verified)]
                sums[0] += sign
                sums[1] += sign * value
            sums = self.answers[(period_id, UNIT, unit_id, NONE, indicator_id, value, flags, excluded, verified)]
            sums[0] += sign
            sums[1] += sign * value

    def response_rows(self) -> list[dict]:
        return [
            {**dict(zip(RESPONSE_KEY, key)), "responses": count, "score_sum": total, "score_sq": squares}
            for key, (count, total, squares) in sorted(self.responses.items())
            if count or total or squares
        ]

    def answer_rows(self) -> list[dict]:
        return [
            {**dict(zip(ANSWER_KEY, key)), "answers": count, "answer_sum": total}
            for key, (count, total) in sorted(self.answers.items())
            if count or total
        ]


def _upsert(dialect, model, key: tuple, sums: tuple):
    table = model.__table__
    dml = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    insert = dml(table).values({name: sa.bindparam(name, type_=table.c[name].type) for name in (*key, *sums)})
    return insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: table.c[name] + insert.excluded[name] for name in sums},
    )


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


class TallySQL(PerDialect):
    """The two upserts, for one dialect."""

    def __init__(self, dialect):
        self.response = Prepared(
            _upsert(dialect, ResponseTally, RESPONSE_KEY, ("responses", "score_sum", "score_sq")), dialect
        )
        self.answer = Prepared(_upsert(dialect, AnswerTally, ANSWER_KEY, ("answers", "answer_sum")), dialect)

    def apply(self, cursor, increments: Increments) -> None:
        rows = increments.response_rows()
        if rows:
            self.response.execute_many(cursor, rows)
        rows = increments.answer_rows()
        if rows:
            self.answer.execute_many(cursor, rows)
