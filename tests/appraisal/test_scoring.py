"""Scoring: worked examples computed by hand, the regulation's boundaries, and properties.

Every function here is one the reports run: a unit's SKM table (nrr, element_weights, ikm, mutu,
weakest_elements), an officer's scores (Stats.of_sums, channel_score, combine, suggest_rating)
and the ranking (prior_strength_from_groups, shrink)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraisal.scoring import (
    DEFAULT_MIN_N,
    GRADE_LOWER_BOUNDS,
    MIN_PRIOR_STRENGTH,
    NILAI_DASAR,
    NO_SCORE,
    RATING_ABOVE,
    RATING_BELOW,
    Grade,
    Rating,
    Score,
    Stats,
    channel_score,
    channels_entering,
    combine,
    display,
    element_weights,
    grade_ranges,
    ikm,
    mutu,
    nrr,
    prior_strength_from_groups,
    ranking_prior_strength,
    shrink,
    skm_score,
    suggest_rating,
    t_critical,
    weakest_elements,
)

# No example database on disk (the repo stays clean) and no timing-based failures.
PROPERTY = settings(database=None, deadline=None)

CODES = [f"U{i}" for i in range(1, 10)]


def answers(values) -> Stats:
    """Statistics of responses of one answer each (kiosk votes), one GROUP BY row as SQL gives it."""
    values = list(values)
    return Stats.of_sums(len(values), 1, sum(values), sum(v * v for v in values))


def votes(counts: dict[int, int]) -> Stats:
    """Statistics of kiosk votes from {face: how many}."""
    return answers(face for face, how_many in counts.items() for _ in range(how_many))


def surveys(*responses) -> Stats:
    """Statistics of phone surveys, each a list of its answers: x is the mean of a response."""
    stats = Stats()
    for response in responses:
        stats = stats + Stats.of_sums(1, len(response), sum(response), sum(response) ** 2)
    return stats


# --- The regulation's constants ----------------------------------------------------------------


def test_the_constants_of_the_regulation():
    assert NILAI_DASAR == 25
    assert (Decimal("88.31"), Decimal("76.61"), Decimal("65.00")) == GRADE_LOWER_BOUNDS
    # The default suggestion: di atas from grade A, di bawah below grade B.
    assert (Decimal("88.31"), Decimal("76.61")) == (RATING_ABOVE, RATING_BELOW)
    assert DEFAULT_MIN_N == 30


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
    assert ikm(dict.fromkeys(CODES, 1)) == 25
    assert ikm(dict.fromkeys(CODES, 4)) == 100


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
    weights = element_weights(
        ["A", "B", "C"], {"A": Decimal("0.333333"), "B": Decimal("0.333333"), "C": Decimal("0.333334")}
    )
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
    assert mutu(Decimal("3.5324") * NILAI_DASAR) is Grade.A
    assert mutu(Decimal("3.532") * NILAI_DASAR) is Grade.B


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
    assert mutu(Decimal("76.665"), bounds=other) is Grade.B  # published as 76.67
    with pytest.raises(ValueError):
        mutu(80, bounds=(Decimal("70"), Decimal("80"), Decimal("65")))
    with pytest.raises(ValueError):
        mutu(80, bounds=(Decimal("88.31"), Decimal("76.61")))


# Kiosk votes whose mean x 25 falls on each side of every boundary, with the grade and the
# suggestion (default thresholds) of a graded score there. E.g. 2661 fours and 2339 threes:
# (10644 + 7017) / 5000 = 3.5322, x 25 = 88.305, published 88.31.
BOUNDARY_VOTES = [
    ({4: 1331, 3: 1169}, "88.31", Grade.A, Rating.DI_ATAS),
    ({4: 2661, 3: 2339}, "88.305", Grade.A, Rating.DI_ATAS),
    ({4: 133, 3: 117}, "88.30", Grade.B, Rating.SESUAI),
    ({4: 321, 3: 4679}, "76.605", Grade.B, Rating.SESUAI),
    ({4: 8, 3: 117}, "76.60", Grade.C, Rating.DI_BAWAH),
    ({3: 2999, 2: 2001}, "64.995", Grade.C, Rating.DI_BAWAH),
    ({3: 1499, 2: 1001}, "64.99", Grade.D, Rating.DI_BAWAH),
]


@pytest.mark.parametrize("counts, value, grade, rating", BOUNDARY_VOTES)
def test_channel_scores_are_graded_and_rated_on_the_published_value(counts, value, grade, rating):
    score = channel_score(votes(counts))
    assert score.value == Fraction(value)
    assert score.grade is grade
    assert suggest_rating(score) is rating
    # Combined with an equal phone-survey score, whatever the weights, nothing changes.
    both = combine(score, score, Fraction(7, 10), Fraction(3, 10))
    assert (both.value, both.grade, suggest_rating(both)) == (score.value, grade, rating)


# --- Display ---------------------------------------------------------------------------------


def test_display_rounds_half_up():
    assert display(Fraction("88.305")) == Decimal("88.31")
    assert display(Fraction("88.3049")) == Decimal("88.30")
    assert display(Fraction(2, 3), 4) == Decimal("0.6667")
    assert display(Fraction(5, 2), 0) == Decimal("3")
    assert display(Fraction("-1.005")) == Decimal("-1.01")
    assert str(display(65)) == "65.00"
    with pytest.raises(ValueError):
        display(1, -1)


# --- Statistics of responses -------------------------------------------------------------------------


def test_statistics_of_a_group_by_row_are_exact():
    # Two nine-answer surveys summing 26 and 28: x = 26/9 and 28/9.
    stats = Stats.of_sums(2, 9, 54, 26 * 26 + 28 * 28)
    assert stats == Stats(2, Fraction(54, 9), Fraction(26 * 26 + 28 * 28, 81))
    assert stats == surveys([4, 3, 3, 2, 4, 4, 3, 1, 2], [4, 4, 4, 3, 3, 3, 3, 2, 2])
    # Sums as some drivers return them.
    assert Stats.of_sums(2, 9, Decimal(54), Decimal(1460)) == stats


def test_statistics_add_up():
    assert votes({4: 2}) + votes({1: 1, 3: 1}) == answers([4, 4, 1, 3])
    assert Stats() + votes({2: 3}) == votes({2: 3}) == votes({2: 3}) + Stats()
    assert Stats() + Stats() == Stats(0, 0, 0)


@pytest.mark.parametrize(
    "count, answers_, total, total_sq",
    [
        (1, 9, 8, 64),  # nine answers cannot sum to less than 9
        (1, 9, 37, 1369),  # nor to more than 36
        (2, 1, 5, 20),  # two votes summing 5 have squares summing 13 or 17
        (2, 1, 6, 17),  # squares summing less than 6^2 / 2: a negative variance
        (0, 1, 1, 1),  # sums without responses
        (-1, 1, 0, 0),
        (1, 0, 3, 9),  # responses without answers
        (1, 1, Decimal("3.5"), 9),  # not a whole sum
    ],
)
def test_statistics_no_answers_could_give_are_refused(count, answers_, total, total_sq):
    with pytest.raises(ValueError):
        Stats.of_sums(count, answers_, total, total_sq)


@pytest.mark.parametrize(
    "n, sum_x, sum_x2",
    [(2, 9, 41), (2, 5, 20), (2, 6, 17), (0, 1, 1), (-1, 0, 0), (1, Fraction(9, 2), Fraction(81, 4))],
)
def test_statistics_built_by_hand_are_checked_too(n, sum_x, sum_x2):
    with pytest.raises(ValueError):
        Stats(n, sum_x, sum_x2)


# --- One channel's score ------------------------------------------------------------------------------


def test_kiosk_index():
    # 6 x 4 + 3 x 3 + 1 x 2 = 35 over 10 presses: mean 3.5, x 25 = 87.5
    assert channel_score(votes({4: 6, 3: 3, 2: 1})).value == Fraction("87.5")
    assert channel_score(votes({1: 5})).value == 25
    assert channel_score(votes({4: 1})).value == 100


def test_phone_survey_score_is_the_exact_mean_of_the_responses():
    # Responses sum 26, 28 and 36: mean x = 90 / 27 = 10/3, x 25 = 250/3 = 83.33...
    score = channel_score(surveys([4, 3, 3, 2, 4, 4, 3, 1, 2], [4, 4, 4, 3, 3, 3, 3, 2, 2], [4] * 9), min_n=3)
    assert score.value == Fraction(250, 3)
    assert display(score.value) == Decimal("83.33")
    assert score.grade is Grade.B


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


@pytest.mark.parametrize("df, level", [(0, 0.95), (1.5, 0.95), (10, 0), (10, 1)])
def test_t_critical_refuses_what_has_no_quantile(df, level):
    with pytest.raises(ValueError):
        t_critical(df, level)


def test_ci_for_thirty_answers_matches_the_hand_computation():
    # 15 answers of 4 and 15 of 3: n = 30, sum 105, sum of squares 375, mean 3.5 -> 87.5.
    # s^2 = (375 - 105^2 / 30) / 29 = 7.5 / 29 = 0.258621; s / sqrt(30) = 0.0928477
    # t(0.975, 29) = 2.04523: half width 2.04523 x 0.0928477 = 0.189895, x 25 = 4.7474
    # -> (82.753, 92.247)
    score = channel_score(votes({4: 15, 3: 15}))
    assert score.value == Fraction("87.5")
    assert score.half_width == pytest.approx(4.7474, abs=0.0001)
    assert float(score.ci_low) == pytest.approx(82.753, abs=0.002)
    assert float(score.ci_high) == pytest.approx(92.247, abs=0.002)
    assert (score.ci_low + score.ci_high) / 2 == score.value


def test_ci_widens_with_the_level():
    at95 = channel_score(votes({4: 15, 3: 15}))
    at99 = channel_score(votes({4: 15, 3: 15}), level=0.99)
    assert at99.ci_low < at95.ci_low and at99.ci_high > at95.ci_high


def test_without_answers_there_is_no_score():
    assert channel_score(Stats()) == NO_SCORE
    assert (
        Score(
            value=None, n=0, ci_low=Fraction(25), ci_high=Fraction(100), grade=None, enough_data=False, half_width=None
        )
        == NO_SCORE
    )


def test_one_answer_has_no_spread_to_measure():
    score = channel_score(votes({4: 1}), min_n=1)
    assert (score.half_width, score.ci_low, score.ci_high) == (None, 25, 100)
    assert score.grade is Grade.A


def test_ci_is_clamped_to_the_scale():
    # 29 answers of 4 and one of 1: mean 3.9 -> 97.5; s^2 = (465 - 117^2 / 30) / 29 = 0.3,
    # s / sqrt(30) = 0.1, half width 2.04523 x 0.1 x 25 = 5.1131 -> (92.39, 102.61), clamped to 100.
    score = channel_score(votes({4: 29, 1: 1}))
    assert score.half_width == pytest.approx(5.1131, abs=0.0001)
    assert float(score.ci_low) == pytest.approx(92.3869, abs=0.0001)
    assert score.ci_high == 100
    # Two answers: t(0.975, 1) = 12.7 makes the interval wider than the scale on both sides.
    assert (channel_score(votes({2: 1, 3: 1})).ci_low, channel_score(votes({2: 1, 3: 1})).ci_high) == (25, 100)


def test_ci_of_identical_answers_is_a_point():
    score = channel_score(votes({4: 30}))
    assert (score.half_width, score.ci_low, score.ci_high) == (0, 100, 100)


def test_score_below_the_minimum_has_no_grade():
    score = channel_score(votes({4: 29}))
    assert score.value == 100
    assert score.n == 29
    assert score.enough_data is False
    assert score.grade is None


def test_score_at_the_minimum_is_graded():
    score = channel_score(votes({4: 20, 3: 10}))
    # mean (80 + 30) / 30 = 11/3 -> 91.67
    assert score.value == Fraction(275, 3)
    assert score.enough_data is True
    assert score.grade is Grade.A
    assert score.ci_low < score.value < score.ci_high


def test_minimum_is_configurable():
    assert channel_score(votes({3: 10}), min_n=10).grade is Grade.C
    assert channel_score(votes({3: 10}), min_n=11).grade is None
    with pytest.raises(ValueError):
        channel_score(Stats(), min_n=0)


# --- The two channels combined ---------------------------------------------------------------------------

NINETY = channel_score(votes({4: 3, 3: 2}))  # mean 3.6
EIGHTY = channel_score(votes({4: 1, 3: 4}))  # mean 3.2


def test_combined_score_weights_the_channels_whatever_the_counts():
    # 0.6 x 90 + 0.4 x 80 = 54 + 32 = 86 (five responses each, so a minimum n of 5 lets both in)
    assert (NINETY.value, NINETY.n, EIGHTY.value, EIGHTY.n) == (90, 5, 80, 5)
    assert combine(NINETY, EIGHTY, Decimal("0.6"), Decimal("0.4"), min_n=5).value == 86
    many = channel_score(votes({4: 100, 3: 400}))
    assert many.value == 80 and combine(NINETY, many, Decimal("0.6"), Decimal("0.4"), min_n=5).value == 86


def test_combined_score_when_one_channel_is_empty():
    none = channel_score(Stats())
    assert combine(none, EIGHTY, Decimal("0.6"), Decimal("0.4"), min_n=5).value == 80
    assert combine(NINETY, none, Decimal("0.6"), Decimal("0.4"), min_n=5).value == 90
    assert combine(NINETY, EIGHTY, 0, 1, min_n=5).value == 80
    assert combine(NINETY, none, 0, 1, min_n=5).value == 90
    assert combine(none, none, Decimal("0.5"), Decimal("0.5")) == NO_SCORE


def test_a_channel_below_the_minimum_does_not_enter_the_combined_score():
    # The sheet: 27 phone surveys (below 30: "not enough data") and 40 kiosk votes at 90,
    # weighted 0.7 / 0.3. Before, 0.7 x 58.33 + 0.3 x 90 = 40.83 + 27 = 67.83 (C) drove a
    # "di bawah" suggestion from a channel the same sheet called insufficient. Now only the kiosk
    # enters, its weight renormalised 0.3 / 0.3 = 1: the combined score is 90, n = 40, A, "di atas".
    qr = channel_score(votes({3: 9, 2: 18}))  # (9 x 3 + 18 x 2) / 27 = 63 / 27 = 7/3 -> x 25 = 58.33
    kiosk = channel_score(votes({4: 24, 3: 16}))  # (96 + 48) / 40 = 3.6 -> 90
    assert (qr.n, qr.enough_data, kiosk.n, kiosk.value) == (27, False, 40, 90)
    both = combine(qr, kiosk, Fraction(7, 10), Fraction(3, 10))
    assert (both.value, both.n, both.grade, both.enough_data) == (90, 40, Grade.A, True)
    assert both.half_width == pytest.approx(kiosk.half_width, rel=1e-15)  # 1 x h_kiosk
    assert suggest_rating(both) is Rating.DI_ATAS
    assert channels_entering(qr, kiosk) == ["kiosk"]
    # With three more surveys at 4 the survey enters: (63 + 12) / 30 = 2.5 -> 62.5;
    # 0.7 x 62.5 + 0.3 x 90 = 43.75 + 27 = 70.75, grade C, "di bawah"; n = 30 + 40 = 70.
    qr30 = channel_score(votes({4: 3, 3: 9, 2: 18}))
    both = combine(qr30, kiosk, Fraction(7, 10), Fraction(3, 10))
    assert (qr30.value, both.value, both.n, both.grade) == (Fraction("62.5"), Fraction("70.75"), 70, Grade.C)
    assert suggest_rating(both) is Rating.DI_BAWAH
    assert channels_entering(qr30, kiosk) == ["qr", "kiosk"]


def test_without_a_channel_with_enough_data_the_combined_score_is_not_enough_data():
    # 20 surveys and 10 kiosk votes: 30 together, but neither channel reaches 30 on its own.
    qr, kiosk = channel_score(votes({4: 20})), channel_score(votes({4: 10}))
    assert qr.grade is None and kiosk.grade is None
    both = combine(qr, kiosk, Fraction(7, 10), Fraction(3, 10))
    assert (both.value, both.n, both.enough_data, both.grade) == (None, 30, False, None)
    assert (both.ci_low, both.ci_high) == (25, 100)
    assert suggest_rating(both) is None
    assert channels_entering(qr, kiosk) == []
    # With a minimum of 10 both enter: 0.7 x 100 + 0.3 x 100 = 100.
    assert combine(qr, kiosk, Fraction(7, 10), Fraction(3, 10), min_n=10).value == 100


def test_combined_ci_treats_the_channels_as_independent():
    # Phone surveys as in the thirty-answer example (87.5, half width 4.7474) and kiosk votes as in
    # the clamped one (97.5, half width 5.1131), weighted 0.7 / 0.3:
    # 0.7 x 87.5 + 0.3 x 97.5 = 90.5; sqrt((0.7 x 4.7474)^2 + (0.3 x 5.1131)^2)
    # = sqrt(3.3232^2 + 1.5339^2) = sqrt(11.0434 + 2.3529) = 3.6601 -> (86.840, 94.160)
    qr, kiosk = channel_score(votes({4: 15, 3: 15})), channel_score(votes({4: 29, 1: 1}))
    both = combine(qr, kiosk, Fraction(7, 10), Fraction(3, 10))
    assert both.value == Fraction("90.5")
    assert both.half_width == pytest.approx(3.6601, abs=0.0001)
    assert float(both.ci_low) == pytest.approx(86.840, abs=0.002)
    assert float(both.ci_high) == pytest.approx(94.160, abs=0.002)
    assert both.n == 60 and both.grade is Grade.A


def test_a_channel_without_an_interval_counts_only_if_it_weighs():
    single = channel_score(votes({2: 1}))
    thirty = channel_score(votes({4: 15, 3: 15}))
    assert combine(single, thirty, Fraction(1, 2), Fraction(1, 2), min_n=1).half_width is None
    assert combine(single, thirty, Fraction(1, 2), Fraction(1, 2), min_n=1).ci_low == 25
    assert combine(single, thirty, 0, 1, min_n=1).half_width == pytest.approx(thirty.half_width, rel=1e-15)


@pytest.mark.parametrize(
    "weights",
    [
        (Decimal("0.6"), Decimal("0.5")),  # sum to 1.1
        (Decimal("1.2"), Decimal("-0.2")),  # negative weight
    ],
)
def test_combined_score_refuses_bad_weights(weights):
    with pytest.raises(ValueError):
        combine(NINETY, EIGHTY, *weights)


def test_combined_score_refuses_a_minimum_below_one():
    with pytest.raises(ValueError):
        combine(NINETY, EIGHTY, Fraction(1, 2), Fraction(1, 2), min_n=0)


# --- Suggested rating ----------------------------------------------------------------------------


def graded(value):
    value = Fraction(value)
    return Score(
        value=value, n=100, ci_low=value - 2, ci_high=value + 2, grade=mutu(value), enough_data=True, half_width=2.0
    )


@pytest.mark.parametrize(
    "value, rating",
    [
        ("100", Rating.DI_ATAS),
        ("88.31", Rating.DI_ATAS),
        ("88.305", Rating.DI_ATAS),  # published as 88.31
        ("88.30", Rating.SESUAI),
        ("76.61", Rating.SESUAI),
        ("76.605", Rating.SESUAI),  # published as 76.61
        ("76.60", Rating.DI_BAWAH),
        ("25", Rating.DI_BAWAH),
    ],
)
def test_suggested_rating_at_the_default_thresholds(value, rating):
    assert suggest_rating(graded(value)) is rating


def test_suggested_rating_with_period_thresholds():
    assert suggest_rating(graded("88.31"), above=90, below=70) is Rating.SESUAI
    assert suggest_rating(graded("90"), above=90, below=70) is Rating.DI_ATAS
    assert suggest_rating(graded("89.995"), above=90, below=70) is Rating.DI_ATAS  # published as 90.00
    assert suggest_rating(graded("69.99"), above=90, below=70) is Rating.DI_BAWAH
    assert suggest_rating(graded("80"), above=80, below=80) is Rating.DI_ATAS
    assert suggest_rating(graded("79.99"), above=80, below=80) is Rating.DI_BAWAH


@pytest.mark.parametrize("above, below", [(70, 90), (101, 70), (90, 24)])
def test_suggested_rating_refuses_thresholds_out_of_order_or_off_the_scale(above, below):
    with pytest.raises(ValueError):
        suggest_rating(graded("80"), above=above, below=below)


def test_no_suggested_rating_without_enough_data():
    assert suggest_rating(channel_score(votes({4: 29}))) is None
    assert suggest_rating(channel_score(Stats())) is None
    assert suggest_rating(channel_score(votes({4: 30}))) is Rating.DI_ATAS


def test_rating_values_and_labels():
    assert Rating.DI_ATAS == "di_atas"
    assert [r.label for r in Rating] == ["di atas ekspektasi", "sesuai ekspektasi", "di bawah ekspektasi"]


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
    assert prior_strength_from_groups([answers([1, 4, 4, 4]), answers([1, 1, 4, 1])]) == 4


def test_prior_strength_is_clamped():
    # Far apart groups with little spread inside: MSW = 1/4, between = (12.5 - 1/4) / 4 = 49/16,
    # so k = 4/49 by the formula, clamped up to 1.
    assert prior_strength_from_groups([answers([4, 4, 4, 3]), answers([1, 1, 1, 2])]) == 1
    # Same means, so no spread between groups: a large k, the number of answers.
    assert prior_strength_from_groups([answers([1, 4]), answers([4, 1, 1, 4])]) == 6
    # Too little to measure anything.
    assert prior_strength_from_groups([answers([4] * 5)]) == 5
    assert prior_strength_from_groups([answers([4]), answers([1])]) == 2
    assert prior_strength_from_groups([Stats(), answers([4]), answers([1])]) == 2
    assert prior_strength_from_groups([]) == 1


def test_shrinkage_ranks_three_perfect_votes_below_three_hundred_averaging_3_8():
    board = {
        "new": votes({4: 3}),
        "senior": votes({4: 240, 3: 60}),  # mean 3.8
        "o1": votes({4: 100, 3: 80, 2: 20}),  # mean 3.4
        "o2": votes({4: 140, 3: 90, 2: 20}),  # mean 3.48
        "o3": votes({4: 80, 3: 70, 2: 20, 1: 10}),  # mean 3.22
    }
    k = prior_strength_from_groups(board.values())
    assert 6 < k < 7  # estimated 6.58
    total = sum(board.values(), Stats())
    prior = total.sum_x / total.n

    def raw(name):
        return board[name].sum_x / board[name].n

    def shrunk(name):
        return shrink(raw(name), board[name].n, prior, k)

    assert sorted(board, key=raw, reverse=True)[:2] == ["new", "senior"]
    assert sorted(board, key=shrunk, reverse=True) == ["senior", "new", "o2", "o1", "o3"]


def test_the_ranking_prior_keeps_a_handful_of_perfect_votes_below_a_steady_officer_at_any_minimum():
    # A unit that lowered its minimum n to 3: a newcomer with 3 perfect votes (x = 4), a steady
    # officer with 200 votes averaging 3.75 (150 fours, 50 threes), and two far apart officers
    # whose spread makes the data's own k small.
    board = {
        "new": votes({4: 3}),
        "steady": votes({4: 150, 3: 50}),
        "low": votes({1: 60, 2: 40}),  # mean 1.4
        "high": votes({4: 90, 3: 10}),  # mean 3.9
    }
    k_data = prior_strength_from_groups(board.values())
    assert k_data < 2  # the groups are far apart: the data alone barely pulls the newcomer
    total = sum(board.values(), Stats())  # 403 votes, sum 12 + 750 + 140 + 390 = 1292
    assert (total.n, total.sum_x) == (403, 1292)
    prior = Fraction(1292, 403)  # 3.2060
    # With the data's k (say 1): new (3 x 4 + 1 x 3.206) / 4 = 3.80 tops steady
    # (200 x 3.75 + 3.206) / 201 = 3.747: three votes outrank two hundred.
    assert shrink(4, 3, prior, 1) > shrink(Fraction("3.75"), 200, prior, 1)
    # The ranking's k is at least 30 whatever the minimum n:
    #   new:    (3 x 4 + 30 x 1292/403) / 33    = (12 + 96.179) / 33    = 3.2782
    #   steady: (200 x 3.75 + 30 x 1292/403) / 230 = (750 + 96.179) / 230 = 3.6790
    k = ranking_prior_strength(board.values())
    assert k == MIN_PRIOR_STRENGTH == 30
    new, steady = shrink(4, 3, prior, k), shrink(Fraction("3.75"), 200, prior, k)
    assert new == (12 + 30 * prior) / 33 and float(new) == pytest.approx(3.2782, abs=1e-4)
    assert steady == (750 + 30 * prior) / 230 and float(steady) == pytest.approx(3.6790, abs=1e-4)
    assert steady > new
    # Where the data's k is larger than 30 it stands.
    same = [votes({4: 10, 3: 10}), votes({4: 10, 3: 10}), votes({4: 10, 3: 10})]
    assert prior_strength_from_groups(same) == 60 and ranking_prior_strength(same) == 60


def test_an_officers_survey_score_is_the_ikm_of_his_own_skm_table():
    # Two surveys over three elements, configured weights U1 1/2, U2 1/4, U3 1/4:
    #   response A: U1 4, U2 2, U3 2 (mean 8/3);  response B: U1 4, U2 3, U3 1 (mean 8/3)
    # NRR: U1 (4 + 4) / 2 = 4, U2 (2 + 3) / 2 = 2.5, U3 (2 + 1) / 2 = 1.5
    # IKM = (4 x 1/2 + 2.5 x 1/4 + 1.5 x 1/4) x 25 = (2 + 0.625 + 0.375) x 25 = 3 x 25 = 75
    # The plain mean of the responses gives 8/3 x 25 = 66.67 instead.
    stats = surveys([4, 2, 2], [4, 3, 1])
    weights = {"U1": Fraction(1, 2), "U2": Fraction(1, 4), "U3": Fraction(1, 4)}
    nrrs = {"U1": nrr(8, 2), "U2": nrr(5, 2), "U3": nrr(3, 2)}
    assert channel_score(stats, min_n=1).value == Fraction(200, 3)
    score = skm_score(stats, nrrs, weights, min_n=1)
    assert score.value == 75 == ikm(nrrs, weights)
    assert (score.n, score.grade, score.half_width) == (2, Grade.C, stats.half_width())
    # Equal weights: (4 + 2.5 + 1.5) / 3 x 25 = 66.67, the mean of these complete surveys.
    assert skm_score(stats, nrrs, None, min_n=1).value == Fraction(200, 3)
    # Below the minimum: the value stays, without a grade.
    assert skm_score(stats, nrrs, weights, min_n=3).grade is None
    # Without element answers it is the channel's mean; without responses, no score.
    assert skm_score(stats, {}, None, min_n=1) == channel_score(stats, min_n=1)
    assert skm_score(Stats(), {}, None) == NO_SCORE


# --- Properties ----------------------------------------------------------------------------------

answer_lists = st.lists(st.integers(1, 4), min_size=1, max_size=15)
nine_answers = st.lists(st.integers(1, 4), min_size=9, max_size=9)


@st.composite
def element_surveys(draw):
    """Raw answers by element code, and valid configured weights (or None for 1/n)."""
    size = draw(st.integers(1, 12))
    codes = [f"U{i}" for i in range(1, size + 1)]
    by_code = {code: draw(answer_lists) for code in codes}
    raw_weights = draw(st.lists(st.integers(0, 20), min_size=size, max_size=size).filter(any))
    weights = draw(st.sampled_from([None, {c: Fraction(w, sum(raw_weights)) for c, w in zip(codes, raw_weights)}]))
    return by_code, weights


def ikm_of(by_code, weights):
    return ikm({code: nrr(sum(values), len(values)) for code, values in by_code.items()}, weights)


@PROPERTY
@given(element_surveys())
def test_ikm_stays_within_25_and_100(survey):
    value = ikm_of(*survey)
    assert 25 <= value <= 100
    assert isinstance(mutu(value), Grade)


@PROPERTY
@given(element_surveys(), st.data())
def test_raising_one_answer_never_lowers_the_ikm(survey, data):
    by_code, weights = survey
    code = data.draw(st.sampled_from(sorted(by_code)))
    position = data.draw(st.integers(0, len(by_code[code]) - 1))
    old = by_code[code][position]
    new = data.draw(st.integers(old, 4))
    raised = dict(by_code)
    raised[code] = by_code[code][:position] + [new] + by_code[code][position + 1 :]
    assert ikm_of(raised, weights) >= ikm_of(by_code, weights)


@PROPERTY
@given(st.lists(nine_answers, min_size=1, max_size=30))
def test_the_mean_of_complete_surveys_is_the_ikm_of_their_nrrs(responses):
    # What reports rely on: with every unsur answered and equal weights, the phone-survey channel
    # score (the mean of each response's mean) is exactly the regulation's IKM.
    nrrs = {code: nrr(sum(r[i] for r in responses), len(responses)) for i, code in enumerate(CODES)}
    assert channel_score(surveys(*responses)).value == ikm(nrrs)


@st.composite
def period_data(draw):
    """Phone surveys (nine answers each), kiosk votes, a channel weight and a minimum n."""
    return (
        draw(st.lists(nine_answers, max_size=25)),
        draw(st.lists(st.integers(1, 4), max_size=40)),
        Fraction(draw(st.integers(0, 100)), 100),
        draw(st.integers(1, 40)),
    )


def report_scores(survey_answers, kiosk_votes, qr_weight, min_n):
    """As a report scores one officer: both channels, combined, and the suggestion."""
    qr = channel_score(surveys(*survey_answers), min_n)
    kiosk = channel_score(answers(kiosk_votes), min_n)
    combined = combine(qr, kiosk, qr_weight, 1 - qr_weight, min_n)
    return qr, kiosk, combined, suggest_rating(combined)


@PROPERTY
@given(period_data(), st.data())
def test_raising_one_answer_never_lowers_a_score_its_grade_or_its_suggestion(period, data):
    survey_answers, kiosk_votes, qr_weight, min_n = period
    raised_surveys, raised_votes = [list(r) for r in survey_answers], list(kiosk_votes)
    if survey_answers and (not kiosk_votes or data.draw(st.booleans())):
        response = data.draw(st.integers(0, len(survey_answers) - 1))
        position = data.draw(st.integers(0, 8))
        raised_surveys[response][position] = data.draw(st.integers(survey_answers[response][position], 4))
    elif kiosk_votes:
        position = data.draw(st.integers(0, len(kiosk_votes) - 1))
        raised_votes[position] = data.draw(st.integers(kiosk_votes[position], 4))
    order, ratings = "DCBA", [Rating.DI_BAWAH, Rating.SESUAI, Rating.DI_ATAS]
    before = report_scores(survey_answers, kiosk_votes, qr_weight, min_n)
    after = report_scores(raised_surveys, raised_votes, qr_weight, min_n)
    for old, new in zip(before[:3], after[:3]):
        assert (old.value is None) == (new.value is None)
        if old.value is not None:
            assert new.value >= old.value
        if old.grade is not None:
            assert order.index(new.grade.letter) >= order.index(old.grade.letter)
    if before[3] is not None:
        assert ratings.index(after[3]) >= ratings.index(before[3])


@PROPERTY
@given(period_data())
def test_scores_stay_on_the_scale_inside_their_intervals(period):
    for score in report_scores(*period)[:3]:
        assert 25 <= score.ci_low <= score.ci_high <= 100
        if score.value is None:
            assert (score.ci_low, score.ci_high, score.grade, score.enough_data) == (25, 100, None, False)
        else:
            assert score.ci_low <= score.value <= score.ci_high
            assert isinstance(score.value, Fraction)  # exact, never a float


@PROPERTY
@given(period_data())
def test_combined_score_lies_between_the_channels(period):
    qr, kiosk, combined, _ = report_scores(*period)
    min_n = period[3]
    entering = [score for score in (qr, kiosk) if score.n >= min_n]
    if entering:
        assert combined.n == sum(score.n for score in entering)
        assert min(s.value for s in entering) <= combined.value <= max(s.value for s in entering)
        assert combined.enough_data
    elif qr.n or kiosk.n:
        # Neither channel has enough data: no value, whatever the two counts add up to.
        assert (combined.value, combined.n, combined.enough_data) == (None, qr.n + kiosk.n, False)
    else:
        assert combined == NO_SCORE


@PROPERTY
@given(period_data())
def test_at_the_default_thresholds_the_suggestion_follows_the_grade(period):
    # di atas ekspektasi exactly in grade A, di bawah exactly below grade B.
    _, _, combined, rating = report_scores(*period)
    expected = {
        None: None,
        Grade.A: Rating.DI_ATAS,
        Grade.B: Rating.SESUAI,
        Grade.C: Rating.DI_BAWAH,
        Grade.D: Rating.DI_BAWAH,
    }
    assert rating is expected[combined.grade]
    qr, kiosk = channel_score(surveys(*period[0]), period[3]), channel_score(answers(period[1]), period[3])
    assert (rating is None) == (qr.n < period[3] and kiosk.n < period[3])


@PROPERTY
@given(st.lists(st.tuples(st.integers(1, 12), st.lists(st.integers(1, 4), min_size=12, max_size=12)), max_size=20))
def test_any_responses_give_statistics_that_are_accepted_and_add_up(responses):
    # Responses of any number of answers, grouped by that number as the report's GROUP BY does.
    by_answers: dict = {}
    for count, values in responses:
        by_answers.setdefault(count, []).append(sum(values[:count]))
    stats = sum(
        (Stats.of_sums(len(sums), count, sum(sums), sum(s * s for s in sums)) for count, sums in by_answers.items()),
        Stats(),
    )
    xs = [Fraction(sum(values[:count]), count) for count, values in responses]
    assert stats == Stats(len(xs), sum(xs), sum(x * x for x in xs))


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
    k = prior_strength_from_groups(answers(group) for group in groups)
    assert 1 <= k <= max(1, sum(len(group) for group in groups))


@PROPERTY
@given(st.fractions(25, 100), st.fractions(25, 100))
def test_a_higher_value_never_gets_a_lower_grade(a, b):
    low, high = sorted([a, b])
    order = "DCBA"
    assert order.index(mutu(low).letter) <= order.index(mutu(high).letter)


@PROPERTY
@given(st.fractions(25, 100))
def test_the_grade_is_that_of_the_published_figure(value):
    assert mutu(value) is mutu(display(value))


@PROPERTY
@given(st.fractions(-1000, 1000), st.integers(0, 6))
def test_display_is_within_half_a_unit(value, places):
    shown = display(value, places)
    assert abs(Fraction(shown) - value) <= Fraction(1, 2 * 10**places)
    assert shown.as_tuple().exponent == -places


def test_grade_ranges_are_the_published_table_and_agree_with_mutu():
    ranges = grade_ranges()
    assert [(g.letter, display(low), display(high)) for g, low, high in ranges] == [
        ("A", Decimal("88.31"), Decimal("100.00")),
        ("B", Decimal("76.61"), Decimal("88.30")),
        ("C", Decimal("65.00"), Decimal("76.60")),
        ("D", Decimal("25.00"), Decimal("64.99")),
    ]
    for grade, low, high in ranges:
        assert mutu(low) is grade and mutu(high) is grade
