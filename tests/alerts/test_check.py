"""Checking a unit: each rule raises its alert from the database at an injected clock, once per
occurrence; vote and kiosk rules are quiet outside opening hours; settings switch rules off and
change thresholds."""

from datetime import time, timedelta

import sqlalchemy as sa

from alerts.models import Alert, AlertSetting, AlertStatus
from alerts.operations import check_unit
from alerts.queries import describe, open_alerts, open_count
from appraisal.models import DisputeStatus, PeriodStatus
from core.db import db
from core.responses import Flag
from org.models import OpeningHours
from tests.alerts.world import EVENING, MINUTE, NOW, dispute, faces, late_responses, objection, period_now


def alerts_of(unit):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Alert).where(Alert.unit_id == unit.id).order_by(Alert.id)))


def test_unhappy_faces_at_a_desk_raise_one_alert_however_often_checked(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit, name="Loket 2"), factories.officer(unit), period_now()
    faces(period, desk, officer, 1, 4, 2, 4)
    [alert] = check_unit(unit, NOW)
    db.session.commit()
    assert (alert.rule, alert.subject, alert.status) == ("unhappy_desk", f"desk:{desk.id}", AlertStatus.OPEN)
    assert alert.detail["unhappy"] == 2 and alert.detail["votes"] == 4 and alert.detail["desk"] == "Loket 2"
    assert describe(alert, "en") == (
        "Loket 2: 2 of the 4 kiosk votes in the 15 minutes up to 2026-12-07 10:00 WIB were unhappy faces."
    )
    assert describe(alert, "id") != describe(alert, "en")
    # The condition persists: nothing new, a minute later or at once.
    assert check_unit(unit, NOW) == [] and check_unit(unit, NOW + MINUTE) == []
    db.session.commit()
    assert len(alerts_of(unit)) == 1
    assert open_count([unit]) == 1 and open_alerts([unit]) == [alert]


def test_one_unhappy_face_of_four_or_three_votes_raise_nothing(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    faces(period, desk, officer, 1, 4, 3, 4)
    assert check_unit(unit, NOW) == []
    other = factories.desk(unit)
    faces(period, other, officer, 1, 1, 2)
    assert check_unit(unit, NOW) == []


def test_votes_the_misuse_rules_flagged_are_not_citizens(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    faces(period, desk, officer, 4, 4)
    faces(period, desk, officer, 1, 1, end=NOW - 2 * MINUTE - timedelta(seconds=30), flags=Flag.BURST)
    assert check_unit(unit, NOW) == []


def test_after_an_acknowledgement_only_new_votes_raise_again(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    faces(period, desk, officer, 1, 4, 2, 4)
    [first] = check_unit(unit, NOW)
    first.status = AlertStatus.ACKNOWLEDGED
    db.session.commit()
    assert check_unit(unit, NOW + 5 * MINUTE) == []  # the same votes
    later = NOW + 20 * MINUTE
    faces(period, desk, officer, 2, 2, 4, 4, end=later)
    [second] = check_unit(unit, later)
    assert second.subject == first.subject and second.id != first.id


def test_vote_and_kiosk_rules_are_quiet_outside_opening_hours(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    kiosk, _token = factories.kiosk(desk)
    kiosk.last_seen_at = EVENING - timedelta(hours=3)
    faces(period, desk, officer, 1, 1, 1, 1, end=EVENING)
    assert check_unit(unit, EVENING) == []
    # A unit open in the evening hears about both.
    for weekday in range(7):
        db.session.add(OpeningHours(unit_id=unit.id, weekday=weekday, opens=time(7, 0), closes=time(21, 0)))
    db.session.commit()
    assert {alert.rule for alert in check_unit(unit, EVENING)} == {"unhappy_desk", "kiosk_silent"}


def test_a_kiosk_silent_more_than_five_minutes_in_opening_hours(factories):
    unit = factories.unit()
    desk = factories.desk(unit, name="Loket 1")
    kiosk, _token = factories.kiosk(desk)
    kiosk.name = "Tablet A"
    kiosk.last_seen_at = NOW - 4 * MINUTE
    db.session.commit()
    assert check_unit(unit, NOW) == []
    [alert] = check_unit(unit, NOW + 2 * MINUTE)
    assert alert.subject == f"kiosk:{kiosk.id}" and alert.detail["minutes"] == 6
    assert (
        describe(alert, "en")
        == "The kiosk Tablet A at Loket 1 has been silent since 2026-12-07 09:56 WIB (last heard from)."
    )
    # Heard from again, then silent again: a new silence, a new alert once the first is acknowledged.
    alert.status = AlertStatus.ACKNOWLEDGED
    kiosk.last_seen_at = NOW + 10 * MINUTE
    db.session.commit()
    assert check_unit(unit, NOW + 12 * MINUTE) == []
    assert len(check_unit(unit, NOW + 17 * MINUTE)) == 1


def test_a_revoked_kiosk_or_one_at_a_desk_switched_off_is_not_watched(factories):
    unit = factories.unit()
    revoked, _ = factories.kiosk(factories.desk(unit))
    revoked.revoked_at = NOW - timedelta(days=1)
    off = factories.desk(unit)
    factories.kiosk(off)
    off.active = False
    db.session.commit()
    assert check_unit(unit, NOW) == []


def test_disputes_and_objections_waiting_are_raised_at_any_hour(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit, name="Sari Dewi"), period_now()
    waiting = dispute(officer, period, desk, at=NOW - timedelta(hours=1))
    dispute(officer, period, desk, status=DisputeStatus.REJECTED)
    objected = objection(officer, period, at=NOW - timedelta(hours=2))
    raised = {alert.subject: alert for alert in check_unit(unit, EVENING)}
    assert set(raised) == {f"dispute:{waiting.id}", f"objection:{objected.id}"}
    assert describe(raised[f"dispute:{waiting.id}"], "en") == (
        f"Sari Dewi disputes a response of {period.name} (since 2026-12-07 09:00 WIB): it waits for your ruling."
    )
    # Once acknowledged, the same dispute never raises again.
    for alert in raised.values():
        alert.status = AlertStatus.ACKNOWLEDGED
    db.session.commit()
    assert check_unit(unit, EVENING + timedelta(days=3)) == []


def test_a_closed_period_or_another_units_dispute_raises_nothing(factories):
    unit, other = factories.unit(), factories.unit()
    period = period_now()
    dispute(factories.officer(other), period, factories.desk(other))
    closed = period_now()
    closed.status = PeriodStatus.CLOSED
    dispute(factories.officer(unit), closed, factories.desk(unit))
    db.session.commit()
    assert check_unit(unit, NOW) == []
    assert [alert.rule for alert in check_unit(other, NOW)] == ["dispute_waiting"]


def test_an_integrity_warning_is_raised_once_per_officer_and_kind(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit, name="Budi"), period_now()
    late_responses(period, desk, officer)
    [alert] = check_unit(unit, NOW)
    assert alert.subject == f"integrity:{period.id}:{officer.id}:late"
    assert describe(alert, "en").startswith(f"Integrity warning for Budi in {period.name}: 10 of 10 responses arrived")
    alert.status = AlertStatus.ACKNOWLEDGED
    db.session.commit()
    assert check_unit(unit, NOW + timedelta(days=1)) == []


def test_a_rule_switched_off_or_with_other_thresholds(factories):
    unit = factories.unit()
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    faces(period, desk, officer, 1, 4, 2, 4)
    db.session.add(AlertSetting(unit_id=unit.id, rule="unhappy_desk", enabled=False, params={}))
    db.session.commit()
    assert check_unit(unit, NOW) == []
    setting = db.session.scalar(sa.select(AlertSetting).where(AlertSetting.unit_id == unit.id))
    setting.enabled, setting.params = True, {"share_pct": 75, "min_votes": 4, "window_minutes": 15}
    db.session.commit()
    assert check_unit(unit, NOW) == []
    setting.params = {"share_pct": 50, "min_votes": 4, "window_minutes": 15}
    db.session.commit()
    assert len(check_unit(unit, NOW)) == 1


def test_a_second_open_alert_of_the_same_subject_is_refused_by_the_database(factories):
    """Two checks at once (the timer and a page) cannot both raise it: the loser's is dropped."""
    unit = factories.unit()
    db.session.add(Alert(unit_id=unit.id, rule="kiosk_silent", subject="kiosk:1", detail={}, raised_at=NOW))
    db.session.commit()
    desk = factories.desk(unit)
    kiosk, _ = factories.kiosk(desk)
    kiosk.last_seen_at = NOW - 10 * MINUTE
    db.session.commit()
    # Pretend this process did not see the open alert (raced): the unique index keeps one.
    db.session.execute(sa.update(Alert).values(subject=f"kiosk:{kiosk.id}"))
    db.session.commit()
    from alerts import operations

    real = operations.rules.should_raise
    try:
        operations.rules.should_raise = lambda finding, previous: True
        assert check_unit(unit, NOW) == []
    finally:
        operations.rules.should_raise = real
    db.session.commit()
    assert len(alerts_of(unit)) == 1
