"""What the phone survey asks, and of which services."""

import sqlalchemy as sa

from appraisal.models import Indicator
from appraisal.unit_questions import survey_questions
from core.db import db
from org.models import Service, Unit


def survey_indicators(unit: Unit | None = None) -> list[Indicator]:
    """The questions of the phone survey: the national ones, then ``unit``'s own
    (``appraisal.unit_questions.survey_questions``)."""
    return survey_questions(unit)


def unit_services(unit: Unit) -> list[Service]:
    """The unit's active kinds of service (jenis layanan), in its order."""
    return db.session.scalars(
        sa.select(Service)
        .where(Service.unit_id == unit.id, Service.active.is_(True))
        .order_by(Service.position, Service.id)
    ).all()
