"""What a kiosk shows: its question and reasons."""

import hashlib
from collections.abc import Iterable
from typing import TypeVar

import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind
from core.db import db

T = TypeVar("T")


def kiosk_indicators() -> tuple[Indicator | None, list[Indicator]]:
    """The kiosk's main question (the first active kiosk scale indicator) and its reasons."""
    on_kiosk = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.active.is_(True), Indicator.channel.in_([IndicatorChannel.KIOSK, IndicatorChannel.BOTH]))
        .order_by(Indicator.position, Indicator.id)
    ).all()
    reasons = [i for i in on_kiosk if i.kind == IndicatorKind.REASON]
    return kiosk_question(on_kiosk), reasons


def kiosk_question(indicators: Iterable[T]) -> T | None:
    """Which of the kiosk's indicators is its question: the first active scale indicator by
    position, then id; None when there is none. Anything with ``kind``, ``active``, ``position``
    and ``id`` will do: the screen asks with indicators, the vote with its fingerprint's entries."""
    return min(
        (i for i in indicators if i.kind == IndicatorKind.SCALE and i.active),
        key=lambda i: (i.position, i.id),
        default=None,
    )


def kiosk_config_version(question: Indicator | None, reasons: list[Indicator]) -> str:
    """A short fingerprint of what the kiosk screen shows; the kiosk reloads when it changes."""
    parts = [
        f"{i.id}:{i.code}:{i.text_id}:{i.text_en}:{i.labels_id}:{i.labels_en}"
        for i in ([question] if question else []) + reasons
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
