"""A citizen's response (a kiosk tap or a phone survey) and its answers: the record every score
is made of, and the one place that writes it.

``row_of`` is the one place that decides what is stored about a new response: its flags (from what
the caller observed, ``flags_of``), whether it is left out of scores (``excluded``, from the flags)
and what it gives them (``score_sum``/``score_n``). Every new response reaches it through one of
three ways in, each handed a ``NewResponse`` (what came in, and what the caller observed about it):
``ResponseWriter.write`` on a DBAPI cursor (the kiosk vote, on a connection of its own),
``record_response`` (the same on the session's connection: the phone survey and the tests'
factories) and ``record_responses`` (many at once: the demo). After that a response changes only
through ``flag_response`` (a dispute upheld; ``excluded`` follows), ``ResponseWriter.reflag`` (the
kiosk's rules judged again as votes arrive around it; ``excluded`` follows) and ``hide_comment``.
Responses are never deleted and never edited in substance: doubtful ones are kept, flagged and
left out. Whatever the way, the writer keeps the period's running tallies (``core.tallies``) in the
same transaction: a response is in them exactly when it is stored, under the flags it has.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Model, PerDialect, Prepared, UTCDateTime, db, dbapi_cursor, enum_column, utcnow
from .tallies import TALLIED, Increments, TallySQL

# The longest answer to a unit's short-text survey item.
TEXT_MAX_LENGTH = 200


class Channel(str, enum.Enum):
    KIOSK = "kiosk"
    QR = "qr"


class Flag(enum.IntFlag):
    """Why a response is special. Responses are never deleted: doubtful ones are flagged."""

    UNATTRIBUTED = 1  # no officer was on duty at the desk: counts for the desk and unit only
    CLOCK_ADJUSTED = 2  # the device's cast time was implausible; the received time was used
    REPEAT = 4  # a repeat from the same browser or kiosk: kept, left out of scores
    BURST = 8  # part of a burst of taps on one kiosk
    DUTY_START = 16  # cast seconds after the officer started duty at their own kiosk
    DISPUTE_UPHELD = 32  # the officer disputed it and the supervisor agreed
    RATE_LIMITED = 64  # sent beyond a per-client rate limit
    LATE = 128  # claims a time the server cannot believe: not inside an outage it saw, or arrived too late
    OVER_RATE = 256  # beyond the desk's plausible number of citizens per hour of duty
    REGULAR = 512  # one of a run of taps at machine-regular intervals
    NO_PERIOD = 1024  # cast while no appraisal period was open: kept outside any period


# Flags that take a response out of every score. The others only describe it.
EXCLUDING_FLAGS = (
    Flag.REPEAT
    | Flag.BURST
    | Flag.DUTY_START
    | Flag.DISPUTE_UPHELD
    | Flag.RATE_LIMITED
    | Flag.LATE
    | Flag.OVER_RATE
    | Flag.REGULAR
    | Flag.NO_PERIOD
)
# Why a response was left out, as reports name it: one label for each flag in EXCLUDING_FLAGS.
FLAG_LABELS = {
    Flag.REPEAT: _l("Repeat from the same phone or kiosk"),
    Flag.BURST: _l("Burst of taps on a kiosk"),
    Flag.DUTY_START: _l("Cast seconds after duty started"),
    Flag.DISPUTE_UPHELD: _l("Dispute upheld"),
    Flag.RATE_LIMITED: _l("Beyond the rate limit"),
    Flag.LATE: _l("Claimed a time the server could not confirm"),
    Flag.OVER_RATE: _l("More than the desk can serve in an hour"),
    Flag.REGULAR: _l("Taps at machine-regular intervals"),
    Flag.NO_PERIOD: _l("Cast while no period was open"),
}


class Response(Model):
    """One citizen's feedback: a kiosk tap or a phone survey. Never deleted, never edited in
    substance; flags say why one is left out of scores.

    ``uuid`` is made by the citizen's browser, so that a response sent twice (a retry, a
    double tap, an offline queue flushed twice) is stored once.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, 8))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    desk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("desk.id"))
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))
    # None: cast while no period was open (a kiosk vote); kept, flagged NO_PERIOD, in no score,
    # and not taken into a period opened later.
    period_id: Mapped[int | None] = mapped_column(sa.ForeignKey("period.id"))
    kiosk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("kiosk.id"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the device's clock
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flags: Mapped[int] = mapped_column(default=0)
    # Derived from ``flags`` by the writer (see ``excluded_by``) and stored, so that every score
    # query filters on one indexed column.
    excluded: Mapped[bool] = mapped_column(default=False)
    verified: Mapped[bool] = mapped_column(default=False)  # came through a one-time service code
    locale: Mapped[str] = mapped_column(sa.String(5), default="id")
    # The optional respondent profile the SKM uses; never a name, phone, address or religion.
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    age_band: Mapped[str | None] = mapped_column(sa.String(8))
    education: Mapped[str | None] = mapped_column(sa.String(8))
    occupation: Mapped[str | None] = mapped_column(sa.String(16))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    comment_hidden: Mapped[bool] = mapped_column(default=False)
    # What the response gives the scores, stored at insert so that reports aggregate one indexed
    # row per response and never join the answers: the sum and the number of its answers that
    # count (the SKM elements of a phone survey; the face of a kiosk vote, n = 1). A response's
    # own score is score_sum / score_n on 1..4.
    score_sum: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    score_n: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")

    __table_args__ = (
        # Covering indexes of the score queries over a slice of the period (a whole period is read
        # from core.tallies): a GROUP BY over them reads no table row. An officer's by moment.
        sa.Index(
            "ix_response_period_officer",
            "period_id",
            "officer_id",
            "cast_at",
            "unit_id",
            "channel",
            "excluded",
            "score_n",
            "score_sum",
        ),
        sa.Index("ix_response_period_unit", "period_id", "unit_id", "channel", "excluded", "score_n", "score_sum"),
        # A unit's responses of a day or an hour (today's figures, a month's officer of the month):
        # covering for the score queries, read only over the moments asked for.
        sa.Index(
            "ix_response_unit_cast",
            "unit_id",
            "cast_at",
            "period_id",
            "channel",
            "excluded",
            "score_n",
            "score_sum",
            "officer_id",
            "desk_id",
        ),
        # The votes kept outside any period, per unit (only they are in it).
        sa.Index(
            "ix_response_outside",
            "unit_id",
            "cast_at",
            sqlite_where=sa.text("period_id IS NULL"),
            postgresql_where=sa.text("period_id IS NULL"),
        ),
        # The comments, newest first: only the responses that have one are in it.
        sa.Index(
            "ix_response_commented",
            "cast_at",
            "id",
            sqlite_where=sa.text("comment IS NOT NULL"),
            postgresql_where=sa.text("comment IS NOT NULL"),
        ),
        # A desk's kiosk votes around a cast time, in the rules' order, and those it counted
        # (kiosk.votes.MisuseRules).
        sa.Index("ix_response_desk_cast", "desk_id", "cast_at", "uuid"),
        sa.Index("ix_response_desk_counted", "desk_id", "excluded", "cast_at"),
    )

    @property
    def flag_set(self) -> Flag:
        return Flag(self.flags or 0)


class Answer(Model):
    """The value a response gave one indicator: 1..4 on a scale, 1 for a picked reason, 1 no / 2 yes
    for a unit's yes/no item, 1 with the words in ``text`` for a unit's short-text item."""

    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicator.id"), primary_key=True, index=True)
    value: Mapped[int] = mapped_column(sa.SmallInteger)
    # A citizen's own words to a unit's short-text item (TEXT_MAX_LENGTH at most); None otherwise.
    text: Mapped[str | None] = mapped_column(sa.String(TEXT_MAX_LENGTH))

    response: Mapped[Response] = relationship(back_populates="answers")

    __table_args__ = (sa.CheckConstraint("value BETWEEN 1 AND 4", name="value_in_scale"),)


# The respondent profile the SKM usually collects: each field's question, and its answers as stored
# codes with their labels. Never a name, an address, a phone number or a religion: they are not
# needed, and they put people off.
PROFILE_QUESTIONS = {
    "gender": _l("Gender"),
    "age_band": _l("Age"),
    "education": _l("Education"),
    "occupation": _l("Occupation"),
}
PROFILE_LABELS = {
    "gender": {"L": _l("Male"), "P": _l("Female")},
    "age_band": {
        "<20": _l("Under 20"),
        "20-29": _l("20 to 29"),
        "30-39": _l("30 to 39"),
        "40-49": _l("40 to 49"),
        "50-59": _l("50 to 59"),
        "60+": _l("60 or older"),
    },
    "education": {
        "SD": _l("Primary school (SD)"),
        "SMP": _l("Junior high school (SMP)"),
        "SMA": _l("Senior high school (SMA/SMK)"),
        "D1-D4": _l("Diploma (D1 to D4)"),
        "S1": _l("Bachelor's degree (S1)"),
        "S2": _l("Master's degree (S2)"),
        "S3": _l("Doctorate (S3)"),
    },
    "occupation": {
        "pns": _l("Civil servant (PNS/ASN)"),
        "tni_polri": _l("Military or police (TNI/POLRI)"),
        "swasta": _l("Private employee"),
        "wiraswasta": _l("Self-employed"),
        "pelajar": _l("Pupil or student"),
        "lainnya": _l("Other"),
    },
}
PROFILE_FIELDS = {field: list(labels) for field, labels in PROFILE_LABELS.items()}  # the codes, in order


# --- The writer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """One answer on its way in: the indicator, the value (1..4; 1 for a picked kiosk reason), and
    what the indicator is, which decides whether the answer counts for the scores."""

    indicator_id: int
    value: int
    on_scale: bool = True  # a 1..4 question; False for a reason picked on the kiosk, a yes/no or a text
    element: str | None = None  # the SKM element (unsur) the question measures, if any
    text: str | None = None  # the words of a unit's short-text item


@dataclass(frozen=True)
class NewResponse:
    """A response on its way in: what the citizen sent, where it was attributed, and what the
    caller observed about how it arrived (the last five fields), which the writer turns into
    flags."""

    uuid: str
    channel: Channel
    unit_id: int
    period_id: int | None  # None: no period was open (kept outside any period, see Flag.NO_PERIOD)
    cast_at: datetime
    received_at: datetime
    answers: tuple[Given, ...] = field(default=())
    desk_id: int | None = None
    officer_id: int | None = None
    kiosk_id: int | None = None
    service_id: int | None = None
    locale: str = "id"
    verified: bool = False
    gender: str | None = None
    age_band: str | None = None
    education: str | None = None
    occupation: str | None = None
    comment: str | None = None
    # The device's clock was implausible and the received time stands in for the cast time.
    clock_adjusted: bool = False
    # Another vote of the kiosk within the burst window, or the kiosk's minute already full.
    burst: bool = False
    # Cast within seconds of the officer starting duty at the desk.
    duty_just_started: bool = False
    # The same browser already rated this officer (or desk) today.
    repeat: bool = False
    # Beyond the client's rate limit.
    over_rate_limit: bool = False
    # Claims a past time the server cannot believe (kiosk.votes): not inside an outage it saw.
    late: bool = False
    # Beyond the desk's ceiling of counted votes in the hour.
    over_rate: bool = False
    # One of a run of taps at machine-regular intervals.
    regular: bool = False


def flags_of(new: NewResponse) -> Flag:
    """The flags a new response is stored with."""
    flags = Flag(0)
    if new.officer_id is None:
        flags |= Flag.UNATTRIBUTED  # kept for the desk and the unit: a citizen's voice is never dropped
    if new.period_id is None:
        flags |= Flag.NO_PERIOD  # kept, outside any period: never thrown away, never counted
    for observed, flag in (
        (new.clock_adjusted, Flag.CLOCK_ADJUSTED),
        (new.burst, Flag.BURST),
        (new.duty_just_started, Flag.DUTY_START),
        (new.repeat, Flag.REPEAT),
        (new.over_rate_limit, Flag.RATE_LIMITED),
        (new.late, Flag.LATE),
        (new.over_rate, Flag.OVER_RATE),
        (new.regular, Flag.REGULAR),
    ):
        if observed:
            flags |= flag
    return flags


def excluded_by(flags: Flag | int) -> bool:
    """Whether a response with these flags is left out of every score."""
    return bool(Flag(flags) & EXCLUDING_FLAGS)


def score_of(channel: Channel, answers) -> tuple[int, int]:
    """What a response gives the scores: the sum and the number of its answers that count. A
    kiosk vote counts its face (n = 1); a phone survey counts its SKM elements, and an office's
    questions of its own are kept but do not count (the IKM is computed over the elements)."""
    counted = [a.value for a in answers if a.on_scale and (channel == Channel.KIOSK or a.element is not None)]
    return sum(counted), len(counted)


def row_of(new: NewResponse) -> dict:
    """Every column of the response to store (all but its id)."""
    flags = flags_of(new)
    score_sum, score_n = score_of(new.channel, new.answers)
    return {
        "uuid": new.uuid,
        "channel": new.channel,
        "unit_id": new.unit_id,
        "desk_id": new.desk_id,
        "officer_id": new.officer_id,
        "period_id": new.period_id,
        "kiosk_id": new.kiosk_id,
        "service_id": new.service_id,
        "cast_at": new.cast_at,
        "received_at": new.received_at,
        "flags": int(flags),
        "excluded": excluded_by(flags),
        "verified": new.verified,
        "locale": new.locale,
        "gender": new.gender,
        "age_band": new.age_band,
        "education": new.education,
        "occupation": new.occupation,
        "comment": new.comment,
        "comment_hidden": False,
        "score_sum": score_sum,
        "score_n": score_n,
    }


def _insert_response(dialect):
    """INSERT the response unless its UUID is stored (then nothing), RETURNING its id."""
    response = Response.__table__
    dml = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    return (
        dml(response)
        .values({c.key: sa.bindparam(c.key, type_=c.type) for c in response.columns if c.key != "id"})
        .on_conflict_do_nothing(index_elements=[response.c.uuid])
        .returning(response.c.id)
    )


def _insert_response_and_answers(dialect):
    """PostgreSQL: the response and its answers in one statement, atomic on its own (no answer is
    written when the UUID was already stored)."""
    answer = Answer.__table__
    inserted = _insert_response(dialect).cte("inserted")
    given = (
        sa.func.unnest(
            sa.bindparam("answer_indicators", type_=postgresql.ARRAY(sa.Integer)),
            sa.bindparam("answer_values", type_=postgresql.ARRAY(sa.SmallInteger)),
            sa.bindparam("answer_texts", type_=postgresql.ARRAY(sa.String)),
        )
        .table_valued("indicator_id", "value", "text")
        .render_derived(name="given")
    )
    answered = (
        sa.insert(answer)
        .from_select(
            ["response_id", "indicator_id", "value", "text"],
            sa.select(inserted.c.id, given.c.indicator_id, given.c.value, given.c.text)
            .select_from(inserted)
            .join(given, sa.true()),
        )
        .cte("answered")
    )
    return sa.select(inserted.c.id).add_cte(answered)


def _reflag(dialect):
    response = Response.__table__
    return (
        sa.update(response)
        .where(response.c.id == sa.bindparam("response_id"))
        .values(
            flags=sa.bindparam("new_flags", type_=response.c.flags.type),
            excluded=sa.bindparam("new_excluded", type_=response.c.excluded.type),
        )
    )


def _stored_response():
    response = Response.__table__
    return sa.select(*(response.c[name] for name in TALLIED)).where(response.c.id == sa.bindparam("response_id"))


def _stored_answers():
    answer = Answer.__table__
    return sa.select(answer.c.indicator_id, answer.c.value).where(answer.c.response_id == sa.bindparam("response_id"))


def _insert_answer(dialect):
    answer = Answer.__table__
    return sa.insert(answer).values({c.key: sa.bindparam(c.key, type_=c.type) for c in answer.columns})


class ResponseWriter(PerDialect):
    """``record_response`` on a DBAPI cursor of one dialect: what the kiosk vote uses on its own
    connection, and every other writer through the session's."""

    def __init__(self, dialect):
        self.one_statement = dialect.name == "postgresql"
        if self.one_statement:
            self.insert = Prepared(_insert_response_and_answers(dialect), dialect)
        else:
            self.insert = Prepared(_insert_response(dialect), dialect)
            self.insert_answer = Prepared(_insert_answer(dialect), dialect)
        self.update_flags = Prepared(_reflag(dialect), dialect)
        self.stored_response = Prepared(_stored_response(), dialect)
        self.stored_answers = Prepared(_stored_answers(), dialect)
        self.tallies = TallySQL.of(dialect)

    def write(
        self,
        cursor,
        new: NewResponse,
        reflags: dict[int, Flag] | None = None,
        observe_last: Callable[[NewResponse], NewResponse] | None = None,
    ) -> tuple[int, NewResponse] | None:
        """Store ``new`` with its answers, and the new flags of stored responses its arrival
        changes (``reflags``, see ``reflag``), with their tallies; its id and the response as
        stored, or None when its UUID was already stored (a second delivery, which then stores
        nothing, reflags none; one delivered at the same moment waits for the first one's
        transaction).

        ``observe_last``: what the caller observes only once the response is stored (the phone
        survey's per-client budgets, counted in the database): called after the insert, before
        the tallies, with ``new``, it returns ``new`` with those observations; the stored flags
        follow (one more statement, only when they change). On PostgreSQL a counter's row is
        locked from its upsert to the commit, and a budget shared by many phones (an office's
        one public address) would make every response wait for the one before it for the whole
        transaction: counted last, that wait is the commit's alone."""
        row = row_of(new)
        response_id = self._insert(cursor, new, row)
        if response_id is None:
            return None
        if observe_last is not None:
            new = observe_last(new)
            observed = row_of(new)
            if (observed["flags"], observed["excluded"]) != (row["flags"], row["excluded"]):
                self.update_flags.execute(
                    cursor,
                    {"response_id": response_id, "new_flags": observed["flags"], "new_excluded": observed["excluded"]},
                )
            row = observed
        increments = Increments()
        increments.add(row, [(given.indicator_id, given.value) for given in new.answers])
        self._reflag(cursor, reflags or {}, increments)
        self.tallies.apply(cursor, increments)
        return response_id, new

    def _insert(self, cursor, new: NewResponse, row: dict) -> int | None:
        if self.one_statement:
            found = self.insert.one(
                cursor,
                {
                    **row,
                    "answer_indicators": [a.indicator_id for a in new.answers],
                    "answer_values": [a.value for a in new.answers],
                    "answer_texts": [a.text for a in new.answers],
                },
            )
            return found[0] if found else None
        found = self.insert.one(cursor, row)
        if found is None:
            return None
        self.insert_answer.execute_many(
            cursor,
            [
                {"response_id": found[0], "indicator_id": given.indicator_id, "value": given.value, "text": given.text}
                for given in new.answers
            ],
        )
        return found[0]

    def reflag(self, cursor, flags_by_id: dict[int, Flag]) -> None:
        """Set the flags of stored responses (a dispute upheld; the kiosk's rules judged again when
        a vote arrives among them, see kiosk.votes); ``excluded`` follows, by ``excluded_by`` as at
        insert, and each response moves to the tallies of its new flags."""
        increments = Increments()
        self._reflag(cursor, flags_by_id, increments)
        self.tallies.apply(cursor, increments)

    def _stored(self, cursor, response_id: int) -> tuple[dict, list[tuple[int, int]]]:
        """A stored response's tallied columns and its answers."""
        found = self.stored_response.one(cursor, {"response_id": response_id})
        row = dict(zip(TALLIED, found or ()))
        cursor.execute(self.stored_answers.sql, self.stored_answers.params({"response_id": response_id}))
        return row, [(int(indicator_id), int(value)) for indicator_id, value in cursor.fetchall()]

    def _reflag(self, cursor, flags_by_id: dict[int, Flag], increments: Increments) -> None:
        changed = []
        for response_id, flags in sorted(flags_by_id.items()):
            row, answers = self._stored(cursor, response_id)
            moved = {**row, "flags": int(flags), "excluded": excluded_by(flags)}
            if (moved["flags"], moved["excluded"]) == (int(row["flags"]), bool(row["excluded"])):
                continue
            increments.add(row, answers, -1)
            increments.add(moved, answers)
            changed.append({"response_id": response_id, "new_flags": moved["flags"], "new_excluded": moved["excluded"]})
        if changed:
            self.update_flags.execute_many(cursor, changed)


def session_cursor():
    """(a DBAPI cursor on the session's connection, in its transaction, its dialect): see
    ``core.db.dbapi_cursor``."""
    session = db.session()
    session.flush()
    return dbapi_cursor(session.connection())


def record_response(new: NewResponse) -> int | None:
    """Store ``new`` in the session's transaction; its id, or None when its UUID was already
    stored (see ``ResponseWriter.write``). The caller commits."""
    with session_cursor() as (cursor, dialect):
        written = ResponseWriter.of(dialect).write(cursor, new)
    return written[0] if written else None


def record_responses(many: list[NewResponse]) -> list[int]:
    """Store many new responses at once (the demo's weeks of history), each as ``record_response``
    would; their ids, in order. UUIDs must be new."""
    if not many:
        return []
    rows = [row_of(new) for new in many]
    ids = list(db.session.scalars(sa.insert(Response).returning(Response.id, sort_by_parameter_order=True), rows))
    answers = [
        {"response_id": response_id, "indicator_id": given.indicator_id, "value": given.value, "text": given.text}
        for response_id, new in zip(ids, many)
        for given in new.answers
    ]
    if answers:
        db.session.execute(sa.insert(Answer), answers)
    increments = Increments()
    for row, new in zip(rows, many):
        increments.add(row, [(given.indicator_id, given.value) for given in new.answers])
    with session_cursor() as (cursor, dialect):
        TallySQL.of(dialect).apply(cursor, increments)
    return ids


def flag_response(response: Response, flag: Flag) -> None:
    """Add ``flag`` to a stored response (a dispute upheld); ``excluded`` and its tallies follow."""
    with session_cursor() as (cursor, dialect):
        db.session.refresh(response, ["flags"])  # as stored: what it had is what it keeps
        ResponseWriter.of(dialect).reflag(cursor, {response.id: Flag(response.flags or 0) | flag})
    db.session.expire(response, ["flags", "excluded"])


def hide_comment(response: Response, hidden: bool) -> None:
    """Hide an abusive comment from every page and report, or show it again; the text is kept."""
    response.comment_hidden = hidden
    db.session.flush()
