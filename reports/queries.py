"""Reports of a period, computed now: officers' scores, unit reports and appraisal sheets.

Counting happens in the database: every query here is a GROUP BY over indexed columns and returns
a handful of rows per officer, desk or element, never one row per response. The pure functions of
:mod:`appraisal.scoring` then turn those sums into scores, intervals, grades and suggestions.
Where one report needs the same sums cut several ways (a unit's report: per officer, desk, service
and for the whole unit), it reads them once at the finest grain and adds them up in Python: the
sums are integers, so the totals are exactly those of separate GROUP BYs, for one scan instead of
several.

Two sources of sums:

- ``response.score_sum`` / ``score_n`` (one row per response, covered by the period indexes):
  each response's own score x = score_sum / score_n on 1..4. The kiosk's score is the mean of x
  over the counted votes; both channels' counts and confidence intervals come from n, sum x and
  sum x^2.
- the answers of the SKM elements (joined to their responses, grouped by element code): NRR per
  element and the IKM with the office's configured element weights, as the regulation publishes
  it, for the unit, per desk, per service and per officer. The phone survey's score of each of
  them *is* that IKM (``scoring.skm_score``), so a sheet's survey score and the SKM table beside
  it never disagree.

The combined score takes only the channels with at least the period's minimum n of their own
(``scoring.combine``); rankings shrink towards the unit's score with a prior of at least
``scoring.MIN_PRIOR_STRENGTH`` answers, whatever the minimum n. Each officer's provenance (where
the responses came from, what was left out and why, unusual patterns) is in :mod:`.provenance`.

Flagged responses (``Response.excluded``) are left out of every score and counted separately.

A closed period reads its results from :class:`~reports.models.ScoreSnapshot`, taken by
``reports.closing``; everything returned here is plain data (dicts, lists, ints,
Fractions, strings), so that a snapshot is the report itself, frozen.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal import scoring
from appraisal.models import Indicator, IndicatorKind, Period
from appraisal.policy import Policy, policy_of
from appraisal.standard import ELEMENT_NAMES
from core.db import db
from core.responses import PROFILE_FIELDS, Channel, Response
from core.tallies import HOUR, OFFICER, PROFILE, PROFILE_SEPARATOR, SERVICE, UNIT, AnswerTally, ResponseTally
from org.models import Desk, Officer, Service, Unit

from .provenance import COUNTED_FLAGS, Evidence, evidence_by_officer, flag_key, provenance_data, warnings_of
from .tallies import (
    Tally,
    element_sums,
    element_table,
    kept_tallies,
    officer_and_unit_tallies,
    tallies,
    unit_tallies,
)
from .unit_items import unit_items

# --- Local time in SQL ---------------------------------------------------------------------------


# --- Officers --------------------------------------------------------------------------------------


def officer_rows(
    period: Period, policy: Policy, unit_id: int | None = None, with_units: bool = False, cast_within=None
):
    """Every officer with responses in the period (of one unit, or all): scores, the rank score
    shrunk towards their unit's mean, and the suggested rating. Sorted by the rank score.
    ``cast_within``: (since, until) in UTC, the second excluded: only the responses cast then, a
    slice of the period such as a month (officer of the month), for one unit only."""
    if cast_within is not None and unit_id is None:
        raise ValueError("a slice of the period is read for one unit")
    if unit_id is not None:
        if cast_within is not None:
            where = [Response.unit_id == unit_id, Response.cast_at >= cast_within[0], Response.cast_at < cast_within[1]]
            by_officer = tallies(period.id, Response.officer_id, *where)
            unit_totals = tallies(period.id, Response.unit_id, *where)
        else:
            by_officer = kept_tallies(period.id, OFFICER, unit_id=unit_id)
            unit_totals = kept_tallies(period.id, UNIT, unit_id=unit_id)
    else:
        by_officer, unit_totals = officer_and_unit_tallies(period.id)
    rows = _rank_officers(by_officer, unit_totals, policy)
    return (rows, unit_totals) if with_units else rows


def _rank_officers(by_officer: dict, unit_totals: dict, policy: Policy) -> list[dict]:
    """The rows of :func:`officer_rows` from tallies per officer and per unit, however they were
    read (the unit report has them from its own merged query)."""
    # Unattributed responses count for desks and units only.
    by_officer = {officer_id: tally for officer_id, tally in by_officer.items() if officer_id is not None}
    officers = (
        {
            o.id: o
            for o in db.session.execute(
                sa.select(Officer.id, Officer.name, Officer.nip, Officer.unit_id).where(
                    Officer.id.in_(list(by_officer))
                )
            ).all()
        }
        if by_officer
        else {}
    )

    # Empirical Bayes, per unit: k from the spread between the unit's officers (never below
    # scoring.MIN_PRIOR_STRENGTH, whatever the period's minimum n), towards the unit's combined score.
    strengths, priors = {}, {}
    per_unit: dict = defaultdict(list)
    for officer_id, tally in by_officer.items():
        per_unit[officers[officer_id].unit_id].append(tally.pooled)
    for unit, stats in per_unit.items():
        strengths[unit] = scoring.ranking_prior_strength(stats)
        total = unit_totals.get(unit)
        priors[unit] = total.scores(policy)["combined"]["value"] if total is not None else None

    rows = []
    for officer_id, tally in by_officer.items():
        officer = officers[officer_id]
        data = tally.scores(policy)
        combined = data["combined"]
        rank = None
        if combined["value"] is not None:
            prior = priors.get(officer.unit_id)
            rank = (
                combined["value"]
                if prior is None
                else scoring.shrink(combined["value"], combined["n"], prior, strengths[officer.unit_id])
            )
        rows.append(
            {
                "officer_id": officer_id,
                "name": officer.name,
                "nip": officer.nip,
                "unit_id": officer.unit_id,
                "rank_score": rank,
                **data,
            }
        )
    rows.sort(
        key=lambda r: (
            r["rank_score"] is None,
            -float(r["rank_score"] or 0),
            r["rank_score"] and -r["rank_score"],
            r["name"],
        )
    )
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


# --- A unit's report ------------------------------------------------------------------------------


def _flag_counts(period_id: int, unit_id: int) -> dict[str, int]:
    """The unit's responses left out, per flag (a response with two flags counts under both)."""
    t = ResponseTally
    rows = db.session.execute(
        sa.select(t.flags, sa.func.sum(t.responses))
        .where(t.period_id == period_id, t.unit_id == unit_id, t.dim == SERVICE, t.excluded.is_(True))
        .group_by(t.flags)
    ).all()
    counts = {flag_key(flag): 0 for flag in COUNTED_FLAGS}
    for flags, count in rows:
        for flag in COUNTED_FLAGS:
            if flags & flag:
                counts[flag_key(flag)] += count
    return counts


def _profile(period_id: int, unit_id: int) -> dict[str, dict[str, int]]:
    """Counted phone-survey respondents per answer of each profile field ("" for not given), from
    the kept tallies of the four fields together (the combinations stay in the hundreds), each
    field's answers in order ("" first, then by code)."""
    t = ResponseTally
    rows = db.session.execute(
        sa.select(t.key, sa.func.sum(t.responses))
        .where(
            t.period_id == period_id,
            t.unit_id == unit_id,
            t.dim == PROFILE,
            t.channel == Channel.QR.value,
            t.excluded.is_(False),
        )
        .group_by(t.key)
    ).all()
    counts: dict = {field: defaultdict(int) for field in PROFILE_FIELDS}
    for key, count in rows:
        if not count:
            continue
        for field, value in zip(PROFILE_FIELDS, key.split(PROFILE_SEPARATOR)):
            counts[field][value] += int(count)
    return {field: dict(sorted(counts[field].items())) for field in PROFILE_FIELDS}


def _rhythm(period: Period, unit: Unit) -> dict:
    """Counted responses by weekday x hour (local time; weekday 0 = Sunday) and by day, from the
    kept tallies per UTC clock hour (at most 24 rows a day and channel), added up both ways. An
    Indonesian zone is a whole number of hours from UTC, so each UTC hour is one local hour."""
    zone = ZoneInfo(unit.timezone or "Asia/Jakarta")
    heat = [[0] * 24 for _ in range(7)]
    days: dict = defaultdict(lambda: {"qr": 0, "kiosk": 0})
    t = ResponseTally
    for key, channel, count in db.session.execute(
        sa.select(t.key, t.channel, sa.func.sum(t.responses))
        .where(t.period_id == period.id, t.unit_id == unit.id, t.dim == HOUR, t.excluded.is_(False))
        .group_by(t.key, t.channel)
    ).all():
        if not count:
            continue
        local = datetime.fromisoformat(f"{key}:00+00:00").astimezone(zone)  # HOUR_FORMAT, in UTC
        heat[local.isoweekday() % 7][local.hour] += int(count)
        days[local.date()][Channel(channel).value] += int(count)
    return {"heat": heat, "days": [{"day": d, **days[d]} for d in sorted(days)]}


def compute_unit_report(period: Period, unit: Unit, policy: Policy | None = None) -> dict:
    """The unit's report: its SKM table and scores, per desk and per service, flags, respondents'
    profile, rhythm and officers. The tallies and the element sums are each read once and cut
    per desk, per service, per officer and for the unit here (see :func:`unit_tallies` and
    :func:`add_unit_elements`)."""
    policy = policy or policy_of(period)
    desks = {d.id: d.name for d in db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id))}
    services = {s.id: s.name_id for s in db.session.scalars(sa.select(Service).where(Service.unit_id == unit.id))}
    counted = unit_tallies(period.id, unit.id)
    unit_elements, desk_elements, service_elements = (
        counted.unit.elements,
        element_sums(counted.desks),
        element_sums(counted.services),
    )

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
    # The review list's warnings: two grouped queries for all the unit's officers.
    evidence = evidence_by_officer(period, [row["officer_id"] for row in officers], unit.timezone) if officers else {}
    for row in officers:
        row["warnings"] = warnings_of(evidence.get(row["officer_id"], Evidence()))
    skm = element_table(unit_elements, policy)
    return {
        "policy": policy.as_data(),
        "skm": skm,
        "headline": _headline(skm, policy),
        **counted.unit.scores(policy),
        "flags": _flag_counts(period.id, unit.id),
        "desks": breakdown(desks, counted.desks, desk_elements),
        "services": breakdown(services, counted.services, service_elements),
        "profile": _profile(period.id, unit.id),
        "rhythm": _rhythm(period, unit),
        "officers": officers,
        "ranking": [row["officer_id"] for row in ranking(officers)],
        "unit_items": unit_items(period.id, unit.id),
    }


def _headline(table: dict, policy: Policy) -> dict:
    """The unit's (desk's, service's) IKM with the minimum-n rule: a grade only from min_n
    respondents on."""
    enough = table["respondents"] >= policy.min_n
    return {
        "ikm": table["ikm"],
        "respondents": table["respondents"],
        "enough": enough,
        "grade": table["grade"] if enough else None,
    }


# --- One officer's sheet ------------------------------------------------------------------------------


def _officer_tally(period: Period, officer: Officer) -> Tally:
    return kept_tallies(period.id, OFFICER, key=officer.id).get(officer.id, Tally())


def officer_scores(period: Period, officer: Officer, policy: Policy | None = None) -> dict:
    """The officer's channel and combined scores in the period (the head of their sheet)."""
    return _officer_tally(period, officer).scores(policy or policy_of(period))


def compute_officer_sheet(period: Period, officer: Officer, policy: Policy | None = None) -> dict:
    policy = policy or policy_of(period)
    tally = _officer_tally(period, officer)
    data = tally.scores(policy)
    # The same sums as the survey score's: the table's IKM is that score.
    table = element_table(tally.elements, policy)
    evidence = evidence_by_officer(period, [officer.id], officer.unit.timezone).get(officer.id, Evidence())
    # The counted kiosk faces and the reasons picked with them, from the officer's kept tallies.
    t, a = ResponseTally, AnswerTally
    mine = (t.period_id == period.id, t.dim == OFFICER, t.key == str(officer.id), t.excluded.is_(False))
    faces = {
        face: int(count)
        for face, count in db.session.execute(
            sa.select(t.face, sa.func.sum(t.responses))
            .where(*mine, t.channel == Channel.KIOSK.value, t.face > 0)
            .group_by(t.face)
        )
        if count
    }
    picked = sa.func.sum(a.answers)
    reasons = [
        row
        for row in db.session.execute(
            sa.select(Indicator.code, Indicator.text_id, Indicator.text_en, picked)
            .select_from(a)
            .join(Indicator, Indicator.id == a.indicator_id)
            .where(
                a.period_id == period.id,
                a.dim == OFFICER,
                a.key == str(officer.id),
                a.excluded.is_(False),
                Indicator.kind == IndicatorKind.REASON,
            )
            .group_by(Indicator.code, Indicator.text_id, Indicator.text_en)
            .order_by(picked.desc(), Indicator.code)
        ).all()
        if row[3]
    ]
    return {
        "policy": policy.as_data(),
        **data,
        "skm": table,
        "faces": [int(faces.get(face, 0)) for face in range(scoring.MIN_ANSWER, scoring.MAX_ANSWER + 1)],  # worst first
        "reasons": [{"code": r.code, "text_id": r.text_id, "text_en": r.text_en, "count": int(r[3])} for r in reasons],
        "flags": evidence.reasons,
        "provenance": provenance_data(evidence),
    }


def officer_provenance(period: Period, officer: Officer) -> dict:
    """Where the officer's responses of the period came from, and its warnings (as on the sheet)."""
    evidence = evidence_by_officer(period, [officer.id], officer.unit.timezone).get(officer.id, Evidence())
    return provenance_data(evidence)


# --- Names ----------------------------------------------------------------------------------------------


def element_names(locale: str = "id") -> dict[str, str]:
    """The name of each SKM element code: the regulation's for U1..U9, else the question of its
    current indicator (an office's own element)."""
    rows = db.session.execute(
        sa.select(Indicator.skm_element, Indicator.text_id, Indicator.text_en)
        .where(Indicator.skm_element.is_not(None), Indicator.kind == IndicatorKind.SCALE)
        .order_by(Indicator.active, Indicator.id)
    ).all()
    names: dict[str, str] = {}
    for code, text_id, text_en in rows:  # active and newest last, so they win
        names[cast(str, code)] = text_en if locale == "en" and text_en else text_id
    for code, (name_id, name_en) in ELEMENT_NAMES.items():
        names[code] = name_en if locale == "en" else name_id
    return names
