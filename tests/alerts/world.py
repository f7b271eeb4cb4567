"""What the alerts' tests build on: a fixed clock, votes, disputes, objections, late responses."""

import uuid
from datetime import date, datetime, timedelta, timezone

from appraisal.models import Dispute
from core.db import db
from core.responses import Channel, Given, NewResponse, record_response
from skp.models import Objection
from tests.factories import add_vote, kiosk_question, make_evaluation, make_period

UTC = timezone.utc
# Monday 7 December 2026, 10:00 in Jakarta (WIB): the unit is open (default hours 08:00-16:00).
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
# The same Monday at 19:00 WIB: closed.
EVENING = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def period_now():
    """An open period around NOW, whatever day the tests run."""
    return make_period(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31))


def faces(period, desk, officer, *values, end=NOW, flags=None):
    """Kiosk votes with these faces, a minute apart, the last at ``end``."""
    made = []
    for i, face in enumerate(values):
        at = end - MINUTE * (len(values) - 1 - i)
        made.append(add_vote(period, desk, officer, face, at=at, **({"flags": flags} if flags else {})))
    return made


def dispute(officer, period, desk, at=NOW, **overrides) -> Dispute:
    response = add_vote(period, desk, officer, 1, at=at - timedelta(hours=2))
    made = Dispute(
        response_id=response.id,
        officer_id=officer.id,
        period_id=period.id,
        reason="Warga ini bukan dilayani saya",
        created_at=at,
        **overrides,
    )
    db.session.add(made)
    db.session.commit()
    return made


def objection(officer, period, at=NOW) -> Objection:
    evaluation = make_evaluation(officer, period, status="objected")
    made = Objection(evaluation_id=evaluation.id, reason="Nilai saya terlalu rendah", filed_at=at)
    db.session.add(made)
    db.session.commit()
    return made


def late_responses(period, desk, officer, n=10, at=NOW):
    """``n`` kiosk votes that arrived five minutes after their cast time: an integrity warning
    ("late") of the officer's provenance."""
    question = kiosk_question()
    for i in range(n):
        cast = at - timedelta(hours=1) + i * MINUTE
        record_response(
            NewResponse(
                uuid=str(uuid.uuid4()),
                channel=Channel.KIOSK,
                unit_id=desk.unit_id,
                desk_id=desk.id,
                officer_id=officer.id,
                period_id=period.id,
                cast_at=cast,
                received_at=cast + 5 * MINUTE,
                answers=(Given(question.id, 3),),
            )
        )
    db.session.commit()
