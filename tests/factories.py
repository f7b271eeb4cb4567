"""Factories and client helpers for the admin area's tests (users, signed-in clients, CSRF)."""

import itertools
import random
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from accounts.operations import hash_password
from accounts.sessions import start_session
from appraisal.models import Indicator, IndicatorKind, Period, PeriodStatus
from core.audit import AuditLog
from core.db import db
from core.responses import Answer, Channel, Flag, Given, NewResponse, Response, flag_response, record_response
from kiosk.pairing import new_pairing_code, pair_kiosk
from org.duty import set_pin
from org.models import Desk, Officer, Role, Unit, User

PASSWORD = "correct horse battery"
_usernames = itertools.count(1)


def make_user(role: Role | str = Role.ADMIN, unit=None, officer=None, password: str = PASSWORD, **overrides) -> User:
    role = Role(role)
    if role == Role.SUPERVISOR and unit is None:
        unit = make_unit()
    if role == Role.OFFICER and officer is None:
        officer = make_officer(unit=unit)
    user = User(
        **{
            "username": f"user{next(_usernames)}",
            "name": "",
            "role": role,
            "password_hash": hash_password(password),
            "unit_id": unit.id if unit else (officer.unit_id if officer else None),
            "officer_id": officer.id if officer else None,
            **overrides,
        }
    )
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(client, user: User):
    """A signed-in session without going through the form (and its rate limit): a session started
    on the server, as signing in does, and its key in the client's cookie."""
    key = start_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
    return client


def csrf(client, path: str = "/admin/") -> str:
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, path: str, data: dict | None = None, htmx: bool = False, **kwargs):
    """POST with a valid CSRF token (in the form, or in the header as htmx sends it)."""
    token = csrf(client)
    headers = kwargs.pop("headers", {})
    # A MultiDict keeps repeated names (the four answer labels); a dict keeps (file, name) pairs.
    data = data.copy() if isinstance(data, MultiDict) else dict(data or {})
    if htmx:
        headers.update({"HX-Request": "true", "X-CSRFToken": token})
    else:
        data["csrf_token"] = token
    return client.post(path, data=data, headers=headers, **kwargs)


def audit_entries(**where) -> list[AuditLog]:
    db.session.expire_all()
    query = db.session.query(AuditLog)
    for name, value in where.items():
        query = query.filter(getattr(AuditLog, name) == value)
    return query.order_by(AuditLog.id).all()


def text(response) -> str:
    return response.get_data(as_text=True)


_seq = itertools.count(1)


def valid_nip(gender: int = 1, seq: int | None = None) -> str:
    seq = next(_seq) if seq is None else seq
    rng = random.Random(seq)
    born = date(1970 + rng.randint(0, 25), rng.randint(1, 12), rng.randint(1, 28))
    return f"{born:%Y%m%d}{born.year + 23}{rng.randint(1, 12):02d}{gender}{seq % 1000:03d}"


def make_unit(**overrides) -> Unit:
    n = next(_seq)
    unit = Unit(**{"code": f"unit-{n}", "name": f"Kantor Uji {n}", **overrides})
    db.session.add(unit)
    db.session.commit()
    return unit


def make_desk(unit: Unit | None = None, **overrides) -> Desk:
    desk = Desk(**{"unit": unit or make_unit(), "name": f"Loket {next(_seq)}", **overrides})
    db.session.add(desk)
    db.session.commit()
    return desk


def make_officer(unit: Unit | None = None, pin: str | None = "1234", **overrides) -> Officer:
    officer = Officer(
        **{
            "unit": unit or make_unit(),
            "nip": valid_nip(),
            "name": f"Petugas {next(_seq)}",
            "position": "Pengadministrasi Umum",
            **overrides,
        }
    )
    if pin:
        set_pin(officer, pin)
    db.session.add(officer)
    db.session.commit()
    return officer


def make_period(
    status: PeriodStatus = PeriodStatus.OPEN, starts_on: date | None = None, ends_on: date | None = None, **overrides
) -> Period:
    today = datetime.now(timezone.utc).date()
    period = Period(
        **{
            "name": f"Periode {next(_seq)}",
            "starts_on": starts_on or today - timedelta(days=45),
            "ends_on": ends_on or today + timedelta(days=45),
            "status": status,
            **overrides,
        }
    )
    db.session.add(period)
    db.session.commit()
    return period


def make_kiosk(desk: Desk | None = None, paired_at: datetime | None = None):
    """A kiosk in service (paired 90 days ago unless said otherwise); returns (kiosk, token).
    No vote can be cast before its kiosk was paired, so backdated test votes need an old kiosk."""
    desk = desk or make_desk()
    paired_at = paired_at or datetime.now(timezone.utc) - timedelta(days=90)
    code = new_pairing_code(desk, now=paired_at)
    kiosk, token = pair_kiosk(code, now=paired_at)
    db.session.commit()
    return kiosk, token


def csrf_token(client, path="/kiosk/") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"', html).group(1)


# What each flag a test asks for is, to the one writer of a response (core.responses): an
# observation it turns into that flag; the others come from the response itself.
_OBSERVED = {
    Flag.CLOCK_ADJUSTED: "clock_adjusted",
    Flag.BURST: "burst",
    Flag.DUTY_START: "duty_just_started",
    Flag.REPEAT: "repeat",
    Flag.RATE_LIMITED: "over_rate_limit",
}


def make_response(
    period,
    desk,
    officer,
    answers: list[Given],
    *,
    channel: Channel,
    flags: Flag = Flag(0),
    at: datetime | None = None,
    **values,
) -> Response:
    """A stored response, written as every response is (``record_response``). ``flags`` are
    reached as the app reaches them: observations, and an upheld dispute afterwards."""
    observed = {name: True for flag, name in _OBSERVED.items() if flags & flag}
    response_id = record_response(
        NewResponse(
            uuid=str(uuid.uuid4()),
            channel=channel,
            unit_id=desk.unit_id,
            desk_id=desk.id,
            officer_id=officer.id if officer else None,
            period_id=period.id,
            cast_at=at or NOW,
            received_at=at or NOW,
            answers=tuple(answers),
            **observed,
            **values,
        )
    )
    response = db.session.get(Response, response_id)
    if flags & Flag.DISPUTE_UPHELD:
        flag_response(response, Flag.DISPUTE_UPHELD)
    assert Flag(response.flags) & ~Flag.UNATTRIBUTED == flags & ~Flag.UNATTRIBUTED
    return response


def add_vote(period, desk, officer, face: int, *, flags: Flag = Flag(0), at: datetime | None = None) -> Response:
    return make_response(
        period, desk, officer, [Given(kiosk_question().id, face)], channel=Channel.KIOSK, flags=flags, at=at
    )


def skm_indicators() -> list[Indicator]:
    return list(
        db.session.scalars(
            sa.select(Indicator)
            .where(
                Indicator.skm_element.is_not(None), Indicator.active.is_(True), Indicator.kind == IndicatorKind.SCALE
            )
            .order_by(Indicator.position)
        )
    )


def kiosk_question() -> Indicator:
    return db.session.scalar(sa.select(Indicator).where(Indicator.code == "KIOSK"))


def add_survey(
    period,
    desk,
    officer,
    answers: list[int],
    *,
    flags: Flag = Flag(0),
    service=None,
    comment: str | None = None,
    at: datetime | None = None,
    **profile,
) -> Response:
    given = [
        Given(indicator.id, value, element=indicator.skm_element) for indicator, value in zip(skm_indicators(), answers)
    ]
    return make_response(
        period,
        desk,
        officer,
        given,
        channel=Channel.QR,
        flags=flags,
        at=at,
        service_id=service.id if service else None,
        comment=comment,
        **profile,
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=15,
)


hostile_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "",
            "\x00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "%00",
            "💥" * 40,
            "9999-12-31T23:59:59+00:00",
            "0001-01-01T00:00:00+14:00",
            "2026-02-30T10:00:00Z",
            "1e309",
            "NaN",
            "-1",
            "4.0",
            "R_WAKTU",
            "KIOSK",
        ]
    ),
)


def paired_client(client, token):
    client.set_cookie(COOKIE, token, path="/kiosk/")
    return client


def vote_payload(**overrides):
    return {
        "uuid": str(uuid.uuid4()),
        "value": 4,
        "reasons": [],
        "cast_at": datetime.now(timezone.utc).isoformat(),
        "locale": "id",
        **overrides,
    }


COOKIE = "kiosk_token"


NOW = datetime.now(timezone.utc).replace(microsecond=0)


def answers_by_code(response: Response) -> dict[str, int]:
    """What a stored response answered, by the code of each indicator."""
    return dict(
        db.session.execute(
            sa.select(Indicator.code, Answer.value)
            .join(Indicator, Indicator.id == Answer.indicator_id)
            .where(Answer.response_id == response.id)
        ).all()
    )


# --- admin forms ---


def refused(
    client, url: str, data, field_id: str | None, english: str, indonesian: str, status: int = 422, **kwargs
) -> tuple:
    """Post a bad form twice, as htmx in English and as a plain form in Bahasa Indonesia, and check
    that each is refused with ``status`` and its message: beside the field with the id
    ``field_id`` (marked invalid and described by the message), or above the form. ``data`` may
    be a function making the form anew (an upload is read once). Returns both answers."""
    import html

    answers = []
    for lang, message, htmx in (("en", english, True), ("id", indonesian, False)):
        client.set_cookie("lang", lang)
        response = post(client, url, data() if callable(data) else data, htmx=htmx, **kwargs)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == status, (lang, response.status_code, page[:2000])
        assert message in page, (lang, message)
        assert "HX-Trigger" not in response.headers
        if field_id:
            assert re.search(rf'<p id="{field_id}-error" class="field-error">\s*{re.escape(message)}', page), lang
            assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"', page) or re.search(
                rf'aria-invalid="true"[^>]*id="{field_id}"', page
            ), lang
        answers.append(response)
    client.set_cookie("lang", "en")
    return tuple(answers)


# --- SKP evaluations (skp.models), written directly: a signed evaluation with its ratings ---

# A cell of the predikat matrix (skp.rules.MATRIX) for each predikat: (results, behaviour).
_PREDIKAT_CELL = {
    "sangat_baik": ("di_atas", "di_atas"),
    "baik": ("sesuai", "sesuai"),
    "butuh_perbaikan": ("di_bawah", "sesuai"),
    "kurang": ("sesuai", "di_bawah"),
    "sangat_kurang": ("di_bawah", "di_bawah"),
}


def make_evaluation(
    officer, period, predikat: str | None = "baik", status="signed", appraiser=None, superior=None, **overrides
):
    """An evaluation of the officer's SKP (of the year the period ends in, made if missing) in
    the period, as signed by ``appraiser`` (an Officer) with ``superior`` above them: the
    predikat's ratings from a cell of the matrix unless given. ``predikat=None`` with status
    "draft" is an evaluation not signed yet."""
    from skp.models import Evaluation, EvaluationStatus, Skp

    skp = db.session.scalar(sa.select(Skp).where(Skp.officer_id == officer.id, Skp.year == period.ends_on.year))
    if skp is None:
        skp = Skp(officer_id=officer.id, year=period.ends_on.year)
        db.session.add(skp)
        db.session.flush()
    results, behaviour = _PREDIKAT_CELL[predikat] if predikat else (None, None)
    status = EvaluationStatus(status)
    values = {
        "skp_id": skp.id,
        "period_id": period.id,
        "status": status,
        "results_rating": results,
        "behaviour_rating": behaviour,
        "predikat": predikat,
        "signed_at": NOW if status != EvaluationStatus.DRAFT else None,
    }
    if appraiser is not None:
        values.update(
            appraiser_officer_id=appraiser.id,
            appraiser_name=appraiser.name,
            appraiser_nip=appraiser.nip,
            appraiser_rank=appraiser.rank,
            appraiser_position=appraiser.position,
            appraiser_unit=appraiser.unit.name,
        )
    if superior is not None:
        values.update(
            superior_officer_id=superior.id,
            superior_name=superior.name,
            superior_nip=superior.nip,
            superior_rank=superior.rank,
            superior_position=superior.position,
        )
    evaluation = Evaluation(**{**values, **overrides})
    db.session.add(evaluation)
    db.session.commit()
    return evaluation


def make_unit_result(unit, period, result: str = "baik", reason: str = "Target unit tercapai", **overrides):
    from skp.models import UnitResult

    row = UnitResult(**{"unit_id": unit.id, "period_id": period.id, "result": result, "reason": reason, **overrides})
    db.session.add(row)
    db.session.commit()
    return row


# --- SKP plans and reporting lines (skp.models, org.models.ReportingLine), written directly ---


def make_line(officer, appraiser, superior=None, valid_from: date | None = None, valid_to: date | None = None):
    """A reporting line: ``appraiser`` appraises ``officer`` and ``superior`` decides her
    objections, from ``valid_from`` (long ago unless given) on."""
    from org.models import ReportingLine

    line = ReportingLine(
        officer_id=officer.id,
        appraiser_id=appraiser.id,
        superior_id=superior.id if superior else None,
        valid_from=valid_from or date(2000, 1, 1),
        valid_to=valid_to,
    )
    db.session.add(line)
    db.session.commit()
    return line


def make_skp(officer, year: int | None = None, agreed: bool = True, **overrides):
    """The officer's SKP of ``year`` (this year unless given), agreed by both unless said otherwise."""
    from skp.models import Skp, SkpStatus

    skp = Skp(
        **{
            "officer_id": officer.id,
            "year": year or NOW.year,
            "status": SkpStatus.AGREED if agreed else SkpStatus.DRAFT,
            "officer_agreed_at": NOW if agreed else None,
            "appraiser_agreed_at": NOW if agreed else None,
            **overrides,
        }
    )
    db.session.add(skp)
    db.session.commit()
    return skp


def make_result(skp, kind: str = "utama", **overrides):
    """A work-result row of the SKP (a quantity target of 100 services unless said otherwise)."""
    from decimal import Decimal

    from skp.models import ResultKind, WorkResult

    row = WorkResult(
        **{
            "skp_id": skp.id,
            "kind": ResultKind(kind),
            "position": len(skp.results),
            "description": "Layanan administrasi kependudukan selesai",
            "indicator": "Jumlah layanan yang diselesaikan",
            "target": Decimal("100"),
            "target_unit": "layanan",
            **overrides,
        }
    )
    db.session.add(row)
    db.session.commit()
    return row


# --- 360° feedback rounds (feedback.models), written directly ---


def make_round(unit, period, status: str = "open", min_raters: int = 3, **overrides):
    """A round of 360° feedback of ``unit`` in ``period`` (open unless said otherwise)."""
    from feedback.models import FeedbackRound, RoundStatus

    status = RoundStatus(status)
    round_ = FeedbackRound(
        **{
            "unit_id": unit.id,
            "period_id": period.id,
            "status": status,
            "min_raters": min_raters,
            "opened_at": NOW,
            "closed_at": NOW if status == RoundStatus.CLOSED else None,
            **overrides,
        }
    )
    db.session.add(round_)
    db.session.commit()
    return round_


def make_invitation(round_, subject, kind: str, rater=None, answered: bool = False, **overrides):
    """``rater`` (an Officer, or a User without one; a new officer of the round's unit unless
    given) asked to rate ``subject`` as ``kind`` in the round."""
    from feedback.models import Invitation, RaterKind

    if rater is None:
        rater = subject if kind == "self" else make_officer(unit=round_.unit)
    is_officer = isinstance(rater, Officer)
    invitation = Invitation(
        **{
            "round_id": round_.id,
            "subject_id": subject.id,
            "kind": RaterKind(kind),
            "rater_officer_id": rater.id if is_officer else None,
            "rater_user_id": None if is_officer else rater.id,
            "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
            "answered": answered,
            **overrides,
        }
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def make_answers(round_, subject, kind: str, scores=3, comments: dict | None = None, rater=None):
    """One rater's answers, as answering writes them: an answered invitation of ``kind`` and one
    answer per value (``scores``: one score for all seven, or a dict by value code), with
    ``comments`` by value code. Returns the invitation."""
    from appraisal.berakhlak import CODES
    from feedback.models import RaterKind, RoundAnswer

    invitation = make_invitation(round_, subject, kind, rater=rater, answered=True)
    by_value = scores if isinstance(scores, dict) else dict.fromkeys(CODES, scores)
    for value, score in by_value.items():
        db.session.add(
            RoundAnswer(
                round_id=round_.id,
                subject_id=subject.id,
                kind=RaterKind(kind),
                value=value,
                score=score,
                comment=(comments or {}).get(value),
            )
        )
    db.session.commit()
    return invitation
