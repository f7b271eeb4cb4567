"""The running tallies (``core.tallies``) recounted from the responses themselves: SQL GROUP BYs
over the responses and answers, a second way to the same numbers as the writer's increments, which
``refill`` stores (migration 0015, ``flask periods refill-tallies``, bench/report's bulk loads) and
``differences`` holds the writer to (``flask periods check-tallies``, the tests).
"""

from __future__ import annotations

import sqlalchemy as sa

from .responses import Answer, Response
from .tallies import (
    ANSWER_KEY,
    ANSWER_SUMS,
    COARSE,
    DELAYED_AFTER_SECONDS,
    DESK,
    HOUR,
    NONE,
    OFFICER,
    PROFILE,
    PROFILE_SEPARATOR,
    RESPONSE_KEY,
    RESPONSE_SUMS,
    SERVICE,
    AnswerTally,
    ResponseTally,
)


def _key_of(column):
    return sa.func.coalesce(sa.cast(column, sa.String), NONE)


def _hour_of(dialect, column):
    if dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD HH24")
    # SQLite stores a moment as text, "YYYY-MM-DD HH:MM:SS.ffffff" (naive UTC).
    return sa.func.substr(column, 1, 13)


def _whole_seconds(dialect, column):
    if dialect.name == "postgresql":
        return sa.func.floor(sa.extract("epoch", column))
    return sa.cast(sa.func.strftime("%s", column), sa.Integer)


def _recount_selects(dialect, period_id: int | None) -> list[tuple[sa.Table, sa.Select]]:
    r, a = Response.__table__, Answer.__table__
    where = [r.c.period_id == period_id] if period_id is not None else [r.c.period_id.is_not(None)]
    survey = r.c.channel == "qr"
    profile = _key_of(r.c.gender)
    for name in ("age_band", "education", "occupation"):
        profile = profile + PROFILE_SEPARATOR + _key_of(r.c[name])
    squared = sa.cast(r.c.score_sum, sa.Integer) * r.c.score_sum
    face = sa.case((sa.and_(r.c.channel == "kiosk", r.c.score_n == 1), r.c.score_sum), else_=0)
    delayed = sa.case(
        (_whole_seconds(dialect, r.c.received_at) - _whole_seconds(dialect, r.c.cast_at) > DELAYED_AFTER_SECONDS, True),
        else_=False,
    )
    selects = []
    for dim, key, only in (
        (OFFICER, _key_of(r.c.officer_id), ()),
        (DESK, _key_of(r.c.desk_id), ()),
        (SERVICE, _key_of(r.c.service_id), ()),
        (HOUR, _hour_of(dialect, r.c.cast_at), ()),
        (PROFILE, profile, (survey,)),
    ):
        grouped: tuple[sa.ColumnElement, ...]
        columns: tuple[sa.ColumnElement, ...]
        if dim in COARSE:  # without flags, verified and late
            grouped = (r.c.channel, r.c.excluded, r.c.score_n, face)
            columns = (r.c.channel, sa.literal(0), r.c.excluded, sa.false(), r.c.score_n, face, sa.false())
        else:
            grouped = columns = (r.c.channel, r.c.flags, r.c.excluded, r.c.verified, r.c.score_n, face, delayed)
        selects.append(
            (
                ResponseTally.__table__,
                sa.select(
                    r.c.period_id,
                    sa.literal(dim, sa.String),
                    r.c.unit_id,
                    key,
                    *columns,
                    sa.func.count(),
                    sa.func.sum(r.c.score_sum),
                    sa.func.sum(squared),
                )
                .where(*where, *only)
                .group_by(r.c.period_id, r.c.unit_id, key, *grouped),
            )
        )
    answered = a.join(r, r.c.id == a.c.response_id)
    for dim, key, only in (
        (OFFICER, _key_of(r.c.officer_id), ()),  # a kiosk vote's answers too
        (DESK, _key_of(r.c.desk_id), (survey,)),
        (SERVICE, _key_of(r.c.service_id), (survey,)),
    ):
        # The unit's rows per value (under a literal key); the others' per key (value 0).
        # Per value under the service; summed, value 0, under the officer and the desk.
        value = a.c.value if dim == SERVICE else sa.literal(0, sa.SmallInteger)
        groups = (r.c.period_id, r.c.unit_id, key, r.c.channel, a.c.indicator_id, r.c.flags, r.c.excluded, r.c.verified)
        selects.append(
            (
                AnswerTally.__table__,
                sa.select(
                    r.c.period_id,
                    sa.literal(dim, sa.String),
                    r.c.unit_id,
                    key,
                    r.c.channel,
                    a.c.indicator_id,
                    value,
                    r.c.flags,
                    r.c.excluded,
                    r.c.verified,
                    sa.func.count(),
                    sa.func.sum(a.c.value),
                )
                .select_from(answered)
                .where(*where, *only)
                .group_by(*groups, *((a.c.value,) if dim == SERVICE else ())),
            )
        )
    return selects


def _response_key(row) -> tuple:
    period_id, dim, unit_id, key, channel, flags, excluded, verified, score_n, face, delayed = row
    channel = getattr(channel, "value", channel)
    return (int(period_id), dim, int(unit_id), key, channel, int(flags), bool(excluded), bool(verified),
            int(score_n), int(face), bool(delayed))  # fmt: skip


def _answer_key(row) -> tuple:
    period_id, dim, unit_id, key, channel, indicator_id, value, flags, excluded, verified = row
    channel = getattr(channel, "value", channel)
    return (int(period_id), dim, int(unit_id), key, channel, int(indicator_id), int(value), int(flags),
            bool(excluded), bool(verified))  # fmt: skip


def recount(connection, period_id: int | None = None) -> tuple[dict, dict]:
    """The tallies as the responses make them now, recounted from scratch: ({response key: (count,
    sum, sum of squares)}, {answer key: (count, sum)}). ``refill`` stores it; the tests compare it
    with what the writer kept."""
    responses: dict = {}
    answers: dict = {}
    for table, select in _recount_selects(connection.dialect, period_id):
        if table is ResponseTally.__table__:
            for row in connection.execute(select):
                responses[_response_key(row[:11])] = tuple(int(value) for value in row[11:])
        else:
            for row in connection.execute(select):
                answers[_answer_key(row[:10])] = tuple(int(value) for value in row[10:])
    return responses, answers


def kept(connection, period_id: int | None = None) -> tuple[dict, dict]:
    """The tallies as stored, in ``recount``'s shape, rows fallen to zero left out."""
    found = []
    for table, key, sums in (
        (ResponseTally.__table__, RESPONSE_KEY, RESPONSE_SUMS),
        (AnswerTally.__table__, ANSWER_KEY, ANSWER_SUMS),
    ):
        where = [table.c.period_id == period_id] if period_id is not None else []
        columns = [table.c[name] for name in key]
        found.append(
            connection.execute(
                sa.select(*columns, *(sa.func.sum(table.c[name]) for name in sums)).where(*where).group_by(*columns)
            ).all()
        )
    return (
        {_response_key(row[:11]): tuple(int(v) for v in row[11:]) for row in found[0] if any(row[11:])},
        {_answer_key(row[:10]): tuple(int(v) for v in row[10:]) for row in found[1] if any(row[10:])},
    )


def refill(connection, period_id: int | None = None) -> None:
    """Replace the stored tallies (of one period, or all) with a recount, in the caller's
    transaction. Nothing may write responses meanwhile: on PostgreSQL the responses are locked
    against writes until the transaction ends; SQLite has one writer anyway."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE response IN SHARE MODE"))
    for table in (ResponseTally.__table__, AnswerTally.__table__):
        delete = sa.delete(table)
        connection.execute(delete.where(table.c.period_id == period_id) if period_id is not None else delete)
    for table, select in _recount_selects(connection.dialect, period_id):
        names = [column.name for column in table.columns]
        connection.execute(sa.insert(table).from_select(names, select))


def differences(connection, period_id: int | None = None) -> list[str]:
    """Where the stored tallies and a recount disagree, one line each (none: they agree)."""
    stored, counted = kept(connection, period_id), recount(connection, period_id)
    lines = []
    for name, mine, theirs in (("response", stored[0], counted[0]), ("answer", stored[1], counted[1])):
        for key in sorted(set(mine) | set(theirs), key=repr):
            if mine.get(key) != theirs.get(key):
                lines.append(f"{name} {key}: kept {mine.get(key)}, recounted {theirs.get(key)}")
    return lines
