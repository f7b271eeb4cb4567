"""The planning stage of an SKP (PermenPANRB 6/2022): the officer or her appraiser drafts the
work-result rows and the leader's special expectations, and both agree to them.

- Only the officer and the appraiser of the year (``skp.access.can_plan``) change a plan.
- Any change of a row or an expectation after either agreed clears both agreements: what was
  agreed is no longer what stands, so both agree again (the page says so).
- A plan is agreed with at least one main (utama) result.
- A row that a signed evaluation rated no longer changes (its rating would then judge another
  target); a new row can still be added.
- Every change is audited with the unit of the officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from appraisal.berakhlak import BY_CODE
from core import audit
from core.db import db, has_rows, utcnow
from core.errors import AccessDenied
from org.models import Officer, User

from .access import can_plan, is_plan_appraiser, is_plan_officer
from .errors import SkpError
from .models import (
    Evaluation,
    EvaluationStatus,
    Expectation,
    FeedbackNote,
    Realisation,
    ResultKind,
    RowRating,
    Skp,
    SkpStatus,
    WorkResult,
)

RESULT_FIELDS = (
    "kind",
    "leader_result",
    "description",
    "aspect",
    "indicator",
    "target",
    "target_unit",
    "lower_is_better",
    "measure",
)
AGREEMENT_FIELDS = ("status", "officer_agreed_at", "appraiser_agreed_at", "appraiser_agreed_by")


@dataclass
class Change:
    """What a change of the plan did: the record it changed, and whether it cleared an agreement."""

    record: object
    cleared: bool = False


def _require_planner(actor: User, skp: Skp) -> None:
    if not can_plan(actor, skp):
        raise AccessDenied()


def _label(skp: Skp) -> str:
    return f"SKP {skp.year} {skp.officer.name}"


def create_skp(actor: User, officer: Officer, year: int, now: datetime | None = None) -> Skp:
    """Start the officer's SKP of ``year``: by the officer herself or her appraiser of the year."""
    now = now or utcnow()
    if not 2000 <= year <= 2100:
        raise SkpError("year_range")
    skp = Skp(officer_id=officer.id, year=year, status=SkpStatus.DRAFT, created_at=now, created_by=actor.id)
    skp.officer = officer
    if not can_plan(actor, skp):
        raise AccessDenied()
    if has_rows(Skp, Skp.officer_id == officer.id, Skp.year == year):
        raise SkpError("skp_exists", year=year)
    try:
        with db.session.begin_nested():  # the officer and her appraiser may start it at once
            db.session.add(skp)
    except IntegrityError:
        raise SkpError("skp_exists", year=year) from None
    audit.record(
        actor,
        "create",
        "skp",
        skp.id,
        _label(skp),
        unit_id=officer.unit_id,
        after={"officer": officer.id, "year": year},
        now=now,
    )
    return skp


def _clear_agreement(actor: User, skp: Skp, now: datetime) -> bool:
    """Any change after an agreement clears both agreements (see the module's docstring)."""
    if skp.officer_agreed_at is None and skp.appraiser_agreed_at is None and skp.status == SkpStatus.DRAFT:
        return False
    before = audit.snapshot(skp, AGREEMENT_FIELDS)
    skp.officer_agreed_at = skp.appraiser_agreed_at = skp.appraiser_agreed_by = None
    skp.status = SkpStatus.DRAFT
    audit.record_changes(actor, "skp", skp, before, _label(skp), unit_id=skp.officer.unit_id, now=now)
    return True


def rated_result_ids(skp: Skp) -> set[int]:
    """The rows of the SKP that an evaluation past its draft rated: they no longer change."""
    return set(
        db.session.scalars(
            sa.select(RowRating.result_id)
            .join(Evaluation, Evaluation.id == RowRating.evaluation_id)
            .where(Evaluation.skp_id == skp.id, Evaluation.status != EvaluationStatus.DRAFT)
        )
    )


def _rated(result: WorkResult) -> bool:
    return result.id in rated_result_ids(result.skp)


def _next_position(skp: Skp, kind: ResultKind) -> int:
    last = db.session.scalar(
        sa.select(sa.func.max(WorkResult.position)).where(WorkResult.skp_id == skp.id, WorkResult.kind == kind)
    )
    return 0 if last is None else last + 1


def _clean_values(values: dict) -> dict:
    clean = {name: values[name] for name in RESULT_FIELDS}
    clean["target"] = Decimal(clean["target"])
    clean["leader_result"] = clean["leader_result"] or ""
    clean["target_unit"] = clean["target_unit"] or ""
    clean["measure"] = clean["measure"] or None
    return clean


def add_result(actor: User, skp: Skp, values: dict, now: datetime | None = None) -> Change:
    """A new work-result row (values as ``skp.plan_forms.ResultForm`` checked them), last of its kind."""
    _require_planner(actor, skp)
    now = now or utcnow()
    clean = _clean_values(values)
    result = WorkResult(skp_id=skp.id, position=_next_position(skp, clean["kind"]), **clean)
    db.session.add(result)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "skp_result",
        result.id,
        f"{_label(skp)}: {result.description}",
        unit_id=skp.officer.unit_id,
        after=audit.snapshot(result, ("skp_id", "position", *RESULT_FIELDS)),
        now=now,
    )
    db.session.expire(skp, ["results"])
    return Change(result, _clear_agreement(actor, skp, now))


def update_result(actor: User, result: WorkResult, values: dict, now: datetime | None = None) -> Change:
    skp = result.skp
    _require_planner(actor, skp)
    if _rated(result):
        raise SkpError("result_rated")
    now = now or utcnow()
    clean = _clean_values(values)
    before = audit.snapshot(result, RESULT_FIELDS)
    if clean["kind"] != result.kind:
        result.position = _next_position(skp, clean["kind"])
    for name, value in clean.items():
        setattr(result, name, value)
    entry = audit.record_changes(
        actor,
        "skp_result",
        result,
        before,
        f"{_label(skp)}: {result.description}",
        unit_id=skp.officer.unit_id,
        now=now,
    )
    db.session.expire(skp, ["results"])
    return Change(result, entry is not None and _clear_agreement(actor, skp, now))


def remove_result(actor: User, result: WorkResult, now: datetime | None = None) -> Change:
    """Remove a row that nothing refers to yet (no realisation, feedback or rating)."""
    skp = result.skp
    _require_planner(actor, skp)
    if (
        has_rows(Realisation, Realisation.result_id == result.id)
        or has_rows(FeedbackNote, FeedbackNote.result_id == result.id)
        or has_rows(RowRating, RowRating.result_id == result.id)
    ):
        raise SkpError("result_in_use")
    now = now or utcnow()
    audit.record(
        actor,
        "delete",
        "skp_result",
        result.id,
        f"{_label(skp)}: {result.description}",
        unit_id=skp.officer.unit_id,
        before=audit.snapshot(result, ("skp_id", "position", *RESULT_FIELDS)),
        now=now,
    )
    db.session.delete(result)
    db.session.flush()
    db.session.expire(skp, ["results"])
    return Change(None, _clear_agreement(actor, skp, now))


def move_result(actor: User, result: WorkResult, offset: int, now: datetime | None = None) -> Change:
    """Move a row up (-1) or down (+1) among the rows of its kind: the order of the document."""
    skp = result.skp
    _require_planner(actor, skp)
    if offset not in (-1, 1):
        raise SkpError("bad_order")
    now = now or utcnow()
    rows = [row for row in skp.results if row.kind == result.kind]
    index = rows.index(result)
    target = index + offset
    if not 0 <= target < len(rows):
        return Change(result, False)  # already first (or last): nothing to do
    rows[index], rows[target] = rows[target], rows[index]
    before = {row.id: row.position for row in rows}
    for position, row in enumerate(rows):
        row.position = position
    db.session.flush()
    audit.record(
        actor,
        "update",
        "skp_result",
        result.id,
        f"{_label(skp)}: {result.description}",
        unit_id=skp.officer.unit_id,
        before={"order": [row_id for row_id, _ in sorted(before.items(), key=lambda item: item[1])]},
        after={"order": [row.id for row in rows]},
        now=now,
    )
    db.session.expire(skp, ["results"])
    return Change(result, _clear_agreement(actor, skp, now))


def set_expectation(actor: User, skp: Skp, value: str, text: str, now: datetime | None = None) -> Change:
    """The leader's special expectation of one BerAKHLAK value; an empty text removes it. Only the
    appraiser writes it (it is the leader's); the officer agrees to it with the rest."""
    if not is_plan_appraiser(actor, skp):
        raise AccessDenied()
    if value not in BY_CODE:
        raise SkpError("unknown_value")
    now = now or utcnow()
    text = text.strip()
    current = db.session.scalar(sa.select(Expectation).where(Expectation.skp_id == skp.id, Expectation.value == value))
    label = f"{_label(skp)}: {BY_CODE[value].name_id}"
    unit_id = skp.officer.unit_id
    if current is not None and current.text == text:
        return Change(current, False)
    if current is None and not text:
        return Change(None, False)
    if current is None:
        current = Expectation(skp_id=skp.id, value=value, text=text)
        db.session.add(current)
        db.session.flush()
        audit.record(
            actor,
            "create",
            "skp_expectation",
            current.id,
            label,
            unit_id=unit_id,
            after={"value": value, "text": text},
            now=now,
        )
    elif not text:
        audit.record(
            actor,
            "delete",
            "skp_expectation",
            current.id,
            label,
            unit_id=unit_id,
            before={"value": value, "text": current.text},
            now=now,
        )
        db.session.delete(current)
        db.session.flush()
        current = None
    else:
        before = {"text": current.text}
        current.text = text
        audit.record_changes(actor, "skp_expectation", current, before, label, unit_id=unit_id, now=now)
    db.session.expire(skp, ["expectations"])
    return Change(current, _clear_agreement(actor, skp, now))


def agree(actor: User, skp: Skp, now: datetime | None = None) -> Skp:
    """The officer's or the appraiser's agreement to the plan as it stands; agreed by both, the
    planning stage is done (status AGREED)."""
    if not can_plan(actor, skp):
        raise AccessDenied()
    if not any(row.kind == ResultKind.UTAMA for row in skp.results):
        raise SkpError("no_main_result")
    now = now or utcnow()
    before = audit.snapshot(skp, AGREEMENT_FIELDS)
    if is_plan_officer(actor, skp):
        if skp.officer_agreed_at is not None:
            raise SkpError("already_agreed")
        skp.officer_agreed_at = now
    elif is_plan_appraiser(actor, skp):
        if skp.appraiser_agreed_at is not None:
            raise SkpError("already_agreed")
        skp.appraiser_agreed_at = now
        skp.appraiser_agreed_by = actor.id
    if skp.officer_agreed_at is not None and skp.appraiser_agreed_at is not None:
        skp.status = SkpStatus.AGREED
    audit.record_changes(actor, "skp", skp, before, _label(skp), unit_id=skp.officer.unit_id, now=now)
    return skp
