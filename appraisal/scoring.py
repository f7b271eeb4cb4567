"""Scoring: citizens' 1-4 answers turned into indices, grades and suggested ratings.

Pure functions over plain values (ints, Fractions, Decimals): no Flask, no database, so SQL
reports, exports and the CLI can all use them. Arithmetic is exact (``fractions.Fraction``);
:func:`display` rounds, and only for showing a number.

Terms of the community satisfaction survey (SKM, PermenPANRB No. 14 Tahun 2017):

- **unsur**: one of the survey's elements, keyed by code (U1..U9 in the standard set; an office
  may add more). Every answer is on a 1-4 scale, 1 worst, 4 best.
- **NRR** (nilai rata-rata): the mean answer of one unsur, 1.00..4.00.
- **IKM** (indeks kepuasan masyarakat): sum over unsur of NRR x weight, times 25 (the "nilai
  dasar"), which maps 1..4 onto 25..100. The weight is 1/n for n unsur, or the office's own
  weights as long as they sum to 1.
- **mutu** (mutu pelayanan): the grade A/B/C/D read off the converted 25..100 value.

Every score in this module that is not an NRR is on that 25..100 scale, including an officer's
kiosk index and the confidence intervals, so that one grade table and one set of rating
thresholds serve them all.
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

Number = int | Fraction | Decimal | float
"""A value this module accepts. Floats are read by their shortest repr (0.1 is 1/10), so that
a float coming from SQL means what it prints as."""

MIN_ANSWER = 1
MAX_ANSWER = 4
NILAI_DASAR = 25  # the regulation's conversion factor: 1..4 x 25 = 25..100
IKM_MIN = Fraction(MIN_ANSWER * NILAI_DASAR)
IKM_MAX = Fraction(MAX_ANSWER * NILAI_DASAR)

GRADE_LOWER_BOUNDS = (Decimal("88.31"), Decimal("76.61"), Decimal("65.00"))
"""Lowest published IKM of grades A, B and C; anything lower is D. One published table prints
76.66 as the top of C; 76.60 is the common reading. Pass other bounds to :func:`mutu` to follow
a different table."""

_DEFAULT_BOUNDS = [Fraction(bound) for bound in GRADE_LOWER_BOUNDS]

RATING_ABOVE = Decimal("88.31")  # default: grade A is "di atas ekspektasi"
RATING_BELOW = Decimal("76.61")  # default: below grade B is "di bawah ekspektasi"
DEFAULT_MIN_N = 30
DEFAULT_LEVEL = 0.95


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


class Rating(enum.StrEnum):
    """The three ratings of PermenPANRB 6/2022, as suggested for Berorientasi Pelayanan."""

    DI_ATAS = "di_atas"
    SESUAI = "sesuai"
    DI_BAWAH = "di_bawah"

    @property
    def label(self) -> str:
        """The wording of the regulation, e.g. "di atas ekspektasi"."""
        return self.value.replace("_", " ") + " ekspektasi"


@dataclass(frozen=True)
class Score:
    """One officer's (or unit's) score for a period, with what it takes to trust it.

    ``value``, ``ci_low`` and ``ci_high`` are on the 25..100 scale; ``value`` is None without
    any answer. Below the minimum number of answers ``enough_data`` is False and ``grade`` is
    None: reports then say "not enough data", never a grade.
    """

    value: Fraction | None
    n: int
    ci_low: Fraction
    ci_high: Fraction
    grade: Grade | None
    enough_data: bool


def _q(value: Number) -> Fraction:
    """``value`` as an exact Fraction (floats by their shortest repr)."""
    kind = type(value)
    if kind is Fraction:
        return value
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


def _check_answer_mean(mean: Fraction, what: str) -> None:
    if not MIN_ANSWER <= mean <= MAX_ANSWER:
        raise ValueError(f"{what} must be between {MIN_ANSWER} and {MAX_ANSWER}, got {float(mean):g}")


def _check_scaled(value: Fraction, what: str) -> None:
    if not IKM_MIN <= value <= IKM_MAX:
        raise ValueError(f"{what} must be between 25 and 100, got {float(value):g}")


def _check_count(n: int, what: str = "n") -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{what} must be a whole number >= 0, got {n!r}")


def _code_key(code: str) -> tuple:
    """Natural order of element codes: U2 before U10."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", code)))


def display(value: Number, places: int = 2) -> Decimal:
    """``value`` rounded to ``places`` decimals, halves away from zero (ROUND_HALF_UP), as
    offices publish it: 88.305 -> 88.31. Exact, whatever the size of the Fraction."""
    if places < 0:
        raise ValueError("places must be >= 0")
    exact = _q(value)
    units = math.floor(abs(exact) * 10**places + Fraction(1, 2))
    sign = 1 if exact < 0 and units else 0
    return Decimal((sign, tuple(int(d) for d in str(units)), -places))


def to_ikm_scale(mean: Number) -> Fraction:
    """A mean on the 1..4 answer scale converted to 25..100: mean x 25."""
    exact = _q(mean)
    _check_answer_mean(exact, "mean")
    return exact * NILAI_DASAR


def nrr(total: int, count: int) -> Fraction:
    """NRR of one unsur: sum of its answers / number of answers, 1..4."""
    _check_count(count, "count")
    if count == 0:
        raise ValueError("NRR needs at least one answer (count is 0)")
    exact = Fraction(_q(total), count)
    _check_answer_mean(exact, "NRR (total / count)")
    return exact


def element_weights(
    codes: Sequence[str], configured: Mapping[str, Number | None] | None = None
) -> dict[str, Fraction]:
    """Weight of each unsur, by code, summing exactly to 1.

    Without configured weights (None, empty, or all None) each unsur weighs exactly 1/n, never
    a rounded 0.111. Configured weights must be given for every code and nothing else, be
    >= 0, and sum exactly to 1 (so nine weights of 0.111 are refused: they sum to 0.999).
    """
    codes = list(codes)
    if not codes:
        raise ValueError("at least one element code is needed")
    if len(set(codes)) != len(codes):
        raise ValueError(f"element codes repeat: {sorted(codes, key=_code_key)}")
    configured = dict(configured or {})
    if all(weight is None for weight in configured.values()):
        configured = {}
    if not configured:
        return {code: Fraction(1, len(codes)) for code in codes}

    unknown = sorted(set(configured) - set(codes), key=_code_key)
    if unknown:
        raise ValueError(f"weights given for unknown elements: {', '.join(unknown)}")
    missing = [code for code in codes if configured.get(code) is None]
    if missing:
        raise ValueError(
            "weights must be configured for all elements or for none; missing: " + ", ".join(missing)
        )
    weights = {code: _q(configured[code]) for code in codes}
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
    return sum(nrrs[code] * shares[code] for code in nrrs) * NILAI_DASAR


def mutu(ikm_value: Number, bounds: Sequence[Number] = GRADE_LOWER_BOUNDS) -> Grade:
    """Grade (mutu pelayanan) of a 25..100 value.

    The value is first rounded to 2 decimals (ROUND_HALF_UP), as offices publish it, and that
    published figure is compared with the lower bounds of A, B and C (88.31, 76.61, 65.00):
    88.305 is published as 88.31 and so is an A; 88.30 is a B. This way the grade never
    disagrees with the number printed beside it.
    """
    exact = _q(ikm_value)
    _check_scaled(exact, "IKM")
    lower = _DEFAULT_BOUNDS if bounds is GRADE_LOWER_BOUNDS else [_q(bound) for bound in bounds]
    if len(lower) != 3 or not IKM_MAX >= lower[0] > lower[1] > lower[2] >= IKM_MIN:
        raise ValueError("bounds must be three decreasing lower bounds (A, B, C) within 25..100")
    published = _q(display(exact, 2))
    for grade, bound in zip((Grade.A, Grade.B, Grade.C), lower):
        if published >= bound:
            return grade
    return Grade.D


def kiosk_index(counts: Mapping[int, int]) -> Fraction:
    """The four-faces index on 25..100: mean face value (1 worst .. 4 best) x 25.

    ``counts`` maps a face value to its number of presses; faces without presses may be left out.
    """
    total = n = 0
    for face, count in counts.items():
        if isinstance(face, bool) or not isinstance(face, int) or not MIN_ANSWER <= face <= MAX_ANSWER:
            raise ValueError(f"face values are 1..4, got {face!r}")
        _check_count(count, f"count of face {face}")
        total += face * count
        n += count
    if n == 0:
        raise ValueError("the kiosk index needs at least one press")
    return Fraction(total, n) * NILAI_DASAR


def combined_score(
    qr_score: Number | None,
    qr_n: int,
    kiosk_score: Number | None,
    kiosk_n: int,
    qr_weight: Number,
    kiosk_weight: Number,
) -> Fraction | None:
    """One officer's score for a period from both channels, on 25..100.

    qr_weight x qr_score + kiosk_weight x kiosk_score; the weights are the period's policy,
    >= 0 and summing to 1, and do not depend on the counts. A channel with no answers (n = 0;
    its score may then be None) drops out and the other carries the whole weight. None when
    neither channel has any answer.
    """
    _check_count(qr_n, "qr_n")
    _check_count(kiosk_n, "kiosk_n")
    w_qr, w_kiosk = _q(qr_weight), _q(kiosk_weight)
    if w_qr < 0 or w_kiosk < 0 or w_qr + w_kiosk != 1:
        raise ValueError("channel weights must be >= 0 and sum to 1")
    parts = []
    channels = (("qr_score", qr_score, qr_n, w_qr), ("kiosk_score", kiosk_score, kiosk_n, w_kiosk))
    for name, value, n, weight in channels:
        if n == 0:
            continue
        if value is None:
            raise ValueError(f"{name} is missing although its channel has {n} answers")
        exact = _q(value)
        _check_scaled(exact, name)
        parts.append((exact, weight))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0][0]
    return sum(value * weight for value, weight in parts)


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


def _check_stats(n: int, sum_x: Number, sum_x2: Number) -> tuple[Fraction, Fraction]:
    """Sufficient statistics of answers on 1..4, refused when no such answers could give them."""
    _check_count(n)
    sx, sx2 = _q(sum_x), _q(sum_x2)
    # Each x in [1, 4]: n <= sum x <= 4n; (x-1)(x-4) <= 0 gives sum x^2 <= 5 sum x - 4n;
    # and sum x^2 >= (sum x)^2 / n (the variance is not negative).
    consistent = MIN_ANSWER * n <= sx <= MAX_ANSWER * n and 0 <= sx2 <= 5 * sx - 4 * n
    if consistent and n:
        consistent = sx2 * n >= sx * sx
    if not consistent:
        raise ValueError(f"(n={n}, sum_x={sum_x}, sum_x2={sum_x2}) cannot come from answers on 1..4")
    return sx, sx2


def mean_ci(n: int, sum_x: Number, sum_x2: Number, level: float = DEFAULT_LEVEL) -> tuple[Fraction, Fraction]:
    """Confidence interval of a mean of 1..4 answers, returned on 25..100 and clamped to it.

    From the sufficient statistics a SQL GROUP BY returns cheaply: n, sum x, sum x^2.
    mean +- t(level, n-1) x s / sqrt(n), with s^2 = (sum x^2 - (sum x)^2 / n) / (n - 1), then x 25.
    With n < 2 there is no spread to measure: the interval is (25, 100), i.e. no information.
    Everything is exact except the square root and t (floating point, far below display precision).
    """
    sx, _sx2 = _check_stats(n, sum_x, sum_x2)
    half_width = ci_half_width(n, sum_x, sum_x2, level)
    if half_width is None:
        return IKM_MIN, IKM_MAX
    centre = sx / n * NILAI_DASAR
    return max(IKM_MIN, centre - half_width), min(IKM_MAX, centre + half_width)


@functools.lru_cache(maxsize=65536)
def ci_half_width(n: int, sum_x: Number, sum_x2: Number, level: float = DEFAULT_LEVEL) -> Fraction | None:
    """Half the width of :func:`mean_ci` before clamping, on 25..100: t(level, n-1) x s / sqrt(n)
    x 25. None with n < 2 (no spread can be measured). The statistics are checked exactly; the
    spread itself is computed in floating point, like the square root and t it feeds."""
    sx, sx2 = _check_stats(n, sum_x, sum_x2)
    if n < 2:
        return None
    variance = max(0.0, float(sx2 * n - sx * sx) / (n * (n - 1)))
    return Fraction(t_critical(n - 1, level) * math.sqrt(variance / n) * NILAI_DASAR)


def score(
    n: int, sum_x: Number, sum_x2: Number, min_n: int = DEFAULT_MIN_N, level: float = DEFAULT_LEVEL
) -> Score:
    """A :class:`Score` from the sufficient statistics of 1..4 answers (one x per kiosk press,
    or per respondent's mean over the unsur).

    Graded only from ``min_n`` answers on (default 30, configurable per period).
    """
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise ValueError(f"min_n must be a whole number >= 1, got {min_n!r}")
    ci_low, ci_high = mean_ci(n, sum_x, sum_x2, level)
    value = _q(sum_x) / n * NILAI_DASAR if n else None
    enough = n >= min_n
    return Score(
        value=value,
        n=n,
        ci_low=ci_low,
        ci_high=ci_high,
        grade=mutu(value) if enough else None,
        enough_data=enough,
    )


@dataclass(frozen=True)
class Stats:
    """Sufficient statistics of a set of per-response scores x on 1..4: n, sum x, sum x^2."""

    n: int = 0
    sum_x: Fraction = Fraction(0)
    sum_x2: Fraction = Fraction(0)

    def __add__(self, other: Stats) -> Stats:
        return Stats(self.n + other.n, self.sum_x + other.sum_x, self.sum_x2 + other.sum_x2)

    @classmethod
    def of_sums(cls, count: int, answers: int, total: int, total_sq: int) -> Stats:
        """``count`` responses that each gave ``answers`` answers counting for the score, with
        sum of those answers per response summing to ``total`` (and their squares to
        ``total_sq``): each response's x is its sum / ``answers``. This is what one row of a
        GROUP BY over (score_n) returns, so the division is exact."""
        _check_count(count, "count")
        if answers < 1:
            raise ValueError("answers must be >= 1")
        return cls(count, Fraction(_q(total), answers), Fraction(_q(total_sq), answers * answers))

    def score(self, min_n: int = DEFAULT_MIN_N, level: float = DEFAULT_LEVEL) -> Score:
        return score(self.n, self.sum_x, self.sum_x2, min_n, level)


def combine(
    qr: Stats, kiosk: Stats, qr_weight: Number, kiosk_weight: Number,
    min_n: int = DEFAULT_MIN_N, level: float = DEFAULT_LEVEL,
) -> Score:
    """An officer's (or unit's) combined citizen-satisfaction score for a period, on 25..100.

    The value is :func:`combined_score` of the two channels' means with the period's weights. Its
    confidence interval treats the channels as independent samples: half-width
    sqrt(sum (w_c x h_c)^2) over the channels that count, h_c being each channel's own half-width
    (:func:`ci_half_width`); a counting channel with fewer than two responses gives no interval
    (25..100). Graded from ``min_n`` responses of both channels together.
    """
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        raise ValueError(f"min_n must be a whole number >= 1, got {min_n!r}")
    qr_mean = to_ikm_scale(qr.sum_x / qr.n) if qr.n else None
    kiosk_mean = to_ikm_scale(kiosk.sum_x / kiosk.n) if kiosk.n else None
    value = combined_score(qr_mean, qr.n, kiosk_mean, kiosk.n, qr_weight, kiosk_weight)
    n = qr.n + kiosk.n
    if value is None:
        return Score(None, 0, IKM_MIN, IKM_MAX, None, False)
    parts = [(stats, _q(weight)) for stats, weight in ((qr, qr_weight), (kiosk, kiosk_weight)) if stats.n]
    if len(parts) == 1:
        parts = [(parts[0][0], Fraction(1))]  # the only channel carries the whole weight
    halves = [(ci_half_width(stats.n, stats.sum_x, stats.sum_x2, level), weight) for stats, weight in parts]
    if any(half is None for half, weight in halves if weight):
        low, high = IKM_MIN, IKM_MAX
    else:
        half = Fraction(math.sqrt(sum(float(weight * h) ** 2 for h, weight in halves if weight)))
        low, high = max(IKM_MIN, value - half), min(IKM_MAX, value + half)
    enough = n >= min_n
    return Score(value=value, n=n, ci_low=low, ci_high=high, grade=mutu(value) if enough else None,
                 enough_data=enough)


def _hundredths(value: Fraction) -> int:
    """round(value x 100) half up, for value >= 0, in integers: what :func:`display` publishes."""
    return (200 * value.numerator + value.denominator) // (2 * value.denominator)


_BOUND_HUNDREDTHS = [(Grade.A, 8831), (Grade.B, 7661), (Grade.C, 6500)]


def _grade_of_hundredths(h: int) -> Grade:
    for grade, bound in _BOUND_HUNDREDTHS:
        if h >= bound:
            return grade
    return Grade.D


def _fast_channel(stats: Stats, min_n: int, level: float) -> tuple[Score, float | None]:
    n = stats.n
    if not n:
        return Score(None, 0, IKM_MIN, IKM_MAX, None, False), None
    value = stats.sum_x * NILAI_DASAR / n
    half = None
    if n >= 2:
        variance = max(0.0, float(stats.sum_x2 * n - stats.sum_x * stats.sum_x) / (n * (n - 1)))
        half = t_critical(n - 1, level) * math.sqrt(variance / n) * NILAI_DASAR
    if half is None:
        low, high = IKM_MIN, IKM_MAX
    else:
        exact_half = Fraction(half)
        low, high = max(IKM_MIN, value - exact_half), min(IKM_MAX, value + exact_half)
    enough = n >= min_n
    return Score(value, n, low, high, _grade_of_hundredths(_hundredths(value)) if enough else None, enough), half


def scores_of(
    qr: Stats, kiosk: Stats, qr_weight: Fraction, kiosk_weight: Fraction, min_n: int = DEFAULT_MIN_N,
    above: Number = RATING_ABOVE, below: Number = RATING_BELOW, level: float = DEFAULT_LEVEL,
) -> tuple[Score, Score, Score, Rating | None]:
    """``(qr.score(min_n), kiosk.score(min_n), combine(...), suggest_rating(...))`` at once, with
    the default grade bounds: the same results (a test holds them equal on random data) for a
    fraction of the arithmetic, because a period report does this for thousands of officers.

    The statistics are not re-checked here: they are sums the database returned for answers it
    constrains to 1..4. Use the functions above for anything else.
    """
    qr_score, qr_half = _fast_channel(qr, min_n, level)
    kiosk_score, kiosk_half = _fast_channel(kiosk, min_n, level)
    n = qr.n + kiosk.n
    if not n:
        combined = Score(None, 0, IKM_MIN, IKM_MAX, None, False)
        return qr_score, kiosk_score, combined, None
    if qr.n and kiosk.n:
        value = qr_weight * qr_score.value + kiosk_weight * kiosk_score.value
        parts = [(qr_half, qr_weight), (kiosk_half, kiosk_weight)]
    else:
        only, half = (qr_score, qr_half) if qr.n else (kiosk_score, kiosk_half)
        value, parts = only.value, [(half, Fraction(1))]
    if any(half is None for half, weight in parts if weight):
        low, high = IKM_MIN, IKM_MAX
    else:
        half = Fraction(math.sqrt(sum(float(weight * Fraction(h)) ** 2 for h, weight in parts if weight)))
        low, high = max(IKM_MIN, value - half), min(IKM_MAX, value + half)
    enough = n >= min_n
    published = _hundredths(value)
    combined = Score(value, n, low, high, _grade_of_hundredths(published) if enough else None, enough)
    rating = None
    if enough:
        high_bound, low_bound = _hundredths(_q(above)), _hundredths(_q(below))
        rating = Rating.DI_ATAS if published >= high_bound else Rating.DI_BAWAH if published < low_bound \
            else Rating.SESUAI
    return qr_score, kiosk_score, combined, rating


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


def prior_strength_from_groups(groups: Iterable[tuple[int, Number, Number]]) -> Fraction:
    """Prior strength k for :func:`shrink`: within-group variance / between-group variance.

    ``groups`` are (n, sum x, sum x^2) per officer. Method of moments of the one-way random
    effects model: MSW = pooled within-group variance, MSB = sum n_g (mean_g - mean)^2 / (G - 1),
    between variance = (MSB - MSW) / n0 with n0 = (N - sum n_g^2 / N) / (G - 1).

    k is kept within [1, N] (N = all answers). When the data show no spread between groups
    (between variance <= 0, fewer than two groups with answers, or no group with two answers)
    k is N: every officer is pulled at least halfway to the prior, as the ranking would be noise.
    """
    stats = []
    for n, sum_x, sum_x2 in groups:
        sx, sx2 = _check_stats(n, sum_x, sum_x2)
        if n:
            stats.append((n, sx, sx2))
    total_n = sum(n for n, _, _ in stats)
    large = Fraction(max(total_n, 1))
    g = len(stats)
    if g < 2 or total_n == g:
        return large
    # In floating point: k only orders a ranking, and exact sums over thousands of officers'
    # fractions grow huge denominators. The result is read back as a fraction of at most 10^6.
    floats = [(n, float(sx), float(sx2)) for n, sx, sx2 in stats]
    msw = sum(sx2 - sx * sx / n for n, sx, sx2 in floats) / (total_n - g)
    grand_mean = sum(sx for _, sx, _ in floats) / total_n
    msb = sum(n * (sx / n - grand_mean) ** 2 for n, sx, _ in floats) / (g - 1)
    n0 = (total_n - sum(n * n for n, _, _ in floats) / total_n) / (g - 1)
    between = (msb - msw) / n0
    if between <= 1e-12:
        return large
    return min(max(Fraction(msw / between).limit_denominator(10**6), Fraction(1)), large)


def weakest_elements(nrr_by_element: Mapping[str, Number], k: int = 3) -> list[str]:
    """Codes of the k unsur with the lowest NRR (the suggested training focus), lowest first;
    ties in element-code order (U2 before U10)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    ranked = sorted(nrr_by_element, key=lambda code: (_q(nrr_by_element[code]), _code_key(code)))
    return ranked[:k]


def suggest_rating(score: Score, above: Number = RATING_ABOVE, below: Number = RATING_BELOW) -> Rating | None:
    """Suggested rating of the Berorientasi Pelayanan behaviour, for the supervisor to confirm.

    Compares the published value (rounded to 2 decimals, as for :func:`mutu`) with the period's
    thresholds on 25..100: >= above -> di atas, < below -> di bawah, else sesuai. The defaults
    match the lower bounds of grades A and B. None when there is not enough data.
    """
    high, low = _q(above), _q(below)
    if not IKM_MIN <= low <= high <= IKM_MAX:
        raise ValueError("thresholds must satisfy 25 <= below <= above <= 100")
    if not score.enough_data or score.value is None:
        return None
    published = _q(display(score.value, 2))
    if published >= high:
        return Rating.DI_ATAS
    if published < low:
        return Rating.DI_BAWAH
    return Rating.SESUAI
