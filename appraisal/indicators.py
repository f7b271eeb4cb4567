"""Indicators (survey questions and kiosk reasons) and their weights.

Editing never rewrites past answers. Answers refer to an indicator by id, so what an indicator
*means* (its texts, answer labels, SKM element and kind) must not change under them: when an
indicator that already has answers is given a new meaning, the old row is kept unchanged but
switched off, and a new version takes its place (code ``U3-v2``, ``U3-v3``...). Settings that
do not change what an answer meant (channel, weight, order, active) are edited in place. An
indicator nobody has answered yet is simply edited.

Weights of the SKM elements (PermenPANRB 14/2017): all empty (each element 1/n, exactly), or all
set and summing to exactly 1 among the active scale questions of the phone survey.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import cast

import sqlalchemy as sa

from core import audit
from core.db import db, has_rows
from core.errors import AdminError, Invalid
from core.responses import Answer
from org.access import require_admin
from org.models import User

from .models import Indicator, IndicatorChannel, IndicatorKind
from .scoring import display, element_weights

MEANING = ("kind", "text_id", "text_en", "labels_id", "labels_en", "skm_element")
SETTINGS = ("channel", "weight", "position", "active")
FIELDS = ("code",) + MEANING + SETTINGS
_VERSION = re.compile(r"-v[0-9]+$")


def has_answers(indicator: Indicator) -> bool:
    return has_rows(Answer, Answer.indicator_id == indicator.id)


def _values(values: dict, indicator: Indicator | None = None) -> dict:
    """The form's checked values (``appraisal.forms.IndicatorForm``) as they are stored: the
    Indonesian text stands in for a missing English one, labels belong to scale questions only;
    a new indicator's code is nobody else's."""
    clean = {name: values[name] for name in FIELDS if name != "code"}
    clean["kind"], clean["channel"] = IndicatorKind(clean["kind"]), IndicatorChannel(clean["channel"])
    clean["text_en"] = clean["text_en"] or clean["text_id"]
    clean["skm_element"] = clean["skm_element"] or None
    for name in ("labels_id", "labels_en"):
        labels = clean[name]
        clean[name] = list(labels) if clean["kind"] == IndicatorKind.SCALE and all(labels) else []
    if indicator is None:
        clean["code"] = values["code"]
        if has_rows(Indicator, Indicator.code == clean["code"]):
            raise Invalid({"code": "code_taken"})
    return clean


# The active SKM questions of the phone survey: the ones whose weights must add up.
WEIGHTED = (
    Indicator.unit_id.is_(None),  # a unit's own questions carry no element and no weight
    Indicator.active.is_(True),
    Indicator.kind == IndicatorKind.SCALE,
    Indicator.skm_element.is_not(None),
    Indicator.channel.in_([IndicatorChannel.QR, IndicatorChannel.BOTH]),
)


def weighted_indicators() -> list[Indicator]:
    """The indicators of :data:`WEIGHTED`, in the order of the survey."""
    return list(db.session.scalars(sa.select(Indicator).where(*WEIGHTED).order_by(Indicator.position, Indicator.id)))


def check_weights() -> None:
    """Raise unless the active SKM questions of the phone survey have valid weights; called
    after a change is flushed, so it sees the state the change would commit."""
    rows = weighted_indicators()
    seen: dict[str, Indicator] = {}
    for indicator in rows:
        element = cast(str, indicator.skm_element)  # weighted_indicators: SKM questions, each of an element
        if element in seen:
            raise Invalid({"skm_element": ("element_repeated", {"element": element})})
        seen[element] = indicator
    if not rows:
        return
    weights = {element: indicator.weight for element, indicator in seen.items()}
    if any(w is not None for w in weights.values()):
        missing = [code for code, w in weights.items() if w is None]
        if missing:
            raise AdminError("weights_partial", missing=", ".join(missing))
        total = sum(w for w in weights.values() if w is not None)
        if total != 1:
            raise AdminError("weights_sum", total=str(display(total, 6).normalize()))
    element_weights(list(weights), weights)  # the scoring module's own check, the final word


def create_indicator(actor: User, values: dict, now: datetime | None = None) -> Indicator:
    require_admin(actor)
    indicator = Indicator(**_values(values))
    db.session.add(indicator)
    db.session.flush()
    check_weights()
    audit.record(
        actor, "create", "indicator", indicator.id, indicator.code, after=audit.snapshot(indicator, FIELDS), now=now
    )
    return indicator


def _next_code(code: str) -> str:
    base = _VERSION.sub("", code)
    number = 2
    while has_rows(Indicator, Indicator.code == f"{base}-v{number}"):
        number += 1
    return f"{base}-v{number}"


def replace_with_version(actor: User, indicator: Indicator, new: Indicator, now: datetime | None = None) -> Indicator:
    """``new`` in the place of an answered ``indicator``, which is kept and switched off (its
    answers keep their meaning); both audited. National indicators and a unit's own alike."""
    was_active = indicator.active
    indicator.active = False
    db.session.add(new)
    db.session.flush()
    audit.record(
        actor,
        "version",
        "indicator",
        indicator.id,
        indicator.code,
        before={"active": was_active},
        after={"active": False, "replaced_by": new.code},
        unit_id=indicator.unit_id,
        now=now,
    )
    audit.record(
        actor,
        "create",
        "indicator",
        new.id,
        new.code,
        after={**audit.snapshot(new, FIELDS), "replaces": indicator.code},
        unit_id=new.unit_id,
        now=now,
    )
    return new


def update_indicator(actor: User, indicator: Indicator, values: dict, now: datetime | None = None) -> Indicator:
    """Apply the form; returns the indicator that now carries the values: the same row, or its
    new version when the meaning of an answered indicator changed."""
    require_admin(actor)
    clean = _values(values, indicator)
    meaning_changed = any(getattr(indicator, name) != clean[name] for name in MEANING)
    if meaning_changed and has_answers(indicator):
        new = replace_with_version(actor, indicator, Indicator(code=_next_code(indicator.code), **clean), now)
        check_weights()
        return new
    before = audit.snapshot(indicator, FIELDS)
    for name, value in clean.items():
        setattr(indicator, name, value)
    db.session.flush()
    check_weights()
    audit.record_changes(actor, "indicator", indicator, before, indicator.code, now=now)
    return indicator


def delete_indicator(actor: User, indicator: Indicator, now: datetime | None = None) -> None:
    require_admin(actor)
    if has_answers(indicator):
        raise AdminError("indicator_in_use")
    before, indicator_id = audit.snapshot(indicator, FIELDS), indicator.id
    db.session.delete(indicator)
    db.session.flush()
    check_weights()
    audit.record(actor, "delete", "indicator", indicator_id, before["code"], before=before, now=now)


def set_weights(actor: User, weights: dict[int, Decimal | None], now: datetime | None = None) -> None:
    """Set the weights of all SKM questions at once (they only add up to 1 together): ``weights``
    by indicator id, None for an equal share."""
    require_admin(actor)
    for indicator in weighted_indicators():
        before = audit.snapshot(indicator, ("weight",))
        indicator.weight = weights.get(indicator.id)
        audit.record_changes(actor, "indicator", indicator, before, indicator.code, now=now)
    db.session.flush()
    check_weights()


def indicators_query(search: str = "", active: str = "", channel: str = ""):
    """The national indicators (a unit's own are on that unit's questions page)."""
    query = sa.select(Indicator).where(Indicator.unit_id.is_(None)).order_by(Indicator.position, Indicator.id)
    if search:
        like = f"%{search.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Indicator.code).like(like),
                sa.func.lower(Indicator.text_id).like(like),
                sa.func.lower(Indicator.text_en).like(like),
            )
        )
    if active == "yes":
        query = query.where(Indicator.active.is_(True))
    elif active == "no":
        query = query.where(Indicator.active.is_(False))
    if channel in ("kiosk", "qr", "both"):
        query = query.where(Indicator.channel == IndicatorChannel(channel))
    return query
