"""The demo's live alerts: what the first unit's supervisor finds open when she signs in.

- Unhappy citizens at a desk: five kiosk votes at the first desk in the last quarter of an hour,
  three of them unhappy faces, given to the officer on duty there (written by the one writer of a
  response, like every demo vote), and the alert the rule raises from them. Raised whatever the
  hour the demo is loaded: the demo's desks are staffed "now" at any hour.
- A dispute waiting: the first officer (who has the demo's officer account) disputes one of her
  low kiosk votes of the open period, through the same operation as her page, and the check of
  the unit raises its alert.

The demo's tablets are imaginary and never call the server, so the rule of a silent kiosk is
switched off in every demo unit (as a unit would on its settings page); otherwise every demo
kiosk would raise an alert five minutes into opening hours.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from alerts import rules
from alerts.models import Alert, AlertSetting
from alerts.operations import check_unit, raise_findings
from appraisal.disputes import file_dispute
from appraisal.models import Dispute, Period, PeriodStatus
from core.db import db
from core.responses import Channel, Given, NewResponse, Response, record_responses
from kiosk.models import Kiosk
from kiosk.queries import kiosk_indicators
from org.models import Desk, Duty, Role, Unit, User

# The faces of the last quarter of an hour at the first desk, oldest first (1..4, worst first).
RECENT_FACES = (4, 2, 1, 3, 1)


def _recent_votes(unit: Unit, period: Period, now: datetime) -> Desk | None:
    desk = db.session.scalar(sa.select(Desk).where(Desk.unit_id == unit.id).order_by(Desk.id))
    question, _reasons = kiosk_indicators()
    if desk is None or question is None:
        return None
    duty = db.session.scalar(sa.select(Duty).where(Duty.desk_id == desk.id, Duty.ended_at.is_(None)))
    kiosk = db.session.scalar(sa.select(Kiosk).where(Kiosk.desk_id == desk.id, Kiosk.revoked_at.is_(None)))
    votes = []
    for i, face in enumerate(RECENT_FACES):
        at = now - timedelta(minutes=2 * (len(RECENT_FACES) - i))
        votes.append(
            NewResponse(
                uuid=str(uuid.uuid4()),
                channel=Channel.KIOSK,
                unit_id=unit.id,
                period_id=period.id,
                cast_at=at,
                received_at=at,
                answers=(Given(question.id, face),),
                desk_id=desk.id,
                officer_id=duty.officer_id if duty else None,
                kiosk_id=kiosk.id if kiosk else None,
            )
        )
    record_responses(votes)
    return desk


def _dispute(unit: Unit, now: datetime) -> Dispute | None:
    user = db.session.scalar(
        sa.select(User)
        .where(User.role == Role.OFFICER, User.officer_id.is_not(None), User.active.is_(True))
        .order_by(User.id)
    )
    if user is None or user.officer is None or user.officer.unit_id != unit.id:
        return None
    response = db.session.scalar(
        sa.select(Response)
        .join(Period, Period.id == Response.period_id)
        .where(
            Response.officer_id == user.officer_id,
            Period.status == PeriodStatus.OPEN,
            Response.channel == Channel.KIOSK,
            Response.score_n == 1,
            Response.score_sum <= rules.UNHAPPY_AT_MOST,
            Response.excluded.is_(False),
            Response.cast_at < now - timedelta(days=1),
        )
        .order_by(Response.cast_at.desc())
    )
    if response is None:
        return None
    reason = "Warga ini datang saat saya sudah selesai bertugas; penilaiannya untuk loket sebelah."
    return file_dispute(user, response, reason, now=now - timedelta(minutes=40))


def load_alerts_demo(now: datetime, units: list[Unit]) -> str:
    if not units:
        return "Alerts: no unit."
    first = units[0]
    if db.session.scalar(sa.select(Alert.id).where(Alert.unit_id == first.id).limit(1)) is not None:
        return f"Alerts: {first.name} has its alerts already."
    for unit in units:
        if (
            db.session.scalar(
                sa.select(AlertSetting.id).where(AlertSetting.unit_id == unit.id, AlertSetting.rule == "kiosk_silent")
            )
            is None
        ):
            db.session.add(AlertSetting(unit_id=unit.id, rule="kiosk_silent", enabled=False, params={"minutes": 5}))
    db.session.flush()
    period = db.session.scalar(sa.select(Period).where(Period.status == PeriodStatus.OPEN).order_by(Period.id))
    raised = 0
    if period is not None:
        desk = _recent_votes(first, period, now)
        if desk is not None:
            votes = [
                (now - timedelta(minutes=2 * (len(RECENT_FACES) - i)), face) for i, face in enumerate(RECENT_FACES)
            ]
            finding = rules.unhappy_desk(desk.id, votes, now, rules.params_of("unhappy_desk"))
            if finding is not None:
                finding.detail["desk"] = desk.name
                raised += len(raise_findings(first, [finding], now))
    _dispute(first, now)
    raised += len(check_unit(first, now))
    db.session.flush()
    return (
        f"Alerts: {raised} open at {first.name} (unhappy faces at a desk, a dispute waiting); "
        "the silent-kiosk rule is off in the demo (its tablets never call)."
    )
