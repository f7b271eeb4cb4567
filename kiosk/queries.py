"""What a kiosk shows: its question and reasons."""

import hashlib

import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind
from core.db import db


def kiosk_indicators() -> tuple[Indicator | None, list[Indicator]]:
    """The kiosk's main question (the first active kiosk scale indicator) and its reasons."""
    on_kiosk = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.active.is_(True), Indicator.channel.in_([IndicatorChannel.KIOSK, IndicatorChannel.BOTH]))
        .order_by(Indicator.position, Indicator.id)
    ).all()
    question = next((i for i in on_kiosk if i.kind == IndicatorKind.SCALE), None)
    reasons = [i for i in on_kiosk if i.kind == IndicatorKind.REASON]
    return question, reasons


def kiosk_reasons_by_code(codes: list[str]) -> dict[str, Indicator]:
    """The kiosk reasons with these codes, retired ones included: a tablet still showing
    yesterday's chips sends their codes, and the citizen's vote must not be refused for it."""
    if not codes:
        return {}
    rows = db.session.scalars(
        sa.select(Indicator).where(Indicator.code.in_(codes), Indicator.kind == IndicatorKind.REASON,
                                   Indicator.channel.in_([IndicatorChannel.KIOSK, IndicatorChannel.BOTH]))
    )
    return {row.code: row for row in rows}


def kiosk_config_version(question: Indicator | None, reasons: list[Indicator]) -> str:
    """A short fingerprint of what the kiosk screen shows; the kiosk reloads when it changes."""
    parts = [f"{i.id}:{i.code}:{i.text_id}:{i.text_en}:{i.labels_id}:{i.labels_en}"
             for i in ([question] if question else []) + reasons]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
