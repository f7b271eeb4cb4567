"""A month's standings against hand-computed cases: the same combined score and shrinkage as the
appraisal, over the month's slice of the period in the unit's local time; a few perfect votes do
not beat a solid record; flagged responses do not count. And the award the lobby shows."""

from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest

from appraisal import scoring
from appraisal.models import PeriodStatus
from awards import queries, rules
from awards.models import Award, AwardStatus
from core.db import db
from core.responses import Flag
from tests.factories import add_survey, add_vote, make_desk, make_officer, make_period, make_unit

UTC = timezone.utc
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # 6 December 2026, 10:00 WITA
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def world(factories):
    unit = make_unit(timezone="Asia/Makassar")  # WITA, UTC+8
    desk = make_desk(unit=unit)
    period = make_period(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), min_n=3)
    names = {"A": "Ani Perfecta", "B": "Budi Solid", "C": "Citra Biasa"}
    officers = {key: make_officer(unit=unit, name=name) for key, name in names.items()}
    return unit, desk, period, officers


def in_november(day: int = 15, hour_utc: int = 3) -> datetime:
    return datetime(2026, 11, day, hour_utc, tzinfo=UTC)


def votes(period, desk, officer, faces, at=None, flags=Flag(0)):
    for i, face in enumerate(faces):
        add_vote(period, desk, officer, face, at=(at or in_november()) + timedelta(minutes=i), flags=flags)


def november(unit, period):
    month = queries.find_month(unit, period, NOVEMBER, queries.local_today(unit, NOW))
    assert month is not None and month.ended
    return queries.standings(unit, period, month.slice)


def add_three_officers(period, desk, officers):
    votes(period, desk, officers["A"], [4] * 3)  # 3 votes, all perfect: 100
    votes(period, desk, officers["B"], [4] * 28 + [3] * 12)  # 40 votes, mean 3.7: 92.5
    votes(period, desk, officers["C"], [3] * 60)  # 60 votes, mean 3.0: 75
    db.session.commit()


def test_a_few_perfect_votes_do_not_beat_a_solid_record(world):
    unit, desk, period, officers = world
    add_three_officers(period, desk, officers)
    standings = november(unit, period)
    # By hand (kiosk votes only, so the combined score is the kiosk's: mean face x 25):
    #   A: 3 x 4 = 12 / 3 = 4.0 -> 100;   B: (28 x 4 + 12 x 3) / 40 = 148 / 40 = 3.7 -> 92.5;
    #   C: 60 x 3 / 60 = 3.0 -> 75.
    #   The unit's score of the month, the prior: (12 + 148 + 180) / 103 = 340 / 103 -> x 25 =
    #   8500 / 103 = 82.52.
    #   The prior strength: the data's k (within / between variance) is small here, as the officers
    #   differ much, so the floor scoring.MIN_PRIOR_STRENGTH = 30 holds.
    #   Shrunk, (n x score + 30 x prior) / (n + 30):
    #   A: (3 x 100 + 30 x 8500/103) / 33 = 285900 / 3399 = 84.11
    #   B: (40 x 92.5 + 30 x 8500/103) / 70 = 636100 / 7210 = 88.22
    #   C: (60 x 75 + 30 x 8500/103) / 90 = 718500 / 9270 = 77.51
    prior = Fraction(8500, 103)
    assert [s.name for s in standings] == ["Budi Solid", "Ani Perfecta", "Citra Biasa"]
    by_name = {s.name: s for s in standings}
    assert by_name["Ani Perfecta"].score == Fraction(285900, 3399) == (3 * 100 + 30 * prior) / 33
    assert by_name["Budi Solid"].score == Fraction(636100, 7210)
    assert by_name["Citra Biasa"].score == Fraction(718500, 9270)
    assert [str(scoring.display(s.score)) for s in standings] == ["88.22", "84.11", "77.51"]
    assert [(s.rank, s.n, s.value) for s in standings] == [(1, 40, Fraction(185, 2)), (2, 3, 100), (3, 60, 75)]
    assert rules.proposal(standings).name == "Budi Solid"


def test_below_the_minimum_n_an_officer_may_not_win(world):
    unit, desk, period, officers = world
    period.min_n = 5
    add_three_officers(period, desk, officers)
    standings = november(unit, period)
    # A's 3 votes are below 5: no combined score, listed last without a place.
    assert [(s.name, s.rank, s.eligible) for s in standings] == [
        ("Budi Solid", 1, True),
        ("Citra Biasa", 2, True),
        ("Ani Perfecta", None, False),
    ]
    ani = standings[2]
    assert ani.score is None and ani.responses == 3


def test_flagged_responses_do_not_count_and_are_counted_apart(world):
    unit, desk, period, officers = world
    votes(period, desk, officers["A"], [4] * 5)
    votes(period, desk, officers["A"], [1] * 10, flags=Flag.BURST)  # left out
    votes(period, desk, officers["B"], [3] * 5)
    db.session.commit()
    standings = november(unit, period)
    a = next(s for s in standings if s.name == "Ani Perfecta")
    # Only the 5 counted votes: 100, not (5 x 4 + 10 x 1) / 15 x 25 = 50.
    assert (a.value, a.n, a.responses, a.excluded) == (100, 5, 5, 10)
    assert queries.flagged_total(standings) == 10
    # The prior is the unit's counted score: (20 + 15) / 10 x 25 = 87.5; k = 30 (the floor);
    # A: (5 x 100 + 30 x 87.5) / 35 = 3125 / 35 = 89.29; B: (5 x 75 + 30 x 87.5) / 35 = 85.71.
    assert a.score == Fraction(3125, 35)
    assert standings[0].name == "Ani Perfecta"


def test_the_month_is_counted_in_the_units_local_time(world):
    unit, desk, period, officers = world
    # 31 October 23:30 WITA is 15:30 UTC on the 31st: October's. 1 November 00:30 WITA is 16:30
    # UTC on 31 October: November's, though still October in UTC.
    late = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)
    early = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    votes(period, desk, officers["A"], [4] * 3, at=late)
    votes(period, desk, officers["B"], [3] * 3, at=early)
    # 30 November 23:59 WITA (15:59 UTC) is November's; 1 December 00:00 WITA (16:00 UTC) is not.
    votes(period, desk, officers["B"], [3], at=datetime(2026, 11, 30, 15, 59, tzinfo=UTC))
    votes(period, desk, officers["C"], [4] * 3, at=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    db.session.commit()
    today = queries.local_today(unit, NOW)
    october = queries.find_month(unit, period, date(2026, 10, 1), today)
    by_month = {
        "october": {s.name: s.responses for s in queries.standings(unit, period, october.slice)},
        "november": {s.name: s.responses for s in november(unit, period)},
    }
    assert by_month == {"october": {"Ani Perfecta": 3}, "november": {"Budi Solid": 4}}


def test_the_months_offered_are_those_of_the_open_period_and_the_one_before(world):
    unit, desk, period, officers = world
    closed = make_period(starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30), status=PeriodStatus.CLOSED)
    older = make_period(starts_on=date(2026, 4, 1), ends_on=date(2026, 6, 30), status=PeriodStatus.CLOSED)
    months = queries.months(unit, queries.local_today(unit, NOW))
    assert [(m.period.id, m.month, m.ended) for m in months] == [
        (period.id, date(2026, 12, 1), False),  # the current month: provisional
        (period.id, date(2026, 11, 1), True),
        (period.id, date(2026, 10, 1), True),
        (closed.id, date(2026, 9, 1), True),
        (closed.id, date(2026, 8, 1), True),
        (closed.id, date(2026, 7, 1), True),
    ]
    assert older.id not in {m.period.id for m in months}


def test_the_lobby_shows_the_confirmed_award_of_the_last_ended_month(world):
    unit, desk, period, officers = world
    today = date(2026, 12, 6)
    assert queries.current_award(unit, today) is None
    october = Award(unit_id=unit.id, period_id=period.id, month=date(2026, 10, 1), officer_id=officers["C"].id)
    db.session.add(october)
    db.session.commit()
    assert queries.current_award(unit, today) is None  # October is not the last ended month
    november_award = Award(unit_id=unit.id, period_id=period.id, month=NOVEMBER, officer_id=officers["B"].id)
    db.session.add(november_award)
    db.session.commit()
    assert queries.current_award(unit, today) == november_award
    assert queries.current_award(unit, date(2026, 11, 30)) == october
    assert queries.current_award(make_unit(), today) is None  # another unit's
    november_award.status = AwardStatus.WITHDRAWN
    db.session.commit()
    assert queries.current_award(unit, today) is None


def test_a_month_that_is_the_whole_period_ranks_as_the_appraisal_does(factories):
    """Both channels, a survey below the minimum: the month's standings are the appraisal's own
    rank scores (one implementation), only cut to the month."""
    from appraisal.policy import policy_of
    from reports.queries import officer_rows

    unit = make_unit(timezone="Asia/Jayapura")  # WIT, UTC+9
    desk = make_desk(unit=unit)
    period = make_period(starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30), min_n=3, qr_weight_pct=70)
    a, b = make_officer(unit=unit, name="Ayu"), make_officer(unit=unit, name="Bima")
    at = datetime(2026, 11, 3, 1, tzinfo=UTC)
    for i in range(4):
        add_survey(period, desk, a, [4, 3, 4, 3, 4, 3, 4, 3, 4], at=at + timedelta(minutes=i))
        add_vote(period, desk, a, 3, at=at + timedelta(minutes=i))
    for i in range(2):  # two surveys: below 3, the survey stays out of Bima's combined score
        add_survey(period, desk, b, [1] * 9, at=at + timedelta(minutes=10 + i))
    for i in range(6):
        add_vote(period, desk, b, 4, at=at + timedelta(minutes=20 + i))
    db.session.commit()
    month = queries.find_month(unit, period, NOVEMBER, date(2026, 12, 6))
    standings = queries.standings(unit, period, month.slice)
    appraisal = {row["officer_id"]: row["rank_score"] for row in officer_rows(period, policy_of(period), unit.id)}
    assert {s.officer_id: s.score for s in standings} == appraisal
    bima = next(s for s in standings if s.name == "Bima")
    assert (bima.value, bima.n, bima.responses) == (100, 6, 8)  # the kiosk alone: 6 x 4 -> 100
    ayu = next(s for s in standings if s.name == "Ayu")
    # Ayu: survey IKM (5 x 4 + 4 x 3) / 9 = 32/9 -> x 25 = 88.89; kiosk 75; 0.7 x 800/9 + 0.3 x 75.
    assert ayu.value == Fraction(7, 10) * Fraction(800, 9) + Fraction(3, 10) * 75 and ayu.n == 8
