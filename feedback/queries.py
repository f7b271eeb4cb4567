"""The reads of what a round shows: per officer, kind of rater and value the mean and n of the
answers, the comments, and the picture per value (``feedback.picture``) with the citizens'
figures read from the reports (never recounted here).

Every page and export goes through :func:`subject_results` or :func:`round_rows`, which apply
the rules of ``feedback.picture``: nothing before the round closes, and an anonymous kind only
from the round's minimum number of raters, counted from the answered invitations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from appraisal import scoring
from appraisal.berakhlak import SERVICE_VALUE, VALUES
from appraisal.models import Period
from core.db import db
from org.access import period_unit
from org.models import Officer
from reports.snapshots import officer_sheet

from . import picture
from .models import FeedbackRound, Invitation, RaterKind, RoundAnswer, RoundStatus

# The SKM elements that speak of the officer herself (PermenPANRB 14/2017): U6 Kompetensi
# Pelaksana and U7 Perilaku Pelaksana; the other elements are about the service's rules.
OFFICER_ELEMENTS = {"U6": "u6", "U7": "u7"}


# --- Rounds ---------------------------------------------------------------------------------------


def round_for(period: Period, officer: Officer) -> FeedbackRound | None:
    """The round of the period in which the officer was rated: the one of the unit she is
    appraised in for the period, else (she moved) the latest other."""
    unit_id = period_unit(officer, period.id)
    return db.session.scalar(
        sa.select(FeedbackRound)
        .where(
            FeedbackRound.period_id == period.id,
            FeedbackRound.id.in_(sa.select(Invitation.round_id).where(Invitation.subject_id == officer.id)),
        )
        .order_by((FeedbackRound.unit_id == unit_id).desc(), FeedbackRound.id.desc())
        .limit(1)
    )


def rounds_of_subject(officer_id: int) -> list[FeedbackRound]:
    """The rounds in which the officer was rated, newest period first."""
    return list(
        db.session.scalars(
            sa.select(FeedbackRound)
            .join(Period, Period.id == FeedbackRound.period_id)
            .where(FeedbackRound.id.in_(sa.select(Invitation.round_id).where(Invitation.subject_id == officer_id)))
            .order_by(Period.starts_on.desc(), FeedbackRound.id.desc())
        )
    )


def is_subject(round_: FeedbackRound, officer_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Invitation.id)
            .where(Invitation.round_id == round_.id, Invitation.subject_id == officer_id)
            .limit(1)
        )
        is not None
    )


def subjects(round_: FeedbackRound) -> list[Officer]:
    """The officers rated in the round, by name."""
    return list(
        db.session.scalars(
            sa.select(Officer)
            .where(Officer.id.in_(sa.select(Invitation.subject_id).where(Invitation.round_id == round_.id)))
            .order_by(Officer.name, Officer.id)
        )
    )


# --- Counts and sums ------------------------------------------------------------------------------


def rater_counts(round_id: int, subject_ids: list[int]) -> dict[tuple[int, RaterKind], int]:
    """(subject, kind) -> the raters of that kind who answered: counted from the answered
    invitations, never from answer rows (which name no rater)."""
    if not subject_ids:
        return {}
    rows = db.session.execute(
        sa.select(Invitation.subject_id, Invitation.kind, sa.func.count())
        .where(
            Invitation.round_id == round_id,
            Invitation.subject_id.in_(subject_ids),
            Invitation.answered.is_(True),
            Invitation.withdrawn.is_(False),
        )
        .group_by(Invitation.subject_id, Invitation.kind)
    )
    return {(subject, RaterKind(kind)): int(count) for subject, kind, count in rows}


def answer_sums(round_id: int, subject_ids: list[int]) -> dict[tuple[int, RaterKind, str], tuple[int, int]]:
    """(subject, kind, value) -> (sum of scores, number of answers)."""
    if not subject_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            RoundAnswer.subject_id, RoundAnswer.kind, RoundAnswer.value, sa.func.sum(RoundAnswer.score), sa.func.count()
        )
        .where(RoundAnswer.round_id == round_id, RoundAnswer.subject_id.in_(subject_ids))
        .group_by(RoundAnswer.subject_id, RoundAnswer.kind, RoundAnswer.value)
    )
    return {
        (subject, RaterKind(kind), value): (int(total or 0), int(count)) for subject, kind, value, total, count in rows
    }


def _comments(round_id: int, subject_id: int) -> dict[tuple[RaterKind, str], list[str]]:
    rows = db.session.execute(
        sa.select(RoundAnswer.kind, RoundAnswer.value, RoundAnswer.comment).where(
            RoundAnswer.round_id == round_id,
            RoundAnswer.subject_id == subject_id,
            RoundAnswer.comment.is_not(None),
        )
    )
    found: dict[tuple[RaterKind, str], list[str]] = {}
    for kind, value, comment in rows:
        if comment:
            found.setdefault((RaterKind(kind), value), []).append(comment)
    return found


# --- The citizens' side ---------------------------------------------------------------------------


def citizen_sides(period: Period, officer: Officer, sheet: dict | None = None) -> list[picture.Side]:
    """The citizens' figures on Berorientasi Pelayanan, as the officer's appraisal sheet has them
    (frozen with a closed period): U6 and U7 of the phone survey (NRR, 1..4) and the kiosk's
    index (25..100, divided by the nilai dasar onto 1..4), each shown from the period's
    minimum number of responses. ``sheet``: the officer's sheet of the period, if already read."""
    sheet = sheet if sheet is not None else officer_sheet(period, officer)
    min_n = int((sheet.get("policy") or {}).get("min_n") or period.min_n)
    elements = {row["code"]: row for row in (sheet.get("skm") or {}).get("elements") or []}
    sides = []
    for code, key in OFFICER_ELEMENTS.items():
        row = elements.get(code)
        count = int(row["count"]) if row else 0
        sides.append(picture.citizen_side(key, Fraction(row["nrr"]) if row else None, count, count >= min_n))
    kiosk = sheet.get("kiosk") or {}
    value = kiosk.get("value")
    sides.append(
        picture.citizen_side(
            "kiosk",
            Fraction(value) / scoring.NILAI_DASAR if value is not None else None,
            int(kiosk.get("n") or 0),
            bool(kiosk.get("enough")),
        )
    )
    return sides


def _thresholds(period: Period) -> tuple[Decimal, Decimal]:
    return Decimal(period.rating_above), Decimal(period.rating_below)


# --- What one officer's results show ---------------------------------------------------------------


@dataclass
class ValueResult:
    code: str
    name: str
    picture: picture.ValuePicture
    # kind -> its comments on this value, shown only as its mean is (sorted by their text)
    comments: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class SubjectResults:
    round: FeedbackRound
    officer: Officer
    closed: bool
    threshold: int
    raters: dict[str, int]  # kind -> raters who answered (what progress shows anyway)
    values: list[ValueResult]

    @property
    def anything_shown(self) -> bool:
        return any(side.shown for value in self.values for side in value.picture.rater_sides)


def subject_results(
    round_: FeedbackRound, officer: Officer, locale: str = "id", sheet: dict | None = None
) -> SubjectResults:
    """Everything the round shows of one officer, by value, under the rules of ``picture``, with
    the citizens' figures on Berorientasi Pelayanan (from her sheet of the round's period;
    ``sheet`` if already read)."""
    closed = round_.status == RoundStatus.CLOSED
    counts = rater_counts(round_.id, [officer.id])
    sums = answer_sums(round_.id, [officer.id]) if closed else {}
    comments = _comments(round_.id, officer.id) if closed else {}
    citizen = citizen_sides(round_.period, officer, sheet)
    above, below = _thresholds(round_.period)
    values = []
    for value in VALUES:
        sides = list(citizen) if value.code == SERVICE_VALUE else []
        shown_comments: dict[str, list[str]] = {}
        for kind in picture.RATER_ORDER:
            total, count = sums.get((officer.id, kind, value.code), (0, 0))
            side = picture.rater_side(kind, closed, counts.get((officer.id, kind), 0), total, count, round_.min_raters)
            sides.append(side)
            if side.shown:
                texts = picture.sorted_comments(comments.get((kind, value.code), []))
                if texts:
                    shown_comments[kind.value] = texts
        values.append(
            ValueResult(
                value.code, value.name(locale), picture.value_picture(value.code, sides, above, below), shown_comments
            )
        )
    return SubjectResults(
        round=round_,
        officer=officer,
        closed=closed,
        threshold=picture.threshold(round_.min_raters),
        raters={kind.value: counts.get((officer.id, kind), 0) for kind in picture.RATER_ORDER},
        values=values,
    )


def evaluation_picture(
    period: Period, officer: Officer, locale: str = "id", sheet: dict | None = None
) -> tuple[FeedbackRound | None, SubjectResults | None]:
    """What the SKP evaluation shows beside each value: the officer's round of the period, and
    its results once it is closed (an open round shows nothing yet)."""
    found = round_for(period, officer)
    if found is None or found.status != RoundStatus.CLOSED:
        return found, None
    return found, subject_results(found, officer, locale, sheet)


# --- A round's aggregates, for the export -------------------------------------------------------------


def round_rows(round_: FeedbackRound) -> list[dict]:
    """One row per officer, value and kind of rater: the raters who answered, and the mean and n
    where the rules show them (``hidden``: why not). Comments stay on the pages."""
    officers = subjects(round_)
    ids = [officer.id for officer in officers]
    closed = round_.status == RoundStatus.CLOSED
    counts = rater_counts(round_.id, ids)
    sums = answer_sums(round_.id, ids) if closed else {}
    rows = []
    for officer in officers:
        for value in VALUES:
            for kind in picture.RATER_ORDER:
                total, count = sums.get((officer.id, kind, value.code), (0, 0))
                raters = counts.get((officer.id, kind), 0)
                side = picture.rater_side(kind, closed, raters, total, count, round_.min_raters)
                rows.append(
                    {
                        "officer": officer,
                        "value": value,
                        "kind": kind,
                        "raters": raters,
                        "n": side.n if side.shown else None,
                        "mean": side.mean,
                        "hidden": side.hidden,
                    }
                )
    return rows
