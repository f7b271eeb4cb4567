"""Misuse rules for kiosk votes: kept, flagged, left out of scores. The clock is injected: every
vote carries its cast time, as an offline kiosk's queued votes do."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from core.db import db
from core.responses import Flag, Response
from kiosk.votes import MisuseRules, record_vote
from org.duty import end_duty, start_duty
from tests.factories import make_desk, make_kiosk, make_officer, make_period

T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
RULES = MisuseRules(burst=timedelta(seconds=3), max_per_minute=10, after_duty_start=timedelta(seconds=15))


@pytest.fixture
def kiosk(factories):
    make_period()
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    start_duty(desk, officer, T0)
    kiosk, _ = make_kiosk(desk)
    db.session.commit()
    return kiosk


def cast(kiosk, seconds: float, value: int = 4) -> Response:
    """A vote cast ``seconds`` after T0, received a little later."""
    moment = T0 + timedelta(seconds=seconds)
    payload = {"uuid": str(uuid.uuid4()), "value": value, "cast_at": moment.isoformat()}
    result, created = record_vote(kiosk, payload, now=moment + timedelta(seconds=1), rules=RULES)
    db.session.commit()
    assert created
    return db.session.scalar(sa.select(Response).where(Response.uuid == result.uuid))


def test_votes_spaced_normally_are_not_flagged(kiosk):
    votes = [cast(kiosk, 60 + 30 * i) for i in range(5)]
    assert [v.flags for v in votes] == [0] * 5
    assert not any(v.excluded for v in votes)


def test_a_second_vote_within_the_burst_window_is_kept_flagged_and_excluded(kiosk):
    first = cast(kiosk, 100)
    second = cast(kiosk, 102)  # 2 s later
    third = cast(kiosk, 106)  # 4 s after the second: outside the window again
    assert first.flags == 0 and not first.excluded
    assert second.flag_set & Flag.BURST and second.excluded
    assert third.flags == 0


def test_the_burst_rule_holds_for_votes_arriving_out_of_order(kiosk):
    # An offline queue may deliver late: the later-cast vote arrives first.
    later = cast(kiosk, 201)
    earlier = cast(kiosk, 200)
    flagged = [v for v in (later, earlier) if v.flag_set & Flag.BURST]
    assert len(flagged) == 1  # exactly one of the pair is left out, whichever arrived second


def test_more_than_n_a_minute_is_flagged(kiosk):
    votes = [cast(kiosk, 300 + 4 * i) for i in range(12)]  # every 4 s: no single burst, 12 a minute
    flags = [bool(v.flag_set & Flag.BURST) for v in votes]
    assert flags == [False] * 10 + [True] * 2


def test_votes_right_after_the_officer_starts_duty_are_flagged(kiosk):
    db.session.refresh(kiosk)
    end_duty(kiosk.desk, T0 + timedelta(minutes=30))
    officer = make_officer(unit=kiosk.desk.unit)
    start_duty(kiosk.desk, officer, T0 + timedelta(minutes=40))
    db.session.commit()
    suspicious = cast(kiosk, 40 * 60 + 5)  # 5 s after sitting down
    fine = cast(kiosk, 40 * 60 + 60)  # a minute later
    assert suspicious.flag_set & Flag.DUTY_START and suspicious.excluded
    assert suspicious.officer_id == officer.id  # still attributed: flagged, not reassigned
    assert fine.flags == 0


def test_flags_do_not_apply_across_kiosks(kiosk, factories):
    other, _ = make_kiosk(make_desk(unit=kiosk.desk.unit))
    a = cast(kiosk, 500)
    b = cast(other, 501)
    assert a.flags == 0 and b.flags == b.flags & Flag.UNATTRIBUTED  # nobody on duty at the other desk


def test_rules_come_from_the_configuration(app):
    rules = MisuseRules.from_config(
        {"MISUSE_BURST_SECONDS": 5, "MISUSE_MAX_PER_MINUTE": 3, "MISUSE_AFTER_DUTY_START_SECONDS": 30}
    )
    assert rules == MisuseRules(timedelta(seconds=5), 3, timedelta(seconds=30))
    assert MisuseRules.from_config(app.config) == MisuseRules()
