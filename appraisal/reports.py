"""Reports of a period: officers' scores, unit reports, appraisal sheets and their snapshots.

Counting happens in the database: every query here is a GROUP BY over indexed columns and returns
a handful of rows per officer, desk or element, never one row per response. The pure functions of
:mod:`appraisal.scoring` then turn those sums into scores, intervals, grades and suggestions.
Where one report needs the same sums cut several ways (a unit's report: per officer, desk, service
and for the whole unit), it reads them once at the finest grain and adds them up in Python: the
sums are integers, so the totals are exactly those of separate GROUP BYs, for one scan instead of
several.

Two sources of sums:

- ``response.score_sum`` / ``score_n`` (one row per response, covered by the period indexes):
  each response's own score x = score_sum / score_n on 1..4. An officer's or a unit's channel
  score is the mean of x over its counted responses, with a confidence interval from n, sum x and
  sum x^2. For a phone survey that answers every element (the survey requires them all) and
  equal element weights (the regulation's default) this mean *is* the IKM.
- the answers of the SKM elements (joined to their responses, grouped by element code): NRR per
  element and the unit's IKM with the office's configured element weights, as the regulation
  publishes it; also per desk and per service, and per element for one officer's sheet.

Flagged responses (``Response.excluded``) are left out of every score and counted separately.

A closed period reads its results from :class:`~appraisal.models.ScoreSnapshot`, taken by
``periods.close_period``; everything returned here is plain data (dicts, lists, ints, Fractions,
strings), so that a snapshot is the report itself, frozen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from . import scoring
from .db import db, utcnow
from .models import (
    EXCLUDING_FLAGS, Answer, Channel, Desk, Flag, Indicator, IndicatorKind, Officer, Period, PeriodStatus,
    Response, ScoreSnapshot, Service, Unit,
)
from .scoring import Stats
from .standard import ELEMENT_NAMES

WEAKEST = 3  # elements named as the suggested training focus
COUNTED_FLAGS = [flag for flag in Flag if flag & EXCLUDING_FLAGS]


# --- The period's policy -------------------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    """How a period scores: minimum n, channel weights, rating thresholds, element weights."""

    min_n: int
    qr_weight: Fraction
    kiosk_weight: Fraction
    above: Decimal
    below: Decimal
    weights: dict[str, Fraction | None]  # configured weight per SKM element code; None: 1/n

    def as_data(self) -> dict:
        return {"min_n": self.min_n, "qr_weight": self.qr_weight, "kiosk_weight": self.kiosk_weight,
                "above": str(self.above), "below": str(self.below),
                "weights": dict(self.weights)}


def policy_of(period: Period) -> Policy:
    qr = Fraction(period.qr_weight_pct if period.qr_weight_pct is not None else 70, 100)
    rows = db.session.execute(
        sa.select(Indicator.skm_element, Indicator.weight, Indicator.channel).where(
            Indicator.active.is_(True), Indicator.kind == IndicatorKind.SCALE, Indicator.skm_element.is_not(None))
    ).all()
    weights = {row.skm_element: (Fraction(row.weight) if row.weight is not None else None)
               for row in rows if row.channel.value in ("qr", "both")}
    return Policy(
        min_n=period.min_n or scoring.DEFAULT_MIN_N, qr_weight=qr, kiosk_weight=1 - qr,
        above=Decimal(period.rating_above if period.rating_above is not None else scoring.RATING_ABOVE),
        below=Decimal(period.rating_below if period.rating_below is not None else scoring.RATING_BELOW),
        weights=weights,
    )


def weights_for(codes, policy: Policy) -> dict[str, Fraction] | None:
    """The configured weights for exactly these element codes, or None (1/n each) when they are
    not configured for all of them or do not sum to 1 over them."""
    codes = list(codes)
    configured = {code: policy.weights.get(code) for code in codes}
    if not codes or any(weight is None for weight in configured.values()) or sum(configured.values()) != 1:
        return None
    return configured


# --- Plain data ------------------------------------------------------------------------------------

def score_data(score: scoring.Score, policy: Policy | None = None, *, rate: bool = False) -> dict:
    data = {"value": score.value, "n": score.n, "low": score.ci_low, "high": score.ci_high,
            "grade": score.grade.letter if score.grade else None, "enough": score.enough_data}
    if rate and policy is not None:
        rating = scoring.suggest_rating(score, policy.above, policy.below)
        data["suggested"] = rating.value if rating else None
    return data


def _freeze(value):
    """JSON-ready: Fractions as {"q": "p/q"} so that a snapshot keeps them exact."""
    if isinstance(value, Fraction):
        return {"q": f"{value.numerator}/{value.denominator}"}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, (date, datetime)):
        return {"t": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _freeze(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_freeze(v) for v in value]
    return value


def _thaw(value):
    if isinstance(value, dict):
        if value.keys() == {"q"}:
            return Fraction(value["q"])
        if value.keys() == {"d"}:
            return Decimal(value["d"])
        if value.keys() == {"t"}:
            text = value["t"]
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    return value


# --- Sums from the database --------------------------------------------------------------------------

def _stats_rows(period_id: int, group_column, *where):
    """(group, channel, excluded, score_n, count, sum, sum of squares) per group: one GROUP BY
    over the period's covering index."""
    squared = sa.cast(Response.score_sum, sa.Integer) * Response.score_sum
    return db.session.execute(
        sa.select(group_column, Response.channel, Response.excluded, Response.score_n, sa.func.count(),
                  sa.func.sum(Response.score_sum), sa.func.sum(squared))
        .where(Response.period_id == period_id, *where)
        .group_by(group_column, Response.channel, Response.excluded, Response.score_n)
    ).all()


class Tally:
    """What one officer, desk or unit collected: per channel the counted stats, and how many
    responses were left out. Sums are kept as integers per (channel, answers per response) and
    turned into exact :class:`Stats` once, when read."""

    def __init__(self) -> None:
        self.sums: dict = defaultdict(lambda: [0, 0, 0])
        self.excluded = 0
        self.unscored = 0  # responses without any scored answer (should not happen; counted, not lost)
        self._stats: dict = {}

    def add(self, channel: Channel, excluded: bool, score_n: int, count: int, total: int, total_sq: int) -> None:
        if excluded:
            self.excluded += count
        elif not score_n:
            self.unscored += count
        else:
            bucket = self.sums[(channel, score_n)]
            bucket[0] += count
            bucket[1] += total
            bucket[2] += total_sq
            self._stats.clear()

    def _channel(self, channel: Channel) -> Stats:
        if channel not in self._stats:
            stats = Stats()
            for (kind, answers), (count, total, total_sq) in self.sums.items():
                if kind == channel:
                    stats = stats + Stats.of_sums(count, answers, total, total_sq)
            self._stats[channel] = stats
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
        """The channel scores and the combined one with its suggested rating, as plain data."""
        qr, kiosk, combined, rating = scoring.scores_of(self.qr, self.kiosk, policy.qr_weight, policy.kiosk_weight,
                                                        policy.min_n, policy.above, policy.below)
        return {
            "qr": score_data(qr),
            "kiosk": score_data(kiosk),
            "combined": {**score_data(combined), "suggested": rating.value if rating else None},
            "excluded": self.excluded,
        }


def tallies(period_id: int, group_column, *where) -> dict:
    result: dict = defaultdict(Tally)
    for group, channel, excluded, score_n, count, total, total_sq in _stats_rows(period_id, group_column, *where):
        result[group].add(Channel(channel), bool(excluded), score_n or 0, count, total or 0, total_sq or 0)
    return dict(result)


def officer_and_unit_tallies(period_id: int) -> tuple[dict, dict]:
    """Per officer and per unit in one pass over the period's officer index: grouped by
    (officer, unit), then added up both ways."""
    squared = sa.cast(Response.score_sum, sa.Integer) * Response.score_sum
    rows = db.session.execute(
        sa.select(Response.officer_id, Response.unit_id, Response.channel, Response.excluded, Response.score_n,
                  sa.func.count(), sa.func.sum(Response.score_sum), sa.func.sum(squared))
        .where(Response.period_id == period_id)
        .group_by(Response.officer_id, Response.unit_id, Response.channel, Response.excluded, Response.score_n)
    ).all()
    by_officer: dict = defaultdict(Tally)
    by_unit: dict = defaultdict(Tally)
    for officer_id, unit_id, channel, excluded, score_n, count, total, total_sq in rows:
        values = (Channel(channel), bool(excluded), score_n or 0, count, total or 0, total_sq or 0)
        by_officer[officer_id].add(*values)
        by_unit[unit_id].add(*values)
    return dict(by_officer), dict(by_unit)


@dataclass
class UnitTallies:
    """One unit's tallies in a period, cut four ways."""

    unit: Tally
    officers: dict  # officer id (None: unattributed) -> Tally
    desks: dict  # desk id -> Tally
    services: dict  # service id (None: none chosen, every kiosk vote) -> Tally


def unit_tallies(period_id: int, unit_id: int) -> UnitTallies:
    """Per officer, desk, service and for the whole unit from one GROUP BY over the unit's
    responses, by (officer, desk, service, channel, excluded, score_n): its rows grow with the
    combinations of officers, desks and services that occur, not with the responses, where the
    four GROUP BYs it replaces each read every response of the unit. Officers come in the
    database's group order, as from :func:`tallies`."""
    squared = sa.cast(Response.score_sum, sa.Integer) * Response.score_sum
    groups = (Response.officer_id, Response.desk_id, Response.service_id, Response.channel, Response.excluded,
              Response.score_n)
    rows = db.session.execute(
        sa.select(*groups, sa.func.count(), sa.func.sum(Response.score_sum), sa.func.sum(squared))
        .where(Response.period_id == period_id, Response.unit_id == unit_id)
        .group_by(*groups)
    ).all()
    unit, by_officer, by_desk, by_service = Tally(), defaultdict(Tally), defaultdict(Tally), defaultdict(Tally)
    for officer_id, desk_id, service_id, channel, excluded, score_n, count, total, total_sq in rows:
        values = (Channel(channel), bool(excluded), score_n or 0, count, total or 0, total_sq or 0)
        for tally in (unit, by_officer[officer_id], by_desk[desk_id], by_service[service_id]):
            tally.add(*values)
    return UnitTallies(unit, dict(by_officer), dict(by_desk), dict(by_service))


def _element_rows(period_id: int, columns, *where):
    """(*columns, element code, sum, count) of the counted phone-survey answers on SKM elements."""
    return db.session.execute(
        sa.select(*columns, Indicator.skm_element, sa.func.sum(Answer.value), sa.func.count())
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .where(Response.period_id == period_id, Response.channel == Channel.QR, Response.excluded.is_(False),
               Indicator.skm_element.is_not(None), *where)
        .group_by(*columns, Indicator.skm_element)
    ).all()


def _elements_by(period_id: int, group_column, *where) -> dict:
    columns = [group_column] if group_column is not None else []
    result: dict = defaultdict(dict)
    for row in _element_rows(period_id, columns, *where):
        group, code, total, count = (row if group_column is not None else (None, *row))
        result[group][code] = (int(total), int(count))
    return dict(result)


def _add_sums(sums: dict, code: str, total: int, count: int) -> None:
    before_total, before_count = sums.get(code, (0, 0))
    sums[code] = (before_total + total, before_count + count)


def unit_element_sums(period_id: int, unit_id: int) -> tuple[dict, dict, dict]:
    """The element sums of :func:`_elements_by` for the whole unit, per desk and per service, from
    one join of the answers to their responses grouped by (desk, service, element): a few hundred
    rows, where the three joins it replaces each read every answer of the unit. Answers are
    whole numbers, so (sum, count) per element adds up exactly; :func:`element_table` then
    works out the NRRs and weights from the totals, as before."""
    unit: dict = {}
    by_desk: dict = defaultdict(dict)
    by_service: dict = defaultdict(dict)
    for desk_id, service_id, code, total, count in _element_rows(
            period_id, [Response.desk_id, Response.service_id], Response.unit_id == unit_id):
        for sums in (unit, by_desk[desk_id], by_service[service_id]):
            _add_sums(sums, code, int(total), int(count))
    return unit, dict(by_desk), dict(by_service)


def element_table(sums: dict[str, tuple[int, int]], policy: Policy) -> dict:
    """NRR per element and the IKM as the regulation publishes it (configured weights, else 1/n)."""
    if not sums:
        return {"elements": [], "ikm": None, "grade": None, "weighted": None, "respondents": 0}
    codes = sorted(sums, key=scoring._code_key)
    nrrs = {code: scoring.nrr(*sums[code]) for code in codes}
    weights = scoring.element_weights(codes, weights_for(codes, policy))
    rows = [{"code": code, "total": sums[code][0], "count": sums[code][1], "nrr": nrrs[code],
             "weight": weights[code], "weighted": nrrs[code] * weights[code]} for code in codes]
    weighted = sum(row["weighted"] for row in rows)
    value = weighted * scoring.NILAI_DASAR
    return {"elements": rows, "weighted": weighted, "ikm": value, "grade": scoring.mutu(value).letter,
            "respondents": max(count for _, count in sums.values()),
            "weakest": scoring.weakest_elements(nrrs, WEAKEST)}


# --- Local time in SQL ---------------------------------------------------------------------------

def utc_offset_minutes(unit: Unit, on: date) -> int:
    """The unit's offset from UTC on a day (Indonesia keeps no daylight saving: WIB +7, WITA +8,
    WIT +9, so one offset serves a whole period)."""
    moment = datetime.combine(on, time(12), ZoneInfo(unit.timezone or "Asia/Jakarta"))
    return int(moment.utcoffset().total_seconds() // 60)


def _local_hour(minutes: int):
    """SQL expression for the local hour of ``cast_at``, date included, as one value: text
    "YYYY-MM-DD HH" on SQLite, a timestamp truncated to the hour on PostgreSQL (see
    :func:`_day_and_hour`). One value to group by, where a weekday, an hour and a date took three
    date functions a row on SQLite."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m-%d %H", Response.cast_at, f"{minutes:+d} minutes")
    local = Response.cast_at + sa.text(f"INTERVAL '{int(minutes)} minutes'")
    # A literal, not a bound parameter: PostgreSQL would not see the selected and the grouped
    # expression as the same one if each had its own parameter.
    return sa.func.date_trunc(sa.literal_column("'hour'"), local, type_=sa.DateTime)


def _day_and_hour(value) -> tuple[date, int]:
    """The local date and hour of a value of :func:`_local_hour`, whichever the database."""
    if isinstance(value, datetime):
        return value.date(), value.hour
    text = str(value)
    return date.fromisoformat(text[:10]), int(text[11:13])


# --- Officers --------------------------------------------------------------------------------------

def officer_rows(period: Period, policy: Policy, unit_id: int | None = None, with_units: bool = False):
    """Every officer with responses in the period (of one unit, or all): scores, the rank score
    shrunk towards their unit's mean, and the suggested rating. Sorted by the rank score."""
    if unit_id is not None:
        where = [Response.unit_id == unit_id]
        by_officer = tallies(period.id, Response.officer_id, *where)
        unit_totals = tallies(period.id, Response.unit_id, *where)
    else:
        by_officer, unit_totals = officer_and_unit_tallies(period.id)
    rows = _rank_officers(by_officer, unit_totals, policy)
    return (rows, unit_totals) if with_units else rows


def _rank_officers(by_officer: dict, unit_totals: dict, policy: Policy) -> list[dict]:
    """The rows of :func:`officer_rows` from tallies per officer and per unit, however they were
    read (the unit report has them from its own merged query)."""
    # Unattributed responses count for desks and units only.
    by_officer = {officer_id: tally for officer_id, tally in by_officer.items() if officer_id is not None}
    officers = {o.id: o for o in db.session.execute(
        sa.select(Officer.id, Officer.name, Officer.nip, Officer.unit_id).where(Officer.id.in_(list(by_officer)))
    ).all()} if by_officer else {}

    # Empirical Bayes, per unit: k from the spread between the unit's officers, towards the unit's
    # combined score.
    strengths, priors = {}, {}
    per_unit: dict = defaultdict(list)
    for officer_id, tally in by_officer.items():
        per_unit[officers[officer_id].unit_id].append(tally.pooled)
    for unit, stats in per_unit.items():
        strengths[unit] = scoring.prior_strength_from_groups((s.n, s.sum_x, s.sum_x2) for s in stats)
        total = unit_totals.get(unit)
        prior = None
        if total is not None:
            prior = scoring.scores_of(total.qr, total.kiosk, policy.qr_weight, policy.kiosk_weight, 1)[2].value
        priors[unit] = prior

    rows = []
    for officer_id, tally in by_officer.items():
        officer = officers[officer_id]
        data = tally.scores(policy)
        combined = data["combined"]
        rank = None
        if combined["value"] is not None:
            prior = priors.get(officer.unit_id)
            rank = combined["value"] if prior is None else scoring.shrink(
                combined["value"], combined["n"], prior, strengths[officer.unit_id])
        rows.append({"officer_id": officer_id, "name": officer.name, "nip": officer.nip,
                     "unit_id": officer.unit_id, "rank_score": rank, **data})
    rows.sort(key=lambda r: (r["rank_score"] is None, -float(r["rank_score"] or 0), r["rank_score"] and -r["rank_score"],
                             r["name"]))
    return rows


def ranking(rows: list[dict], limit: int | None = None) -> list[dict]:
    """Officer of the month: only officers with enough data, by the shrunk score."""
    ranked = [row for row in rows if row["combined"]["enough"] and row["rank_score"] is not None]
    return ranked[:limit] if limit else ranked


def period_report(period: Period) -> dict:
    """All officers and units of a period in one pass (the report the benchmark times)."""
    policy = policy_of(period)
    officers, unit_totals = officer_rows(period, policy, with_units=True)
    units = {unit_id: tally.scores(policy) for unit_id, tally in unit_totals.items()}
    return {"policy": policy.as_data(), "officers": officers, "units": units}


def unit_overview(period: Period) -> dict[int, dict]:
    """Each unit's channel and combined scores for the period overview: frozen for a closed
    period (from its unit snapshots), else one GROUP BY over the period's unit index."""
    if period.status == PeriodStatus.CLOSED:
        rows = db.session.scalars(sa.select(ScoreSnapshot).where(
            ScoreSnapshot.period_id == period.id, ScoreSnapshot.scope == "unit")).all()
        keys = ("qr", "kiosk", "combined", "excluded")
        frozen = {row.scope_id: {key: value for key, value in _thaw(row.data).items() if key in keys} for row in rows}
        if frozen:
            return frozen
    policy = policy_of(period)
    return {unit_id: tally.scores(policy) for unit_id, tally in tallies(period.id, Response.unit_id).items()}


# --- A unit's report ------------------------------------------------------------------------------

def _flag_counts(period_id: int, *where) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Response.flags, sa.func.count()).where(Response.period_id == period_id,
                                                          Response.excluded.is_(True), *where)
        .group_by(Response.flags)
    ).all()
    counts = {flag.name.lower(): 0 for flag in COUNTED_FLAGS}
    for flags, count in rows:
        for flag in COUNTED_FLAGS:
            if flags & flag:
                counts[flag.name.lower()] += count
    return counts


PROFILE_FIELDS = ("gender", "age_band", "education", "occupation")


def _profile(period_id: int, unit_id: int) -> dict[str, dict[str, int]]:
    """Counted phone-survey respondents per answer of each profile field ("" for not given).

    One GROUP BY over the four fields together instead of one per field: each takes a handful of
    values, so the combinations stay in the hundreds. Each field's answers come in the order a
    GROUP BY on that field alone gives on SQLite ("" first, then by code)."""
    columns = [getattr(Response, field) for field in PROFILE_FIELDS]
    rows = db.session.execute(
        sa.select(*columns, sa.func.count()).where(
            Response.period_id == period_id, Response.unit_id == unit_id, Response.channel == Channel.QR,
            Response.excluded.is_(False)).group_by(*columns)
    ).all()
    counts: dict = {field: defaultdict(int) for field in PROFILE_FIELDS}
    for *values, count in rows:
        for field, value in zip(PROFILE_FIELDS, values):
            counts[field][value or ""] += count
    return {field: dict(sorted(counts[field].items())) for field in PROFILE_FIELDS}


def _rhythm(period: Period, unit: Unit) -> dict:
    """Counted responses by weekday x hour (local time; weekday 0 = Sunday) and by day, from one
    GROUP BY over (local hour, channel): at most 24 rows a day and channel, added up both ways;
    the weekday follows from the date."""
    hour_of = _local_hour(utc_offset_minutes(unit, period.starts_on))
    heat = [[0] * 24 for _ in range(7)]
    days: dict = defaultdict(lambda: {"qr": 0, "kiosk": 0})
    for moment, channel, count in db.session.execute(
        sa.select(hour_of, Response.channel, sa.func.count())
        .where(Response.period_id == period.id, Response.unit_id == unit.id, Response.excluded.is_(False))
        .group_by(hour_of, Response.channel)
    ).all():
        day, hour = _day_and_hour(moment)
        heat[day.isoweekday() % 7][hour] += count
        days[day][Channel(channel).value] += count
    return {"heat": heat, "days": [{"day": d, **days[d]} for d in sorted(days)]}


def compute_unit_report(period: Period, unit: Unit, policy: Policy | None = None) -> dict:
    """The unit's report: its SKM table and scores, per desk and per service, flags, respondents'
    profile, rhythm and officers. The tallies and the element sums are each read once and cut
    per desk, per service, per officer and for the unit here (see :func:`unit_tallies` and
    :func:`unit_element_sums`)."""
    policy = policy or policy_of(period)
    desks = {d.id: d.name for d in db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id))}
    services = {s.id: s.name_id for s in db.session.scalars(sa.select(Service).where(Service.unit_id == unit.id))}
    counted = unit_tallies(period.id, unit.id)
    unit_elements, desk_elements, service_elements = unit_element_sums(period.id, unit.id)

    def breakdown(names, tally_map, element_map):
        out = []
        # The id breaks ties between equal names, so that the order never depends on the order
        # the rows came in.
        for key in sorted(set(tally_map) | set(element_map), key=lambda k: (k is None, names.get(k, ""), k or 0)):
            table = element_table(element_map.get(key, {}), policy)
            tally = tally_map.get(key, Tally())
            out.append({"id": key, "name": names.get(key), "skm": _headline(table, policy), **tally.scores(policy)})
        return out

    officers = _rank_officers(counted.officers, {unit.id: counted.unit}, policy)
    skm = element_table(unit_elements, policy)
    return {
        "policy": policy.as_data(),
        "skm": skm,
        "headline": _headline(skm, policy),
        **counted.unit.scores(policy),
        "flags": _flag_counts(period.id, Response.unit_id == unit.id),
        "desks": breakdown(desks, counted.desks, desk_elements),
        "services": breakdown(services, counted.services, service_elements),
        "profile": _profile(period.id, unit.id),
        "rhythm": _rhythm(period, unit),
        "officers": officers,
        "ranking": [row["officer_id"] for row in ranking(officers)],
    }


def _headline(table: dict, policy: Policy) -> dict:
    """The unit's (desk's, service's) IKM with the minimum-n rule: a grade only from min_n
    respondents on."""
    enough = table["respondents"] >= policy.min_n
    return {"ikm": table["ikm"], "respondents": table["respondents"], "enough": enough,
            "grade": table["grade"] if enough else None}


# --- One officer's sheet ------------------------------------------------------------------------------

def compute_officer_sheet(period: Period, officer: Officer, policy: Policy | None = None) -> dict:
    policy = policy or policy_of(period)
    mine = Response.officer_id == officer.id
    tally = tallies(period.id, Response.officer_id, mine).get(officer.id, Tally())
    data = tally.scores(policy)
    table = element_table(_elements_by(period.id, None, mine).get(None, {}), policy)
    faces = dict(db.session.execute(
        sa.select(Response.score_sum, sa.func.count()).where(
            Response.period_id == period.id, mine, Response.channel == Channel.KIOSK, Response.excluded.is_(False))
        .group_by(Response.score_sum)
    ).all())
    reasons = db.session.execute(
        sa.select(Indicator.code, Indicator.text_id, Indicator.text_en, sa.func.count())
        .select_from(Response).join(Answer, Answer.response_id == Response.id)
        .join(Indicator, Indicator.id == Answer.indicator_id)
        .where(Response.period_id == period.id, mine, Response.excluded.is_(False),
               Indicator.kind == IndicatorKind.REASON)
        .group_by(Indicator.code, Indicator.text_id, Indicator.text_en).order_by(sa.func.count().desc())
    ).all()
    return {
        "policy": policy.as_data(),
        **data,
        "skm": table,
        "faces": [int(faces.get(face, 0)) for face in range(1, 5)],  # votes per face, 1 (worst) to 4
        "reasons": [{"code": r.code, "text_id": r.text_id, "text_en": r.text_en, "count": r[3]} for r in reasons],
        "flags": _flag_counts(period.id, mine),
    }


# --- Snapshots: a closed period is frozen -----------------------------------------------------------

def _snapshot(period: Period, scope: str, scope_id: int) -> dict | None:
    row = db.session.scalar(sa.select(ScoreSnapshot).where(
        ScoreSnapshot.period_id == period.id, ScoreSnapshot.scope == scope, ScoreSnapshot.scope_id == scope_id))
    return _thaw(row.data) if row is not None else None


def unit_report(period: Period, unit: Unit) -> dict:
    """The unit's report: frozen for a closed period, computed now otherwise."""
    if period.status == PeriodStatus.CLOSED:
        frozen = _snapshot(period, "unit", unit.id)
        if frozen is not None:
            return {**frozen, "frozen": True}
    return {**compute_unit_report(period, unit), "frozen": False}


def officer_sheet(period: Period, officer: Officer) -> dict:
    if period.status == PeriodStatus.CLOSED:
        frozen = _snapshot(period, "officer", officer.id)
        if frozen is not None:
            return {**frozen, "frozen": True}
    return {**compute_officer_sheet(period, officer), "frozen": False}


def take_snapshot(period: Period, now: datetime | None = None) -> int:
    """Freeze the period's results: one unit report per unit and one sheet per officer with
    responses in it, in the caller's transaction. Returns the number of snapshots written."""
    now = now or utcnow()
    drop_snapshot(period)
    policy = policy_of(period)
    unit_ids = db.session.scalars(
        sa.select(Response.unit_id).where(Response.period_id == period.id).distinct()).all()
    officer_ids = db.session.scalars(
        sa.select(Response.officer_id).where(Response.period_id == period.id, Response.officer_id.is_not(None))
        .distinct()).all()
    count = 0
    for unit in db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids))):
        db.session.add(ScoreSnapshot(period_id=period.id, scope="unit", scope_id=unit.id, taken_at=now,
                                     data=_freeze(compute_unit_report(period, unit, policy))))
        count += 1
    for officer in db.session.scalars(sa.select(Officer).where(Officer.id.in_(officer_ids))):
        db.session.add(ScoreSnapshot(period_id=period.id, scope="officer", scope_id=officer.id, taken_at=now,
                                     data=_freeze(compute_officer_sheet(period, officer, policy))))
        count += 1
    db.session.flush()
    return count


def drop_snapshot(period: Period) -> None:
    db.session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.period_id == period.id))


# --- Trend and public results --------------------------------------------------------------------

def officer_trend(officer: Officer, up_to: Period, limit: int = 8) -> list[dict]:
    """The officer's combined score in each period up to this one (oldest first): frozen figures
    for closed periods, today's for open ones."""
    periods = db.session.scalars(
        sa.select(Period).where(Period.starts_on <= up_to.starts_on, Period.status != PeriodStatus.DRAFT)
        .order_by(Period.starts_on.desc()).limit(limit)).all()
    points = []
    for period in reversed(periods):
        combined = officer_sheet(period, officer)["combined"]
        points.append({"period": period.name, "period_id": period.id, "value": combined["value"],
                       "n": combined["n"], "enough": combined["enough"], "low": combined["low"],
                       "high": combined["high"]})
    return points


def public_results(unit: Unit) -> list[dict]:
    """The unit's published results: closed periods only, from their snapshots, newest first; no
    officer in them."""
    rows = db.session.execute(
        sa.select(Period, ScoreSnapshot).join(ScoreSnapshot, sa.and_(
            ScoreSnapshot.period_id == Period.id, ScoreSnapshot.scope == "unit", ScoreSnapshot.scope_id == unit.id))
        .where(Period.status == PeriodStatus.CLOSED).order_by(Period.starts_on.desc())
    ).all()
    results = []
    for period, snapshot in rows:
        data = _thaw(snapshot.data)
        results.append({"period": period, "skm": data["skm"], "headline": data["headline"],
                        "kiosk": data["kiosk"], "taken_at": snapshot.taken_at})
    return results


def element_names(locale: str = "id") -> dict[str, str]:
    """The name of each SKM element code: the regulation's for U1..U9, else the question of its
    current indicator (an office's own element)."""
    rows = db.session.execute(
        sa.select(Indicator.skm_element, Indicator.text_id, Indicator.text_en)
        .where(Indicator.skm_element.is_not(None), Indicator.kind == IndicatorKind.SCALE)
        .order_by(Indicator.active, Indicator.id)
    ).all()
    names = {}
    for code, text_id, text_en in rows:  # active and newest last, so they win
        names[code] = text_en if locale == "en" and text_en else text_id
    for code, (name_id, name_en) in ELEMENT_NAMES.items():
        names[code] = name_en if locale == "en" else name_id
    return names
