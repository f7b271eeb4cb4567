"""Scoring: citizens' 1-4 answers turned into indices, grades and suggested ratings.

Pure functions over plain values (ints, Fractions, Decimals): no Flask, no database, so the SQL
reports, their pages and the exports all use them, and the tests check the very functions the
reports run. Arithmetic is exact (``fractions.Fraction``) but for the confidence intervals, whose square
root and t quantile are floating point far below display precision; :func:`display` rounds, and
only for showing a number.

Terms of the community satisfaction survey (SKM, PermenPANRB No. 14 Tahun 2017):

- **unsur**: one of the survey's elements, keyed by code (U1..U9 in the standard set; an office
  may add more). Every answer is on a 1-4 scale, 1 worst, 4 best.
- **NRR** (nilai rata-rata): the mean answer of one unsur, 1.00..4.00.
- **IKM** (indeks kepuasan masyarakat): sum over unsur of NRR x weight, times 25 (the "nilai
  dasar"), which maps 1..4 onto 25..100. The weight is 1/n for n unsur, or the office's own
  weights as long as they sum to 1.
- **mutu** (mutu pelayanan): the grade A/B/C/D read off the converted 25..100 value, as
  published (two decimals).

Every score in this module that is not an NRR is on that 25..100 scale, including an officer's
channel scores, their combination and the confidence intervals, so that one grade table and one
set of rating thresholds serve them all.

The module follows the rules in order: the constants; publishing a number; a unit's SKM table
(NRR, weights, IKM, weakest unsur); the grade; one channel's score from the sufficient statistics
of its responses; the two channels combined; the suggested rating; shrinkage for rankings.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import NormalDist
from typing import cast

Number = int | Fraction | Decimal | float
"""A value this module accepts. Floats are read by their shortest repr (0.1 is 1/10), so that
a float coming from SQL means what it prints as."""

# --- The constants of the rules, each written once -------------------------------------------------

MIN_ANSWER = 1
MAX_ANSWER = 4
NILAI_DASAR = 25  # the regulation's conversion factor: 1..4 x 25 = 25..100
IKM_MIN = Fraction(MIN_ANSWER * NILAI_DASAR)
IKM_MAX = Fraction(MAX_ANSWER * NILAI_DASAR)
PUBLISHED_PLACES = 2  # offices publish an index with two decimals, rounded half up

GRADE_LOWER_BOUNDS = (Decimal("88.31"), Decimal("76.61"), Decimal("65.00"))
"""Lowest published IKM of grades A, B and C; anything lower is D. One published table prints
76.66 as the top of C; 76.60 is the common reading. Pass other bounds to :func:`mutu` to follow
a different table."""

# Defaults of a period's scoring policy (``appraisal.models.Period``), which an administrator
# may change per period.
DEFAULT_MIN_N = 30  # below this many counted responses a score has no grade and no suggestion
DEFAULT_QR_WEIGHT_PCT = 70  # the phone survey's share of the combined score; the kiosk has the rest
RATING_ABOVE = GRADE_LOWER_BOUNDS[0]  # a published score in grade A is "di atas ekspektasi"
RATING_BELOW = GRADE_LOWER_BOUNDS[1]  # one below grade B is "di bawah ekspektasi"
DEFAULT_LEVEL = 0.95  # of the confidence intervals
MAX_VERIFIED_WEIGHT = 5  # a verified response may weigh at most this many unverified ones
DEFAULT_VERIFIED_WEIGHT = Decimal("1.00")  # by default a verified response weighs as any other


# --- Exact numbers and publishing them -----------------------------------------------------------


def _q(value: Number) -> Fraction:
    """``value`` as an exact Fraction (floats by their shortest repr)."""
    kind = type(value)
    if kind is Fraction:  # exact types first, the fast path (a bool is no number here)
        return cast(Fraction, value)
    if kind is int:
        return Fraction(value)
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, Decimal, float)):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return Fraction(value)


def _rounded(value: Fraction, places: int) -> int:
    """|value| x 10^places rounded half up (halves away from zero), as a whole number."""
    scale = 10**places
    return (2 * scale * abs(value.numerator) + value.denominator) // (2 * value.denominator)


def display(value: Number, places: int = PUBLISHED_PLACES) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (ROUND_HALF_UP), as
    offices publish it: 88.305 -> 88.31. Exact, whatever the size of the Fraction."""
    if places < 0:
        raise ValueError("places must be >= 0")
    exact = _q(value)
    units = _rounded(exact, places)
    sign = 1 if exact < 0 and units else 0
    return Decimal((sign, tuple(int(d) for d in str(units)), -places))


def _published(value: Fraction) -> int:
    """The value as offices publish it, in hundredths: 88.305 -> 8831 (see :func:`display`)."""
    return _rounded(value, PUBLISHED_PLACES)


def _lowest_published(bound: Fraction) -> int:
    """The lowest published value, in hundredths, that is at least ``bound``: a value reaches a
    bound when ``_published(value) >= _lowest_published(bound)``."""
    return math.ceil(bound * 10**PUBLISHED_PLACES)


def _check_answer_mean(mean: Fraction, what: str) -> None:
    if not MIN_ANSWER <= mean <= MAX_ANSWER:
        raise ValueError(f"{what} must be between {MIN_ANSWER} and {MAX_ANSWER}, got {float(mean):g}")


def _check_scaled(value: Fraction, what: str) -> None:
    if not IKM_MIN <= value <= IKM_MAX:
        raise ValueError(f"{what} must be between {IKM_MIN} and {IKM_MAX}, got {float(value):g}")


def _check_count(n: int, what: str = "n") -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {n!r}")


def _whole(value: Number, what: str) -> int:
    if type(value) is int:
        return value
    exact = _q(value)
    if exact.denominator != 1:
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    return exact.numerator


def _check_min_n(min_n: int) -> None:
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise ValueError(f"min_n must be a whole number >= 1, got {min_n!r}")


# --- A unit's SKM table: NRR per unsur, weights, IKM ------------------------------------------------


@functools.lru_cache(maxsize=256)
def code_key(code: str) -> tuple:
    """Sort key for element codes in natural order: U2 before U10. (A period has a handful of
    codes, and a report sorts them once for each of its tallies: kept once made.)"""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", code)))


def nrr(total: int, count: int) -> Fraction:
    """NRR of one unsur: sum of its answers / number of answers, 1..4."""
    _check_count(count, "count")
    if count == 0:
        raise ValueError("NRR needs at least one answer (count is 0)")
    if type(total) is int:
        # Whole sums (what the database returns): the bounds checked in whole numbers, the same
        # test as _check_answer_mean's without comparing Fractions (a report makes thousands).
        if not MIN_ANSWER * count <= total <= MAX_ANSWER * count:
            _check_answer_mean(Fraction(total, count), "NRR (total / count)")  # raises, with the value
        return Fraction(total, count)
    exact = Fraction(_q(total), count)
    _check_answer_mean(exact, "NRR (total / count)")
    return exact


def verified_nrr(
    total: int, count: int, verified_total: int, verified_count: int, verified_weight: Number = 1
) -> Fraction:
    """NRR of one unsur when each verified answer (through a one-time service code) weighs
    ``verified_weight`` answers: (total + (w - 1) x verified_total) / (count + (w - 1) x
    verified_count). ``total``/``count`` are of every counted answer, verified ones included;
    with w = 1 this is :func:`nrr`. A weighted mean of answers on 1..4, so on 1..4 too."""
    weight = _q(verified_weight)
    if not 1 <= weight <= MAX_VERIFIED_WEIGHT:
        raise ValueError(f"verified_weight must be from 1 to {MAX_VERIFIED_WEIGHT}, got {float(weight):g}")
    _check_count(verified_count, "verified_count")
    if verified_count > count:
        raise ValueError("verified answers cannot outnumber all answers")
    if weight == 1 or not verified_count:
        return nrr(total, count)
    extra = weight - 1
    exact = (_q(total) + extra * _q(verified_total)) / (count + extra * verified_count)
    _check_answer_mean(exact, "weighted NRR")
    return exact


def element_weights(codes: Sequence[str], configured: Mapping[str, Number | None] | None = None) -> dict[str, Fraction]:
    """Weight of each unsur, by code, summing exactly to 1.

    Without configured weights (None, empty, or all None) each unsur weighs exactly 1/n, never
    a rounded 0.111. Configured weights must be given for every code and nothing else, be
    >= 0, and sum exactly to 1 (so nine weights of 0.111 are refused: they sum to 0.999).
    """
    codes = list(codes)
    if not codes:
        raise ValueError("at least one element code is needed")
    if len(set(codes)) != len(codes):
        raise ValueError(f"element codes repeat: {sorted(codes, key=code_key)}")
    configured = dict(configured or {})
    if all(weight is None for weight in configured.values()):
        configured = {}
    if not configured:
        share = Fraction(1, len(codes))
        return dict.fromkeys(codes, share)

    unknown = sorted(set(configured) - set(codes), key=code_key)
    if unknown:
        raise ValueError(f"weights given for unknown elements: {', '.join(unknown)}")
    missing = [code for code in codes if configured.get(code) is None]
    if missing:
        raise ValueError("weights must be configured for all elements or for none; missing: " + ", ".join(missing))
    weights = {code: _q(cast(Number, configured[code])) for code in codes}  # none missing: checked above
    negative = [code for code, weight in weights.items() if weight < 0]
    if negative:
        raise ValueError("weights must not be negative: " + ", ".join(negative))
    total = sum(weights.values())
    if total != 1:
        raise ValueError(f"weights must sum to 1, they sum to {display(total, 6)}")
    return weights


def ikm(nrr_by_element: Mapping[str, Number], weights: Mapping[str, Number | None] | None = None) -> Fraction:
    """IKM = sum over unsur of (NRR x weight) x 25, on 25..100.

    ``weights`` are the configured weights by code, checked by :func:`element_weights`
    (None: 1/n each).
    """
    nrrs = {code: _q(value) for code, value in nrr_by_element.items()}
    for code, value in nrrs.items():
        _check_answer_mean(value, f"NRR of {code}")
    shares = element_weights(list(nrrs), weights)
    return sum((nrrs[code] * shares[code] for code in nrrs), Fraction(0)) * NILAI_DASAR


def weakest_elements(nrr_by_element: Mapping[str, Number], k: int = 3) -> list[str]:
    """Codes of the k unsur with the lowest NRR (the suggested training focus), lowest first;
    ties in element-code order (U2 before U10)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    ranked = sorted(nrr_by_element, key=lambda code: (_q(nrr_by_element[code]), code_key(code)))
    return ranked[:k]


# --- The grade (mutu pelayanan) ----------------------------------------------------------------------


class Grade(enum.Enum):
    """Mutu pelayanan: the letter and the unit's performance in Bahasa Indonesia and English."""

    A = ("A", "Sangat Baik", "Very good")
    B = ("B", "Baik", "Good")
    C = ("C", "Kurang Baik", "Poor")
    D = ("D", "Tidak Baik", "Very poor")

    def __init__(self, letter: str, label_id: str, label_en: str) -> None:
        self.letter = letter
        self.label_id = label_id
        self.label_en = label_en

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_id


@functools.lru_cache(maxsize=16)
def _grade_floors(bounds: tuple) -> tuple[int, int, int]:
    """The lowest published values (see :func:`_lowest_published`) of grades A, B and C."""
    lower = [_q(bound) for bound in bounds]
    if len(lower) != 3 or not IKM_MAX >= lower[0] > lower[1] > lower[2] >= IKM_MIN:
        raise ValueError(f"bounds must be three decreasing lower bounds (A, B, C) within {IKM_MIN}..{IKM_MAX}")
    a, b, c = (_lowest_published(bound) for bound in lower)
    return a, b, c


_DEFAULT_GRADE_FLOORS = _grade_floors(GRADE_LOWER_BOUNDS)


def _grade(published: int, floors: tuple[int, int, int]) -> Grade:
    for grade, floor in zip((Grade.A, Grade.B, Grade.C), floors):
        if published >= floor:
            return grade
    return Grade.D


def grade_ranges(bounds: Sequence[Number] = GRADE_LOWER_BOUNDS) -> list[tuple[Grade, Fraction, Fraction]]:
    """The published values each grade covers, A first: (grade, lowest, highest), e.g. (B, 76.61,
    88.30); D reaches down to the bottom of the scale and A up to its top."""
    step = Fraction(1, 10**PUBLISHED_PLACES)
    lows = [floor * step for floor in _grade_floors(tuple(bounds))] + [IKM_MIN]
    highs = [IKM_MAX] + [low - step for low in lows[:-1]]
    return list(zip(Grade, lows, highs))


def mutu(ikm_value: Number, bounds: Sequence[Number] = GRADE_LOWER_BOUNDS) -> Grade:
    """Grade (mutu pelayanan) of a 25..100 value.

    The value is first rounded to 2 decimals (ROUND_HALF_UP), as offices publish it, and that
    published figure is compared with the lower bounds of A, B and C (:data:`GRADE_LOWER_BOUNDS`):
    88.305 is published as 88.31 and so is an A; 88.30 is a B. This way the grade never
    disagrees with the number printed beside it; the suggested rating is read the same way.
    """
    exact = _q(ikm_value)
    _check_scaled(exact, "IKM")
    return _grade(_published(exact), _grade_floors(tuple(bounds)))


# --- One channel's score from the sufficient statistics of its responses -------------------------------


def _t_two_sided_cdf(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with a whole number of degrees of freedom.

    Closed form of Abramowitz & Stegun 26.7.3-26.7.4, with theta = atan(t / sqrt(df)).
    """
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2:
        total = term = c if df > 1 else 0.0
        for j in range(1, (df - 1) // 2):
            term *= c * c * (2 * j) / (2 * j + 1)
            total += term
        return 2 / math.pi * (theta + s * total)
    total = term = 1.0
    for j in range(1, df // 2):
        term *= c * c * (2 * j - 1) / (2 * j)
        total += term
    return s * total


_EXACT_T_UP_TO = 100  # beyond this many degrees of freedom the series below is accurate to 1e-9


@functools.lru_cache(maxsize=4096)
def t_critical(df: int, level: float = DEFAULT_LEVEL) -> float:
    """Two-sided critical value of Student's t: P(|T| <= t) = level (df=29, 0.95 -> 2.0452).

    Up to 100 degrees of freedom the exact distribution is inverted by bisection; beyond,
    the Cornish-Fisher series of Abramowitz & Stegun 26.7.5 around the normal quantile.
    """
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    if df > _EXACT_T_UP_TO:
        z = NormalDist().inv_cdf((1 + level) / 2)
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = 0.0, 1.0
    while _t_two_sided_cdf(high, df) < level:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _t_two_sided_cdf(middle, df) < level:
            low = middle
        else:
            high = middle
    return high


def _possible(n: int, total: Fraction | int, total_sq: Fraction | int, answers: int) -> bool:
    """Whether ``n`` responses, each the sum s of ``answers`` answers on 1..4, can have sums
    adding up to ``total`` and squares of sums adding up to ``total_sq``.

    Each s lies in [a, 4a] (a = answers), so n a <= total <= 4 n a; (s - a)(s - 4a) <= 0 gives
    total_sq <= 5 a total - 4 a^2 n; and n total_sq >= total^2, as a variance is not negative.
    """
    low, high = MIN_ANSWER * answers, MAX_ANSWER * answers
    return (
        low * n <= total <= high * n
        and 0 <= total_sq <= (low + high) * total - low * high * n
        and total_sq * n >= total * total
    )


@dataclass(frozen=True)
class Stats:
    """Sufficient statistics of a set of per-response scores x on 1..4: n, sum x, sum x^2, which
    a SQL GROUP BY returns cheaply and which are all a mean and its confidence interval need.

    A response's x is the mean of its answers that count: the face of a kiosk vote, the mean over
    the unsur of a phone survey. Statistics that no such responses could give are refused.
    """

    n: int = 0
    sum_x: Fraction = Fraction(0)
    sum_x2: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        _check_count(self.n)
        n, sx, sx2 = self.n, _q(self.sum_x), _q(self.sum_x2)
        object.__setattr__(self, "sum_x", sx)
        object.__setattr__(self, "sum_x2", sx2)
        if not _possible(n, sx, sx2, 1):
            raise ValueError(f"(n={n}, sum_x={sx}, sum_x2={sx2}) cannot come from answers on 1..4")

    @classmethod
    def _checked(cls, n: int, sum_x: Fraction, sum_x2: Fraction) -> Stats:
        """Statistics known to be possible, built without checking their Fractions again: a
        period report builds thousands, and checking each would cost a third of its scoring."""
        stats = object.__new__(cls)
        object.__setattr__(stats, "n", n)
        object.__setattr__(stats, "sum_x", sum_x)
        object.__setattr__(stats, "sum_x2", sum_x2)
        return stats

    @classmethod
    def of_sums(cls, count: int, answers: int, total: Number, total_sq: Number) -> Stats:
        """``count`` responses that each gave ``answers`` answers counting for the score, the
        sums of those answers per response adding up to ``total`` (and their squares to
        ``total_sq``): each response's x is its sum / ``answers``. This is what one row of a
        GROUP BY over (score_n) returns, so the division is exact, and the check is in whole
        numbers."""
        _check_count(count, "count")
        total, total_sq = _whole(total, "total"), _whole(total_sq, "total_sq")
        if isinstance(answers, bool) or not isinstance(answers, int) or answers < 1:
            raise ValueError(f"answers must be a whole number >= 1, got {answers!r}")
        if not _possible(count, total, total_sq, answers):
            raise ValueError(
                f"(count={count}, answers={answers}, total={total}, total_sq={total_sq}) "
                "cannot come from answers on 1..4"
            )
        return cls._checked(count, Fraction(total, answers), Fraction(total_sq, answers * answers))

    def __add__(self, other: Stats) -> Stats:
        if not other.n:
            return self
        if not self.n:
            return other
        # Two possible sets of responses together are a possible set.
        return Stats._checked(self.n + other.n, self.sum_x + other.sum_x, self.sum_x2 + other.sum_x2)

    def half_width(self, level: float = DEFAULT_LEVEL) -> float | None:
        """Half the width of the confidence interval of the mean, on 25..100:
        t(level, n - 1) x s / sqrt(n) x 25, with s^2 = (sum x^2 - (sum x)^2 / n) / (n - 1).

        None with n < 2: no spread can be measured. Floating point, like the square root and t
        it feeds; the statistics themselves are exact."""
        n = self.n
        if n < 2:
            return None
        variance = max(0.0, float(self.sum_x2 * n - self.sum_x * self.sum_x) / (n * (n - 1)))
        return t_critical(n - 1, level) * math.sqrt(variance / n) * NILAI_DASAR


@dataclass(frozen=True)
class Score:
    """One channel's or the combined score of an officer (desk, service, unit) for a period, with
    what it takes to trust it.

    ``value`` and the confidence interval ``ci_low``..``ci_high`` are on the 25..100 scale;
    ``value`` is None without any answer, and the interval is then the whole scale (no
    information). ``half_width`` is half the interval's width before it was clamped to the scale,
    None when none could be measured: what combining channels needs. Below the minimum number of
    answers ``enough_data`` is False and ``grade`` is None: reports then say "not enough data",
    never a grade.
    """

    value: Fraction | None
    n: int
    ci_low: Fraction
    ci_high: Fraction
    grade: Grade | None
    enough_data: bool
    half_width: float | None


NO_SCORE = Score(value=None, n=0, ci_low=IKM_MIN, ci_high=IKM_MAX, grade=None, enough_data=False, half_width=None)


def _graded(value: Fraction, n: int, half_width: float | None, min_n: int) -> Score:
    """A score of ``n`` responses: its interval clamped to the scale, and its grade from ``min_n``
    responses on. ``value`` is a mean of possible answers, so within the scale."""
    if half_width is None:
        low, high = IKM_MIN, IKM_MAX
    else:
        half = Fraction(half_width)
        low, high = max(IKM_MIN, value - half), min(IKM_MAX, value + half)
    enough = n >= min_n
    grade = _grade(_published(value), _DEFAULT_GRADE_FLOORS) if enough else None
    return Score(value, n, low, high, grade, enough, half_width)


def channel_score(stats: Stats, min_n: int = DEFAULT_MIN_N, level: float = DEFAULT_LEVEL) -> Score:
    """The score of one channel (kiosk or phone survey): the mean x of its responses x 25, with
    its confidence interval (:meth:`Stats.half_width`). Graded from ``min_n`` responses on.

    For phone surveys that answer every unsur, with the regulation's equal weights, this mean
    is exactly the :func:`ikm` of their NRRs; for kiosk votes it is the four-faces index.
    """
    _check_min_n(min_n)
    if not stats.n:
        return NO_SCORE
    return _graded(stats.sum_x * NILAI_DASAR / stats.n, stats.n, stats.half_width(level), min_n)


def skm_score(
    stats: Stats,
    nrr_by_element: Mapping[str, Number],
    weights: Mapping[str, Number | None] | None = None,
    min_n: int = DEFAULT_MIN_N,
    level: float = DEFAULT_LEVEL,
) -> Score:
    """The phone survey's score of an officer (desk, service, unit): the :func:`ikm` of its own SKM
    table (the NRR of each unsur and the period's configured element weights), so that the score
    on a sheet is the IKM printed in the table beside it. ``stats`` are the counted responses
    (their n grades the score); without NRRs (no answer on an SKM element) it is the mean of the
    responses, as :func:`channel_score`.

    The interval is that of the mean of the responses (:meth:`Stats.half_width`) around the IKM:
    exact with equal weights and every unsur answered (the mean then is the IKM), an
    approximation of the same size with configured weights, whose per-response weighted sums the
    reports do not read (the interval is a guide to the score's precision, not a test).
    """
    _check_min_n(min_n)
    if not stats.n:
        return NO_SCORE
    if not nrr_by_element:
        return channel_score(stats, min_n, level)
    return _graded(ikm(nrr_by_element, weights), stats.n, stats.half_width(level), min_n)


# --- The two channels combined ------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _channel_weights(qr_weight: Number, kiosk_weight: Number) -> tuple[Fraction, Fraction]:
    w_qr, w_kiosk = _q(qr_weight), _q(kiosk_weight)
    if w_qr < 0 or w_kiosk < 0 or w_qr + w_kiosk != 1:
        raise ValueError("channel weights must be >= 0 and sum to 1")
    return w_qr, w_kiosk


def combine(qr: Score, kiosk: Score, qr_weight: Number, kiosk_weight: Number, min_n: int = DEFAULT_MIN_N) -> Score:
    """An officer's (or unit's) score for a period from its two :func:`channel_score`, on 25..100.

    Only a channel with enough data (at least ``min_n`` responses of its own) enters: a channel
    whose own score says "not enough data" must not carry its weight in the score that drives
    the suggested rating. The value is the weighted mean of the channels that enter, their
    weights (the period's policy, >= 0 and summing to 1, whatever the counts) renormalised over
    them: both enter -> qr_weight x qr + kiosk_weight x kiosk; one enters -> that channel alone,
    whatever its weight. When neither has enough data there is no value: the score is "not
    enough data", with n the responses of both channels (no grade, no suggestion); with no
    response at all it is :data:`NO_SCORE`.

    The confidence interval treats the channels as independent samples: half-width
    sqrt(sum (w_c x h_c)^2) over the channels that enter and weigh, h_c being each channel's own;
    n is the responses of the channels that enter.
    """
    _check_min_n(min_n)
    w_qr, w_kiosk = _channel_weights(qr_weight, kiosk_weight)
    entering = [(score, weight) for score, weight in ((qr, w_qr), (kiosk, w_kiosk)) if score.n >= min_n]
    if not entering:
        if not qr.n and not kiosk.n:
            return NO_SCORE
        return Score(
            value=None,
            n=qr.n + kiosk.n,
            ci_low=IKM_MIN,
            ci_high=IKM_MAX,
            grade=None,
            enough_data=False,
            half_width=None,
        )
    total = sum(weight for _, weight in entering)
    # Renormalised over the channels that enter; a lone channel carries the whole score even when
    # its policy weight is 0 (as a lone channel with answers always has).
    parts = [(score, weight / total if total else Fraction(1, len(entering))) for score, weight in entering]
    # A channel that enters has its minimum of responses, so a value (None: a channel with none).
    value = sum((weight * cast(Fraction, score.value) for score, weight in parts), Fraction(0))
    halves = [(score.half_width, weight) for score, weight in parts if weight]
    half = None
    if all(h is not None for h, _ in halves):
        half = math.sqrt(sum(((float(weight) * cast(float, h)) ** 2 for h, weight in halves), 0.0))
    return _graded(value, sum(score.n for score, _ in parts), half, min_n)


def channels_entering(qr: Score, kiosk: Score, min_n: int = DEFAULT_MIN_N) -> list[str]:
    """The channels that :func:`combine` takes into the combined score ("qr", "kiosk")."""
    return [name for name, score in (("qr", qr), ("kiosk", kiosk)) if score.n >= min_n]


# --- The suggested rating (PermenPANRB 6/2022) ----------------------------------------------------------


class Rating(enum.StrEnum):
    """The three ratings of PermenPANRB 6/2022, as suggested for Berorientasi Pelayanan."""

    DI_ATAS = "di_atas"
    SESUAI = "sesuai"
    DI_BAWAH = "di_bawah"

    @property
    def label(self) -> str:
        """The wording of the regulation, e.g. "di atas ekspektasi"."""
        return self.value.replace("_", " ") + " ekspektasi"


@functools.lru_cache(maxsize=64)
def _rating_floors(above: Number, below: Number) -> tuple[int, int]:
    high, low = _q(above), _q(below)
    if not IKM_MIN <= low <= high <= IKM_MAX:
        raise ValueError(f"thresholds must satisfy {IKM_MIN} <= below <= above <= {IKM_MAX}")
    return _lowest_published(high), _lowest_published(low)


def suggest_rating(score: Score, above: Number = RATING_ABOVE, below: Number = RATING_BELOW) -> Rating | None:
    """Suggested rating of the Berorientasi Pelayanan behaviour, for the supervisor to confirm.

    Compares the published value (two decimals, as for :func:`mutu`) with the period's
    thresholds on 25..100: >= above -> di atas, < below -> di bawah, else sesuai. The defaults
    are the lower bounds of grades A and B. None when there is not enough data.
    """
    high, low = _rating_floors(above, below)
    if not score.enough_data:
        return None
    published = _published(cast(Fraction, score.value))  # enough data: a value
    if published >= high:
        return Rating.DI_ATAS
    if published < low:
        return Rating.DI_BAWAH
    return Rating.SESUAI


# --- Shrinkage for rankings ---------------------------------------------------------------------------


def shrink(mean: Number, n: int, prior_mean: Number, prior_strength: Number) -> Fraction:
    """Empirical Bayes estimate for rankings: (n x mean + k x prior) / (n + k).

    The prior strength k counts as k extra answers at the prior mean, so a handful of perfect
    answers cannot top officers with hundreds. Any scale, as long as mean and prior share it.
    """
    _check_count(n)
    k = _q(prior_strength)
    if k < 0 or n + k == 0:
        raise ValueError("prior_strength must be >= 0, and > 0 when n is 0")
    return (n * _q(mean) + k * _q(prior_mean)) / (n + k)


MIN_PRIOR_STRENGTH = DEFAULT_MIN_N
"""The least prior strength a ranking uses: the default minimum n, a constant, never the period's
own minimum n. A unit that lowers its minimum n lets officers with few responses into the
ranking, and the data's own k can then be as small as 1, so three perfect votes
((3 x 100 + 1 x prior) / 4) would top an officer with 200 good ones. With k >= 30 a newcomer's
handful of answers weighs against 30 answers at the unit's mean, whatever minimum n is set."""


def ranking_prior_strength(groups: Iterable[Stats]) -> Fraction:
    """The prior strength a ranking shrinks with: the data's :func:`prior_strength_from_groups`,
    but never less than :data:`MIN_PRIOR_STRENGTH`."""
    return max(prior_strength_from_groups(groups), Fraction(MIN_PRIOR_STRENGTH))


def prior_strength_from_groups(groups: Iterable[Stats]) -> Fraction:
    """Prior strength k estimated from the data: within-group variance / between-group variance
    (rankings use :func:`ranking_prior_strength`, which bounds it from below).

    ``groups`` are the :class:`Stats` of each officer. Method of moments of the one-way random
    effects model: MSW = pooled within-group variance, MSB = sum n_g (mean_g - mean)^2 / (G - 1),
    between variance = (MSB - MSW) / n0 with n0 = (N - sum n_g^2 / N) / (G - 1).

    k is kept within [1, N] (N = all answers). When the data show no spread between groups
    (between variance <= 0, fewer than two groups with answers, or no group with two answers)
    k is N: every officer is pulled at least halfway to the prior, as the ranking would be noise.
    """
    stats = [group for group in groups if group.n]
    total_n = sum(group.n for group in stats)
    large = Fraction(max(total_n, 1))
    g = len(stats)
    if g < 2 or total_n == g:
        return large
    # In floating point: k only orders a ranking, and exact sums over thousands of officers'
    # fractions grow huge denominators. The result is read back as a fraction of at most 10^6.
    floats = [(s.n, float(s.sum_x), float(s.sum_x2)) for s in stats]
    msw = sum(sx2 - sx * sx / n for n, sx, sx2 in floats) / (total_n - g)
    grand_mean = sum(sx for _, sx, _ in floats) / total_n
    msb = sum(n * (sx / n - grand_mean) ** 2 for n, sx, _ in floats) / (g - 1)
    n0 = (total_n - sum(n * n for n, _, _ in floats) / total_n) / (g - 1)
    between = (msb - msw) / n0
    if between <= 1e-12:
        return large
    return min(max(Fraction(msw / between).limit_denominator(10**6), Fraction(1)), large)
