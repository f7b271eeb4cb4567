"""What a kiosk shows: its question and reasons (the national ones, or its unit's own:
``appraisal.unit_questions``)."""

import hashlib

from appraisal.models import Indicator
from appraisal.unit_questions import kiosk_question, kiosk_screen

__all__ = ["kiosk_config_version", "kiosk_indicators", "kiosk_question"]


def kiosk_indicators(unit_id: int | None = None) -> tuple[Indicator | None, list[Indicator]]:
    """The main question and the reasons of a kiosk of unit ``unit_id`` (None: the national ones)."""
    return kiosk_screen(unit_id)


def kiosk_config_version(question: Indicator | None, reasons: list[Indicator]) -> str:
    """A short fingerprint of what the kiosk screen shows; the kiosk reloads when it changes."""
    parts = [
        f"{i.id}:{i.code}:{i.text_id}:{i.text_en}:{i.labels_id}:{i.labels_en}"
        for i in ([question] if question else []) + reasons
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
