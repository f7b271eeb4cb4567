"""The phone survey: the SKM questionnaire of PermenPANRB 14/2017 answered on the citizen's own
phone, reached through a QR code (where each kind of code leads: ``survey.codes``). State changes
and the reads they need, one function each.

Every function that depends on the time takes ``now``; functions add and flush, the caller
commits once; bad input raises a ``SurveyError`` having stored nothing.

Static codes (desk and officer) are on posters anyone can scan again, so a browser's second
response to the same officer on the same day is kept but flagged ``REPEAT``, and one beyond the
per-client rate limit is kept but flagged ``RATE_LIMITED``: nothing is lost, nothing counts twice.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal.models import Indicator, Period
from appraisal.periods import AROUND, days_around, open_period_of, open_period_on
from core import audit
from core.db import PerDialect, Prepared, db, dbapi_cursor, utcnow
from core.i18n import LOCALES
from core.responses import Channel, Flag, NewResponse, ResponseWriter, flags_of, session_cursor
from org.duty import local_date
from org.models import Desk, Duty, Officer, new_public_code

from .codes import (
    SERVICE_CODE_LENGTH,
    SERVICE_CODE_TTL,
    SERVICE_CODES_PER_HOUR,
    CodeKind,
    SurveyTarget,
    _check_usable,
    check_usable,
    find_target,
    normalize_code,
)
from .errors import SurveyError
from .forms import given, parse_survey_form
from .models import ServiceCode
from .queries import service_ids_of, submission_context, survey_indicators, survey_questions_of


@dataclass(frozen=True)
class SurveyResult:
    """What the citizen's browser is told about a response; the same for a resubmission."""

    created: bool
    flags: Flag
    # The browser's memory of whom it rated on which day (see ``seen_key``).
    seen_key: str
    # The code answered (as stored) and its unit's, for the thank-you.
    code: str
    unit_code: str


# --- Codes ------------------------------------------------------------------------------------


def open_survey(target: SurveyTarget, now: datetime) -> tuple[Period, list[Indicator]]:
    """The open period and the questions of a survey answered now through ``target``. Raises
    SurveyError when the code is spent or expired, no period is open, or nothing is asked."""
    _check_usable(target, now)
    period = open_period_on(local_date(target.unit, now))
    if period is None:
        raise SurveyError("no_open_period")
    indicators = survey_indicators(target.unit)
    if not indicators:
        raise SurveyError("no_question")
    return period, indicators


def issue_service_code(
    officer: Officer,
    desk: Desk | None = None,
    now: datetime | None = None,
    ttl: timedelta = SERVICE_CODE_TTL,
    *,
    minted_kiosk_id: int | None = None,
    minted_device: str | None = None,
    per_hour: int = SERVICE_CODES_PER_HOUR,
) -> ServiceCode:
    """A fresh one-time code for the citizen ``officer`` has just served, bound to the duty the
    officer is on (at ``desk``, when the caller knows the desk: the kiosk's).

    A verified response must follow a real service, so: the officer must be on duty at a desk
    (off duty, no code); at most ``per_hour`` codes in any hour of one duty (a counter serves a
    citizen every few minutes; more is someone minting codes to answer them); what minted it
    (the kiosk, a keyed hash of the browser's device id: ``survey.devices``) is kept, so that it
    cannot answer it (``check_answerer``). The caller has checked who asks (the officer signed in,
    or their PIN at the kiosk)."""
    now = now or utcnow()
    if not officer.active:
        raise SurveyError("inactive_officer")
    if desk is not None and desk.unit_id != officer.unit_id:
        raise SurveyError("wrong_unit")
    duty = db.session.scalar(
        sa.select(Duty)
        .where(
            Duty.officer_id == officer.id, Duty.started_at <= now, sa.or_(Duty.ended_at.is_(None), Duty.ended_at > now)
        )
        .order_by(Duty.started_at.desc())
        .limit(1)
        # PostgreSQL: two requests minting for one duty at once count one after the other (SQLite
        # runs one writer at a time anyway, and ignores FOR UPDATE).
        .with_for_update()
    )
    if duty is None or (desk is not None and duty.desk_id != desk.id):
        raise SurveyError("off_duty")
    minted = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ServiceCode)
        .where(ServiceCode.duty_id == duty.id, ServiceCode.created_at > now - timedelta(hours=1))
    )
    if minted >= per_hour:
        raise SurveyError("too_many_codes", max=per_hour)
    service_code = ServiceCode(
        code=new_public_code(SERVICE_CODE_LENGTH),
        officer=officer,
        desk=duty.desk,
        duty=duty,
        minted_kiosk_id=minted_kiosk_id,
        minted_device=minted_device,
        created_at=now,
        expires_at=now + ttl,
    )
    db.session.add(service_code)
    db.session.flush()
    return service_code


@dataclass(frozen=True)
class Answerer:
    """Who is answering a survey, as far as the request shows: the officer the browser is
    signed in as (None if nobody, or not an officer) and the hash of its device id."""

    officer_id: int | None = None
    device: str | None = None


def check_answerer(target: SurveyTarget, answerer: Answerer) -> None:
    """A one-time code proves a service only when the citizen answers it: refused (403) to a
    browser signed in as its officer, and to any device that has minted a code."""
    code = target.service_code
    if code is None:
        return
    _check_own_code(
        answerer,
        code.officer_id,
        code.minted_device,
        lambda: db.session.scalar(
            sa.select(sa.literal(True)).where(ServiceCode.minted_device == answerer.device).limit(1)
        ),
    )


def _check_own_code(
    answerer: Answerer, officer_id: int, minted_device: str | None, minted_any: Callable[[], bool | None]
) -> None:
    if answerer.officer_id is not None and answerer.officer_id == officer_id:
        raise SurveyError("own_code")
    # A device that has minted any code is staff's (the kiosk tablet, an officer's PC): it answers
    # no one-time code, whoever minted it, so colleagues cannot verify each other's codes there.
    if answerer.device is not None and (answerer.device == minted_device or minted_any()):
        raise SurveyError("own_code")


def record_refused_answer(code: str) -> None:
    """Count an answer refused by ``check_answerer`` on its code (in one UPDATE: the count holds
    across workers); the officer's sheet and the supervisor see it, nothing is silently dropped.
    The caller commits."""
    target = find_target(code)
    if target is None or target.service_code is None:
        return
    db.session.execute(
        sa.update(ServiceCode)
        .where(ServiceCode.id == target.service_code.id)
        .values(refused_answers=ServiceCode.refused_answers + 1)
    )


# --- Repeats ------------------------------------------------------------------------------------


def seen_key(day: date, desk_id: int | None, officer_id: int | None) -> str:
    """What a browser remembers of a response: the unit's day and whom it rated (the officer,
    or the desk when nobody was on duty)."""
    who = f"o{officer_id}" if officer_id is not None else f"d{desk_id}"
    return f"{day.isoformat()}:{who}"


def keys_worth_keeping(keys: Iterable[str], now: datetime) -> list[str]:
    """Drop what no longer matters: a key's day must be yesterday or later, in UTC terms (a
    unit's local day is at most a day off). At most 50 keys, so the cookie stays small."""
    cutoff = (now.date() - timedelta(days=1)).isoformat()
    return sorted({k for k in keys if isinstance(k, str) and k[:10] >= cutoff})[-50:]


# --- Writing a response -------------------------------------------------------------------------


def parse_uuid(raw) -> str:
    try:
        if not isinstance(raw, str):
            raise ValueError
        return str(uuid_module.UUID(raw))
    except ValueError:
        raise SurveyError("bad_uuid") from None


class _SurveySQL(PerDialect):
    """The statements of a response for one dialect: its one read, spending a one-time code, and
    the one writer of a response."""

    def __init__(self, dialect):
        self.context = Prepared(submission_context(), dialect)
        code = ServiceCode.__table__
        self.spend = Prepared(
            sa.update(code)
            .where(code.c.id == sa.bindparam("code_id"), code.c.used_at.is_(None))
            .values(
                used_at=sa.bindparam("used_at", type_=code.c.used_at.type),
                response_id=sa.bindparam("response_id", type_=sa.Integer),
            ),
            dialect,
        )
        self.writer = ResponseWriter.of(dialect)


@dataclass(frozen=True)
class _Context:
    """The row of ``queries.submission_context``, named."""

    kind: CodeKind
    desk_id: int | None
    officer_id: int | None
    code_id: int | None
    active: bool
    unit_id: int
    unit_code: str
    timezone: str
    code_used_at: datetime | None
    code_expires_at: datetime | None
    code_minted_device: str | None
    code_response_id: int | None
    officer_on_duty: int | None
    desk_on_duty: int | None
    minted_any: int | None
    stored_id: int | None
    stored_channel: Channel | None
    stored_desk_id: int | None
    stored_officer_id: int | None
    stored_flags: int | None
    stored_cast_at: datetime | None
    period_ids: tuple[int | None, ...]
    questions: str | None
    services: str | None

    @classmethod
    def of(cls, row) -> _Context:
        kind = (CodeKind.DESK, CodeKind.OFFICER, CodeKind.SERVICE)[row[0]]
        periods = 21  # where the open periods around now (appraisal.periods.AROUND) begin in the row
        return cls(kind, *row[1:periods], tuple(row[periods : periods + len(AROUND)]), *row[periods + len(AROUND) :])

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def attribution(self) -> tuple[int | None, int | None]:
        """(desk id, officer id) a response given now goes to, as ``codes.attribution``."""
        if self.kind == CodeKind.DESK:
            return self.desk_id, self.officer_on_duty
        if self.kind == CodeKind.OFFICER:
            return self.desk_on_duty, self.officer_id
        return self.desk_id, self.officer_id

    def existing(self, code: str) -> SurveyResult | None:
        """The result of the response stored under the form's UUID, if any; SurveyError when it
        is not this code's (a UUID is not a way to overwrite someone else's response)."""
        if self.stored_id is None:
            return None
        if self.kind == CodeKind.SERVICE:
            belongs = self.code_response_id == self.stored_id
        elif self.kind == CodeKind.DESK:
            belongs = self.stored_desk_id == self.desk_id
        else:
            belongs = self.stored_officer_id == self.officer_id
        if self.stored_channel != Channel.QR or not belongs:
            raise SurveyError("uuid_conflict")
        return SurveyResult(
            False,
            Flag(self.stored_flags or 0),
            seen_key(self.local_date(self.stored_cast_at), self.stored_desk_id, self.stored_officer_id),
            code,
            self.unit_code,
        )


def _read(sql: _SurveySQL, cursor, code: str, response_uuid: str | None, now: datetime, device: str | None):
    row = sql.context.one(
        cursor, {"code": code, "uuid": response_uuid, "now": now, "device": device, **days_around(now)}
    )
    return _Context.of(row) if row is not None else None


def record_survey_response(
    code: str,
    form: Mapping[str, str],
    *,
    locale: str = "id",
    now: datetime | None = None,
    seen: Iterable[str] = (),
    over_rate_limit: Callable[[str], bool] | None = None,
    answerer: Answerer = Answerer(),
    connection: sa.Connection | None = None,
    before_write: Callable[[], None] | None = None,
) -> SurveyResult:
    """Store one phone-survey response, in the transaction of ``connection`` (by default the
    session's; the caller commits);
    idempotent on the form's UUID (made by the server when it rendered the form), so a
    double-tapped send or a resubmitted page stores once and gets the first result.

    ``seen``: the keys the browser remembers (``seen_key``); ``over_rate_limit``: asked once,
    only when a response from a static code is about to be stored, with the response's
    ``seen_key`` (its day, and whom it rates), whether this client is past its limits;
    ``answerer``: who answers, as far as the request shows (``check_answerer``);
    ``before_write``: called once the response is checked, right before its first write (the
    view takes its turn at SQLite's write lock there, ``core.db.WriteTurn``). Raises SurveyError
    (SurveyInvalid for answers), having stored nothing.

    It reads once (``queries.submission_context``: what ``find_target``, ``check_answerer``,
    ``open_survey`` and ``attribution`` read for the form's page, and the UUID's response) and
    writes once (the response with its answers, through the one writer of a response), then
    spends a one-time code: statements compiled once (``core.db.Prepared``) on the caller's
    connection, because the ORM's work per statement costs more than the statements (the phone
    survey is the busiest request after the kiosk vote).
    """
    now = now or utcnow()
    normalized = normalize_code(code)
    if normalized is None:
        raise SurveyError("unknown_code")
    try:
        response_uuid: str | None = parse_uuid(form.get("uuid"))
    except SurveyError as error:
        bad_uuid: SurveyError | None = error
        response_uuid = None
    else:
        bad_uuid = None
    with session_cursor() if connection is None else dbapi_cursor(connection) as (cursor, dialect):
        sql = _SurveySQL.of(dialect)
        context = _read(sql, cursor, normalized, response_uuid, now, answerer.device)
        if context is None or not context.active:
            raise SurveyError("unknown_code")
        if bad_uuid is not None:
            raise bad_uuid
        existing = context.existing(normalized)
        if existing is not None:
            return existing
        static = context.kind != CodeKind.SERVICE
        if not static:
            _check_own_code(answerer, context.officer_id, context.code_minted_device, lambda: context.minted_any)
            check_usable(context.code_used_at, context.code_expires_at, now)
        day = context.local_date(now)
        period_id = open_period_of(context.period_ids, now, context.timezone)
        if period_id is None:
            raise SurveyError("no_open_period")
        questions = survey_questions_of(context.questions)
        if not questions:
            raise SurveyError("no_question")
        parsed = parse_survey_form(form, questions, service_ids_of(context.services))

        desk_id, officer_id = context.attribution()
        key = seen_key(day, desk_id, officer_id)
        by_id = {question.id: question for question in questions}
        if before_write is not None:
            before_write()
        new = NewResponse(
            uuid=response_uuid,
            channel=Channel.QR,
            unit_id=context.unit_id,
            period_id=period_id,
            cast_at=now,
            received_at=now,
            desk_id=desk_id,
            officer_id=officer_id,
            service_id=parsed.service_id,
            verified=not static,
            locale=locale if locale in LOCALES else LOCALES[0],
            comment=parsed.comment,
            answers=tuple(given(by_id[question_id], value) for question_id, value in parsed.answers.items()),
            # Static codes are on posters anyone may scan again: a browser's second response to
            # the same officer today, and one beyond the client's rate limit, are kept but flagged.
            repeat=static and key in set(seen),
            **parsed.profile,
        )
        counted: Callable[[NewResponse], NewResponse] | None = None
        if static and over_rate_limit is not None:
            # The client's budgets count stored responses: counted once this one is stored, and
            # last (see ResponseWriter.write), so that a shared budget's row stays locked only
            # until the commit.
            limited = over_rate_limit
            counted = lambda stored: replace(stored, over_rate_limit=limited(key))  # noqa: E731
        written = sql.writer.write(cursor, new, observe_last=counted)
        if written is None:
            # The same form was sent twice at once: the answer is the first delivery's.
            return _read(sql, cursor, normalized, response_uuid, now, answerer.device).existing(normalized)
        response_id, new = written
        if not static:
            # Conditional update: if another response spent the code meanwhile, this one matches
            # no row, and the caller's rollback takes this response away again.
            sql.spend.execute(cursor, {"code_id": context.code_id, "used_at": now, "response_id": response_id})
            if cursor.rowcount != 1:
                raise SurveyError("used")
    return SurveyResult(True, flags_of(new), key, normalized, context.unit_code)


def posters_printed(actor, unit, size: str, pdf: bool, now: datetime | None = None) -> None:
    """The unit's posters were opened to print, or downloaded as PDF: the audit log keeps who
    and when (posters carry the unit's codes), and the new unit's checklist ticks "posters"."""
    audit.record(
        actor, "posters", "unit", unit.id, unit.name, after={"size": size, "pdf": pdf}, unit_id=unit.id, now=now
    )
