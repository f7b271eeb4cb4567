"""The pure rules of the officer of the month: months as slices of a period in local time, and the
order of the standings with its documented tie-breaks."""

from datetime import date, datetime, timezone
from fractions import Fraction

from awards import rules


def test_a_month_is_the_part_of_the_period_inside_it():
    # A period from 15 October to 10 December: three slices, the first and last cut to the period.
    slices = rules.month_slices(date(2026, 10, 15), date(2026, 12, 10))
    assert [(s.month, s.first, s.last) for s in slices] == [
        (date(2026, 10, 1), date(2026, 10, 15), date(2026, 10, 31)),
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 10)),
    ]
    assert [s.partial for s in slices] == [True, False, True]


def test_a_quarter_has_three_whole_months_and_february_its_own_length():
    slices = rules.month_slices(date(2028, 1, 1), date(2028, 3, 31))
    assert [s.last for s in slices] == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
    assert not any(s.partial for s in slices)
    assert rules.next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert rules.previous_month(date(2027, 1, 15)) == date(2026, 12, 1)


def test_a_month_ends_when_the_next_local_day_begins():
    [october] = rules.month_slices(date(2026, 10, 1), date(2026, 10, 31))
    assert not october.ended(date(2026, 10, 31))
    assert october.ended(date(2026, 11, 1))
    assert october.started(date(2026, 10, 1)) and not october.started(date(2026, 9, 30))


def test_the_bounds_of_a_month_are_local_midnights_in_utc():
    [october] = rules.month_slices(date(2026, 10, 1), date(2026, 10, 31))
    # WITA is UTC+8: 1 October 00:00 WITA is 30 September 16:00 UTC; the end, 1 November 00:00
    # WITA, is 31 October 16:00 UTC (excluded).
    since, until = rules.utc_bounds(october, "Asia/Makassar")
    assert since == datetime(2026, 9, 30, 16, tzinfo=timezone.utc)
    assert until == datetime(2026, 10, 31, 16, tzinfo=timezone.utc)
    # WIT (UTC+9) and WIB (UTC+7).
    assert rules.utc_bounds(october, "Asia/Jayapura")[0] == datetime(2026, 9, 30, 15, tzinfo=timezone.utc)
    assert rules.utc_bounds(october, "Asia/Jakarta")[1] == datetime(2026, 10, 31, 17, tzinfo=timezone.utc)


def row(officer_id, name, rank_score, n, enough=True, excluded=0, kiosk=None, qr=0):
    """A row as reports.queries.officer_rows gives it (only what the rules read)."""
    value = None if rank_score is None else Fraction(rank_score)
    return {
        "officer_id": officer_id,
        "name": name,
        "nip": f"{officer_id:018d}",
        "rank_score": value,
        "combined": {"value": value, "n": n, "enough": enough},
        "kiosk": {"n": n if kiosk is None else kiosk},
        "qr": {"n": qr},
        "excluded": excluded,
    }


def test_the_standings_put_the_highest_shrunk_score_first_and_number_only_who_may_win():
    standings = rules.rank(
        [
            row(1, "Citra", 80, 50),
            row(2, "Adi", None, 2, enough=False),  # not enough data: listed, not numbered
            row(3, "Bayu", 90, 40, excluded=3),
        ]
    )
    assert [(s.name, s.rank, s.eligible) for s in standings] == [
        ("Bayu", 1, True),
        ("Citra", 2, True),
        ("Adi", None, False),
    ]
    assert standings[0].excluded == 3 and standings[2].score is None and standings[2].n == 0
    assert rules.proposal(standings).name == "Bayu"


def test_ties_go_to_more_responses_then_to_the_name_then_to_the_id():
    standings = rules.rank(
        [
            row(4, "Dewi", 88, 30),
            row(5, "Bayu", 88, 30),
            row(6, "Eka", 88, 45),  # same score, more responses: first
            row(7, "Bayu", 88, 30),  # same name as 5: the lower id first
        ]
    )
    assert [s.officer_id for s in standings] == [6, 5, 7, 4]
    assert [s.rank for s in standings] == [1, 2, 3, 4]
    # The order never depends on the order the rows came in.
    assert [s.officer_id for s in rules.rank(list(reversed([row(4, "Dewi", 88, 30), row(6, "Eka", 88, 45)])))] == [6, 4]


def test_nobody_is_proposed_without_enough_data():
    standings = rules.rank([row(1, "Adi", None, 4, enough=False), row(2, "Budi", None, 0, enough=False, kiosk=0)])
    assert rules.proposal(standings) is None
    assert [s.name for s in standings] == ["Adi", "Budi"]  # by counted responses
