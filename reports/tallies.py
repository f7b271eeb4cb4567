"""Sums from the database: what each officer, desk, service or unit collected in a period."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from appraisal import scoring
from appraisal.models import Indicator
from appraisal.policy import Policy, weights_for
from appraisal.scoring import Stats
from core.db import db
from core.responses import Answer, Channel, Response
from core.tallies import DESK, HOUR, NONE, OFFICER, SERVICE, UNIT, AnswerTally, ResponseTally, hour_key


def score_data(score: scoring.Score) -> dict:
    return {
        "value": score.value,
        "n": score.n,
        "low": score.ci_low,
        "high": score.ci_high,
        "grade": score.grade.letter if score.grade else None,
        "enough": score.enough_data,
    }


def _stats_rows(period_id: int, group_column, *where):
    """(group, channel, excluded, score_n, count, sum, sum of squares) per group: one GROUP BY
    over the period's covering index."""
    squared = sa.cast(Response.score_sum, sa.Integer) * Response.score_sum
    return db.session.execute(
        sa.select(
            group_column,
            Response.channel,
            Response.excluded,
            Response.score_n,
            sa.func.count(),
            sa.func.sum(Response.score_sum),
            sa.func.sum(squared),
        )
        .where(Response.period_id == period_id, *where)
        .group_by(group_column, Response.channel, Response.excluded, Response.score_n)
    ).all()


_NO_RESPONSES = Stats()


class Tally:
    """What one officer, desk or unit collected: per channel the counted stats, and how many
    responses were left out. Sums are kept as integers per (channel, answers per response) and
    turned into exact :class:`Stats` once, when read."""

    def __init__(self) -> None:
        self.sums: dict = defaultdict(lambda: [0, 0, 0])
        self.excluded = 0
        self._stats: dict = {}
        # The counted phone-survey answers per SKM element: code -> (sum, count), the officer's
        # (desk's, unit's) own SKM table, whose IKM is its survey score.
        self.elements: dict[str, tuple[int, int]] = {}
        # The part of ``elements`` answered through one-time service codes (verified), which a
        # period may weigh above the rest in an officer's survey score (Policy.verified_weight).
        # Filled for officers' tallies only: a unit's published SKM table is the regulation's.
        self.verified_elements: dict[str, tuple[int, int]] = {}

    def add_element(self, code: str, total: int, count: int) -> None:
        before_total, before_count = self.elements.get(code, (0, 0))
        self.elements[code] = (before_total + total, before_count + count)

    def add_verified_element(self, code: str, total: int, count: int) -> None:
        before_total, before_count = self.verified_elements.get(code, (0, 0))
        self.verified_elements[code] = (before_total + total, before_count + count)

    @property
    def verified(self) -> int:
        """Counted survey respondents through one-time codes (as the SKM table counts them)."""
        return max((count for _, count in self.verified_elements.values()), default=0)

    def add(self, channel: Channel, excluded: bool, score_n: int, count: int, total: int, total_sq: int) -> None:
        if excluded:
            self.excluded += count
        elif score_n:  # a response without any answer that counts gives no score
            bucket = self.sums[(channel, score_n)]
            bucket[0] += count
            bucket[1] += total
            bucket[2] += total_sq
            self._stats.clear()

    def _channel(self, channel: Channel) -> Stats:
        if channel not in self._stats:
            self._stats[channel] = sum(
                (
                    Stats.of_sums(count, answers, total, total_sq)
                    for (kind, answers), (count, total, total_sq) in self.sums.items()
                    if kind == channel
                ),
                _NO_RESPONSES,
            )
        return self._stats[channel]

    @property
    def qr(self) -> Stats:
        return self._channel(Channel.QR)

    @property
    def kiosk(self) -> Stats:
        return self._channel(Channel.KIOSK)

    @property
    def pooled(self) -> Stats:
        return self.qr + self.kiosk

    def scores(self, policy: Policy) -> dict:
        """The channel scores and the combined one with its suggested rating, as plain data.

        The survey's score is the IKM of the tally's own SKM table (:func:`element_table`'s
        weights), the kiosk's the mean face; the combined score takes only the channels with
        enough data (``from``: which did)."""
        qr = scoring.skm_score(self.qr, self._nrrs(policy.verified_weight), self._weights(policy), policy.min_n)
        kiosk = scoring.channel_score(self.kiosk, policy.min_n)
        combined = scoring.combine(qr, kiosk, policy.qr_weight, policy.kiosk_weight, policy.min_n)
        rating = scoring.suggest_rating(combined, policy.above, policy.below)
        return {
            "qr": score_data(qr),
            "kiosk": score_data(kiosk),
            "combined": {
                **score_data(combined),
                "suggested": rating.value if rating else None,
                "from": scoring.channels_entering(qr, kiosk, policy.min_n),
            },
            "excluded": self.excluded,
            "verified": self.verified,
        }

    def _nrrs(self, verified_weight=1) -> dict:
        return {
            code: scoring.verified_nrr(total, count, *self.verified_elements.get(code, (0, 0)), verified_weight)
            for code, (total, count) in self.elements.items()
            if count
        }

    def _weights(self, policy: Policy):
        return weights_for(sorted(self.elements, key=scoring.code_key), policy) if self.elements else None


def tallies(period_id: int, group_column, *where, elements: bool = True) -> dict:
    """Per ``group_column``, the period's responses under ``where`` (a slice of the period, such as
    a day or a month: the whole period is read from :func:`kept_tallies`), summed from the
    responses; ``elements=False`` leaves out the SKM element sums, which need every answer."""
    result: dict = defaultdict(Tally)
    for group, channel, excluded, score_n, count, total, total_sq in _stats_rows(period_id, group_column, *where):
        result[group].add(Channel(channel), bool(excluded), score_n or 0, count, total or 0, total_sq or 0)
    if not elements:
        return dict(result)
    for group, sums in _elements_by(period_id, group_column, *where).items():
        for code, (total, count) in sums.items():
            result[group].add_element(code, total, count)
    if group_column is Response.officer_id:
        for group, code, total, count in _verified_element_rows(period_id, [group_column], *where):
            result[group].add_verified_element(code, int(total), int(count))
    return dict(result)


# --- The period's running tallies (core.tallies): what no page should sum from the responses ------


def _key(key: str) -> int | None:
    return None if key == NONE else int(key)


def _summed(groups: tuple, *where) -> list:
    """(*groups, count, sum, sum of squares) of the kept response tallies under ``where``, summed
    over everything else; rows fallen to zero left out."""
    t = ResponseTally
    return [
        row
        for row in db.session.execute(
            sa.select(*groups, sa.func.sum(t.responses), sa.func.sum(t.score_sum), sa.func.sum(t.score_sq))
            .where(*where)
            .group_by(*groups)
        )
        if row[len(groups)]
    ]


def _kept_rows(period_id: int, dim: str, group, *where):
    """(group, channel, excluded, score_n, count, sum, sum of squares) of the kept tallies of one
    dimension, flags and verified added up; rows fallen to zero left out."""
    t = ResponseTally
    return _summed((group, t.channel, t.excluded, t.score_n), t.period_id == period_id, t.dim == dim, *where)


def _kept_element_rows(period_id: int, dim: str | tuple[str, ...], group, *where):
    """(group, SKM element, sum, count) of the counted answers of the kept tallies of one dimension
    (the element of each question as it is now, as the reports have always read it); ``group`` may
    be several columns, ``dim`` several dimensions."""
    a = AnswerTally
    groups = group if isinstance(group, tuple) else (group,)
    return [
        row
        for row in db.session.execute(
            sa.select(*groups, Indicator.skm_element, sa.func.sum(a.answer_sum), sa.func.sum(a.answers))
            .join(Indicator, Indicator.id == a.indicator_id)
            .where(
                a.period_id == period_id,
                a.dim.in_(dim) if isinstance(dim, tuple) else a.dim == dim,
                a.channel == Channel.QR.value,
                a.excluded.is_(False),
                Indicator.skm_element.is_not(None),
                *where,
            )
            .group_by(*groups, Indicator.skm_element)
        )
        if row[-1]
    ]


def _fill(result: defaultdict, rows, element_rows, verified_rows=(), key=lambda group: group) -> dict:
    for group, channel, excluded, score_n, count, total, total_sq in rows:
        result[key(group)].add(Channel(channel), bool(excluded), score_n, int(count), int(total), int(total_sq))
    for group, code, total, count in element_rows:
        result[key(group)].add_element(code, int(total), int(count))
    for group, code, total, count in verified_rows:
        result[key(group)].add_verified_element(code, int(total), int(count))
    return dict(result)


def kept_tallies(period_id: int, dim: str, *, unit_id: int | None = None, key: int | None = None) -> dict:
    """The whole period's tallies per officer, desk or service (``dim``; None: none) or per unit
    (``UNIT``), of one unit or all, or of one officer, desk or service (``key``), from the kept
    tallies: rows in the hundreds whatever the number of responses. As :func:`tallies` would sum
    them from the responses; officers' with their verified element sums."""
    where_r: list = [] if unit_id is None else [ResponseTally.unit_id == unit_id]
    where_a: list = [] if unit_id is None else [AnswerTally.unit_id == unit_id]
    if dim == UNIT:
        # Every response is under one service key (NONE for none), as under one officer key: the
        # unit's are their sum, and a unit has far fewer services than officers.
        return _fill(
            defaultdict(Tally),
            _kept_rows(period_id, SERVICE, ResponseTally.unit_id, *where_r),
            _kept_element_rows(period_id, SERVICE, AnswerTally.unit_id, *where_a),
        )
    if key is not None:
        where_r.append(ResponseTally.key == str(key))
        where_a.append(AnswerTally.key == str(key))
    verified = (
        _kept_element_rows(period_id, dim, AnswerTally.key, AnswerTally.verified.is_(True), *where_a)
        if dim == OFFICER
        else []
    )
    return _fill(
        defaultdict(Tally),
        _kept_rows(period_id, dim, ResponseTally.key, *where_r),
        _kept_element_rows(period_id, dim, AnswerTally.key, *where_a),
        verified,
        key=_key,
    )


def hour_rows(period_id: int, unit_ids, since: datetime, until: datetime, *where):
    """The kept tallies per UTC clock hour of these units from ``since`` to ``until`` (whole hours,
    as an Indonesian local day always is), one row per unit, channel, excluded, score_n and face,
    summed: (unit, channel, excluded, score_n, face, count, sum, sum of squares)."""
    t = ResponseTally
    return _summed(
        (t.unit_id, t.channel, t.excluded, t.score_n, t.face),
        t.period_id == period_id,
        t.dim == HOUR,
        t.unit_id.in_(list(unit_ids)),
        t.key >= hour_key(since),
        t.key < hour_key(until),
        *where,
    )


def hour_tallies(period_id: int, unit_ids, since: datetime, until: datetime) -> dict:
    """Per unit, the responses cast from ``since`` to ``until`` (a local day): scores by channel
    and counts, without the SKM element sums (a day's figures show counts and the kiosk score)."""
    result: defaultdict = defaultdict(Tally)
    for unit_id, channel, excluded, score_n, _face, count, total, total_sq in hour_rows(
        period_id, unit_ids, since, until
    ):
        result[unit_id].add(Channel(channel), bool(excluded), score_n, int(count), int(total), int(total_sq))
    return dict(result)


def officer_and_unit_tallies(period_id: int) -> tuple[dict, dict]:
    """Per officer and per unit, the whole period: see :func:`kept_tallies`."""
    return kept_tallies(period_id, OFFICER), kept_tallies(period_id, UNIT)


@dataclass
class UnitTallies:
    """One unit's tallies in a period, cut four ways."""

    unit: Tally
    officers: dict  # officer id (None: unattributed) -> Tally
    desks: dict  # desk id -> Tally
    services: dict  # service id (None: none chosen, every kiosk vote) -> Tally


def unit_tallies(period_id: int, unit_id: int) -> UnitTallies:
    """Per officer, desk, service and for the whole unit, the whole period, element sums
    included (each survey score is the IKM of its own table): see :func:`kept_tallies`. Three
    queries, each over the three cuts at once; the unit's own are the sum of its services' (every
    response is under one service key)."""
    t, a = ResponseTally, AnswerTally
    cuts = (OFFICER, DESK, SERVICE)
    by_cut: dict[str, defaultdict] = {cut: defaultdict(Tally) for cut in cuts}
    unit = Tally()
    rows = _summed(
        (t.dim, t.key, t.channel, t.excluded, t.score_n),
        t.period_id == period_id,
        t.unit_id == unit_id,
        t.dim.in_(cuts),
    )
    for dim, key, channel, excluded, score_n, count, total, total_sq in rows:
        sums = (Channel(channel), bool(excluded), score_n, int(count), int(total), int(total_sq))
        by_cut[dim][_key(key)].add(*sums)
        if dim == SERVICE:
            unit.add(*sums)
    for dim, key, code, total, count in _kept_element_rows(period_id, cuts, (a.dim, a.key), a.unit_id == unit_id):
        by_cut[dim][_key(key)].add_element(code, int(total), int(count))
        if dim == SERVICE:
            unit.add_element(code, int(total), int(count))
    verified = _kept_element_rows(period_id, OFFICER, a.key, a.unit_id == unit_id, a.verified.is_(True))
    for key, code, total, count in verified:
        by_cut[OFFICER][_key(key)].add_verified_element(code, int(total), int(count))
    return UnitTallies(unit, *(dict(by_cut[cut]) for cut in cuts))


def element_sums(tallies_by_key: dict) -> dict:
    """{key: {element: (sum, count)}} of tallies, for :func:`element_table`."""
    return {key: dict(tally.elements) for key, tally in tallies_by_key.items() if tally.elements}


def _element_rows(period_id: int, columns, *where):
    """(*columns, element code, sum, count) of the counted phone-survey answers on SKM elements."""
    return db.session.execute(
        sa.select(*columns, Indicator.skm_element, sa.func.sum(Answer.value), sa.func.count())
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .where(
            Response.period_id == period_id,
            Response.channel == Channel.QR,
            Response.excluded.is_(False),
            Indicator.skm_element.is_not(None),
            *where,
        )
        .group_by(*columns, Indicator.skm_element)
    ).all()


def _verified_element_rows(period_id: int, columns, *where):
    """The rows of :func:`_element_rows` of verified responses only (a period may weigh them
    above the rest in officers' scores); none, and no join read, when none is counted."""
    verified = (Response.verified.is_(True),)
    if (
        db.session.scalar(
            sa.select(Response.id)
            .where(Response.period_id == period_id, Response.excluded.is_(False), *verified, *where)
            .limit(1)
        )
        is None
    ):
        return []
    return _element_rows(period_id, columns, *verified, *where)


def _elements_by(period_id: int, group_column, *where) -> dict:
    columns = [group_column] if group_column is not None else []
    result: dict = defaultdict(dict)
    for row in _element_rows(period_id, columns, *where):
        group, code, total, count = row if group_column is not None else (None, *row)
        result[group][code] = (int(total), int(count))
    return dict(result)


def element_table(sums: dict[str, tuple[int, int]], policy: Policy) -> dict:
    """NRR per element and the IKM as the regulation publishes it (configured weights, else 1/n)."""
    if not sums:
        return {"elements": [], "ikm": None, "grade": None, "weighted": None, "respondents": 0}
    codes = sorted(sums, key=scoring.code_key)
    nrrs = {code: scoring.nrr(*sums[code]) for code in codes}
    configured = weights_for(codes, policy)
    weights = scoring.element_weights(codes, configured)
    rows = [
        {
            "code": code,
            "total": sums[code][0],
            "count": sums[code][1],
            "nrr": nrrs[code],
            "weight": weights[code],
            "weighted": nrrs[code] * weights[code],
        }
        for code in codes
    ]
    value = scoring.ikm(nrrs, configured)
    # The table shows each NRR x weight and their sum (the "jumlah"), the IKM before x 25.
    weighted = value / scoring.NILAI_DASAR
    return {
        "elements": rows,
        "weighted": weighted,
        "ikm": value,
        "grade": scoring.mutu(value).letter,
        "respondents": max(count for _, count in sums.values()),
        "weakest": scoring.weakest_elements(nrrs, WEAKEST),
    }


WEAKEST = 3  # elements named as the suggested training focus
