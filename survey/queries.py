"""What the phone survey asks, and of which services."""

import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorKind
from core.db import db
from core.responses import Channel
from org.models import Service, Unit


def survey_indicators() -> list[Indicator]:
    """The active 1-4 questions of the QR channel, in order: by default the nine SKM elements."""
    rows = db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.active.is_(True), Indicator.kind == IndicatorKind.SCALE)
        .order_by(Indicator.position, Indicator.id)
    ).all()
    return [i for i in rows if i.on_channel(Channel.QR)]


def unit_services(unit: Unit) -> list[Service]:
    """The unit's active kinds of service (jenis layanan), in its order."""
    return db.session.scalars(
        sa.select(Service)
        .where(Service.unit_id == unit.id, Service.active.is_(True))
        .order_by(Service.position, Service.id)
    ).all()
