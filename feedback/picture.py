"""One picture per BerAKHLAK value: every side that saw the officer's behaviour, each with its
mean on the 1-4 scale and how many answered, the gap between how she sees herself and how the
others see her, and the rating that suggests. Pure functions over plain values (no database, no
Flask), so that the results pages, the evaluation and the export show the same picture and the
tests check the very rules the pages run. ``feedback.queries`` reads the figures.

The sides: the citizens (for Berorientasi Pelayanan only: the survey's elements U6 Kompetensi
Pelaksana and U7 Perilaku Pelaksana, and the kiosk's four faces, read from the reports, each
shown from the period's minimum number of responses like every citizens' score), the supervisor,
the peers, the subordinates, and the officer herself.

Anonymity: nothing of a round is shown before it closes; a mean of peers or subordinates is
shown only where at least ``threshold(round.min_raters)`` raters of that kind answered the round
and as many answered the value; the supervisor's and the officer's own are not anonymous and
are shown once the round closes. A side that is hidden enters nothing: neither the others' mean
nor the suggestion, so that no difference of shown figures gives a hidden one away.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from appraisal import scoring
from appraisal.scoring import Rating

from .models import MIN_RATERS_FLOOR, RaterKind

# The order the sides are listed in: the citizens first, then those who work beside the officer
# from above, beside and below, the officer herself last.
RATER_ORDER = (RaterKind.SUPERVISOR, RaterKind.PEER, RaterKind.SUBORDINATE, RaterKind.SELF)
CITIZEN_KEYS = ("u6", "u7", "kiosk")

# Why a side shows no mean.
OPEN = "open"  # the round is not closed yet
FEW = "few"  # fewer raters of an anonymous kind than the round's minimum
NONE = "none"  # nobody of this side answered
NO_DATA = "data"  # fewer citizens' responses than the period's minimum


@dataclass(frozen=True)
class Side:
    """One side's view of one value: ``key`` (a RaterKind's value, or a citizens' figure: "u6",
    "u7", "kiosk"), its mean on 1..4 (None when ``hidden`` says why not), and ``n``: the answers
    it averages (for a side hidden as too few: how few answered)."""

    key: str
    mean: Fraction | None
    n: int
    hidden: str | None = None

    @property
    def shown(self) -> bool:
        return self.hidden is None

    @property
    def citizens(self) -> bool:
        return self.key in CITIZEN_KEYS


@dataclass(frozen=True)
class ValuePicture:
    """Every side of one value, the others' mean (every shown side but the officer's own), the
    gap between her own view and theirs, and the rating the others' mean suggests."""

    code: str
    sides: tuple[Side, ...]
    others: Fraction | None
    gap: Fraction | None
    suggested: Rating | None

    @property
    def citizen_sides(self) -> tuple[Side, ...]:
        return tuple(side for side in self.sides if side.citizens)

    @property
    def rater_sides(self) -> tuple[Side, ...]:
        return tuple(side for side in self.sides if not side.citizens)

    def side(self, key: str) -> Side | None:
        return next((side for side in self.sides if side.key == key), None)


def threshold(min_raters: int) -> int:
    """The fewest raters of an anonymous kind whose answers are shown: the round's setting, never
    below the floor (a row written around the check constraint changes nothing)."""
    return max(int(min_raters), MIN_RATERS_FLOOR)


def hidden_reason(kind: RaterKind, closed: bool, raters: int, answers: int, min_raters: int) -> str | None:
    """Why one kind's answers to one value are not shown (None: shown). ``raters``: the
    invitations of that kind answered in the round for this officer (counted from the
    invitations, never from answer rows); ``answers``: its answers to this value."""
    if not closed:
        return OPEN
    if answers <= 0:
        return NONE
    if kind.anonymous and min(raters, answers) < threshold(min_raters):
        return FEW
    return None


def rater_side(kind: RaterKind, closed: bool, raters: int, total: int, answers: int, min_raters: int) -> Side:
    """One kind's side of one value from the sum and count of its answers (scores 1..4)."""
    reason = hidden_reason(kind, closed, raters, answers, min_raters)
    if reason is not None:
        # A side hidden as too few tells how few answered (a count, never an answer).
        return Side(kind.value, None, min(raters, answers) if reason == FEW else 0, reason)
    return Side(kind.value, Fraction(total, answers), answers)


def citizen_side(key: str, mean: Fraction | None, n: int, enough: bool) -> Side:
    """A citizens' figure on the 1..4 scale with its number of responses; shown only with enough."""
    if mean is None or n <= 0:
        return Side(key, None, n, NONE)
    if not enough:
        return Side(key, None, n, NO_DATA)
    return Side(key, Fraction(mean), n)


def _mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def others_mean(sides: tuple[Side, ...] | list[Side]) -> Fraction | None:
    """How the others see the officer: the mean of the shown sides other than her own, each side
    weighing the same (one supervisor is not drowned by ten peers, nor colleagues by hundreds
    of citizens); the citizens' shown figures are one side, their own mean first."""
    citizens = [side.mean for side in sides if side.citizens and side.mean is not None]
    colleagues = [
        side.mean for side in sides if not side.citizens and side.key != RaterKind.SELF.value and side.mean is not None
    ]
    citizen_mean = _mean(citizens)
    return _mean(colleagues + ([citizen_mean] if citizen_mean is not None else []))


def gap(self_mean: Fraction | None, others: Fraction | None) -> Fraction | None:
    """Her own view minus the others' (positive: she rates herself higher); None without both."""
    if self_mean is None or others is None:
        return None
    return self_mean - others


def suggest(mean: Fraction | None, above=scoring.RATING_ABOVE, below=scoring.RATING_BELOW) -> Rating | None:
    """The rating a mean on 1..4 suggests, by the same rule and thresholds as the citizens'
    scores (``scoring.suggest_rating``): the mean x 25 (the regulation's nilai dasar, onto
    25..100), published with two decimals, at or above ``above`` is di atas, below ``below`` di
    bawah, else sesuai. With the default thresholds: from 3.5324 di atas, under 3.0644 di bawah;
    on the rounds' scale (1 never, 2 sometimes, 3 often, 4 always) "often" on average is still
    below, as a citizens' 3 ("baik") is. None without a mean. A suggestion only: the supervisor
    decides."""
    if mean is None:
        return None
    value = Fraction(mean) * scoring.NILAI_DASAR
    score = scoring.Score(value, 1, value, value, None, True, None)
    return scoring.suggest_rating(score, above, below)


def value_picture(code: str, sides: list[Side], above=scoring.RATING_ABOVE, below=scoring.RATING_BELOW) -> ValuePicture:
    """The picture of one value from its sides (citizens' first, then the kinds in RATER_ORDER)."""
    order = {key: index for index, key in enumerate((*CITIZEN_KEYS, *(kind.value for kind in RATER_ORDER)))}
    ordered = tuple(sorted(sides, key=lambda side: order.get(side.key, len(order))))
    others = others_mean(ordered)
    own = next((side.mean for side in ordered if side.key == RaterKind.SELF.value), None)
    return ValuePicture(code, ordered, others, gap(own, others), suggest(others, above, below))


def sorted_comments(comments: list[str]) -> list[str]:
    """Comments in an order that tells nothing of who wrote them or when: by their text
    (case-folded), blank ones left out."""
    return sorted((c.strip() for c in comments if c and c.strip()), key=lambda c: (c.casefold(), c))
