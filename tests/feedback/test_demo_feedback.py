"""The demo's 360° feedback (demo.feedback): a closed round of the closed quarter in the first unit
whose picture shows peers in aggregate (and hides them for the officer two peers answered), an
open round of the open quarter with answers so far, and praise between colleagues."""

from datetime import UTC, datetime

import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from core.db import db
from demo.data import load_demo
from demo.feedback import FEW_PEERS_AT, load_feedback_demo
from feedback import queries
from feedback.models import FeedbackRound, Invitation, RoundStatus
from org.models import Unit
from skp.models import FeedbackNote

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def test_the_demo_shows_each_value_from_every_side(ctx):
    load_demo(7, NOW)
    periods = {p.status: p for p in db.session.scalars(sa.select(Period))}
    previous, current = periods[PeriodStatus.CLOSED], periods[PeriodStatus.OPEN]
    units = db.session.scalars(sa.select(Unit).where(Unit.code != "pimpinan-daerah").order_by(Unit.id)).all()
    if db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound)) == 0:  # not yet part of load_demo
        message = load_feedback_demo(NOW, previous, current, units)
        assert "360°" in message
    db.session.commit()
    assert previous.status == PeriodStatus.CLOSED
    closed = db.session.scalar(sa.select(FeedbackRound).where(FeedbackRound.period_id == previous.id))
    opened = db.session.scalar(sa.select(FeedbackRound).where(FeedbackRound.period_id == current.id))
    assert closed.status == RoundStatus.CLOSED and closed.unit_id == units[0].id
    assert opened.status == RoundStatus.OPEN
    assert db.session.scalar(
        sa.select(sa.func.count()).where(Invitation.round_id == opened.id, Invitation.answered.is_(True))
    )

    counters = sorted((o for o in units[0].officers if o.id != units[0].head_officer_id), key=lambda o: o.id)
    shown = queries.subject_results(closed, counters[0], "id")
    assert shown.raters["peer"] >= 3
    assert all(value.picture.side("peer").shown for value in shown.values)
    assert all(value.picture.side("supervisor").shown for value in shown.values)
    hidden = queries.subject_results(closed, counters[FEW_PEERS_AT], "id")
    assert hidden.raters["peer"] == 2
    assert not any(value.picture.side("peer").shown for value in hidden.values)
    # Nothing of the open round shows yet.
    assert not queries.subject_results(opened, counters[0], "id").anything_shown
    roles = db.session.scalars(sa.select(FeedbackNote.author_role).where(FeedbackNote.author_role == "colleague")).all()
    assert len(roles) >= 2
