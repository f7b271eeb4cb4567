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
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from appraisal.models import Indicator, Period
from appraisal.periods import open_period_on
from core import audit
from core.db import db, utcnow
from core.i18n import LOCALES
from core.responses import Channel, Flag, NewResponse, Response, flags_of, record_response
from org.duty import local_date
from org.models import Desk, Duty, Officer, new_public_code

from .codes import (
    SERVICE_CODE_LENGTH,
    SERVICE_CODE_TTL,
    SERVICE_CODES_PER_HOUR,
    CodeKind,
    SurveyTarget,
    _check_usable,
    attribution,
    find_target,
)
from .errors import SurveyError
from .forms import given, parse_survey_form
from .models import ServiceCode
from .queries import survey_indicators, unit_services


@dataclass(frozen=True)
class SurveyResult:
    """What the citizen's browser is told about a response; the same for a resubmission."""

    uuid: str
    created: bool
    flags: Flag
    # The browser's memory of whom it rated on which day (see ``seen_key``).
    seen_key: str
    # Where the code led, for the thank-you.
    target: SurveyTarget


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
    if answerer.officer_id is not None and answerer.officer_id == code.officer_id:
        raise SurveyError("own_code")
    # A device that has minted any code is staff's (the kiosk tablet, an officer's PC): it answers
    # no one-time code, whoever minted it, so colleagues cannot verify each other's codes there.
    if answerer.device is not None and (
        answerer.device == code.minted_device
        or db.session.scalar(sa.select(sa.literal(True)).where(ServiceCode.minted_device == answerer.device).limit(1))
    ):
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


def _belongs(row: Response, target: SurveyTarget) -> bool:
    if row.channel != Channel.QR:
        return False
    if target.kind == CodeKind.SERVICE:
        return target.service_code.response_id == row.id
    if target.kind == CodeKind.DESK:
        return row.desk_id == target.desk.id
    return row.officer_id == target.officer.id


def _existing(response_uuid: str, target: SurveyTarget) -> SurveyResult | None:
    row = db.session.scalar(sa.select(Response).where(Response.uuid == response_uuid))
    if row is None:
        return None
    if not _belongs(row, target):
        raise SurveyError("uuid_conflict")
    return SurveyResult(
        row.uuid,
        False,
        row.flag_set,
        seen_key(local_date(target.unit, row.cast_at), row.desk_id, row.officer_id),
        target,
    )


def record_survey_response(
    code: str,
    form: Mapping[str, str],
    *,
    locale: str = "id",
    now: datetime | None = None,
    seen: Iterable[str] = (),
    over_rate_limit: Callable[[str], bool] | None = None,
    answerer: Answerer = Answerer(),
) -> SurveyResult:
    """Store one phone-survey response; idempotent on the form's UUID (made by the server when it
    rendered the form), so a double-tapped send or a resubmitted page stores once and gets the
    first result.

    ``seen``: the keys the browser remembers (``seen_key``); ``over_rate_limit``: asked once,
    only when a response from a static code is about to be stored, with the response's
    ``seen_key`` (its day, and whom it rates), whether this client is past its limits;
    ``answerer``: who answers, as far as the request shows (``check_answerer``). Raises
    SurveyError (SurveyInvalid for answers), having stored nothing.
    """
    now = now or utcnow()
    target = find_target(code)
    if target is None:
        raise SurveyError("unknown_code")
    response_uuid = parse_uuid(form.get("uuid"))
    existing = _existing(response_uuid, target)
    if existing is not None:
        return existing
    check_answerer(target, answerer)
    period, indicators = open_survey(target, now)
    parsed = parse_survey_form(form, indicators, unit_services(target.unit))

    desk_id, officer_id = attribution(target, now)
    key = seen_key(local_date(target.unit, now), desk_id, officer_id)
    by_id = {i.id: i for i in indicators}
    new = NewResponse(
        uuid=response_uuid,
        channel=Channel.QR,
        unit_id=target.unit.id,
        period_id=period.id,
        cast_at=now,
        received_at=now,
        desk_id=desk_id,
        officer_id=officer_id,
        service_id=parsed.service_id,
        verified=target.verified,
        locale=locale if locale in LOCALES else LOCALES[0],
        comment=parsed.comment,
        answers=tuple(given(by_id[indicator_id], value) for indicator_id, value in parsed.answers.items()),
        # Static codes are on posters anyone may scan again: a browser's second response to the
        # same officer today, and one beyond the client's rate limit, are kept but flagged.
        repeat=target.static and key in set(seen),
        over_rate_limit=target.static and over_rate_limit is not None and over_rate_limit(key),
        **parsed.profile,
    )
    response_id = record_response(new)
    if response_id is None:
        # The same form was sent twice at once: the answer is the first delivery's.
        return _existing(response_uuid, target)

    if target.service_code is not None:
        # Conditional update: if another response spent the code meanwhile, this one matches no
        # row, and the caller's rollback takes this response away again.
        spent = db.session.execute(
            sa.update(ServiceCode)
            .where(ServiceCode.id == target.service_code.id, ServiceCode.used_at.is_(None))
            .values(used_at=now, response_id=response_id)
        ).rowcount
        if spent != 1:
            raise SurveyError("used")
    return SurveyResult(response_uuid, True, flags_of(new), key, target)


def posters_printed(actor, unit, size: str, pdf: bool, now: datetime | None = None) -> None:
    """The unit's posters were opened to print, or downloaded as PDF: the audit log keeps who
    and when (posters carry the unit's codes), and the new unit's checklist ticks "posters"."""
    audit.record(
        actor, "posters", "unit", unit.id, unit.name, after={"size": size, "pdf": pdf}, unit_id=unit.id, now=now
    )
