"""A unit's distribution of predikat in a period against the curve its result picks
(PermenPANRB 6/2022, ``skp.rules``), and the one write of the unit's result.

Whose predikat count: the officers whose period belongs to the unit (``org.access.period_units``:
an officer who moved keeps a period where it began), one evaluation each, once the appraiser has
signed it. An evaluation under objection still counts with the predikat it was signed with,
which stands until the superior decides otherwise (a rejected objection keeps it).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from appraisal.models import Period, PeriodStatus
from core import audit
from core.db import db, utcnow
from core.errors import AccessDenied, AdminError, Invalid
from core.tallies import NONE, OFFICER, ResponseTally
from org.access import can_rate_unit, period_units
from org.models import Officer, Unit, User
from reports import charts

from .models import Evaluation, EvaluationStatus, Skp, UnitResult
from .rules import Breach, Curve, OrgResult, Predikat, check_curve, load_curves

# Signed by the appraiser: the predikat is set (skp.models.Evaluation).
COUNTED = (
    EvaluationStatus.SIGNED,
    EvaluationStatus.OBJECTED,
    EvaluationStatus.ACKNOWLEDGED,
    EvaluationStatus.DECIDED,
)
MAX_REASON = 2000


@lru_cache(maxsize=8)
def _curves(path: str | None) -> dict[OrgResult, Curve]:
    return load_curves(path)


def curves() -> dict[OrgResult, Curve]:
    """The curves of this app's configuration (``SKP_CURVES_FILE``, else the product's own),
    read once per process and path."""
    return _curves(current_app.config.get("SKP_CURVES_FILE") or None)


def unit_result(unit: Unit, period) -> UnitResult | None:
    return db.session.scalar(
        sa.select(UnitResult).where(UnitResult.unit_id == unit.id, UnitResult.period_id == period.id)
    )


def unit_officers(unit: Unit, period) -> list[Officer]:
    """The officers whose period belongs to ``unit``: those of the unit today and those who
    served there first in the period and moved since, by name."""
    # Who had responses at the unit in the period: the officer keys of its kept tallies.
    moved_in = sa.select(sa.cast(ResponseTally.key, sa.Integer)).where(
        ResponseTally.period_id == period.id,
        ResponseTally.unit_id == unit.id,
        ResponseTally.dim == OFFICER,
        ResponseTally.key != NONE,
    )
    candidates = db.session.scalars(
        sa.select(Officer).where(sa.or_(Officer.unit_id == unit.id, Officer.id.in_(moved_in))).order_by(Officer.name)
    ).all()
    units = period_units(period.id, candidates)
    return [officer for officer in candidates if units[officer.id] == unit.id]


def evaluations_of(period, officer_ids) -> dict[int, Evaluation]:
    """Each officer's evaluation of the period (the latest, should two SKPs reach into it)."""
    ids = list(officer_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Skp.officer_id, Evaluation)
        .join(Skp, Skp.id == Evaluation.skp_id)
        .where(Evaluation.period_id == period.id, Skp.officer_id.in_(ids))
        .order_by(Evaluation.id)
    ).all()
    return {row.officer_id: row.Evaluation for row in rows}


def skps_of(period, officer_ids) -> dict[int, Skp]:
    """Each officer's SKP whose year the period lies in; of a period across the new year, the
    SKP of the year it ends in when she has both."""
    ids = list(officer_ids)
    if not ids:
        return {}
    years = {period.starts_on.year, period.ends_on.year}
    rows = db.session.scalars(sa.select(Skp).where(Skp.officer_id.in_(ids), Skp.year.in_(years)).order_by(Skp.year))
    return {skp.officer_id: skp for skp in rows}


def counted(evaluation: Evaluation | None) -> bool:
    return evaluation is not None and evaluation.status in COUNTED and evaluation.predikat is not None


def distribution(unit: Unit, period) -> dict:
    """The unit's predikat in the period, its result and curve, what breaks the curve, each
    officer with her evaluation (None before one exists), and the chart."""
    officers = unit_officers(unit, period)
    evaluations = evaluations_of(period, [o.id for o in officers])
    skps = skps_of(period, [o.id for o in officers])
    counts = dict.fromkeys(Predikat, 0)
    rows = []
    for officer in officers:
        evaluation = evaluations.get(officer.id)
        is_counted = counted(evaluation)
        if not is_counted and not officer.active:
            continue  # switched off and never rated: nobody to wait for
        if is_counted and evaluation is not None and evaluation.predikat is not None:  # as counted() holds
            counts[Predikat(evaluation.predikat)] += 1
        skp = evaluation.skp if evaluation is not None else skps.get(officer.id)
        rows.append({"officer": officer, "evaluation": evaluation, "skp": skp, "counted": is_counted})
    result = unit_result(unit, period)
    curve = curves()[OrgResult(result.result)] if result is not None else None
    breaches = check_curve(curve, counts) if curve is not None else []
    total = sum(counts.values())
    return {
        "unit": unit,
        "period": period,
        "counts": counts,
        "total": total,
        "result": result,
        "curve": curve,
        "breaches": breaches,
        "rows": rows,
        "pending": [row["officer"] for row in rows if not row["counted"]],
        "chart": chart(counts, curve, breaches),
    }


# --- Saying it in words ---------------------------------------------------------------------------


def percent(count: int, total: int) -> str:
    """A share as people read it: whole percents, one decimal where it is not whole."""
    if not total:
        return "0"
    share = Fraction(count * 100, total)
    return str(int(share)) if share.denominator == 1 else f"{float(share):.1f}"


def _names(rule) -> str:
    return _(" or ").join(p.label for p in rule.predikat)


def rule_text(rule) -> str:
    """ "At most 70 % may be Baik", "At least one must be Butuh Perbaikan or Kurang"."""
    if rule.kind == "at_most" and rule.percent == 0:
        return _("None may be %(predikat)s", predikat=_names(rule))
    if rule.kind == "at_most":
        return _("At most %(percent)s %% may be %(predikat)s", percent=_pct(rule.percent), predikat=_names(rule))
    if rule.percent == 0 and rule.min_count:
        return _("At least %(count)s must be %(predikat)s", count=rule.min_count, predikat=_names(rule))
    return _("At least %(percent)s %% must be %(predikat)s", percent=_pct(rule.percent), predikat=_names(rule))


def _pct(value: Fraction) -> str:
    return str(int(value)) if value.denominator == 1 else f"{float(value):g}"


def breach_text(breach: Breach) -> str:
    """ "At most 70 % may be Baik: 8 of 10 (80 %) are." """
    return _(
        "%(rule)s: %(count)s of %(total)s (%(percent)s %%) are.",
        rule=rule_text(breach.rule),
        count=breach.count,
        total=breach.total,
        percent=percent(breach.count, breach.total),
    )


# --- The chart ------------------------------------------------------------------------------------


def chart(counts: dict[Predikat, int], curve: Curve | None, breaches: list[Breach]) -> dict:
    """One bar per predikat (and one per rule that counts several together, e.g. Butuh Perbaikan
    + Kurang), on a scale of officers, each marked where the curve's rules put their limits:
    "≤ 70 %" at 70 % of the unit's officers."""
    total = sum(counts.values())
    groups: list[tuple[Predikat, ...]] = [(p,) for p in Predikat]
    for rule in curve.rules if curve else ():
        if len(rule.predikat) > 1 and rule.predikat not in groups:
            groups.append(rule.predikat)
    broken = {breach.rule.predikat for breach in breaches}
    items = []
    for group in groups:
        count = sum(counts[p] for p in group)
        label = " + ".join(p.label for p in group)
        items.append((label, count, f"{count} ({percent(count, total)} %)"))
    geometry = charts.bars(items, 0, max(total, 1))
    _step, ticks = charts.axis(0, max(total, 1), whole=True)
    span = ticks[-1]
    for group, row in zip(groups, geometry["rows"], strict=True):
        row["group"] = [p.value for p in group]
        row["breach"] = group in broken
        row["marks"] = []
        for rule in curve.rules if curve else ():
            if rule.predikat != group:
                continue
            limit = rule.limit(total) if total else Fraction(0)
            if rule.kind == "at_least" and rule.min_count:
                limit = max(limit, Fraction(rule.min_count))
            sign = "≤" if rule.kind == "at_most" else "≥"
            label = (
                f"{sign} {rule.min_count}" if rule.percent == 0 and rule.min_count else f"{sign} {_pct(rule.percent)} %"
            )
            x = geometry["label_width"] + geometry["plot"] * min(limit, span) / span
            row["marks"].append({"x": round(float(x), 1), "label": label, "kind": rule.kind})
    return geometry


# --- The unit's result ----------------------------------------------------------------------------


def set_unit_result(
    actor: User, unit: Unit, period: Period, result: OrgResult | str, reason: str, now: datetime | None = None
) -> UnitResult:
    """Set the unit's result (hasil kerja organisasi) for the period, with a reason: only the
    appraiser of the unit's head, or an administrator on their behalf (``can_rate_unit``), and
    only while the period is open. Each change is audited with the values before and after, so
    the log keeps every earlier result and why."""
    if not can_rate_unit(actor, unit, period):
        raise AccessDenied()
    if period.status == PeriodStatus.CLOSED:
        raise AdminError("period_closed")
    if period.status == PeriodStatus.DRAFT:
        raise AdminError("period_draft")
    fields: dict[str, str | tuple[str, dict[str, int]]] = {}
    choice: OrgResult | None = None
    try:
        choice = OrgResult(result)
    except ValueError:
        fields["org_result"] = "choice"
    reason = (reason or "").strip()
    if not reason:
        fields["reason"] = "unit_result_reason"
    elif len(reason) > MAX_REASON:
        fields["reason"] = ("too_long", {"max": MAX_REASON})
    if fields or choice is None:  # choice is None only with fields["org_result"] set
        raise Invalid(fields)
    result = choice
    now = now or utcnow()
    row = unit_result(unit, period)
    label = f"{unit.name} · {period.name}"
    if row is None:
        row = UnitResult(unit_id=unit.id, period_id=period.id, result=result.value, reason=reason, set_at=now)
        row.set_by = actor.id
        db.session.add(row)
        db.session.flush()
        audit.record(
            actor,
            "create",
            "skp_unit_result",
            row.id,
            label,
            after={"result": row.result, "reason": row.reason, "period": period.id},
            unit_id=unit.id,
            now=now,
        )
        return row
    if row.result == result.value and row.reason == reason:
        return row
    before = audit.snapshot(row, ("result", "reason"))
    row.result, row.reason, row.set_at, row.set_by = result.value, reason, now, actor.id
    audit.record_changes(actor, "skp_unit_result", row, before, label, unit_id=unit.id, now=now)
    return row
