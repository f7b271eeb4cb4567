"""What a unit's own survey items gathered in a period (issue #17): the "Pertanyaan unit" section of
the unit report, beside the IKM and apart from it.

A unit's own items carry no SKM element (``appraisal.unit_questions``), so they are in no score:
this is a tally of their answers, nothing more. Only counted responses (not ``excluded``) are
tallied, as everywhere in the reports. A short-text item shows how many citizens wrote something,
never the words: they are free text from citizens, like comments, which staff read only on the
comments page under its rules (hidden ones stay hidden); listing them there is left for later.
"""

from __future__ import annotations

from fractions import Fraction

import sqlalchemy as sa

from appraisal import scoring
from appraisal.models import YES, Indicator, IndicatorKind
from core.db import db
from core.tallies import SERVICE, AnswerTally


def unit_items(period_id: int, unit_id: int) -> list[dict]:
    """Each of the unit's own survey items answered in the period (switched-off ones included,
    when they have answers), in the order of the survey: its texts, kind, number of answers and,
    for a four-point item its mean and the count of each value, for a yes/no item the count and
    share of yes. Plain data, so that a closed period's snapshot keeps it."""
    rows = db.session.execute(
        sa.select(
            Indicator.id,
            Indicator.code,
            Indicator.text_id,
            Indicator.text_en,
            Indicator.kind,
            Indicator.position,
            AnswerTally.value,
            sa.func.sum(AnswerTally.answers),
        )
        .select_from(AnswerTally)
        .join(Indicator, Indicator.id == AnswerTally.indicator_id)
        .where(
            AnswerTally.period_id == period_id,
            AnswerTally.unit_id == unit_id,
            AnswerTally.dim == SERVICE,  # every survey is under one service key ("" for none)
            AnswerTally.excluded.is_(False),
            Indicator.unit_id == unit_id,
            Indicator.kind.in_([IndicatorKind.SCALE, IndicatorKind.YES_NO, IndicatorKind.TEXT]),
        )
        .group_by(
            Indicator.id,
            Indicator.code,
            Indicator.text_id,
            Indicator.text_en,
            Indicator.kind,
            Indicator.position,
            AnswerTally.value,
        )
    ).all()
    items: dict[int, dict] = {}
    for ident, code, text_id, text_en, kind, position, value, count in rows:
        if not count:
            continue  # answers since moved to other flags
        item = items.setdefault(
            ident,
            {
                "code": code,
                "text_id": text_id,
                "text_en": text_en,
                "kind": IndicatorKind(kind).value,
                "position": position,
                "n": 0,
                "counts": {},
            },
        )
        item["n"] += int(count)
        item["counts"][str(value)] = item["counts"].get(str(value), 0) + int(count)
    out = []
    for _ident, item in sorted(items.items(), key=lambda pair: (pair[1]["position"], pair[0])):
        counts, n = item["counts"], item["n"]
        if item["kind"] == IndicatorKind.SCALE.value:
            total = sum(int(value) * count for value, count in counts.items())
            item["mean"] = str(scoring.display(Fraction(total, n)))
        elif item["kind"] == IndicatorKind.YES_NO.value:
            yes = counts.get(str(YES), 0)
            item["yes"] = yes
            item["yes_pct"] = str(scoring.display(Fraction(100 * yes, n), 1))
        out.append(item)
    return out
