"""The rules of PermenPANRB 6/2022 that the SKP's evaluation follows, as pure functions over
plain values (no database): the ratings, the predikat matrix, the "di atas" rule for work
results, the suggestions the appraiser starts from, the unit head's rating from the unit's
result, and the distribution curve.

Terms of art kept in Bahasa Indonesia:
- *SKP* (Sasaran Kinerja Pegawai): an officer's plan of work results and behaviour for a year;
- *hasil kerja* (work results) and *perilaku kerja* (behaviour, the seven BerAKHLAK values);
- *ekspektasi*: expectation; each part is rated di atas / sesuai / di bawah ekspektasi;
- *predikat*: the officer's overall result from the two ratings (the matrix below);
- *hasil kerja organisasi*: the unit's result, which picks the curve its predikat must follow.

The matrix is the same in every independent implementation found; the curve's percentages come
from secondary sources, so they are configuration (``skp/curves.json``, or the file named by
``SKP_CURVES_FILE``), read by :func:`load_curves`, never constants here.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from appraisal.scoring import Rating

__all__ = [
    "Breach",
    "Curve",
    "CurveRule",
    "OrgResult",
    "Predikat",
    "Rating",
    "check_curve",
    "head_results_rating",
    "load_curves",
    "predikat",
    "results_allowed",
    "suggest_behaviour",
    "suggest_results",
]


class Predikat(enum.StrEnum):
    """The five predikat, best first (the annex's wording in ``label``)."""

    SANGAT_BAIK = "sangat_baik"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"  # "Kurang/Misconduct" when behaviour is below expectation
    SANGAT_KURANG = "sangat_kurang"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


class OrgResult(enum.StrEnum):
    """The unit's result (hasil kerja organisasi), set by the superior of the unit's head."""

    ISTIMEWA = "istimewa"
    BAIK = "baik"
    BUTUH_PERBAIKAN = "butuh_perbaikan"
    KURANG = "kurang"
    SANGAT_KURANG = "sangat_kurang"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


# Rows: the work-result rating; columns: the behaviour rating (domain.md, "Ratings and the
# predikat"). Behaviour below expectation caps the predikat at Kurang whatever the results.
MATRIX: dict[Rating, dict[Rating, Predikat]] = {
    Rating.DI_ATAS: {
        Rating.DI_BAWAH: Predikat.KURANG,
        Rating.SESUAI: Predikat.BAIK,
        Rating.DI_ATAS: Predikat.SANGAT_BAIK,
    },
    Rating.SESUAI: {
        Rating.DI_BAWAH: Predikat.KURANG,
        Rating.SESUAI: Predikat.BAIK,
        Rating.DI_ATAS: Predikat.BAIK,
    },
    Rating.DI_BAWAH: {
        Rating.DI_BAWAH: Predikat.SANGAT_KURANG,
        Rating.SESUAI: Predikat.BUTUH_PERBAIKAN,
        Rating.DI_ATAS: Predikat.BUTUH_PERBAIKAN,
    },
}


def predikat(results: Rating | str, behaviour: Rating | str) -> Predikat:
    """The predikat of a work-result rating and a behaviour rating."""
    return MATRIX[Rating(results)][Rating(behaviour)]


def results_allowed(results: Rating | str, rows: list[tuple[bool, Rating | str]]) -> bool:
    """May the work results as a whole be rated ``results``, given each row's rating as
    (is_main, rating)? "Di atas" needs most or all rows above expectation and no main (utama)
    row below it; the other two ratings are the appraiser's judgement."""
    if Rating(results) != Rating.DI_ATAS:
        return True
    ratings = [(main, Rating(rating)) for main, rating in rows]
    if not ratings or any(main and rating == Rating.DI_BAWAH for main, rating in ratings):
        return False
    above = sum(1 for _, rating in ratings if rating == Rating.DI_ATAS)
    return above * 2 > len(ratings)


def _most(ratings: list[Rating]) -> Rating | None:
    """The rating most of ``ratings`` have; on a tie, the middle one (sesuai)."""
    if not ratings:
        return None
    counts = Counter(ratings).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return Rating.SESUAI
    return counts[0][0]


def suggest_results(rows: list[tuple[bool, Rating | str]]) -> Rating | None:
    """What the rows' ratings suggest for the work results as a whole (the appraiser decides):
    the rating most rows have, never "di atas" where :func:`results_allowed` refuses it."""
    most = _most([Rating(rating) for _, rating in rows])
    if most == Rating.DI_ATAS and not results_allowed(Rating.DI_ATAS, rows):
        return Rating.SESUAI
    return most


def suggest_behaviour(values: list[Rating | str]) -> Rating | None:
    """What the seven values' ratings suggest for the behaviour as a whole: the rating most
    values have (the appraiser decides)."""
    return _most([Rating(rating) for rating in values])


# The unit head's work-result rating follows the unit's result (domain.md).
HEAD_RATING = {
    OrgResult.ISTIMEWA: Rating.DI_ATAS,
    OrgResult.BAIK: Rating.SESUAI,
    OrgResult.BUTUH_PERBAIKAN: Rating.DI_BAWAH,
    OrgResult.KURANG: Rating.DI_BAWAH,
    OrgResult.SANGAT_KURANG: Rating.DI_BAWAH,
}


def head_results_rating(result: OrgResult | str) -> Rating:
    """The work-result rating of the officer who heads a unit with this result."""
    return HEAD_RATING[OrgResult(result)]


# --- The distribution curve ----------------------------------------------------------------------


@dataclass(frozen=True)
class CurveRule:
    """At most or at least ``percent`` % of the unit's officers have one of ``predikat``.
    ``at_least`` rules count at least one officer even when the percentage rounds below it
    (``min_count``), as "at least one Butuh Perbaikan or Kurang" does."""

    kind: str  # "at_most" or "at_least"
    predikat: tuple[Predikat, ...]
    percent: Fraction
    min_count: int = 0

    def limit(self, total: int) -> Fraction:
        return self.percent * total / 100


@dataclass(frozen=True)
class Curve:
    result: OrgResult
    rules: tuple[CurveRule, ...]


@dataclass(frozen=True)
class Breach:
    """A rule the unit's predikat break: how many have them, how many the rule allows or needs."""

    rule: CurveRule
    count: int
    total: int

    @property
    def bound(self) -> int:
        """The most (at_most) or fewest (at_least) officers the rule allows, as a whole number."""
        limit = self.rule.limit(self.total)
        if self.rule.kind == "at_most":
            return int(limit)  # floor: 70 % of 9 officers is at most 6
        needed = -int(-limit // 1)  # ceiling: 10 % of 9 officers is at least 1
        return max(needed, self.rule.min_count)


def _parse_rule(data: dict) -> CurveRule:
    if not isinstance(data, dict):
        raise ValueError(f"a curve rule is an object, not {data!r}")
    kind = data.get("kind")
    if kind not in ("at_most", "at_least"):
        raise ValueError(f"a curve rule is at_most or at_least, not {kind!r}")
    percent = data.get("percent", 0)
    if isinstance(percent, bool) or not isinstance(percent, (int, float)):
        raise ValueError(f"a curve rule's percent is a number, not {percent!r}")
    percent = Fraction(str(percent))
    if not 0 <= percent <= 100:
        raise ValueError(f"a curve rule's percent lies in 0..100, not {percent}")
    names = data.get("predikat")
    if not isinstance(names, list) or not names:
        raise ValueError(f"a curve rule names a list of predikat, not {names!r}")
    min_count = data.get("min_count", 0)
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise ValueError(f"a curve rule's min_count is a whole number from 0, not {min_count!r}")
    return CurveRule(kind=kind, predikat=tuple(Predikat(p) for p in names), percent=percent, min_count=min_count)


DEFAULT_CURVES = Path(__file__).with_name("curves.json")


def load_curves(path: str | Path | None = None) -> dict[OrgResult, Curve]:
    """The curves per unit result from a JSON file (the product's own by default)."""
    with open(path or DEFAULT_CURVES, encoding="utf-8") as handle:
        data = json.load(handle)
    table = data.get("curves") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise ValueError("a curves file holds an object named curves, one list of rules per unit result")
    curves = {}
    for result, rules in table.items():
        org = OrgResult(result)
        if not isinstance(rules, list):
            raise ValueError(f"the rules of {result!r} are a list, not {rules!r}")
        curves[org] = Curve(org, tuple(_parse_rule(rule) for rule in rules))
    missing = set(OrgResult) - set(curves)
    if missing:
        raise ValueError(f"curves missing for {sorted(m.value for m in missing)}")
    return curves


def check_curve(curve: Curve, counts: Mapping[Predikat, int] | Mapping[str, int]) -> list[Breach]:
    """The rules of ``curve`` that the unit's predikat (``counts`` per predikat) break. An
    "at most" rule is broken one officer past its percentage; an "at least" one below it. No
    officer rated yet breaks nothing."""
    tally = Counter({Predikat(key): value for key, value in counts.items()})
    total = sum(tally.values())
    if total == 0:
        return []
    breaches = []
    for rule in curve.rules:
        count = sum(tally[p] for p in rule.predikat)
        breach = Breach(rule, count, total)
        if (rule.kind == "at_most" and count > breach.bound) or (rule.kind == "at_least" and count < breach.bound):
            breaches.append(breach)
    return breaches
