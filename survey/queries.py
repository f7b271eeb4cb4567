"""What the phone survey asks, and of which services; the one read of a response."""

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind
from appraisal.periods import open_periods_around
from appraisal.unit_questions import survey_questions
from core.db import db
from core.responses import Response
from org.models import Desk, Duty, Officer, Service, Unit

from .models import ServiceCode


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


# --- The one read of a response -------------------------------------------------------------------


def submission_context():
    """The one read of a phone-survey response (``survey.operations.record_survey_response``):
    where the code leads (a desk's, an officer's or a one-time code, as ``codes.find_target``
    finds them, in that order), its unit's time zone and code, whom a response given now is
    attributed to (``codes.attribution``), a one-time code's state and whether the answering
    device has minted any code (``operations.check_answerer``), a response already stored under
    the form's UUID, the open period around now (``appraisal.periods.open_periods_around``), and
    the survey's questions and the unit's services as two strings (``survey_questions_of``,
    ``service_ids_of``). One row, or none for a code that leads nowhere."""
    desk, officer, unit = Desk.__table__, Officer.__table__, Unit.__table__
    code, owner = ServiceCode.__table__, Officer.__table__.alias("owner")
    duty, indicator, service = Duty.__table__, Indicator.__table__, Service.__table__
    stored = Response.__table__.alias("stored")
    given = sa.bindparam("code", type_=sa.String)
    now = sa.bindparam("now", type_=duty.c.started_at.type)

    def nothing(column):
        return sa.null().cast(column.type)

    targets = sa.union_all(
        sa.select(
            sa.literal(0).label("rank"),
            desk.c.id.label("desk_id"),
            nothing(officer.c.id).label("officer_id"),
            nothing(code.c.id).label("code_id"),
            desk.c.unit_id.label("unit_id"),
            desk.c.active.label("active"),
        ).where(desk.c.code == given),
        sa.select(
            sa.literal(1), nothing(desk.c.id), officer.c.id, nothing(code.c.id), officer.c.unit_id, officer.c.active
        ).where(officer.c.code == given),
        sa.select(sa.literal(2), code.c.desk_id, code.c.officer_id, code.c.id, owner.c.unit_id, owner.c.active)
        .select_from(code.join(owner, owner.c.id == code.c.officer_id))
        .where(code.c.code == given),
    ).subquery("target")

    def on_duty(column, where):
        # The duty running now (org.duty._on_duty_at), the newest if several.
        return (
            sa.select(column)
            .where(where, duty.c.started_at <= now, sa.or_(duty.c.ended_at.is_(None), duty.c.ended_at > now))
            .order_by(duty.c.started_at.desc())
            .limit(1)
            .scalar_subquery()
        )

    # The survey's questions (appraisal.unit_questions.survey_questions) as "id:kind:position:unit:
    # element" entries: the active national 1-4 questions and the unit's own active items, of the
    # QR channel; ordered by survey_questions_of.
    entry = (
        sa.cast(indicator.c.id, sa.String)
        + ":"
        + sa.cast(indicator.c.kind, sa.String)
        + ":"
        + sa.cast(indicator.c.position, sa.String)
        + ":"
        + sa.func.coalesce(sa.cast(indicator.c.unit_id, sa.String), "")
        + ":"
        + sa.func.coalesce(indicator.c.skm_element, "")
    )
    questions = (
        sa.select(sa.func.aggregate_strings(entry, ","))
        .where(
            indicator.c.active.is_(True),
            # ORs, not IN: core.db.Prepared writes each constant in once, which an IN's list is not.
            sa.or_(indicator.c.channel == IndicatorChannel.QR, indicator.c.channel == IndicatorChannel.BOTH),
            sa.or_(
                sa.and_(indicator.c.unit_id.is_(None), indicator.c.kind == IndicatorKind.SCALE),
                sa.and_(
                    indicator.c.unit_id == targets.c.unit_id,
                    sa.or_(
                        *(
                            indicator.c.kind == kind
                            for kind in (IndicatorKind.SCALE, IndicatorKind.YES_NO, IndicatorKind.TEXT)
                        )
                    ),
                ),
            ),
        )
        .scalar_subquery()
    )
    services = (
        sa.select(sa.func.aggregate_strings(sa.cast(service.c.id, sa.String), ","))
        .where(service.c.unit_id == targets.c.unit_id, service.c.active.is_(True))
        .scalar_subquery()
    )
    device = sa.bindparam("device", type_=code.c.minted_device.type)
    minted_any = sa.select(sa.literal(1)).where(code.c.minted_device == device).limit(1).scalar_subquery()
    return (
        sa.select(
            targets.c.rank,
            targets.c.desk_id,
            targets.c.officer_id,
            targets.c.code_id,
            targets.c.active,
            unit.c.id,
            unit.c.code,
            unit.c.timezone,
            code.c.used_at,
            code.c.expires_at,
            code.c.minted_device,
            code.c.response_id,
            # Whom a response given now goes to: at a desk, who is on duty there; for an officer,
            # the desk where they are on duty.
            on_duty(duty.c.officer_id, duty.c.desk_id == targets.c.desk_id),
            on_duty(duty.c.desk_id, duty.c.officer_id == targets.c.officer_id),
            minted_any,
            stored.c.id,
            stored.c.channel,
            stored.c.desk_id,
            stored.c.officer_id,
            stored.c.flags,
            stored.c.cast_at,
            *open_periods_around(),
            questions,
            services,
        )
        .select_from(
            targets.join(unit, unit.c.id == targets.c.unit_id)
            .outerjoin(code, code.c.id == targets.c.code_id)
            .outerjoin(stored, stored.c.uuid == sa.bindparam("uuid", type_=sa.String))
        )
        .order_by(targets.c.rank)
        .limit(1)
    )


@dataclass(frozen=True)
class Question:
    """What a response needs of one of the survey's questions (an ``Indicator``)."""

    id: int
    kind: IndicatorKind
    skm_element: str | None = None


# Per process, by the entries the context read (the last few versions): the entries are the
# content, so any change to the questions, by whatever means, is a new key.
@lru_cache(maxsize=64)
def survey_questions_of(entries: str | None) -> tuple[Question, ...]:
    """The questions in ``submission_context``'s entries, in the order ``survey_questions`` gives
    them: the national ones, then the unit's own, each by position."""
    parsed = []
    for entry in filter(None, (entries or "").split(",")):
        ident, kind, position, unit, element = entry.split(":")
        parsed.append(
            (unit != "", int(position), int(ident), Question(int(ident), IndicatorKind(kind), element or None))
        )
    return tuple(question for *_order, question in sorted(parsed, key=lambda item: item[:3]))


def service_ids_of(entries: str | None) -> tuple[int, ...]:
    """The unit's active services in ``submission_context``'s entries."""
    return tuple(int(ident) for ident in filter(None, (entries or "").split(",")))
