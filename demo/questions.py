"""The demo's questions of a unit's own (issue #17): the first unit asks, after the nine SKM
elements, whether the queue was orderly (yes or no), and its kiosks offer reasons of their own
in place of the national ones. Made through the same operations (and audit) as the unit's
questions page; the demo's past responses were made before, so the item has no answers yet."""

from datetime import datetime

import sqlalchemy as sa

from appraisal.models import Indicator
from appraisal.unit_questions import create_unit_question
from core.db import db
from org.models import Role, Unit, User

SURVEY_ITEM = {
    "type": "survey_yes_no",
    "text_id": "Apakah antrean di unit ini tertib?",
    "text_en": "Was the queue at this office orderly?",
}
KIOSK_REASONS = [
    ("Waktu tunggu", "Waiting time"),
    ("Keramahan petugas", "Friendliness of staff"),
    ("Nomor antrean jelas", "Clear queue numbers"),
    ("Tempat parkir", "Parking"),
    ("Ruang tunggu nyaman", "Comfortable waiting room"),
]


def _actor(unit: Unit) -> User | None:
    """The unit's supervisor, or else an administrator: whoever the demo has."""
    for where in ((User.role == Role.SUPERVISOR, User.unit_id == unit.id), (User.role == Role.ADMIN,)):
        user = db.session.scalar(sa.select(User).where(*where).order_by(User.id))
        if user is not None:
            return user
    return None


def load_questions_demo(now: datetime, units: list[Unit]) -> str:
    if not units:
        return "Unit questions: no unit."
    unit = units[0]
    if db.session.scalar(sa.select(Indicator.id).where(Indicator.unit_id == unit.id).limit(1)) is not None:
        return f"Unit questions: {unit.name} has its own already."
    actor = _actor(unit)
    if actor is None:
        return "Unit questions: nobody to add them."
    create_unit_question(actor, unit, SURVEY_ITEM, now=now)
    for text_id, text_en in KIOSK_REASONS:
        create_unit_question(actor, unit, {"type": "kiosk_reason", "text_id": text_id, "text_en": text_en}, now=now)
    db.session.flush()
    return (
        f"Unit questions: {unit.name} asks a yes/no item after the SKM elements and has "
        f"{len(KIOSK_REASONS)} kiosk reasons of its own."
    )
