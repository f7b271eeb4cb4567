"""The appraiser's evaluation of an SKP in a period, and the officer's answer to it.

The lifecycle (``EvaluationStatus``): the appraiser rates each work-result row, each BerAKHLAK
value and both parts as a whole while it is a DRAFT, then signs it (the predikat follows from the
two ratings, ``skp.rules.predikat``); the officer acknowledges it, or objects (keberatan) and the
appraiser's superior decides, granting other ratings or letting them stand. The appraiser may
take a signed evaluation back to DRAFT until the officer has answered.

Who acts is org.access's per period: ``can_appraise`` (the pejabat penilai of the reporting line,
else the supervisor of the period's unit or an administrator), ``can_decide_objection`` (the
atasan pejabat penilai, else an administrator), and the officer herself. Nothing changes while
the period is not open: a closed period's evaluations are frozen like its scores.

Berorientasi Pelayanan is rated through ``appraisal.ratings.decide_rating`` (the record the
product keeps for it, with the citizens' evidence beside it); the other six values are
``ValueRating`` rows. Every write here is audited in the caller's transaction; the view commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal, overload

import sqlalchemy as sa

from appraisal.berakhlak import CODES, SERVICE_VALUE, VALUES
from appraisal.disputes import reason_text
from appraisal.models import Period, PeriodStatus, RatingDecision
from appraisal.ratings import decide_rating, decisions_history
from appraisal.scoring import Rating
from core import audit
from core.db import db, utcnow
from core.errors import AccessDenied, AdminError, Invalid
from feedback.queries import evaluation_picture
from org.access import appraiser_line, can_appraise, can_decide_objection, period_unit
from org.models import Officer, ReportingLine, Unit, User, local_clock
from reports.snapshots import officer_sheet

from . import rules
from .distribution import breach_text, distribution
from .errors import SkpError
from .models import (
    Evaluation,
    EvaluationStatus,
    Objection,
    ObjectionStatus,
    ResultKind,
    RowRating,
    Skp,
    SkpStatus,
    UnitResult,
    ValueRating,
    WorkResult,
)

MAX_REASON = 2000
# The six values rated here; Berorientasi Pelayanan is a RatingDecision.
OTHER_VALUES = tuple(code for code in CODES if code != SERVICE_VALUE)


# --- Reads ------------------------------------------------------------------------------------


def find_evaluation(skp: Skp, period: Period) -> Evaluation | None:
    return db.session.scalar(
        sa.select(Evaluation).where(Evaluation.skp_id == skp.id, Evaluation.period_id == period.id)
    )


def evaluation_for(skp: Skp, period: Period) -> Evaluation:
    """The SKP's evaluation of the period, made as a DRAFT if there is none yet."""
    evaluation = find_evaluation(skp, period)
    if evaluation is None:
        evaluation = Evaluation(skp_id=skp.id, period_id=period.id, status=EvaluationStatus.DRAFT)
        evaluation.skp, evaluation.period = skp, period
        db.session.add(evaluation)
        db.session.flush()
    return evaluation


def period_unit_of(skp: Skp, period: Period) -> Unit:
    """The unit the officer is appraised in for the period (``org.access.period_unit``)."""
    return db.session.get_one(Unit, period_unit(skp.officer, period.id))


def heads_unit(skp: Skp, unit: Unit) -> bool:
    return unit.head_officer_id is not None and unit.head_officer_id == skp.officer_id


def unit_result(unit: Unit, period: Period) -> UnitResult | None:
    return db.session.scalar(
        sa.select(UnitResult).where(UnitResult.unit_id == unit.id, UnitResult.period_id == period.id)
    )


def head_rating(skp: Skp, period: Period) -> tuple[bool, Rating | None]:
    """(does the officer head the period's unit, the results rating its unit result fixes for
    her: None while the unit has no result)."""
    unit = period_unit_of(skp, period)
    if not heads_unit(skp, unit):
        return False, None
    result = unit_result(unit, period)
    return True, (rules.head_results_rating(result.result) if result is not None else None)


def latest_service_decision(skp: Skp, period: Period) -> RatingDecision | None:
    history = decisions_history(period, skp.officer)
    return history[0] if history else None


def row_pairs(evaluation: Evaluation, results: list[WorkResult]) -> list[tuple[bool, str]]:
    """(is_main, rating) of every rated row: what the "di atas" rule and the suggestion read."""
    kinds = {result.id: result.kind for result in results}
    return [
        (kinds[rating.result_id] == ResultKind.UTAMA, rating.rating)
        for rating in evaluation.row_ratings
        if rating.result_id in kinds
    ]


def value_ratings(evaluation: Evaluation | None, service: RatingDecision | None) -> dict[str, str]:
    """Each value's rating by its code: the six ValueRatings and the latest service decision."""
    ratings = {rating.value: rating.rating for rating in evaluation.value_ratings} if evaluation else {}
    if service is not None:
        ratings[SERVICE_VALUE] = service.rating
    return ratings


# --- Checks -----------------------------------------------------------------------------------


def _require_open(period: Period) -> None:
    if period.status == PeriodStatus.CLOSED:
        raise AdminError("period_closed")
    if period.status == PeriodStatus.DRAFT:
        raise AdminError("period_draft")


def _require_appraiser(actor: User, evaluation: Evaluation) -> None:
    if not can_appraise(actor, evaluation.skp.officer, evaluation.period):
        raise AccessDenied()


def _require_officer(actor: User, evaluation: Evaluation) -> None:
    if actor is None or not actor.active or actor.officer_id is None or actor.officer_id != evaluation.skp.officer_id:
        raise AccessDenied()


@overload
def _rating(raw, field: str, required: Literal[True]) -> str: ...
@overload
def _rating(raw, field: str, required: bool = False) -> str | None: ...
def _rating(raw, field: str, required: bool = False) -> str | None:
    if raw is None or raw == "":
        if required:
            raise Invalid({field: "choice"})
        return None
    try:
        return Rating(raw).value
    except ValueError:
        raise Invalid({field: "choice"}) from None


def _check_results(evaluation: Evaluation, results_rating: str | None, field: str = "results_rating") -> str | None:
    """The results rating as it may stand: fixed by the unit's result for the unit's head, "di
    atas" only as ``rules.results_allowed`` says."""
    is_head, fixed = head_rating(evaluation.skp, evaluation.period)
    if is_head:
        if results_rating is not None and results_rating != (fixed.value if fixed else None):
            raise Invalid({field: "head_results_fixed"})
        return fixed.value if fixed is not None else None
    if results_rating is not None and not rules.results_allowed(
        results_rating, row_pairs(evaluation, evaluation.skp.results)
    ):
        raise Invalid({field: "results_above_refused"})
    return results_rating


def _label(evaluation: Evaluation) -> str:
    return f"{evaluation.skp.officer.name} · {evaluation.period.name}"


def _unit_id(evaluation: Evaluation) -> int:
    return period_unit(evaluation.skp.officer, evaluation.period_id)


def _state(evaluation: Evaluation) -> dict:
    return {
        "status": evaluation.status.value,
        "results_rating": evaluation.results_rating,
        "behaviour_rating": evaluation.behaviour_rating,
        "predikat": evaluation.predikat,
    }


# --- Writes -----------------------------------------------------------------------------------


def save_ratings(
    actor: User,
    evaluation: Evaluation,
    rows: dict[int, str | None] | None = None,
    values: dict[str, str | None] | None = None,
    service_rating: str | None = None,
    results_rating: str | None = None,
    behaviour_rating: str | None = None,
    results_reason: str = "",
    behaviour_reason: str = "",
    service_reason: str = "",
    now: datetime | None = None,
) -> Evaluation:
    """The appraiser's ratings of a DRAFT evaluation, as the form holds them: each row and value
    given is set (an empty one cleared), those not given stay; the two overall ratings and their
    reasons are set as given. A service rating other than the latest decision (or with another
    reason) is a new ``RatingDecision``, with the sheet's citizens' evidence beside it."""
    _require_appraiser(actor, evaluation)
    period, skp = evaluation.period, evaluation.skp
    _require_open(period)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise SkpError("evaluation_not_draft")
    now = now or utcnow()
    results = {result.id: result for result in skp.results}
    row_values = {}
    for result_id, raw in (rows or {}).items():
        if result_id not in results:
            raise SkpError("unknown_result")
        row_values[result_id] = _rating(raw, f"row_{result_id}")
    value_values = {}
    for code, raw in (values or {}).items():
        if code not in OTHER_VALUES:
            raise SkpError("unknown_value")
        value_values[code] = _rating(raw, f"value_{code}")
    results_rating = _rating(results_rating, "results_rating")
    behaviour_rating = _rating(behaviour_rating, "behaviour_rating")
    results_reason = reason_text(results_reason, "results_reason", "required", required=False, max_length=MAX_REASON)
    behaviour_reason = reason_text(
        behaviour_reason, "behaviour_reason", "required", required=False, max_length=MAX_REASON
    )

    before = {**_state(evaluation), "rows": {r.result_id: r.rating for r in evaluation.row_ratings}}
    existing_rows = {rating.result_id: rating for rating in evaluation.row_ratings}
    for result_id, rating in row_values.items():
        _set_rating(evaluation.row_ratings, existing_rows.get(result_id), rating, RowRating, result_id=result_id)
    existing_values = {rating.value: rating for rating in evaluation.value_ratings}
    for code, rating in value_values.items():
        _set_rating(evaluation.value_ratings, existing_values.get(code), rating, ValueRating, value=code)
    db.session.flush()

    evaluation.results_rating = _check_results(evaluation, results_rating)
    evaluation.behaviour_rating = behaviour_rating
    evaluation.results_reason = results_reason
    evaluation.behaviour_reason = behaviour_reason
    evaluation.updated_at = now

    if service_rating not in (None, ""):
        latest = latest_service_decision(skp, period)
        reason = (service_reason or "").strip()
        if latest is None or latest.rating != service_rating or (reason and reason != latest.reason):
            try:
                decide_rating(
                    actor,
                    period,
                    skp.officer,
                    service_rating,
                    reason,
                    officer_sheet(period, skp.officer)["combined"],
                    now,
                )
            except Invalid as error:  # the decision's fields are this form's service_* fields
                raise Invalid({f"service_{name}": pair for name, pair in error.fields.items()}) from None
    db.session.flush()
    audit.record(
        actor,
        "rate",
        "skp_evaluation",
        evaluation.id,
        _label(evaluation),
        before=before,
        after={**_state(evaluation), "rows": {r.result_id: r.rating for r in evaluation.row_ratings}},
        unit_id=_unit_id(evaluation),
        now=now,
    )
    return evaluation


def _set_rating(collection: list, existing, rating: str | None, model, **key) -> None:
    if rating is None:
        if existing is not None:
            collection.remove(existing)
            db.session.delete(existing)
    elif existing is None:
        collection.append(model(rating=rating, **key))
    else:
        existing.rating = rating


def missing(evaluation: Evaluation) -> dict[str, int]:
    """What is still unrated before signing: rows, values, and the two overall ratings."""
    skp = evaluation.skp
    rated_rows = {rating.result_id for rating in evaluation.row_ratings}
    ratings = value_ratings(evaluation, latest_service_decision(skp, evaluation.period))
    return {
        "rows": sum(1 for result in skp.results if result.id not in rated_rows),
        "values": sum(1 for code in CODES if code not in ratings),
        "overall": int(evaluation.results_rating is None) + int(evaluation.behaviour_rating is None),
    }


def sign(actor: User, evaluation: Evaluation, now: datetime | None = None) -> Evaluation:
    """The appraiser signs: every row and value rated and both parts; the predikat follows, and
    who appraised and who is above them are copied as they are today."""
    _require_appraiser(actor, evaluation)
    skp, period = evaluation.skp, evaluation.period
    _require_open(period)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise SkpError("evaluation_not_draft")
    if skp.status != SkpStatus.AGREED:
        raise SkpError("evaluation_skp_not_agreed")
    is_head, fixed = head_rating(skp, period)
    if is_head:
        if fixed is None:
            raise SkpError("head_no_unit_result")
        evaluation.results_rating = fixed.value  # the unit's result may have been set since
    gaps = missing(evaluation)
    results, behaviour = evaluation.results_rating, evaluation.behaviour_rating
    # missing() counts a rating that is None, so neither is None past this check.
    if not skp.results or any(gaps.values()) or results is None or behaviour is None:
        raise SkpError("evaluation_incomplete", **gaps)
    _check_results(evaluation, results)
    now = now or utcnow()
    evaluation.predikat = rules.predikat(results, behaviour).value
    _copy_identity(evaluation, actor)
    evaluation.status = EvaluationStatus.SIGNED
    evaluation.signed_at = now
    evaluation.signed_by = actor.id
    evaluation.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "sign",
        "skp_evaluation",
        evaluation.id,
        _label(evaluation),
        after=_state(evaluation),
        unit_id=_unit_id(evaluation),
        now=now,
    )
    return evaluation


def _copy_identity(evaluation: Evaluation, actor: User) -> None:
    """Who appraised (the line's appraiser, else the signing account) and the line's superior."""
    period, officer = evaluation.period, evaluation.skp.officer
    line: ReportingLine | None = appraiser_line(officer, period.starts_on, period.ends_on)
    appraiser = line.appraiser if line is not None else (actor.officer if actor.officer_id else None)
    if appraiser is not None:
        evaluation.appraiser_officer_id = appraiser.id
        evaluation.appraiser_name = appraiser.name
        evaluation.appraiser_nip = appraiser.nip
        evaluation.appraiser_rank = appraiser.rank or ""
        evaluation.appraiser_position = appraiser.position or ""
        evaluation.appraiser_unit = appraiser.unit.name
        evaluation.appraiser_is_asn = True
    else:  # an administrator's account, no officer: not an ASN the product knows
        evaluation.appraiser_officer_id = None
        evaluation.appraiser_name = actor.display_name
        evaluation.appraiser_nip = ""
        evaluation.appraiser_rank = ""
        evaluation.appraiser_position = ""
        evaluation.appraiser_unit = period_unit_of(evaluation.skp, period).name
        evaluation.appraiser_is_asn = False
    superior: Officer | None = line.superior if line is not None else None
    evaluation.superior_officer_id = superior.id if superior else None
    evaluation.superior_name = superior.name if superior else ""
    evaluation.superior_nip = superior.nip if superior else ""
    evaluation.superior_rank = (superior.rank or "") if superior else ""
    evaluation.superior_position = (superior.position or "") if superior else ""


def reopen(actor: User, evaluation: Evaluation, now: datetime | None = None) -> Evaluation:
    """The appraiser takes back a signed evaluation the officer has not answered yet."""
    _require_appraiser(actor, evaluation)
    _require_open(evaluation.period)
    if evaluation.status != EvaluationStatus.SIGNED:
        raise SkpError("not_reopenable")
    now = now or utcnow()
    before = {**_state(evaluation), "signed_at": evaluation.signed_at.isoformat() if evaluation.signed_at else None}
    evaluation.status = EvaluationStatus.DRAFT
    evaluation.predikat = None
    evaluation.signed_at = None
    evaluation.signed_by = None
    evaluation.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "reopen",
        "skp_evaluation",
        evaluation.id,
        _label(evaluation),
        before=before,
        after=_state(evaluation),
        unit_id=_unit_id(evaluation),
        now=now,
    )
    return evaluation


def acknowledge(actor: User, evaluation: Evaluation, now: datetime | None = None) -> Evaluation:
    """The officer acknowledges her signed evaluation: it is final."""
    _require_officer(actor, evaluation)
    _require_open(evaluation.period)
    if evaluation.status != EvaluationStatus.SIGNED:
        raise SkpError("evaluation_not_signed")
    now = now or utcnow()
    evaluation.status = EvaluationStatus.ACKNOWLEDGED
    evaluation.acknowledged_at = now
    evaluation.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "acknowledge",
        "skp_evaluation",
        evaluation.id,
        _label(evaluation),
        after=_state(evaluation),
        unit_id=_unit_id(evaluation),
        now=now,
    )
    return evaluation


def file_objection(actor: User, evaluation: Evaluation, reason: str, now: datetime | None = None) -> Objection:
    """The officer objects (keberatan) to her signed evaluation, with a reason; the appraiser's
    superior decides."""
    _require_officer(actor, evaluation)
    _require_open(evaluation.period)
    if evaluation.status != EvaluationStatus.SIGNED:
        raise SkpError("evaluation_not_signed")
    text = reason_text(reason, "reason", "objection_reason", max_length=MAX_REASON)
    now = now or utcnow()
    objection = Objection(
        evaluation_id=evaluation.id,
        reason=text,
        filed_at=now,
        filed_by=actor.id,
        status=ObjectionStatus.OPEN,
        results_before=evaluation.results_rating,
        behaviour_before=evaluation.behaviour_rating,
        predikat_before=evaluation.predikat,
    )
    objection.evaluation = evaluation
    db.session.add(objection)
    evaluation.status = EvaluationStatus.OBJECTED
    evaluation.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "object",
        "skp_evaluation",
        evaluation.id,
        _label(evaluation),
        after={**_state(evaluation), "reason": text},
        unit_id=_unit_id(evaluation),
        now=now,
    )
    return objection


def objection_of(evaluation: Evaluation) -> Objection | None:
    return db.session.scalar(sa.select(Objection).where(Objection.evaluation_id == evaluation.id))


def decide_objection(
    actor: User,
    objection: Objection,
    grant: bool,
    results_rating: str | None,
    behaviour_rating: str | None,
    reason: str,
    now: datetime | None = None,
) -> Objection:
    """The appraiser's superior decides the objection with a reason: granted, the ratings given
    replace the appraiser's (the predikat follows); rejected, the appraiser's stand. Both sets
    are kept on the objection."""
    evaluation = objection.evaluation
    if not can_decide_objection(actor, evaluation.skp.officer, evaluation.period):
        raise AccessDenied()
    _require_open(evaluation.period)
    if objection.status != ObjectionStatus.OPEN or evaluation.status != EvaluationStatus.OBJECTED:
        raise SkpError("objection_decided")
    text = reason_text(reason, "reason", "ruling_reason", max_length=MAX_REASON)
    if grant:
        results = _check_results(evaluation, _rating(results_rating, "results_rating", required=True))
        if results is None:  # a unit head whose unit has no result yet
            raise SkpError("head_no_unit_result")
        behaviour = _rating(behaviour_rating, "behaviour_rating", required=True)
        evaluation.results_rating = results
        evaluation.behaviour_rating = behaviour
        evaluation.predikat = rules.predikat(results, behaviour).value
    now = now or utcnow()
    objection.status = ObjectionStatus.GRANTED if grant else ObjectionStatus.REJECTED
    objection.decision_reason = text
    objection.decided_at = now
    objection.decided_by = actor.id
    objection.results_after = evaluation.results_rating
    objection.behaviour_after = evaluation.behaviour_rating
    objection.predikat_after = evaluation.predikat
    evaluation.status = EvaluationStatus.DECIDED
    evaluation.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "grant_objection" if grant else "reject_objection",
        "skp_objection",
        objection.id,
        _label(evaluation),
        before={
            "results_rating": objection.results_before,
            "behaviour_rating": objection.behaviour_before,
            "predikat": objection.predikat_before,
        },
        after={
            "results_rating": objection.results_after,
            "behaviour_rating": objection.behaviour_after,
            "predikat": objection.predikat_after,
            "reason": text,
        },
        unit_id=_unit_id(evaluation),
        now=now,
    )
    return objection


# --- The page ---------------------------------------------------------------------------------


def _ordered(results: list[WorkResult]) -> list[WorkResult]:
    """Main results first, then additional ones, each in the plan's order."""
    return sorted(results, key=lambda r: (r.kind != ResultKind.UTAMA, r.position, r.id))


def _person(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user is not None else ""


def _history(evaluation: Evaluation | None, objection: Objection | None, timezone: str) -> list[dict]:
    """The evaluation's moments, oldest first, each in the unit's local time with its zone."""

    def at(moment):
        return local_clock(moment, timezone, "%Y-%m-%d %H:%M")

    events: list[dict] = []
    if evaluation is None:
        return events
    if evaluation.signed_at:
        events.append({"event": "signed", "at": at(evaluation.signed_at), "by": _person(evaluation.signed_by)})
    if objection is not None:
        events.append(
            {
                "event": "objected",
                "at": at(objection.filed_at),
                "by": _person(objection.filed_by),
                "reason": objection.reason,
            }
        )
        if objection.decided_at:
            events.append(
                {
                    "event": objection.status.value,
                    "at": at(objection.decided_at),
                    "by": _person(objection.decided_by),
                    "reason": objection.decision_reason,
                }
            )
    if evaluation.acknowledged_at:
        events.append(
            {"event": "acknowledged", "at": at(evaluation.acknowledged_at), "by": evaluation.skp.officer.name}
        )
    return events


def summary(
    skp: Skp,
    period: Period,
    rows: Mapping[int, str | None],
    values: Mapping[str, str | None],
    results_rating: str | None,
    behaviour_rating: str | None,
) -> dict:
    """What the ratings as they stand suggest (never imposed): the work results' and the
    behaviour's ratings from the rows' and the values' (``values`` with Berorientasi Pelayanan),
    whether "di atas" is open to the results, and the predikat the two overall ratings give (the
    unit head's results fixed by her unit's result). Read by the page, and as the appraiser
    changes a rating, before anything is saved."""
    kinds = {result.id: result.kind for result in skp.results}
    pairs = [(kinds[rid] == ResultKind.UTAMA, rating) for rid, rating in rows.items() if rid in kinds and rating]
    rated = [rating for code, rating in values.items() if code in CODES and rating]
    is_head, fixed = head_rating(skp, period)
    if is_head:
        results_rating = fixed.value if fixed else None
    above_allowed = rules.results_allowed(Rating.DI_ATAS, pairs)
    return {
        "results_suggestion": rules.suggest_results(pairs),
        "behaviour_suggestion": rules.suggest_behaviour(rated),
        "above_allowed": above_allowed,
        "above_refused": results_rating == Rating.DI_ATAS and not is_head and not above_allowed,
        "preview": (
            rules.predikat(results_rating, behaviour_rating).value if results_rating and behaviour_rating else None
        ),
    }


def evaluation_context(skp: Skp, period: Period, user: User, locale: str = "id") -> dict:
    """What the evaluation page shows to ``user``, and which actions it offers them."""
    officer = skp.officer
    unit = period_unit_of(skp, period)
    line = appraiser_line(officer, period.starts_on, period.ends_on)
    evaluation = find_evaluation(skp, period)
    objection = objection_of(evaluation) if evaluation is not None else None
    results = _ordered(skp.results)
    row_ratings = {rating.result_id: rating.rating for rating in evaluation.row_ratings} if evaluation else {}
    service = latest_service_decision(skp, period)
    ratings = value_ratings(evaluation, service)
    expectations = {e.value: e.text for e in skp.expectations}
    sheet = officer_sheet(period, officer)
    combined = sheet["combined"]
    provenance = sheet.get("provenance") or {}
    is_head, fixed = head_rating(skp, period)
    status = evaluation.status if evaluation else EvaluationStatus.DRAFT
    open_ = period.status == PeriodStatus.OPEN
    appraiser = can_appraise(user, officer, period)
    is_officer = user.officer_id is not None and user.officer_id == officer.id
    decider = can_decide_objection(user, officer, period)
    results_rating = evaluation.results_rating if evaluation else None
    behaviour_rating = evaluation.behaviour_rating if evaluation else None
    if is_head and status == EvaluationStatus.DRAFT:
        results_rating = fixed.value if fixed else None
    summed = summary(skp, period, row_ratings, ratings, results_rating, behaviour_rating)
    # 360° feedback: each value seen from every side, once the period's round is closed.
    feedback_round, picture = evaluation_picture(period, officer, locale, sheet)
    return {
        "skp": skp,
        "period": period,
        "officer": officer,
        "unit": unit,
        "timezone": unit.timezone,
        "line": line,
        "appraiser_officer": line.appraiser if line else None,
        "superior_officer": line.superior if line else None,
        "evaluation": evaluation,
        "status": status,
        "objection": objection,
        "rated_rows": [{"result": result, "rating": row_ratings.get(result.id)} for result in results],
        "rated_values": [
            {
                "code": value.code,
                "name": value.name(locale),
                "guides": value.guides(locale),
                "expectation": expectations.get(value.code, ""),
                "rating": ratings.get(value.code),
                "service": value.code == SERVICE_VALUE,
            }
            for value in VALUES
        ],
        "service": {
            "decision": service,
            "prefill": service.rating if service else combined.get("suggested"),
            "suggested": combined.get("suggested"),
            "value": combined.get("value"),
            "enough": combined.get("enough"),
            "n": combined.get("n"),
            "qr": sheet["qr"],
            "kiosk": sheet["kiosk"],
            "warnings": len(provenance.get("warnings") or []),
            "frozen": sheet.get("frozen", False),
        },
        **summed,
        "feedback_round": feedback_round,
        "picture": picture,
        "picture_values": {value.code: value for value in picture.values} if picture else {},
        "is_head": is_head,
        "head_rating": fixed.value if fixed else None,
        "results_rating": results_rating,
        "behaviour_rating": behaviour_rating,
        "predikat": evaluation.predikat if evaluation else None,
        "missing": missing(evaluation) if evaluation else None,
        "history": _history(evaluation, objection, unit.timezone),
        "period_open": open_,
        "is_appraiser": appraiser,
        "is_officer": is_officer,
        "is_decider": decider,
        "can_rate": appraiser and open_ and status == EvaluationStatus.DRAFT,
        "can_reopen": appraiser and open_ and status == EvaluationStatus.SIGNED,
        "can_answer": is_officer and open_ and status == EvaluationStatus.SIGNED,
        "can_decide": decider and open_ and status == EvaluationStatus.OBJECTED,
        "ratings": list(Rating),
        "curve_breaches": (
            curve_breaches(unit, period, summed["preview"]) if appraiser and status == EvaluationStatus.DRAFT else []
        ),
    }


def curve_breaches(unit: Unit, period: Period, predikat: str | None) -> list[str]:
    """What would break the unit's curve if this DRAFT evaluation were signed with ``predikat``
    (the unit's signed ones counted as they are): a warning for the appraiser, never a block."""
    if predikat is None:
        return []
    spread = distribution(unit, period)
    if spread["curve"] is None:
        return []
    counts = dict(spread["counts"])
    counts[rules.Predikat(predikat)] += 1
    return [breach_text(breach) for breach in rules.check_curve(spread["curve"], counts)]
