"""Votes the server can believe (issue 13, items 1 and 2): the time a vote may claim, the rules
judged both ways in time (any order of arrival gives the same flags), a desk's ceiling of counted
votes an hour and machine-regular taps. Each attack is replayed and the officer's score read
through the reports' own functions. The clock is injected: every vote carries its cast time and
the time it is received."""

import itertools
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.policy import policy_of
from core.db import db
from core.responses import Flag, Response
from kiosk.models import Kiosk, KioskContact
from kiosk.pairing import HEARTBEAT_EVERY, touch_kiosk
from kiosk.votes import DeskVote, MisuseRules, judge, record_vote
from org.duty import end_duty, start_duty
from org.models import Unit
from reports.queries import officer_rows
from tests.factories import (
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    paired_client,
    post,
    refused,
    text,
    vote_payload,
)

# A clock hour of yesterday (UTC; whole hours in every Indonesian zone), inside the open period.
T0 = (datetime.now(timezone.utc) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
RULES = MisuseRules()
_uuids = itertools.count(1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def cast(
    kiosk,
    cast_at: datetime,
    received: datetime | None = None,
    value: int = 4,
    rules=RULES,
    vote_uuid: str | None = None,
) -> Response:
    """A vote cast at ``cast_at`` and received at ``received`` (a second later by default)."""
    payload = {"uuid": vote_uuid or str(uuid.uuid4()), "value": value, "cast_at": cast_at.isoformat()}
    result, created = record_vote(kiosk, payload, now=received or cast_at + timedelta(seconds=1), rules=rules)
    db.session.commit()
    assert created
    return db.session.scalar(sa.select(Response).where(Response.uuid == result.uuid))


def heartbeats(kiosk, start: datetime, end: datetime) -> None:
    """The kiosk's banner, every minute from ``start`` to ``end``: in contact all along."""
    moment = start
    while moment <= end:
        touch_kiosk(kiosk, moment)
        moment += HEARTBEAT_EVERY
    db.session.commit()


def kiosk_score(period, officer) -> dict:
    """The officer's kiosk score as the reports compute it (n and value)."""
    [row] = [r for r in officer_rows(period, policy_of(period)) if r["officer_id"] == officer.id]
    return row["kiosk"]


def counted(desk) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Response)
        .where(Response.desk_id == desk.id, Response.excluded.is_(False))
    )


@pytest.fixture
def period(factories):
    return make_period()


@pytest.fixture
def desk(period):
    return make_desk()


# --- The time a vote may claim ---------------------------------------------------------------------


def test_a_vote_cast_while_the_kiosk_was_in_contact_must_arrive_within_seconds(desk):
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    heartbeats(kiosk, at(0), at(30))
    on_time = cast(kiosk, at(10), received=at(10) + timedelta(seconds=8))
    backdated = cast(kiosk, at(12), received=at(30))
    assert on_time.flags & Flag.LATE == 0 and not on_time.excluded
    assert backdated.flag_set & Flag.LATE and backdated.excluded
    assert backdated.received_at == at(30) and backdated.cast_at == at(12)  # kept as it came


def test_votes_cast_in_an_outage_the_server_saw_are_believed_when_the_queue_comes(desk):
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    heartbeats(kiosk, at(0), at(10))
    # Silent from 10 to 40: the first queued vote arrives before anything else of the kiosk.
    first = cast(kiosk, at(20), received=at(40))
    assert first.flags & Flag.LATE == 0
    touch_kiosk(kiosk, at(40))  # the banner: the outage is over, the span before it is closed
    db.session.commit()
    spans = db.session.execute(
        sa.select(KioskContact.first_seen_at, KioskContact.last_seen_at)
        .where(KioskContact.kiosk_id == kiosk.id)
        .order_by(KioskContact.id)
    ).all()
    assert spans[-1] == (at(0), at(10)) and kiosk.contact_since == at(40)
    second = cast(kiosk, at(25), received=at(41))
    in_contact = cast(kiosk, at(5), received=at(41))  # claims a time the kiosk was in contact
    assert second.flags & Flag.LATE == 0
    assert in_contact.flag_set & Flag.LATE
    # The outage ended at 40: a vote claiming it two hours later is no queue being sent.
    stale = cast(kiosk, at(30), received=at(40 + 120))
    assert stale.flag_set & Flag.LATE and stale.excluded


def test_a_vote_claiming_the_time_since_the_last_heartbeat_is_late_unless_that_was_an_outage(desk):
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    heartbeats(kiosk, at(0), at(10))
    # Heard from a minute ago: still in contact, so a vote cast 50 s ago should have come then.
    assert cast(kiosk, at(10.1), received=at(11)).flag_set & Flag.LATE
    # Silent for ten minutes: an outage.
    assert cast(kiosk, at(12), received=at(20)).flags & Flag.LATE == 0


def test_the_vote_endpoint_records_contact_and_closes_the_span_an_outage_ended(client, desk):
    kiosk, token = make_kiosk(desk)  # paired 90 days ago, silent since
    paired_at = kiosk.paired_at
    response = paired_client(client, token).post("/kiosk/vote", json=vote_payload())
    assert response.status_code == 201
    db.session.expire_all()
    kiosk = db.session.get(Kiosk, kiosk.id)
    assert datetime.now(timezone.utc) - kiosk.contact_since < timedelta(minutes=1)
    assert kiosk.last_seen_at == kiosk.contact_since
    assert db.session.execute(
        sa.select(KioskContact.first_seen_at, KioskContact.last_seen_at).where(KioskContact.kiosk_id == kiosk.id)
    ).all() == [(paired_at, paired_at)]


def test_attack_backdated_votes_sent_newest_first_leave_the_colleague_s_score_unchanged(period, desk):
    """The reported attack: the tablet in contact all day, an officer sends 140 "1" votes claiming
    the hour a colleague was on duty, newest first, within a fraction of a second."""
    colleague = make_officer(unit=desk.unit, name="Rekan")
    attacker = make_officer(unit=desk.unit, name="Penyerang")
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    heartbeats(kiosk, at(-5), at(180))
    start_duty(desk, colleague, at(0))
    db.session.commit()
    rng = random.Random(13)
    minute = 1.0
    while minute < 58:  # the colleague's citizens, each vote arriving at once
        cast(kiosk, at(minute), value=rng.choice([3, 4, 4, 4, 2]))
        minute += rng.uniform(2.5, 6)
    end_duty(desk, at(60))
    start_duty(desk, attacker, at(120))
    db.session.commit()
    before = kiosk_score(period, colleague)
    assert before["n"] >= 10

    sent = at(150)
    for i in range(140):
        cast_at = at(59) - timedelta(seconds=25 * i)  # newest first, all within the colleague's hour
        vote = cast(kiosk, cast_at, received=sent + timedelta(milliseconds=2 * i), value=1)
        assert vote.officer_id == colleague.id and vote.flag_set & Flag.LATE and vote.excluded

    after = kiosk_score(period, colleague)
    assert after == before
    late = db.session.scalar(
        sa.select(sa.func.count()).select_from(Response).where(Response.flags.op("&")(int(Flag.LATE)) != 0)
    )
    assert late == 140  # kept, flagged, not counted


# --- A plausible rate --------------------------------------------------------------------------------


def test_attack_taps_every_six_seconds_for_an_hour_count_at_most_the_ceiling(period, desk):
    officer = make_officer(unit=desk.unit)
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    start_duty(desk, officer, at(-30))
    db.session.commit()
    ceiling = desk.unit.max_votes_per_hour
    assert ceiling == 30  # the default: one citizen every two minutes
    for i in range(600):  # an hour, across two clock hours
        cast(kiosk, at(17) + timedelta(seconds=6 * i))
    assert kiosk_score(period, officer)["n"] <= ceiling
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 600  # every tap kept
    regular = db.session.scalar(
        sa.select(sa.func.count()).select_from(Response).where(Response.flags.op("&")(int(Flag.REGULAR)) != 0)
    )
    assert regular >= 590  # a machine's rhythm


def test_spaced_taps_with_a_human_jitter_stop_at_the_unit_s_ceiling(period, desk):
    officer = make_officer(unit=desk.unit)
    unit = db.session.get(Unit, desk.unit_id)
    unit.max_votes_per_hour = 20
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    start_duty(desk, officer, at(-30))
    db.session.commit()
    rng = random.Random(6)
    moment = at(0)
    while moment < at(60):  # one clock hour of taps 4 to 12 s apart
        cast(kiosk, moment)
        moment += timedelta(seconds=rng.uniform(4, 12))
    assert kiosk_score(period, officer)["n"] == 20
    over = db.session.scalars(sa.select(Response).where(Response.flags.op("&")(int(Flag.OVER_RATE)) != 0)).all()
    assert over and all(r.excluded for r in over)
    first_over = min(r.cast_at for r in over)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Response)
            .where(Response.excluded.is_(False), Response.cast_at > first_over)
        )
        == 0
    )  # the surplus is the latest


def test_a_busy_desk_under_its_ceiling_counts_every_citizen(desk):
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    rng = random.Random(1)
    moment = at(1)
    for _ in range(40):  # two hours of citizens, 1 to 4 minutes apart: irregular, under 30 an hour
        cast(kiosk, moment)
        moment += timedelta(seconds=rng.uniform(60, 240))
    assert counted(desk) == 40


def test_a_late_arrival_earlier_in_the_hour_takes_a_counted_place_and_the_last_one_gives_it_up(desk):
    unit = db.session.get(Unit, desk.unit_id)
    unit.max_votes_per_hour = 3
    db.session.commit()
    kiosk, _ = make_kiosk(desk, paired_at=at(-60 * 24))
    a, b, c = cast(kiosk, at(10)), cast(kiosk, at(20)), cast(kiosk, at(30))
    d = cast(kiosk, at(40))
    assert [bool(v.flag_set & Flag.OVER_RATE) for v in (a, b, c, d)] == [False, False, False, True]
    # A queued vote cast at 5 arrives (an outage: the kiosk was never heard from since pairing).
    early = cast(kiosk, at(5), received=at(45))
    for vote in (a, b, c, d):
        db.session.refresh(vote)
    assert early.flags & Flag.OVER_RATE == 0 and not early.excluded
    assert c.flag_set & Flag.OVER_RATE and c.excluded  # re-flagged through the one writer
    assert d.flag_set & Flag.OVER_RATE
    assert counted(desk) == 3


# --- Order does not matter -----------------------------------------------------------------------------

PROPERTY_RULES = MisuseRules(
    burst=timedelta(seconds=3),
    max_per_minute=4,
    regular_run=5,
    regular_spread=timedelta(seconds=1),
    regular_max_interval=timedelta(seconds=120),
)

_scattered = st.lists(st.integers(0, 2 * 3600 * 10).map(lambda tenths: tenths / 10), min_size=1, max_size=8)
_regular = st.builds(
    lambda start, step, n: [start + i * step for i in range(n)],
    st.integers(0, 7000),
    st.integers(1, 130),
    st.integers(4, 8),
)
_clustered = st.builds(
    lambda start, gaps: list(itertools.accumulate([start, *gaps])),
    st.integers(0, 7000),
    st.lists(st.integers(0, 20), min_size=1, max_size=12),
)
_offsets = st.lists(st.one_of(_scattered, _regular, _clustered), min_size=1, max_size=5).map(
    lambda chunks: [offset for chunk in chunks for offset in chunk][:45]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), offsets=_offsets)
def test_any_order_of_the_same_votes_gives_the_same_flags(period, data, offsets):
    order = data.draw(st.permutations(range(len(offsets))))
    run = next(_uuids)
    received = T0 + timedelta(hours=3)  # the kiosks were never heard from: one long outage

    def deliver(desk_index: int, sequence) -> dict[int, int]:
        desk = make_desk()
        desk.unit.max_votes_per_hour = 4
        kiosk, _ = make_kiosk(desk, paired_at=T0 - timedelta(days=1))
        ids = {}
        for i in sequence:
            vote_uuid = str(uuid.UUID(int=(run << 80) | (desk_index << 64) | i))
            ids[i] = cast(
                kiosk, T0 + timedelta(seconds=offsets[i]), received=received, rules=PROPERTY_RULES, vote_uuid=vote_uuid
            ).id
        return {i: Flag(db.session.get(Response, response_id).flags) for i, response_id in ids.items()}

    in_cast_order = deliver(1, sorted(range(len(offsets)), key=lambda i: (offsets[i], i)))
    in_any_order = deliver(2, order)
    assert in_any_order == in_cast_order
    # And both are the rules' pure function of the whole set.
    votes = sorted(
        (
            DeskVote(None, T0 + timedelta(seconds=offsets[i]), f"{i:08d}", Flag.UNATTRIBUTED)
            for i in range(len(offsets))
        ),
        key=lambda v: (v.cast_at, v.uuid),
    )
    expected = {int(v.uuid): flags for v, flags in zip(votes, judge(votes, PROPERTY_RULES, 4))}
    assert in_cast_order == expected
    for flags in in_cast_order.values():
        assert bool(flags & Flag.OVER_RATE) <= (not flags & (Flag.BURST | Flag.REGULAR))


# --- The unit's ceiling, in its form ---------------------------------------------------------------------


def test_the_unit_form_sets_the_ceiling_and_refuses_an_impossible_one(client, admin):
    unit = make_unit(code="kec-a", name="Kecamatan A")
    form = {"code": "kec-a", "name": "Kecamatan A", "address": "", "timezone": "Asia/Jakarta"}
    assert 'name="max_votes_per_hour"' in text(
        client.get(f"/admin/units/{unit.id}/edit", headers={"HX-Request": "true"})
    )
    response = post(client, f"/admin/units/{unit.id}/edit", {**form, "max_votes_per_hour": "45"}, htmx=True)
    assert response.status_code == 200, text(response)[:500]
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).max_votes_per_hour == 45
    refused(
        client,
        f"/admin/units/{unit.id}/edit",
        {**form, "max_votes_per_hour": "0"},
        f"unit-{unit.id}-max_votes_per_hour",
        "Enter a whole number from 1 to 600.",
        "Masukkan bilangan bulat dari 1 sampai 600.",
    )
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).max_votes_per_hour == 45


def test_the_vote_endpoint_judges_a_queue_arriving_out_of_order_again(client, desk):
    """Through the endpoint (its own connection and transaction, the per-desk lock on
    PostgreSQL): a queue sent after an outage, newest first, ends with the flags of cast order."""
    unit = db.session.get(Unit, desk.unit_id)
    unit.max_votes_per_hour = 2
    db.session.commit()
    _kiosk, token = make_kiosk(desk)  # silent since it was paired: one long outage
    tablet = paired_client(client, token)
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    payloads = [vote_payload(cast_at=(hour + timedelta(minutes=minute)).isoformat()) for minute in (10, 25, 40, 55)]
    for payload in reversed(payloads):
        assert tablet.post("/kiosk/vote", json=payload).status_code == 201
    db.session.expire_all()
    stored = [db.session.scalar(sa.select(Response).where(Response.uuid == p["uuid"])) for p in payloads]
    assert [bool(r.flag_set & Flag.LATE) for r in stored] == [False] * 4
    assert [bool(r.flag_set & Flag.OVER_RATE) for r in stored] == [False, False, True, True]
    assert [r.excluded for r in stored] == [False, False, True, True]
