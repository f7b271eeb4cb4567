"""A unit's own questions (issue #17), on top of the national ones that every unit asks.

- Its own **kiosk question** replaces the national one on the unit's kiosks (at most one active);
  it is still the four faces, so the face a citizen taps counts for the kiosk index as before.
- Its own **kiosk reasons**, when it has any active, replace the national reasons there.
- Its own **survey items** (four-point, yes/no, a few words) are asked after the nine SKM
  elements. They never carry an SKM element or a weight: the IKM is computed over the elements
  only (``appraisal.scoring``, ``reports.tallies``), and ``core.responses.score_of`` gives them
  nothing, so no score moves because a unit asks more.

A national question stays read-only here, for supervisors and administrators alike: it is
changed on the survey indicators page (administrators only). Texts of a question citizens have
answered are never rewritten under their answers: as on that page, a new version takes its place
(``appraisal.indicators``). Every change checks the actor's unit, audits and flushes; the view
commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar, cast

import sqlalchemy as sa

from core import audit
from core.db import db
from org.access import require_unit
from org.models import Unit, User

from .errors import QuestionError
from .forms import UNIT_QUESTION_TYPES
from .indicators import FIELDS, _next_code, has_answers, replace_with_version
from .models import Indicator, IndicatorChannel, IndicatorKind
from .standard import KIOSK_QUESTION


class _Asked(Protocol):
    """What picking a kiosk's question needs to know of an indicator (or a vote's entry)."""

    @property
    def kind(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def position(self) -> int: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_Asked)

# How many active questions of each type a unit may have: a kiosk screen holds a dozen chips at
# most (and a vote sends at most kiosk.votes.MAX_REASONS), a phone survey should stay short.
LIMITS = {"kiosk_question": 1, "kiosk_reason": 10, "survey_scale": 10, "survey_yes_no": 10, "survey_text": 5}
# Each type's group on the page, and the group within which it is reordered.
GROUPS = {
    "kiosk_question": "kiosk",
    "kiosk_reason": "reasons",
    "survey_scale": "survey",
    "survey_yes_no": "survey",
    "survey_text": "survey",
}
MEANING = ("text_id", "text_en", "labels_id", "labels_en")


def type_of(indicator: Indicator) -> str:
    """The type of a question as the unit's page names it (see ``UNIT_QUESTION_TYPES``)."""
    channel = IndicatorChannel.KIOSK if indicator.channel == IndicatorChannel.KIOSK else IndicatorChannel.QR
    for name, (kind, on) in UNIT_QUESTION_TYPES.items():
        if indicator.kind == kind and channel == on:
            return name
    return "survey_scale"


def unit_questions(unit: Unit) -> list[Indicator]:
    """The unit's own questions, switched-off ones included, in the order they are asked."""
    return list(
        db.session.scalars(
            sa.select(Indicator).where(Indicator.unit_id == unit.id).order_by(Indicator.position, Indicator.id)
        )
    )


def national_questions() -> list[Indicator]:
    """The active national questions, as every unit asks them (shown read-only beside the unit's)."""
    return list(
        db.session.scalars(
            sa.select(Indicator)
            .where(Indicator.unit_id.is_(None), Indicator.active.is_(True))
            .order_by(Indicator.position, Indicator.id)
        )
    )


# --- What a citizen of a unit is asked (the kiosk and the phone survey ask through these) ---------


def kiosk_question(indicators: Iterable[T]) -> T | None:
    """Which of a kiosk's indicators is its question: the unit's own active scale indicator if it
    has one, else the first national one, by position, then id; None when there is none.
    Anything with ``kind``, ``active``, ``position``, ``unit_id`` and ``id`` will do: the screen
    asks with indicators, the vote with its fingerprint's entries (the national ones and the
    kiosk's unit's only)."""
    return min(
        (i for i in indicators if i.kind == IndicatorKind.SCALE and i.active),
        key=lambda i: (i.unit_id is None, i.position, i.id),
        default=None,
    )


def kiosk_screen(unit_id: int | None) -> tuple[Indicator | None, list[Indicator]]:
    """The question and the reasons a kiosk of unit ``unit_id`` shows (None: the national ones).
    The unit's own reasons, when it has any active, replace the national reasons."""
    mine = (
        [Indicator.unit_id.is_(None)]
        if unit_id is None
        else [Indicator.unit_id.is_(None), Indicator.unit_id == unit_id]
    )
    on_kiosk = db.session.scalars(
        sa.select(Indicator)
        .where(
            Indicator.active.is_(True),
            Indicator.channel.in_([IndicatorChannel.KIOSK, IndicatorChannel.BOTH]),
            sa.or_(*mine),
        )
        .order_by(Indicator.position, Indicator.id)
    ).all()
    reasons = [i for i in on_kiosk if i.kind == IndicatorKind.REASON]
    if any(i.unit_id is not None for i in reasons):
        reasons = [i for i in reasons if i.unit_id is not None]
    return kiosk_question(on_kiosk), reasons


def survey_questions(unit: Unit | None = None) -> list[Indicator]:
    """The questions of the phone survey, in order: the active national 1-4 questions of the QR
    channel (by default the nine SKM elements), then ``unit``'s own active items (four-point,
    yes/no, a few words), asked after them and counted in no score."""
    national = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.active.is_(True), Indicator.kind == IndicatorKind.SCALE, Indicator.unit_id.is_(None))
        .order_by(Indicator.position, Indicator.id)
    ).all()
    own: list[Indicator] = []
    if unit is not None:
        own = list(
            db.session.scalars(
                sa.select(Indicator)
                .where(
                    Indicator.active.is_(True),
                    Indicator.unit_id == unit.id,
                    Indicator.kind.in_([IndicatorKind.SCALE, IndicatorKind.YES_NO, IndicatorKind.TEXT]),
                )
                .order_by(Indicator.position, Indicator.id)
            )
        )
    return [i for i in [*national, *own] if i.channel in (IndicatorChannel.QR, IndicatorChannel.BOTH)]


# --- A unit's questions, as its page changes them -------------------------------------------------


def _labels(question_type: str, labels: list[str], standard: list[str]) -> list[str]:
    """Four labels for a four-point question (the standard satisfaction ones when none were
    typed); none for the other types."""
    if UNIT_QUESTION_TYPES[question_type][0] != IndicatorKind.SCALE:
        return []
    return list(labels) if len(labels) == 4 and all(labels) else list(standard)


def _clean(question_type: str, values: dict) -> dict:
    text_id = values["text_id"].strip()
    labels_id = _labels(question_type, values.get("labels_id") or [], KIOSK_QUESTION[3])
    labels_en = _labels(question_type, values.get("labels_en") or [], [])
    if labels_en == [] and labels_id:
        # English labels left out: the standard English ones when the Indonesian are standard.
        labels_en = list(KIOSK_QUESTION[4]) if labels_id == list(KIOSK_QUESTION[3]) else []
    return {
        "text_id": text_id,
        "text_en": (values.get("text_en") or "").strip() or text_id,
        "labels_id": labels_id,
        "labels_en": labels_en,
    }


def _check_own(actor: User, indicator: Indicator) -> None:
    if indicator.unit_id is None:
        raise QuestionError("national_read_only")
    require_unit(actor, indicator.unit_id)


def _active_of_type(unit_id: int, question_type: str, but: int | None = None) -> int:
    return sum(
        1
        for other in db.session.scalars(
            sa.select(Indicator).where(Indicator.unit_id == unit_id, Indicator.active.is_(True))
        )
        if other.id != but and type_of(other) == question_type
    )


def _check_limit(unit_id: int, question_type: str, but: int | None = None) -> None:
    if _active_of_type(unit_id, question_type, but) >= LIMITS[question_type]:
        if question_type == "kiosk_question":
            raise QuestionError("kiosk_question_exists")
        raise QuestionError("too_many", max=LIMITS[question_type])


def _new_code(unit: Unit) -> str:
    """``L<unit id>-<n>``: letters, digits and "-" (what the kiosk sends back for a reason)."""
    number = (db.session.scalar(sa.select(sa.func.count()).where(Indicator.unit_id == unit.id)) or 0) + 1
    while db.session.scalar(sa.select(Indicator.id).where(Indicator.code == f"L{unit.id}-{number}")) is not None:
        number += 1
    return f"L{unit.id}-{number}"


def _next_position(unit_id: int) -> int:
    top = db.session.scalar(sa.select(sa.func.max(Indicator.position)).where(Indicator.unit_id == unit_id))
    return (top or 0) + 1


def create_unit_question(actor: User, unit: Unit, values: dict, now: datetime | None = None) -> Indicator:
    """Add a question of the unit's own; ``values`` as ``NewUnitQuestionForm`` checked them."""
    require_unit(actor, unit.id)
    question_type = values["type"]
    kind, channel = UNIT_QUESTION_TYPES[question_type]
    _check_limit(unit.id, question_type)
    indicator = Indicator(
        code=_new_code(unit),
        kind=kind,
        channel=channel,
        unit_id=unit.id,
        skm_element=None,
        weight=None,
        position=_next_position(unit.id),
        active=True,
        **_clean(question_type, values),
    )
    db.session.add(indicator)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "indicator",
        indicator.id,
        indicator.code,
        after=audit.snapshot(indicator, FIELDS),
        unit_id=unit.id,
        now=now,
    )
    return indicator


def update_unit_question(actor: User, indicator: Indicator, values: dict, now: datetime | None = None) -> Indicator:
    """New texts or labels; returns the indicator that now carries them: the same row, or, when
    citizens have answered it, a new version in its place (the old one kept and switched off)."""
    _check_own(actor, indicator)
    clean = _clean(type_of(indicator), values)
    if not any(getattr(indicator, name) != clean[name] for name in MEANING):
        return indicator
    if has_answers(indicator):
        new = Indicator(
            code=_next_code(indicator.code),
            kind=indicator.kind,
            channel=indicator.channel,
            unit_id=indicator.unit_id,
            position=indicator.position,
            active=indicator.active,
            **clean,
        )
        return replace_with_version(actor, indicator, new, now)
    before = audit.snapshot(indicator, FIELDS)
    for name, value in clean.items():
        setattr(indicator, name, value)
    db.session.flush()
    audit.record_changes(actor, "indicator", indicator, before, indicator.code, unit_id=indicator.unit_id, now=now)
    return indicator


def set_unit_question_active(actor: User, indicator: Indicator, active: bool, now: datetime | None = None) -> None:
    """Switch a question of the unit's own off (kept, with its answers) or on again."""
    _check_own(actor, indicator)
    if active == indicator.active:
        return
    if active:
        _check_limit(cast(int, indicator.unit_id), type_of(indicator), but=indicator.id)
    before = audit.snapshot(indicator, ("active",))
    indicator.active = active
    db.session.flush()
    audit.record_changes(actor, "indicator", indicator, before, indicator.code, unit_id=indicator.unit_id, now=now)


def move_unit_question(actor: User, indicator: Indicator, step: int, now: datetime | None = None) -> None:
    """Move a question one place up (``step`` -1) or down (+1) among the unit's questions of its
    group (the survey's items, or the kiosk's reasons); the group is numbered 1..n again."""
    _check_own(actor, indicator)
    if step not in (-1, 1):
        raise QuestionError("bad_move")
    group = GROUPS[type_of(indicator)]
    siblings = [
        q
        for q in db.session.scalars(
            sa.select(Indicator)
            .where(Indicator.unit_id == indicator.unit_id)
            .order_by(Indicator.position, Indicator.id)
        )
        if GROUPS[type_of(q)] == group
    ]
    index = siblings.index(indicator)
    target = index + step
    if not 0 <= target < len(siblings):
        return  # already first (or last): nothing moves
    siblings[index], siblings[target] = siblings[target], siblings[index]
    base = min(q.position for q in siblings)
    before = {q.id: q.position for q in siblings}
    for offset, question in enumerate(siblings):
        question.position = base + offset
    db.session.flush()
    audit.record(
        actor,
        "move",
        "indicator",
        indicator.id,
        indicator.code,
        before={"position": before[indicator.id]},
        after={"position": indicator.position},
        unit_id=indicator.unit_id,
        now=now,
    )
