"""Scoring: worked examples computed by hand, the regulation's boundaries, and properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.scoring import (
    DEFAULT_MIN_N,
    Grade,
    Rating,
    Score,
    combined_score,
    display,
    element_weights,
    ikm,
    kiosk_index,
    mean_ci,
    mutu,
    nrr,
    prior_strength_from_groups,
    score,
    shrink,
    suggest_rating,
    t_critical,
    to_ikm_scale,
    weakest_elements,
)

# No example database on disk (the repo stays clean) and no timing-based failures.
PROPERTY = settings(database=None, deadline=None)

CODES = [f"U{i}" for i in range(1, 10)]


def stats(answers):
    """(n, sum x, sum x^2) of a list of answers, as a SQL GROUP BY would return them."""
    return len(answers), sum(answers), sum(a * a for a in answers)


def stats_of_counts(counts):
    """(n, sum x, sum x^2) from {answer: how many}."""
    return stats([answer for answer, how_many in counts.items() for _ in range(how_many)])


# --- NRR -------------------------------------------------------------------------------------


def test_nrr_is_the_exact_mean_answer():
    assert nrr(7, 2) == Fraction(7, 2)
    assert nrr(878, 250) == Fraction("3.512")


@pytest.mark.parametrize("total, count", [(0, 0), (9, 2), (1, 2), (4, -1)])
def test_nrr_refuses_impossible_totals(total, count):
    with pytest.raises(ValueError):
        nrr(total, count)


# --- IKM: the worked example of domain.md --------------------------------------------------------

# 250 respondents answered every unsur. Answer totals and NRR (= total / 250):
#   U1 920 3.680   U2 910 3.640   U3 880 3.520   U4 950 3.800   U5 905 3.620
#   U6 930 3.720   U7 945 3.780   U8 878 3.512   U9 915 3.660
# Totals sum to 8233, so the NRRs sum to 8233 / 250 = 32.932.
# Exact weights 1/9:   32.932 / 9 x 25 = 91.4777...        -> published 91.48
# Shortcut 0.111:      32.932 x 0.111 x 25 = 91.3863         -> published 91.39
# Shortcut 0.11:       32.932 x 0.11 x 25 = 90.563           -> published 90.56
# domain.md's pair "90.56 instead of 91.48" is what the two-decimal 0.11 gives; 0.111 only
# moves the index by 0.1 % (91.39). Both shortcuts are wrong; the exact fraction is right.
TOTALS = dict(zip(CODES, [920, 910, 880, 950, 905, 930, 945, 878, 915]))
WORKED = {code: nrr(total, 250) for code, total in TOTALS.items()}


def test_ikm_uses_the_exact_one_ninth_weight():
    value = ikm(WORKED)
    assert value == Fraction(8233, 90)
    assert display(value) == Decimal("91.48")
    assert mutu(value) is Grade.A


def test_rounded_weight_shortcuts_give_other_published_indices():
    shortcut_0111 = sum(value * Fraction("0.111") for value in WORKED.values()) * 25
    shortcut_011 = sum(value * Fraction("0.11") for value in WORKED.values()) * 25
    assert display(shortcut_0111) == Decimal("91.39")
    assert display(shortcut_011) == Decimal("90.56")
    assert display(ikm(WORKED)) not in (display(shortcut_0111), display(shortcut_011))


def test_the_0111_shortcut_is_refused_as_configured_weights():
    with pytest.raises(ValueError, match="sum to 1"):
        ikm(WORKED, {code: Decimal("0.111") for code in CODES})


def test_ikm_with_configured_weights():
    # (4 x 0.5 + 3 x 0.25 + 2 x 0.25) x 25 = (2 + 0.75 + 0.5) x 25 = 81.25
    value = ikm({"U1": 4, "U2": 3, "U3": 2}, {"U1": Decimal("0.5"), "U2": Decimal("0.25"), "U3": Decimal("0.25")})
    assert value == Fraction("81.25")


def test_ikm_spans_25_to_100():
    assert ikm({code: 1 for code in CODES}) == 25
    assert ikm({code: 4 for code in CODES}) == 100


def test_ikm_refuses_an_nrr_off_the_scale():
    with pytest.raises(ValueError, match="U2"):
        ikm({"U1": 3, "U2": Fraction(9, 2)})


def test_weakest_elements_of_the_worked_example():
    # Lowest NRRs: U8 3.512, U3 3.520, U5 3.620.
    assert weakest_elements(WORKED) == ["U8", "U3", "U5"]


def test_weakest_elements_break_ties_by_code_in_natural_order():
    nrrs = {"U10": 3, "U9": 3, "U2": 3, "U1": 4, "U3": 2}
    assert weakest_elements(nrrs, k=3) == ["U3", "U2", "U9"]
    assert weakest_elements(nrrs, k=0) == []
    assert weakest_elements(nrrs, k=10) == ["U3", "U2", "U9", "U10", "U1"]


# --- Weights ---------------------------------------------------------------------------------


def test_default_weights_are_exactly_one_ninth():
    weights = element_weights(CODES)
    assert weights == {code: Fraction(1, 9) for code in CODES}
    assert sum(weights.values()) == 1


def test_all_none_weights_mean_the_default():
    assert element_weights(["U1", "U2"], {"U1": None, "U2": None}) == {"U1": Fraction(1, 2), "U2": Fraction(1, 2)}


def test_configured_decimal_weights_are_read_exactly():
    weights = element_weights(["U1", "U2", "U3"], {"U1": Decimal("0.25"), "U2": Decimal("0.25"), "U3": Decimal("0.5")})
    assert weights == {"U1": Fraction(1, 4), "U2": Fraction(1, 4), "U3": Fraction(1, 2)}


def test_weights_rounded_to_six_places_may_still_sum_to_one():
    weights = element_weights(["A", "B", "C"], {"A": Decimal("0.333333"), "B": Decimal("0.333333"), "C": Decimal("0.333334")})
    assert sum(weights.values()) == 1


@pytest.mark.parametrize(
    "configured, message",
    [
        ({"U1": Decimal("0.5"), "U2": Decimal("0.4")}, "sum to 1"),
        ({"U1": Decimal("1.5"), "U2": Decimal("-0.5")}, "negative"),
        ({"U1": Decimal("1"), "U2": None}, "all elements or for none"),
        ({"U1": Decimal("1")}, "all elements or for none"),
        ({"U1": Decimal("0.5"), "U2": Decimal("0.5"), "U7": Decimal("0")}, "unknown"),
    ],
)
def test_bad_weights_are_refused_with_a_reason(configured, message):
    with pytest.raises(ValueError, match=message):
        element_weights(["U1", "U2"], configured)


def test_element_codes_must_be_distinct_and_present():
    with pytest.raises(ValueError):
        element_weights([])
    with pytest.raises(ValueError):
        element_weights(["U1", "U1"])


# --- Grade (mutu) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, grade",
    [
        ("100", Grade.A),
        ("88.31", Grade.A),
        ("88.305", Grade.A),  # published as 88.31
        ("88.30", Grade.B),
        ("88.3049", Grade.B),  # published as 88.30
        ("76.61", Grade.B),
        ("76.605", Grade.B),  # published as 76.61
        ("76.60", Grade.C),
        ("65.00", Grade.C),
        ("64.995", Grade.C),  # published as 65.00
        ("64.99", Grade.D),
        ("25", Grade.D),
    ],
)
def test_grade_boundaries_on_the_published_value(value, grade):
    assert mutu(Decimal(value)) is grade
    assert mutu(Fraction(value)) is grade


def test_grade_of_a_float_is_read_as_printed():
    # The binary float 88.305 is 88.30499999...; read as printed it is 88.305 -> 88.31 -> A.
    assert mutu(88.305) is Grade.A


def test_grade_boundaries_on_the_nrr_scale_of_the_table():
    # domain.md: A from NRR 3.5324 (88.31), B up to 3.532 (88.30).
    assert mutu(to_ikm_scale(Decimal("3.5324"))) is Grade.A
    assert mutu(to_ikm_scale(Decimal("3.532"))) is Grade.B


def test_grade_labels():
    assert [(g.letter, g.label_id, g.label_en) for g in Grade] == [
        ("A", "Sangat Baik", "Very good"),
        ("B", "Baik", "Good"),
        ("C", "Kurang Baik", "Poor"),
        ("D", "Tidak Baik", "Very poor"),
    ]
    assert Grade.C.label("en") == "Poor"
    assert Grade.C.label("id") == "Kurang Baik"


@pytest.mark.parametrize("value", ["24.99", "100.01"])
def test_grade_refuses_values_off_the_scale(value):
    with pytest.raises(ValueError):
        mutu(Decimal(value))


def test_grade_bounds_are_configurable():
    # The table that prints 76.66 as the top of C starts B at 76.67.
    other = (Decimal("88.31"), Decimal("76.67"), Decimal("65.00"))
    assert mutu(Decimal("76.62")) is Grade.B
    assert mutu(Decimal("76.62"), bounds=other) is Grade.C
    with pytest.raises(ValueError):
        mutu(80, bounds=(Decimal("70"), Decimal("80"), Decimal("65")))


# --- Display ---------------------------------------------------------------------------------


def test_display_rounds_half_up():
    assert display(Fraction("88.305")) == Decimal("88.31")
    assert display(Fraction("88.3049")) == Decimal("88.30")
    assert display(Fraction(2, 3), 4) == Decimal("0.6667")
    assert display(Fraction(5, 2), 0) == Decimal("3")
    assert display(Fraction("-1.005")) == Decimal("-1.01")
    assert str(display(65)) == "65.00"


# --- Kiosk index and combined score ---------------------------------------------------------


def test_kiosk_index():
    # 6 x 4 + 3 x 3 + 1 x 2 = 35 over 10 presses: mean 3.5, x 25 = 87.5
    assert kiosk_index({4: 6, 3: 3, 2: 1}) == Fraction("87.5")
    assert kiosk_index({1: 5, 4: 0}) == 25
    assert kiosk_index({4: 1}) == 100


@pytest.mark.parametrize("counts", [{}, {4: 0}, {0: 1}, {5: 1}, {2.0: 1}, {3: -1}])
def test_kiosk_index_refuses_bad_counts(counts):
    with pytest.raises(ValueError):
        kiosk_index(counts)


def test_combined_score_weights_the_channels():
    # 0.6 x 90 + 0.4 x 80 = 54 + 32 = 86, whatever the counts
    assert combined_score(90, 40, 80, 1000, Decimal("0.6"), Decimal("0.4")) == 86


def test_combined_score_when_one_channel_is_empty():
    assert combined_score(None, 0, 80, 100, Decimal("0.6"), Decimal("0.4")) == 80
    assert combined_score(90, 40, None, 0, Decimal("0.6"), Decimal("0.4")) == 90
    assert combined_score(90, 40, 80, 100, 0, 1) == 80
    assert combined_score(90, 40, None, 0, 0, 1) == 90
    assert combined_score(None, 0, None, 0, Decimal("0.5"), Decimal("0.5")) is None


@pytest.mark.parametrize(
    "args",
    [
        (90, 40, 80, 100, Decimal("0.6"), Decimal("0.5")),  # weights sum to 1.1
        (90, 40, 80, 100, Decimal("1.2"), Decimal("-0.2")),  # negative weight
        (None, 5, 80, 100, Decimal("0.5"), Decimal("0.5")),  # answers but no score
        (101, 5, 80, 100, Decimal("0.5"), Decimal("0.5")),  # off the scale
    ],
)
def test_combined_score_refuses_bad_input(args):
    with pytest.raises(ValueError):
        combined_score(*args)


# --- Confidence interval -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "df, level, expected",
    [
        (1, 0.95, 12.706205),
        (2, 0.95, 4.302653),
        (10, 0.95, 2.228139),
        (29, 0.95, 2.045230),
        (30, 0.95, 2.042272),
        (100, 0.95, 1.983972),
        (101, 0.95, 1.983731),
        (120, 0.95, 1.979930),
        (1000, 0.95, 1.962339),
        (5, 0.99, 4.032143),
    ],
)
def test_t_critical_matches_the_tables(df, level, expected):
    assert t_critical(df, level) == pytest.approx(expected, abs=2e-6)


def test_ci_for_thirty_answers_matches_the_hand_computation():
    # 15 answers of 4 and 15 of 3: n = 30, sum 105, sum of squares 375, mean 3.5 -> 87.5.
    # s^2 = (375 - 105^2 / 30) / 29 = 7.5 / 29 = 0.258621; s / sqrt(30) = 0.092848
    # t(0.975, 29) = 2.045: half width 2.045 x 0.092848 = 0.18987, x 25 = 4.7468
    # -> (82.753, 92.247)
    low, high = mean_ci(*stats([4] * 15 + [3] * 15))
    assert float(low) == pytest.approx(82.753, abs=0.002)
    assert float(high) == pytest.approx(92.247, abs=0.002)
    assert (low + high) / 2 == pytest.approx(87.5, abs=1e-9)


def test_ci_widens_with_the_level():
    low95, high95 = mean_ci(*stats([4] * 15 + [3] * 15))
    low99, high99 = mean_ci(*stats([4] * 15 + [3] * 15), level=0.99)
    assert low99 < low95 and high99 > high95


def test_ci_without_spread_to_measure_is_the_whole_scale():
    assert mean_ci(0, 0, 0) == (25, 100)
    assert mean_ci(1, 4, 16) == (25, 100)


def test_ci_is_clamped_to_the_scale():
    # 29 answers of 4 and one of 1: mean 3.9 -> 97.5; s^2 = (465 - 117^2 / 30) / 29 = 0.3,
    # s / sqrt(30) = 0.1, half width 2.045 x 0.1 x 25 = 5.1125 -> (92.39, 102.61), clamped to 100.
    low, high = mean_ci(*stats([4] * 29 + [1]))
    assert float(low) == pytest.approx(92.3875, abs=0.002)
    assert high == 100
    # Two answers: t(0.975, 1) = 12.7 makes the interval wider than the scale on both sides.
    assert mean_ci(*stats([2, 3])) == (25, 100)


def test_ci_of_identical_answers_is_a_point():
    assert mean_ci(*stats([4] * 30)) == (100, 100)


@pytest.mark.parametrize("n, sum_x, sum_x2", [(2, 9, 41), (2, 5, 20), (2, 6, 17), (0, 1, 1), (-1, 0, 0)])
def test_ci_refuses_statistics_no_answers_could_give(n, sum_x, sum_x2):
    with pytest.raises(ValueError):
        mean_ci(n, sum_x, sum_x2)


# --- Minimum number of answers -------------------------------------------------------------------


def test_score_below_the_minimum_has_no_grade():
    result = score(*stats([4] * 29))
    assert DEFAULT_MIN_N == 30
    assert result.value == 100
    assert result.n == 29
    assert result.enough_data is False
    assert result.grade is None


def test_score_at_the_minimum_is_graded():
    result = score(*stats([4] * 20 + [3] * 10))
    # mean (80 + 30) / 30 = 11/3 -> 91.67
    assert result.value == Fraction(275, 3)
    assert result.enough_data is True
    assert result.grade is Grade.A
    assert result.ci_low < result.value < result.ci_high


def test_minimum_is_configurable():
    assert score(*stats([3] * 10), min_n=10).grade is Grade.C
    assert score(*stats([3] * 10), min_n=11).grade is None
    with pytest.raises(ValueError):
        score(0, 0, 0, min_n=0)


def test_score_without_answers():
    result = score(0, 0, 0)
    assert result == Score(value=None, n=0, ci_low=Fraction(25), ci_high=Fraction(100), grade=None, enough_data=False)


# --- Shrinkage ---------------------------------------------------------------------------------


def test_shrink_formula():
    # k = 10 pseudo-answers at 3.2:
    #   3 answers of 4:      (3 x 4 + 10 x 3.2) / 13   = 44 / 13    = 3.385
    #   300 averaging 3.8:   (300 x 3.8 + 32) / 310    = 1172 / 310 = 3.781
    assert shrink(4, 3, Fraction("3.2"), 10) == Fraction(44, 13)
    assert shrink(Fraction("3.8"), 300, Fraction("3.2"), 10) == Fraction(1172, 310)
    assert shrink(4, 0, Fraction("3.2"), 10) == Fraction("3.2")
    with pytest.raises(ValueError):
        shrink(4, 0, 3, 0)
    with pytest.raises(ValueError):
        shrink(4, 3, 3, -1)


def test_prior_strength_hand_computed():
    # Group 1 answers 1,4,4,4: n 4, sum 13, sum of squares 49, mean 3.25, SS = 49 - 169/4 = 27/4
    # Group 2 answers 1,1,4,1: n 4, sum 7,  sum of squares 19, mean 1.75, SS = 19 - 49/4 = 27/4
    # MSW = (27/4 + 27/4) / (8 - 2) = 9/4; grand mean 20/8 = 2.5
    # MSB = (4 x 0.75^2 + 4 x 0.75^2) / 1 = 4.5; n0 = (8 - 32/8) / 1 = 4
    # between = (4.5 - 2.25) / 4 = 9/16; k = (9/4) / (9/16) = 4
    assert prior_strength_from_groups([(4, 13, 49), (4, 7, 19)]) == 4


def test_prior_strength_is_clamped():
    # Far apart groups with little spread inside: MSW = 1/4, between = (12.5 - 1/4) / 4 = 49/16,
    # so k = 4/49 by the formula, clamped up to 1.
    assert prior_strength_from_groups([stats([4, 4, 4, 3]), stats([1, 1, 1, 2])]) == 1
    # Same means, so no spread between groups: a large k, the number of answers.
    assert prior_strength_from_groups([stats([1, 4]), stats([4, 1, 1, 4])]) == 6
    # Too little to measure anything.
    assert prior_strength_from_groups([stats([4] * 5)]) == 5
    assert prior_strength_from_groups([stats([4]), stats([1])]) == 2
    assert prior_strength_from_groups([]) == 1


def test_shrinkage_ranks_three_perfect_votes_below_three_hundred_averaging_3_8():
    board = {
        "new": stats_of_counts({4: 3}),
        "senior": stats_of_counts({4: 240, 3: 60}),  # mean 3.8
        "o1": stats_of_counts({4: 100, 3: 80, 2: 20}),  # mean 3.4
        "o2": stats_of_counts({4: 140, 3: 90, 2: 20}),  # mean 3.48
        "o3": stats_of_counts({4: 80, 3: 70, 2: 20, 1: 10}),  # mean 3.22
    }
    k = prior_strength_from_groups(board.values())
    assert 6 < k < 7  # estimated 6.58
    total_n = sum(n for n, _, _ in board.values())
    prior = Fraction(sum(sx for _, sx, _ in board.values()), total_n)

    def raw(name):
        n, sx, _ = board[name]
        return Fraction(sx, n)

    def shrunk(name):
        return shrink(raw(name), board[name][0], prior, k)

    assert sorted(board, key=raw, reverse=True)[:2] == ["new", "senior"]
    assert sorted(board, key=shrunk, reverse=True) == ["senior", "new", "o2", "o1", "o3"]


# --- Suggested rating ----------------------------------------------------------------------------


def graded(value):
    value = Fraction(value)
    return Score(value=value, n=100, ci_low=value - 2, ci_high=value + 2, grade=mutu(value), enough_data=True)


@pytest.mark.parametrize(
    "value, rating",
    [
        ("100", Rating.DI_ATAS),
        ("88.31", Rating.DI_ATAS),
        ("88.305", Rating.DI_ATAS),  # published as 88.31
        ("88.30", Rating.SESUAI),
        ("76.61", Rating.SESUAI),
        ("76.60", Rating.DI_BAWAH),
        ("25", Rating.DI_BAWAH),
    ],
)
def test_suggested_rating_at_the_default_thresholds(value, rating):
    assert suggest_rating(graded(value)) is rating


def test_suggested_rating_with_period_thresholds():
    assert suggest_rating(graded("88.31"), above=90, below=70) is Rating.SESUAI
    assert suggest_rating(graded("90"), above=90, below=70) is Rating.DI_ATAS
    assert suggest_rating(graded("69.99"), above=90, below=70) is Rating.DI_BAWAH
    with pytest.raises(ValueError):
        suggest_rating(graded("80"), above=70, below=90)


def test_no_suggested_rating_without_enough_data():
    assert suggest_rating(score(*stats([4] * 29))) is None
    assert suggest_rating(score(0, 0, 0)) is None
    assert suggest_rating(score(*stats([4] * 30))) is Rating.DI_ATAS


def test_rating_values_and_labels():
    assert Rating.DI_ATAS == "di_atas"
    assert [r.label for r in Rating] == ["di atas ekspektasi", "sesuai ekspektasi", "di bawah ekspektasi"]


# --- Properties ----------------------------------------------------------------------------------

answers = st.lists(st.integers(1, 4), min_size=1, max_size=15)


@st.composite
def surveys(draw):
    """Raw answers by element code, and valid configured weights (or None for 1/n)."""
    size = draw(st.integers(1, 12))
    codes = [f"U{i}" for i in range(1, size + 1)]
    by_code = {code: draw(answers) for code in codes}
    raw_weights = draw(st.lists(st.integers(0, 20), min_size=size, max_size=size).filter(any))
    weights = draw(st.sampled_from([None, {c: Fraction(w, sum(raw_weights)) for c, w in zip(codes, raw_weights)}]))
    return by_code, weights


def ikm_of(by_code, weights):
    return ikm({code: nrr(sum(values), len(values)) for code, values in by_code.items()}, weights)


@PROPERTY
@given(surveys())
def test_ikm_stays_within_25_and_100(survey):
    value = ikm_of(*survey)
    assert 25 <= value <= 100
    assert isinstance(mutu(value), Grade)


@PROPERTY
@given(surveys(), st.data())
def test_raising_one_answer_never_lowers_the_ikm(survey, data):
    by_code, weights = survey
    code = data.draw(st.sampled_from(sorted(by_code)))
    position = data.draw(st.integers(0, len(by_code[code]) - 1))
    old = by_code[code][position]
    new = data.draw(st.integers(old, 4))
    raised = dict(by_code)
    raised[code] = by_code[code][:position] + [new] + by_code[code][position + 1:]
    assert ikm_of(raised, weights) >= ikm_of(by_code, weights)


@PROPERTY
@given(st.lists(st.integers(1, 4), max_size=80), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_ci_contains_the_estimate_and_stays_on_the_scale(values, level):
    n, sum_x, sum_x2 = stats(values)
    low, high = mean_ci(n, sum_x, sum_x2, level)
    assert 25 <= low <= high <= 100
    if n:
        assert low <= Fraction(sum_x, n) * 25 <= high


@PROPERTY
@given(
    st.fractions(1, 4),
    st.integers(0, 10_000),
    st.fractions(1, 4),
    st.fractions(0, 1000).filter(lambda k: k > 0),
)
def test_shrink_lies_between_the_mean_and_the_prior(mean, n, prior, k):
    result = shrink(mean, n, prior, k)
    assert min(mean, prior) <= result <= max(mean, prior)


@PROPERTY
@given(st.lists(st.lists(st.integers(1, 4), max_size=30), max_size=8))
def test_prior_strength_stays_within_one_and_the_number_of_answers(groups):
    k = prior_strength_from_groups(stats(group) for group in groups)
    assert 1 <= k <= max(1, sum(len(group) for group in groups))


@PROPERTY
@given(st.fractions(25, 100), st.fractions(25, 100))
def test_a_higher_value_never_gets_a_lower_grade(a, b):
    low, high = sorted([a, b])
    order = "DCBA"
    assert order.index(mutu(low).letter) <= order.index(mutu(high).letter)


@PROPERTY
@given(st.fractions(25, 100), st.integers(0, 1000), st.fractions(25, 100), st.integers(0, 1000), st.fractions(0, 1))
def test_combined_score_lies_between_the_channels(qr, qr_n, kiosk, kiosk_n, qr_weight):
    result = combined_score(qr, qr_n, kiosk, kiosk_n, qr_weight, 1 - qr_weight)
    present = [value for value, n in ((qr, qr_n), (kiosk, kiosk_n)) if n]
    if not present:
        assert result is None
    else:
        assert min(present) <= result <= max(present)


@PROPERTY
@given(st.fractions(-1000, 1000), st.integers(0, 6))
def test_display_is_within_half_a_unit(value, places):
    shown = display(value, places)
    assert abs(Fraction(shown) - value) <= Fraction(1, 2 * 10**places)
    assert shown.as_tuple().exponent == -places


# --- The fused path of the period reports equals the checked functions ----------------------------

def _stats_of(values):
    from appraisal.scoring import Stats

    return Stats(len(values), Fraction(sum(values)), Fraction(sum(v * v for v in values)))


@PROPERTY
@given(st.lists(st.lists(st.integers(1, 4), min_size=9, max_size=9), max_size=40),
       st.lists(st.integers(1, 4), max_size=60), st.integers(0, 100), st.integers(1, 40),
       st.sampled_from([("88.31", "76.61"), ("90.00", "70.00"), ("80.00", "80.00")]))
def test_scores_of_equals_score_combine_and_suggest(surveys_, votes, qr_pct, min_n, thresholds):
    from appraisal.scoring import Stats, combine, scores_of, suggest_rating

    qr = Stats()
    for answers in surveys_:
        qr = qr + Stats.of_sums(1, 9, sum(answers), sum(answers) ** 2)
    kiosk = _stats_of(votes)
    w = Fraction(qr_pct, 100)
    above, below = (Decimal(t) for t in thresholds)
    fast_qr, fast_kiosk, fast_combined, fast_rating = scores_of(qr, kiosk, w, 1 - w, min_n, above, below)
    for fast, slow in ((fast_qr, qr.score(min_n)), (fast_kiosk, kiosk.score(min_n))):
        assert (fast.value, fast.n, fast.grade, fast.enough_data) == (slow.value, slow.n, slow.grade, slow.enough_data)
        assert float(fast.ci_low) == pytest.approx(float(slow.ci_low), abs=1e-9)
        assert float(fast.ci_high) == pytest.approx(float(slow.ci_high), abs=1e-9)
    slow_combined = combine(qr, kiosk, w, 1 - w, min_n)
    assert (fast_combined.value, fast_combined.n, fast_combined.grade, fast_combined.enough_data) == (
        slow_combined.value, slow_combined.n, slow_combined.grade, slow_combined.enough_data)
    assert float(fast_combined.ci_low) == pytest.approx(float(slow_combined.ci_low), abs=1e-9)
    assert float(fast_combined.ci_high) == pytest.approx(float(slow_combined.ci_high), abs=1e-9)
    assert fast_rating == suggest_rating(slow_combined, above, below)


@pytest.mark.parametrize("value", ["64.99", "64.995", "65.00", "76.60", "76.605", "76.61", "88.30", "88.305", "88.31"])
def test_scores_of_grades_the_boundaries_like_mutu(value):
    from appraisal.scoring import _grade_of_hundredths, _hundredths

    exact = Fraction(Decimal(value))
    assert _grade_of_hundredths(_hundredths(exact)) is mutu(exact)
