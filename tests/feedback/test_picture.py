"""The pure rules of the picture per value (feedback.picture): when a side shows, the others'
mean, the gap, and the suggested rating read off the 1-4 scale like the citizens' scores."""

from decimal import Decimal
from fractions import Fraction

import pytest

from appraisal.scoring import Rating
from feedback import picture
from feedback.models import RaterKind
from feedback.picture import FEW, NO_DATA, NONE, OPEN, Side


@pytest.mark.parametrize(
    ("kind", "closed", "raters", "answers", "min_raters", "reason"),
    [
        (RaterKind.PEER, False, 5, 5, 3, OPEN),  # nothing before the round closes
        (RaterKind.SELF, False, 1, 1, 3, OPEN),
        (RaterKind.PEER, True, 2, 2, 3, FEW),  # two peers: hidden
        (RaterKind.PEER, True, 3, 3, 3, None),  # three: shown
        (RaterKind.SUBORDINATE, True, 2, 2, 3, FEW),
        (RaterKind.SUBORDINATE, True, 3, 3, 3, None),
        (RaterKind.PEER, True, 3, 3, 4, FEW),  # the round asks four
        (RaterKind.PEER, True, 4, 4, 4, None),
        (RaterKind.PEER, True, 2, 2, 1, FEW),  # never below the floor of three
        (RaterKind.PEER, True, 3, 2, 3, FEW),  # three raters, but two answered this value
        (RaterKind.PEER, True, 2, 3, 3, FEW),  # answer rows never stand in for raters
        (RaterKind.SUPERVISOR, True, 1, 1, 3, None),  # not anonymous: shown once closed
        (RaterKind.SELF, True, 1, 1, 3, None),
        (RaterKind.SELF, True, 0, 0, 3, NONE),
    ],
)
def test_when_a_kind_is_shown(kind, closed, raters, answers, min_raters, reason):
    assert picture.hidden_reason(kind, closed, raters, answers, min_raters) == reason


def test_a_hidden_side_carries_no_mean():
    hidden = picture.rater_side(RaterKind.PEER, True, 2, 7, 2, 3)
    assert (hidden.mean, hidden.n, hidden.hidden, hidden.shown) == (None, 2, FEW, False)
    assert picture.rater_side(RaterKind.PEER, False, 3, 9, 3, 3) == Side("peer", None, 0, OPEN)
    shown = picture.rater_side(RaterKind.PEER, True, 3, 10, 3, 3)
    assert (shown.mean, shown.n, shown.shown) == (Fraction(10, 3), 3, True)


def test_citizens_show_from_the_periods_minimum():
    assert picture.citizen_side("u6", Fraction(7, 2), 40, True) == Side("u6", Fraction(7, 2), 40)
    assert picture.citizen_side("u6", Fraction(7, 2), 12, False) == Side("u6", None, 12, NO_DATA)
    assert picture.citizen_side("kiosk", None, 0, False) == Side("kiosk", None, 0, NONE)


def test_the_others_mean_weighs_each_side_once_and_leaves_out_self_and_hidden():
    sides = [
        Side("u6", Fraction(4), 50),
        Side("u7", Fraction(3), 50),
        Side("kiosk", None, 10, NO_DATA),
        Side("supervisor", Fraction(2), 1),
        Side("peer", Fraction(3), 6),
        Side("subordinate", None, 2, FEW),
        Side("self", Fraction(4), 1),
    ]
    # citizens (4 + 3) / 2 = 3.5 as one side; then (2 + 3 + 3.5) / 3
    assert picture.others_mean(sides) == Fraction(17, 6)
    assert picture.others_mean([Side("self", Fraction(4), 1)]) is None


def test_the_gap_is_own_view_minus_the_others():
    assert picture.gap(Fraction(4), Fraction(3)) == 1
    assert picture.gap(Fraction(2), Fraction(3)) == -1
    assert picture.gap(None, Fraction(3)) is None and picture.gap(Fraction(3), None) is None


@pytest.mark.parametrize(
    ("mean", "rating"),
    [
        (Fraction(4), Rating.DI_ATAS),
        (Fraction("3.5324"), Rating.DI_ATAS),  # 88.31 published: the floor of grade A
        (Fraction("3.5322"), Rating.DI_ATAS),  # 88.305 publishes as 88.31, as a citizens' score would
        (Fraction("3.532"), Rating.SESUAI),  # 88.30
        (Fraction("3.0644"), Rating.SESUAI),  # 76.61
        (Fraction("3.064"), Rating.DI_BAWAH),  # 76.60
        (Fraction(1), Rating.DI_BAWAH),
        (None, None),
    ],
)
def test_the_suggestion_reads_the_mean_as_the_citizens_scores_are_read(mean, rating):
    assert picture.suggest(mean) == rating


def test_the_suggestion_follows_the_periods_thresholds():
    assert picture.suggest(Fraction(3), Decimal("70.00"), Decimal("60.00")) == Rating.DI_ATAS
    assert picture.suggest(Fraction(3), Decimal("90.00"), Decimal("80.00")) == Rating.DI_BAWAH


def test_a_value_picture_orders_its_sides_and_suggests_from_the_others():
    found = picture.value_picture(
        "kompeten",
        [
            Side("self", Fraction(4), 1),
            Side("peer", Fraction(7, 2), 3),
            Side("supervisor", Fraction(3), 1),
            Side("subordinate", None, 2, FEW),
        ],
    )
    assert [side.key for side in found.sides] == ["supervisor", "peer", "subordinate", "self"]
    # (3.5 + 3) / 2 = 3.25, x 25 = 81.25: between the floors of grades B and A
    assert (found.others, found.gap, found.suggested) == (Fraction(13, 4), Fraction(3, 4), Rating.SESUAI)
    assert found.citizen_sides == () and found.side("peer").n == 3


def test_comments_are_sorted_by_their_text_without_blanks():
    assert picture.sorted_comments(["sigap", "  ", "Bagus sekali", "akurat", ""]) == ["akurat", "Bagus sekali", "sigap"]


def test_the_threshold_never_goes_below_three():
    assert [picture.threshold(n) for n in (0, 1, 3, 4, 7)] == [3, 3, 3, 4, 7]
