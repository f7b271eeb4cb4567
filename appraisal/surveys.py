"""The phone survey: the SKM questionnaire of PermenPANRB 14/2017 answered on the citizen's own
phone, reached through a QR code. State changes and the reads they need, one function each.

Same rules as ``services``: every function that depends on the time takes ``now``; functions add
and flush, the caller commits once; bad input raises a ``SurveyError`` having stored nothing.

Three kinds of code lead to the survey at ``/s/<code>``:

- a desk's code (the poster at a loket): the response goes to whoever is on duty at that desk at
  the moment of answering;
- an officer's code (their name plate): the response goes to that officer, and to the desk where
  they are on duty at that moment, if any;
- a one-time service code, shown by the officer right after serving someone: valid once, for a
  limited time. Its response is ``verified``: it comes from a real service event.

Static codes (desk and officer) are on posters anyone can scan again, so a browser's second
response to the same officer on the same day is kept but flagged ``REPEAT``, and one beyond the
per-client rate limit is kept but flagged ``RATE_LIMITED``: nothing is lost, nothing counts twice.
"""

from __future__ import annotations

import enum
import uuid as uuid_module
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .db import db, utcnow
from .errors import SurveyError, SurveyInvalid
from .models import (
    CODE_ALPHABET, Answer, Channel, Desk, Flag, Indicator, IndicatorKind, Officer, Period, Response,
    Service, ServiceCode, Unit, new_public_code,
)
from .services import desk_of_officer_at, insert_once, local_date, officer_on_duty_at, open_period_on

SERVICE_CODE_TTL = timedelta(hours=2)
# Longer than the 10 characters of desk and officer codes (about 69 bits): a one-time code is
# worth guessing, since its response counts as verified.
SERVICE_CODE_LENGTH = 14
MAX_CODE_LENGTH = 24
COMMENT_MAX_LENGTH = 1000
LOCALES = ("id", "en")

# The respondent profile the SKM usually collects, as stored codes. Never a name, an address, a
# phone number or a religion: they are not needed, and they put people off.
GENDERS = ["L", "P"]
AGE_BANDS = ["<20", "20-29", "30-39", "40-49", "50-59", "60+"]
EDUCATION = ["SD", "SMP", "SMA", "D1-D4", "S1", "S2", "S3"]
OCCUPATIONS = ["pns", "tni_polri", "swasta", "wiraswasta", "pelajar", "lainnya"]

PROFILE_LABELS = {
    "gender": {"L": _l("Male"), "P": _l("Female")},
    "age_band": {"<20": _l("Under 20"), "20-29": _l("20 to 29"), "30-39": _l("30 to 39"),
                 "40-49": _l("40 to 49"), "50-59": _l("50 to 59"), "60+": _l("60 or older")},
    "education": {"SD": _l("Primary school (SD)"), "SMP": _l("Junior high school (SMP)"),
                  "SMA": _l("Senior high school (SMA/SMK)"), "D1-D4": _l("Diploma (D1 to D4)"),
                  "S1": _l("Bachelor's degree (S1)"), "S2": _l("Master's degree (S2)"),
                  "S3": _l("Doctorate (S3)")},
    "occupation": {"pns": _l("Civil servant (PNS/ASN)"), "tni_polri": _l("Military or police (TNI/POLRI)"),
                   "swasta": _l("Private employee"), "wiraswasta": _l("Self-employed"),
                   "pelajar": _l("Pupil or student"), "lainnya": _l("Other")},
}
PROFILE_FIELDS = {"gender": GENDERS, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS}


class CodeKind(str, enum.Enum):
    DESK = "desk"
    OFFICER = "officer"
    SERVICE = "service"


@dataclass
class SurveyTarget:
    """Where a code leads: the unit always, a desk and an officer when the code says so."""

    kind: CodeKind
    code: str
    unit: Unit
    desk: Desk | None = None
    officer: Officer | None = None
    service_code: ServiceCode | None = None

    @property
    def static(self) -> bool:
        """A code printed on a poster, which anyone may scan again and again."""
        return self.kind != CodeKind.SERVICE

    @property
    def verified(self) -> bool:
        return self.kind == CodeKind.SERVICE


@dataclass(frozen=True)
class SurveyResult:
    """What the citizen's browser is told about a response; the same for a resubmission."""

    uuid: str
    created: bool
    flags: Flag
    # The browser's memory of whom it rated on which day (see ``seen_key``).
    seen_key: str


# --- Codes ------------------------------------------------------------------------------------

def normalize_code(text: str | None) -> str | None:
    """The code as stored (lower case), or None when it cannot be one of ours."""
    code = (text or "").strip().lower()
    if not code or len(code) > MAX_CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def find_target(text: str | None) -> SurveyTarget | None:
    """Where a code leads, whether or not it can still be answered (a one-time code may be
    spent or expired); None for a code that leads nowhere or to something inactive."""
    code = normalize_code(text)
    if code is None:
        return None
    desk = db.session.scalar(sa.select(Desk).where(Desk.code == code))
    if desk is not None:
        return SurveyTarget(CodeKind.DESK, code, desk.unit, desk=desk) if desk.active else None
    officer = db.session.scalar(sa.select(Officer).where(Officer.code == code))
    if officer is not None:
        return SurveyTarget(CodeKind.OFFICER, code, officer.unit, officer=officer) if officer.active else None
    service_code = db.session.scalar(sa.select(ServiceCode).where(ServiceCode.code == code))
    if service_code is not None and service_code.officer.active:
        return SurveyTarget(CodeKind.SERVICE, code, service_code.officer.unit, desk=service_code.desk,
                            officer=service_code.officer, service_code=service_code)
    return None


def _check_usable(target: SurveyTarget, now: datetime) -> None:
    code = target.service_code
    if code is not None:
        if code.used_at is not None:
            raise SurveyError("used")
        if code.expires_at <= now:
            raise SurveyError("expired")


def resolve_code(text: str | None, now: datetime | None = None) -> SurveyTarget:
    """Where a code leads, if it can be answered now. Raises SurveyError (unknown, used, expired)."""
    target = find_target(text)
    if target is None:
        raise SurveyError("unknown_code")
    _check_usable(target, now or utcnow())
    return target


def open_survey(target: SurveyTarget, now: datetime) -> tuple[Period, list[Indicator]]:
    """The open period and the questions of a survey answered now through ``target``. Raises
    SurveyError when the code is spent or expired, no period is open, or nothing is asked."""
    _check_usable(target, now)
    period = open_period_on(local_date(target.unit, now))
    if period is None:
        raise SurveyError("no_open_period")
    indicators = survey_indicators()
    if not indicators:
        raise SurveyError("no_question")
    return period, indicators


def issue_service_code(officer: Officer, desk: Desk | None = None, now: datetime | None = None,
                       ttl: timedelta = SERVICE_CODE_TTL) -> ServiceCode:
    """A fresh one-time code for the citizen ``officer`` has just served (at ``desk``, if known)."""
    now = now or utcnow()
    if not officer.active:
        raise SurveyError("inactive_officer")
    if desk is not None and desk.unit_id != officer.unit_id:
        raise SurveyError("wrong_unit")
    service_code = ServiceCode(code=new_public_code(SERVICE_CODE_LENGTH), officer=officer, desk=desk,
                               created_at=now, expires_at=now + ttl)
    db.session.add(service_code)
    db.session.flush()
    return service_code


def attribution(target: SurveyTarget, now: datetime) -> tuple[int | None, int | None]:
    """(desk id, officer id) a response given now through this target goes to."""
    if target.kind == CodeKind.DESK:
        return target.desk.id, officer_on_duty_at(target.desk.id, now)
    if target.kind == CodeKind.OFFICER:
        return desk_of_officer_at(target.officer.id, now), target.officer.id
    return (target.desk.id if target.desk else None), target.officer.id


# --- What the survey asks ---------------------------------------------------------------------

def survey_indicators() -> list[Indicator]:
    """The active 1-4 questions of the QR channel, in order: by default the nine SKM elements."""
    rows = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.active.is_(True), Indicator.kind == IndicatorKind.SCALE)
        .order_by(Indicator.position, Indicator.id)
    ).all()
    return [i for i in rows if i.on_channel(Channel.QR)]


def unit_services(unit: Unit) -> list[Service]:
    """The unit's active kinds of service (jenis layanan), in its order."""
    return db.session.scalars(
        sa.select(Service).where(Service.unit_id == unit.id, Service.active.is_(True))
        .order_by(Service.position, Service.id)
    ).all()


def profile_options() -> dict[str, list[tuple[str, str]]]:
    """Each optional profile field with its (code, translated label) choices."""
    return {field: [(code, str(PROFILE_LABELS[field][code])) for code in codes]
            for field, codes in PROFILE_FIELDS.items()}


def answer_field(indicator: Indicator) -> str:
    """The form field of an indicator: keyed by id, never by position (questionnaires swap U8
    and U9, and an office may reorder its questions)."""
    return f"q{indicator.id}"


@dataclass(frozen=True)
class ParsedSurvey:
    answers: dict[int, int]
    service_id: int | None
    profile: dict[str, str | None]
    comment: str | None


def parse_survey_form(form: Mapping[str, str], indicators: Iterable[Indicator],
                      services: Iterable[Service]) -> ParsedSurvey:
    """Check every field at once, so that the citizen sees all that needs fixing together.
    Raises SurveyInvalid with a message code per field."""
    errors: dict[str, str] = {}
    answers: dict[int, int] = {}
    for indicator in indicators:
        field = answer_field(indicator)
        raw = (form.get(field) or "").strip()
        if not raw:
            errors[field] = "required"
        elif raw not in ("1", "2", "3", "4"):
            errors[field] = "bad_value"
        else:
            answers[indicator.id] = int(raw)

    service_id = None
    offered = {str(s.id): s.id for s in services}
    raw_service = (form.get("service") or "").strip()
    if offered:
        if not raw_service:
            errors["service"] = "service_required"
        elif raw_service not in offered:
            errors["service"] = "unknown_service"
        else:
            service_id = offered[raw_service]
    elif raw_service:
        errors["service"] = "unknown_service"

    profile: dict[str, str | None] = {}
    for field, codes in PROFILE_FIELDS.items():
        raw = (form.get(field) or "").strip()
        if raw and raw not in codes:
            errors[field] = "bad_choice"
        profile[field] = raw or None

    comment = (form.get("comment") or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = "comment_too_long"

    if errors:
        raise SurveyInvalid(errors, max=COMMENT_MAX_LENGTH)
    return ParsedSurvey(answers, service_id, profile, comment or None)


def parse_uuid(raw) -> str:
    try:
        if not isinstance(raw, str):
            raise ValueError
        return str(uuid_module.UUID(raw))
    except ValueError:
        raise SurveyError("bad_uuid") from None


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
    return SurveyResult(row.uuid, False, row.flag_set,
                        seen_key(local_date(target.unit, row.cast_at), row.desk_id, row.officer_id))


def record_survey_response(code: str, form: Mapping[str, str], *, locale: str = "id", now: datetime | None = None,
                           seen: Iterable[str] = (), over_rate_limit: Callable[[], bool] | None = None
                           ) -> SurveyResult:
    """Store one phone-survey response; idempotent on the form's UUID (made by the server when it
    rendered the form), so a double-tapped send or a resubmitted page stores once and gets the
    first result.

    ``seen``: the keys the browser remembers (``seen_key``); ``over_rate_limit``: asked once,
    only when a response from a static code is about to be stored, whether this client is past
    its rate limit. Raises SurveyError (SurveyInvalid for answers), having stored nothing.
    """
    now = now or utcnow()
    target = find_target(code)
    if target is None:
        raise SurveyError("unknown_code")
    response_uuid = parse_uuid(form.get("uuid"))
    existing = _existing(response_uuid, target)
    if existing is not None:
        return existing
    period, indicators = open_survey(target, now)
    parsed = parse_survey_form(form, indicators, unit_services(target.unit))

    desk_id, officer_id = attribution(target, now)
    key = seen_key(local_date(target.unit, now), desk_id, officer_id)
    flags = Flag(0)
    if officer_id is None:
        flags |= Flag.UNATTRIBUTED  # kept for the desk and the unit: a citizen's voice is never dropped
    if target.static:
        if key in set(seen):
            flags |= Flag.REPEAT
        if over_rate_limit is not None and over_rate_limit():
            flags |= Flag.RATE_LIMITED

    response = Response(
        uuid=response_uuid, channel=Channel.QR, unit_id=target.unit.id, desk_id=desk_id, officer_id=officer_id,
        period_id=period.id, service_id=parsed.service_id, cast_at=now, received_at=now,
        verified=target.verified, locale=locale if locale in LOCALES else LOCALES[0],
        comment=parsed.comment, **parsed.profile,
    )
    # The SKM elements carry the score; an office's extra questions are kept but do not count.
    elements = {i.id for i in indicators if i.skm_element}
    response.score_sum = sum(v for i, v in parsed.answers.items() if i in elements)
    response.score_n = sum(1 for i in parsed.answers if i in elements)
    response.add_flags(flags)
    for indicator_id, value in parsed.answers.items():
        response.answers.append(Answer(indicator_id=indicator_id, value=value))
    existing = insert_once(response, lambda: _existing(response_uuid, target))
    if existing is not None:
        return existing

    if target.service_code is not None:
        # Conditional update: if another response spent the code meanwhile, this one matches no
        # row, and the caller's rollback takes this response away again.
        spent = db.session.execute(
            sa.update(ServiceCode)
            .where(ServiceCode.id == target.service_code.id, ServiceCode.used_at.is_(None))
            .values(used_at=now, response_id=response.id)
        ).rowcount
        if spent != 1:
            raise SurveyError("used")
        db.session.refresh(target.service_code)
    return SurveyResult(response_uuid, True, response.flag_set, key)


# --- Posters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PosterTarget:
    """One poster: a desk's or an officer's stable code, and what the poster says about it."""

    kind: CodeKind
    code: str
    unit: Unit
    title: str
    subtitle: str


def poster_targets(unit: Unit) -> list[PosterTarget]:
    """Every poster of a unit: its active desks, then its active officers, each by name."""
    desks = db.session.scalars(
        sa.select(Desk).where(Desk.unit_id == unit.id, Desk.active.is_(True)).order_by(Desk.name, Desk.id)
    ).all()
    officers = db.session.scalars(
        sa.select(Officer).where(Officer.unit_id == unit.id, Officer.active.is_(True))
        .order_by(Officer.name, Officer.id)
    ).all()
    return ([poster_target(SurveyTarget(CodeKind.DESK, d.code, unit, desk=d)) for d in desks]
            + [poster_target(SurveyTarget(CodeKind.OFFICER, o.code, unit, officer=o)) for o in officers])


def poster_target(target: SurveyTarget) -> PosterTarget:
    if target.kind == CodeKind.DESK:
        return PosterTarget(CodeKind.DESK, target.code, target.unit, target.desk.name, "")
    return PosterTarget(CodeKind.OFFICER, target.code, target.unit, target.officer.name, target.officer.position or "")
