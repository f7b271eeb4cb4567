"""Reports, appraisal sheets, disputes, decisions, snapshots and exports (issue #4).

The SQL aggregation is checked against the pure scoring functions on random data; the pages and
files against the numbers they must show; every sheet and report against who may see it."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from appraisal import scoring
from appraisal.disputes import file_dispute, resolve_dispute
from appraisal.models import Dispute, DisputeStatus, PeriodStatus, RatingDecision
from appraisal.policy import policy_of, set_policy
from core.db import db
from core.errors import AccessDenied, AdminError, Invalid
from core.responses import Answer, Channel, Flag, Response, flag_response
from core.tallies import AnswerTally, ResponseTally
from kiosk.votes import record_vote
from org.models import Role, Service
from reports.closing import close_period, reopen_period
from reports.models import ScoreSnapshot
from reports.queries import _headline, compute_officer_sheet, compute_unit_report, officer_rows, ranking
from reports.snapshots import officer_sheet, public_results, unit_overview, unit_report
from reports.tallies import Tally, _elements_by, element_table, tallies
from survey.operations import record_survey_response
from survey.queries import unit_services
from tests.factories import (
    NOW,
    add_survey,
    add_vote,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    sign_in,
    skm_indicators,
)


def expected_scores(votes, surveys_, policy_min_n=30, qr_weight=Fraction(7, 10)):
    """What the pure functions say for lists of faces and of nine-answer surveys."""
    qr = scoring.Stats()
    for answers in surveys_:
        qr = qr + scoring.Stats.of_sums(1, len(answers), sum(answers), sum(answers) ** 2)
    kiosk = scoring.Stats()
    for face in votes:
        kiosk = kiosk + scoring.Stats.of_sums(1, 1, face, face * face)
    return (
        scoring.combine(
            scoring.channel_score(qr, policy_min_n),
            scoring.channel_score(kiosk, policy_min_n),
            qr_weight,
            1 - qr_weight,
            policy_min_n,
        ),
        qr,
        kiosk,
    )


# --- The stored score of a response ---------------------------------------------------------------


def test_each_response_stores_what_it_gives_the_score(factories):
    period, desk = make_period(), make_desk()
    officer = make_officer(unit=desk.unit)
    vote = add_vote(period, desk, officer, 3)
    survey = add_survey(period, desk, officer, [4, 3, 3, 2, 4, 4, 3, 1, 2])
    db.session.commit()
    assert (vote.score_sum, vote.score_n) == (3, 1)
    assert (survey.score_sum, survey.score_n) == (26, 9)


def test_the_kiosk_and_the_survey_store_their_scores(factories):

    period = make_period()
    kiosk, _token = make_kiosk()
    vote, created = record_vote(
        kiosk,
        {"uuid": str(uuid.uuid4()), "value": 2, "reasons": ["R_WAKTU"], "cast_at": NOW.isoformat(), "locale": "id"},
    )
    db.session.commit()
    stored = db.session.scalar(sa.select(Response).where(Response.uuid == vote.uuid))
    assert created and (stored.score_sum, stored.score_n) == (2, 1)  # the reason does not count

    form = {"uuid": str(uuid.uuid4()), **{f"q{i.id}": str(v) for i, v in zip(skm_indicators(), [1, 2, 3, 4] * 3)}}
    if unit_services(kiosk.desk.unit):
        form["service"] = str(unit_services(kiosk.desk.unit)[0].id)
    record_survey_response(kiosk.desk.code, form)
    db.session.commit()
    survey = db.session.scalar(sa.select(Response).where(Response.uuid == form["uuid"]))
    assert (survey.score_sum, survey.score_n) == (1 + 2 + 3 + 4 + 1 + 2 + 3 + 4 + 1, 9)
    assert survey.period_id == period.id


# --- SQL aggregation equals the pure functions ----------------------------------------------------------

answers9 = st.lists(st.integers(1, 4), min_size=9, max_size=9)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_aggregation_equals_the_pure_functions(factories, data):
    # Each example starts with no responses (and so no tallies of them).
    db.session.execute(sa.delete(AnswerTally))
    db.session.execute(sa.delete(ResponseTally))
    db.session.execute(sa.delete(Answer))
    db.session.execute(sa.delete(ScoreSnapshot))
    db.session.execute(sa.delete(Response))
    db.session.commit()
    unit = make_unit()
    period = make_period()
    desks = [make_desk(unit=unit) for _ in range(2)]
    officers = [make_officer(unit=unit) for _ in range(3)]
    truth = {o.id: {"votes": [], "surveys": [], "excluded": 0} for o in officers}
    unit_surveys, unit_votes = [], []
    for _ in range(data.draw(st.integers(1, 40), label="responses")):
        officer = data.draw(st.sampled_from(officers + [None]), label="officer")
        desk = data.draw(st.sampled_from(desks), label="desk")
        excluded = (
            data.draw(st.booleans().map(lambda b: b and True), label="excluded")
            and data.draw(st.integers(0, 4), label="chance") == 0
        )
        flags = Flag.BURST if excluded else Flag(0)
        if data.draw(st.booleans(), label="kiosk"):
            face = data.draw(st.integers(1, 4), label="face")
            add_vote(period, desk, officer, face, flags=flags)
            if not excluded:
                unit_votes.append(face)
                if officer:
                    truth[officer.id]["votes"].append(face)
        else:
            answers = data.draw(answers9, label="answers")
            add_survey(period, desk, officer, answers, flags=flags)
            if not excluded:
                unit_surveys.append(answers)
                if officer:
                    truth[officer.id]["surveys"].append(answers)
        if excluded and officer:
            truth[officer.id]["excluded"] += 1
    db.session.commit()
    min_n = data.draw(st.integers(1, 10), label="min_n")
    period.min_n = min_n
    db.session.commit()

    policy = policy_of(period)
    rows = {row["officer_id"]: row for row in officer_rows(period, policy, unit.id)}
    for officer in officers:
        t = truth[officer.id]
        if not (t["votes"] or t["surveys"] or t["excluded"]):
            assert officer.id not in rows
            continue
        combined, qr, kiosk = expected_scores(t["votes"], t["surveys"], min_n)
        row = rows[officer.id]
        assert row["combined"]["value"] == combined.value
        assert row["combined"]["n"] == combined.n
        assert row["combined"]["grade"] == (combined.grade.letter if combined.grade else None)
        assert row["qr"]["n"] == qr.n and row["kiosk"]["n"] == kiosk.n
        assert row["excluded"] == t["excluded"]
        if combined.value is not None:
            assert row["combined"]["low"] == pytest.approx(float(combined.ci_low), abs=1e-9)

    report = compute_unit_report(period, unit)
    if unit_surveys:
        # The regulation's IKM from per-element NRRs (1/9 each) ...
        by_element = {f"U{i + 1}": [s[i] for s in unit_surveys] for i in range(9)}
        expected_ikm = scoring.ikm({code: scoring.nrr(sum(v), len(v)) for code, v in by_element.items()})
        assert report["skm"]["ikm"] == expected_ikm
        # ... is exactly the mean of the per-response scores the rankings use.
        assert report["qr"]["value"] == expected_ikm
    else:
        assert report["skm"]["ikm"] is None
    assert report["kiosk"]["n"] == len(unit_votes)
    if unit_votes:
        assert report["kiosk"]["value"] == Fraction(sum(unit_votes), len(unit_votes)) * 25


def test_configured_weights_drive_the_unit_ikm(factories):
    period, desk = make_period(), make_desk()
    officer = make_officer(unit=desk.unit)
    weights = [Decimal("0.2")] + [Decimal("0.1")] * 8
    for indicator, weight in zip(skm_indicators(), weights):
        indicator.weight = weight
    add_survey(period, desk, officer, [4, 1, 1, 1, 1, 1, 1, 1, 1])
    db.session.commit()
    report = compute_unit_report(period, desk.unit)
    assert report["skm"]["ikm"] == (Fraction(2, 10) * 4 + Fraction(8, 10) * 1) * 25  # 40, not 33.33
    assert report["skm"]["elements"][0]["weight"] == Fraction(1, 5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_unit_report_reads_once_what_one_group_by_per_cut_gives(factories, data):
    """The unit report reads its tallies, element sums, profile and rhythm once each and cuts them
    per desk, service, officer and unit in Python: the same numbers, exactly, as a GROUP BY per
    cut, and the rhythm and profile as counted here one response at a time."""
    # Each example starts with no responses (and so no tallies of them).
    db.session.execute(sa.delete(AnswerTally))
    db.session.execute(sa.delete(ResponseTally))
    db.session.execute(sa.delete(Answer))
    db.session.execute(sa.delete(ScoreSnapshot))
    db.session.execute(sa.delete(Response))
    db.session.commit()
    unit, elsewhere = make_unit(timezone="Asia/Jayapura"), make_unit()  # WIT, UTC+9
    period = make_period(min_n=data.draw(st.integers(1, 6), label="min_n"))
    # Desk names are unique within a unit (org.models.desk_name_key): cuts go by id all the same.
    desks = [make_desk(unit=unit, name="Loket"), make_desk(unit=unit, name="Loket 2"), make_desk(unit=unit)]
    other_desk = make_desk(unit=elsewhere)
    services_ = [Service(unit=unit, name_id=name, position=i) for i, name in enumerate(["KTP", "KK"])]
    db.session.add_all(services_)
    # An officer now in another unit still has this unit's responses.
    officers = [make_officer(unit=unit), make_officer(unit=unit), make_officer(unit=elsewhere)]
    if data.draw(st.booleans(), label="weights"):
        for indicator, weight in zip(skm_indicators(), [Decimal("0.2")] + [Decimal("0.1")] * 8):
            indicator.weight = weight
    start = datetime(2026, 11, 15, 14, 0, tzinfo=timezone.utc)  # Sunday 23:00 WIT
    counted = []
    for _ in range(data.draw(st.integers(0, 40), label="responses")):
        desk = data.draw(st.sampled_from(desks + [other_desk]), label="desk")
        officer = data.draw(st.sampled_from(officers + [None]), label="officer")
        flags = data.draw(st.sampled_from([Flag(0), Flag(0), Flag.BURST, Flag.REPEAT | Flag.CLOCK_ADJUSTED]))
        at = start + timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60), label="minutes"))
        if data.draw(st.booleans(), label="kiosk"):
            response = add_vote(period, desk, officer, data.draw(st.integers(1, 4), label="face"), flags=flags, at=at)
        else:
            profile = {
                field: data.draw(st.sampled_from([None, *values]), label=field)
                for field, values in (
                    ("gender", ["L", "P"]),
                    ("age_band", ["20-29", "30-39"]),
                    ("education", ["SMA", "S1"]),
                    ("occupation", ["swasta", "pns"]),
                )
            }
            response = add_survey(
                period,
                desk,
                officer,
                data.draw(answers9, label="answers"),
                flags=flags,
                service=data.draw(st.sampled_from(services_ + [None]), label="service"),
                at=at,
                **profile,
            )
        if desk.unit_id == unit.id and not response.excluded:
            counted.append(response)
    db.session.commit()

    policy = policy_of(period)
    report = compute_unit_report(period, unit, policy)
    in_unit = Response.unit_id == unit.id
    unit_tallies = tallies(period.id, Response.unit_id, in_unit)
    unit_scores = unit_tallies.get(unit.id, Tally()).scores(policy)
    assert {key: report[key] for key in unit_scores} == unit_scores
    assert report["skm"] == element_table(_elements_by(period.id, None, in_unit).get(None, {}), policy)
    # The review list adds each officer's warnings (tests/reports/test_provenance.py) to the rows.
    assert all(row["warnings"] == [] for row in report["officers"])
    assert [{k: v for k, v in row.items() if k != "warnings"} for row in report["officers"]] == officer_rows(
        period, policy, unit.id
    )
    for cut, column, names in (
        ("desks", Response.desk_id, {d.id: d.name for d in desks}),
        ("services", Response.service_id, {s.id: s.name_id for s in services_}),
    ):
        by_tally = tallies(period.id, column, in_unit)
        by_elements = _elements_by(period.id, column, in_unit)
        keys = sorted(set(by_tally) | set(by_elements), key=lambda k: (k is None, names.get(k, ""), k or 0))
        assert [row["id"] for row in report[cut]] == keys
        for row in report[cut]:
            table = element_table(by_elements.get(row["id"], {}), policy)
            assert row == {
                "id": row["id"],
                "name": names.get(row["id"]),
                "skm": _headline(table, policy),
                **by_tally.get(row["id"], Tally()).scores(policy),
            }

    surveys_ = [r for r in counted if r.channel == Channel.QR]
    for field, counts in report["profile"].items():
        values = [getattr(r, field) or "" for r in surveys_]
        assert counts == {value: values.count(value) for value in sorted(set(values))}
        assert list(counts) == sorted(counts)
    heat = [[0] * 24 for _ in range(7)]
    days: dict = {}
    for response in counted:
        local = response.cast_at.astimezone(ZoneInfo("Asia/Jayapura"))
        heat[local.isoweekday() % 7][local.hour] += 1
        day = days.setdefault(local.date(), {"day": local.date(), "qr": 0, "kiosk": 0})
        day[response.channel.value] += 1
    assert report["rhythm"] == {"heat": heat, "days": [days[d] for d in sorted(days)]}


# --- Flags, minimum n, ranking -------------------------------------------------------------------------


def test_flagged_responses_are_left_out_and_counted(factories):
    period, desk = make_period(), make_desk()
    officer = make_officer(unit=desk.unit)
    for _ in range(3):
        add_vote(period, desk, officer, 4)
    add_vote(period, desk, officer, 1, flags=Flag.BURST)
    add_vote(period, desk, officer, 1, flags=Flag.REPEAT)
    add_vote(period, desk, officer, 2, flags=Flag.CLOCK_ADJUSTED)  # describes, does not exclude
    db.session.commit()
    report = compute_unit_report(period, desk.unit)
    assert report["kiosk"]["n"] == 4
    assert report["kiosk"]["value"] == Fraction(4 + 4 + 4 + 2, 4) * 25
    assert report["excluded"] == 2
    assert report["flags"]["burst"] == 1 and report["flags"]["repeat"] == 1


def test_below_the_minimum_there_is_no_grade_and_no_suggestion(factories):
    period, desk = make_period(min_n=5), make_desk()
    officer = make_officer(unit=desk.unit)
    for _ in range(4):
        add_vote(period, desk, officer, 4)
    db.session.commit()
    sheet = compute_officer_sheet(period, officer)
    # The kiosk alone has 4 votes, below 5: no channel enters the combined score.
    assert sheet["kiosk"]["value"] == 100 and sheet["kiosk"]["enough"] is False
    assert sheet["combined"]["value"] is None and sheet["combined"]["n"] == 4
    assert sheet["combined"]["enough"] is False and sheet["combined"]["from"] == []
    assert sheet["combined"]["grade"] is None and sheet["combined"]["suggested"] is None
    add_vote(period, desk, officer, 4)
    db.session.commit()
    sheet = compute_officer_sheet(period, officer)
    assert sheet["combined"]["grade"] == "A" and sheet["combined"]["suggested"] == "di_atas"


def test_three_perfect_votes_do_not_top_the_ranking(factories):
    period, desk = make_period(min_n=3), make_desk()
    lucky, steady, weak = (make_officer(unit=desk.unit, name=name) for name in ("Lucky", "Steady", "Weak"))
    for _ in range(3):
        add_vote(period, desk, lucky, 4)
    for i in range(200):
        add_vote(period, desk, steady, 4 if i % 10 else 3)  # mean 3.9
    for i in range(200):
        add_vote(period, desk, weak, 2 if i % 2 else 3)
    db.session.commit()
    rows = officer_rows(period, policy_of(period), desk.unit_id)
    ranked = [row["name"] for row in ranking(rows)]
    assert ranked[0] == "Steady"
    lucky_row = next(r for r in rows if r["name"] == "Lucky")
    assert lucky_row["combined"]["value"] == 100 and lucky_row["rank_score"] < 97.5


def test_channel_weights_of_the_period(factories):
    period, desk = make_period(min_n=1, qr_weight_pct=50), make_desk()
    officer = make_officer(unit=desk.unit)
    add_vote(period, desk, officer, 2)  # 50
    add_survey(period, desk, officer, [4] * 9)  # 100
    db.session.commit()
    assert compute_officer_sheet(period, officer)["combined"]["value"] == 75
    period.qr_weight_pct = 90
    db.session.commit()
    assert compute_officer_sheet(period, officer)["combined"]["value"] == 95


def test_rhythm_uses_the_units_local_time(factories):
    unit = make_unit(timezone="Asia/Makassar")  # WITA, UTC+8
    period, desk = make_period(), make_desk(unit=unit)
    monday_0130_utc = datetime(2026, 11, 16, 1, 30, tzinfo=timezone.utc)  # Monday 09:30 WITA
    add_vote(period, desk, None, 3, at=monday_0130_utc)
    db.session.commit()
    rhythm = compute_unit_report(period, unit)["rhythm"]
    assert rhythm["heat"][1][9] == 1  # Monday, 9 o'clock
    assert sum(map(sum, rhythm["heat"])) == 1
    assert rhythm["days"] == [{"day": monday_0130_utc.date(), "qr": 0, "kiosk": 1}]


# --- Snapshots ----------------------------------------------------------------------------------------------


def test_a_closed_period_is_frozen(factories):
    admin = make_user(Role.ADMIN)
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    survey = add_survey(period, desk, officer, [4, 4, 4, 4, 4, 4, 4, 4, 1], comment="Bagus")
    add_vote(period, desk, officer, 3)
    db.session.commit()
    before_unit = unit_report(period, desk.unit)
    before_sheet = officer_sheet(period, officer)
    close_period(period, admin)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSnapshot)) == 2

    # Later changes: element weights, the scoring policy and the data itself (the survey left out,
    # as an upheld dispute leaves it: responses change only through their writer).
    for indicator, weight in zip(skm_indicators(), [Decimal("0.9")] + [Decimal("0.0125")] * 8):
        indicator.weight = weight
    period.qr_weight_pct = 10
    flag_response(survey, Flag.DISPUTE_UPHELD)
    db.session.commit()

    after_unit = unit_report(period, desk.unit)
    after_sheet = officer_sheet(period, officer)
    assert after_unit["frozen"] and after_sheet["frozen"]
    assert after_unit["skm"] == before_unit["skm"]
    assert after_unit["combined"] == before_unit["combined"]
    assert after_sheet["combined"] == before_sheet["combined"]
    assert public_results(desk.unit)[0]["headline"] == before_unit["headline"]

    reopen_period(period, admin, "Koreksi data")
    db.session.commit()
    reopened = unit_report(period, desk.unit)
    assert not reopened["frozen"] and reopened["skm"]["ikm"] != before_unit["skm"]["ikm"]


def test_the_policy_of_a_closed_period_cannot_change(factories):
    admin = make_user(Role.ADMIN)
    period = make_period(status=PeriodStatus.CLOSED)
    with pytest.raises(AdminError):
        set_policy(
            admin, period, {"min_n": "10", "qr_weight_pct": "70", "rating_above": "88.31", "rating_below": "76.61"}
        )


@pytest.mark.parametrize(
    "values, field",
    [
        ({"min_n": "0"}, "min_n"),
        ({"min_n": "abc"}, "min_n"),
        ({"qr_weight_pct": "101"}, "qr_weight_pct"),
        ({"rating_above": "100.5"}, "rating_above"),
        ({"rating_above": "80.123"}, "rating_above"),
        ({"rating_below": "90"}, "rating_below"),
    ],
)
def test_bad_policy_values_are_refused(factories, values, field):
    admin = make_user(Role.ADMIN)
    period = make_period()
    good = {"min_n": "30", "qr_weight_pct": "70", "rating_above": "88.31", "rating_below": "76.61"}
    with pytest.raises(Invalid) as refused:
        set_policy(admin, period, {**good, **values})
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.get(type(period), period.id).min_n == 30


# --- Disputes and decisions ---------------------------------------------------------------------------------


def test_an_upheld_dispute_takes_the_response_out_of_the_score(client, factories):
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    good = add_vote(period, desk, officer, 4)
    bad = add_vote(period, desk, officer, 1)
    db.session.commit()
    me = make_user(Role.OFFICER, officer=officer)
    boss = make_user(Role.SUPERVISOR, unit=desk.unit)
    assert compute_officer_sheet(period, officer)["combined"]["value"] == Fraction(125, 2)

    sign_in(client, me)
    refused = post(client, f"/admin/reports/responses/{bad.id}/dispute", {"reason": "  "})
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispute)) == 0
    sent = post(client, f"/admin/reports/responses/{bad.id}/dispute", {"reason": "Saya sedang istirahat"})
    assert sent.status_code == 303
    again = post(client, f"/admin/reports/responses/{bad.id}/dispute", {"reason": "lagi"})
    assert again.status_code == 409
    dispute = db.session.scalar(sa.select(Dispute))
    assert dispute.status == DisputeStatus.OPEN and dispute.reason == "Saya sedang istirahat"
    # An officer cannot rule on their own dispute.
    assert (
        post(client, f"/admin/reports/disputes/{dispute.id}", {"ruling": "uphold", "resolution": "x"}).status_code
        == 403
    )

    sign_in(client, boss)
    no_reason = post(client, f"/admin/reports/disputes/{dispute.id}", {"ruling": "uphold", "resolution": ""})
    assert no_reason.status_code == 422
    ruled = post(client, f"/admin/reports/disputes/{dispute.id}", {"ruling": "uphold", "resolution": "Jadwal cocok"})
    assert ruled.status_code == 303
    db.session.expire_all()
    assert db.session.get(Response, bad.id).excluded
    assert db.session.get(Response, bad.id).flag_set & Flag.DISPUTE_UPHELD
    assert not db.session.get(Response, good.id).excluded
    sheet = compute_officer_sheet(period, officer)
    assert sheet["combined"]["value"] == 100 and sheet["flags"]["dispute_upheld"] == 1
    assert (
        post(client, f"/admin/reports/disputes/{dispute.id}", {"ruling": "reject", "resolution": "x"}).status_code
        == 409
    )


def test_disputes_are_refused_where_they_do_not_belong(factories):
    period, desk = make_period(), make_desk()
    mine, theirs = make_officer(unit=desk.unit), make_officer(unit=desk.unit)
    response = add_vote(period, desk, theirs, 1)
    flagged = add_vote(period, desk, mine, 1, flags=Flag.BURST)
    db.session.commit()
    me = make_user(Role.OFFICER, officer=mine)
    with pytest.raises(AdminError, match="not_your_response"):
        file_dispute(me, response, "bukan saya")
    with pytest.raises(AdminError, match="already_excluded"):
        file_dispute(me, flagged, "sudah")
    supervisor = make_user(Role.SUPERVISOR)  # of another unit
    with pytest.raises(AccessDenied):
        file_dispute(supervisor, response, "x")
    mine_vote = add_vote(period, desk, mine, 2)
    db.session.commit()
    dispute = file_dispute(me, mine_vote, "bukan saya")
    db.session.commit()
    with pytest.raises(AccessDenied):
        resolve_dispute(supervisor, dispute, True, "x")
    period.status = PeriodStatus.CLOSED
    db.session.commit()
    with pytest.raises(AdminError, match="period_closed"):
        resolve_dispute(make_user(Role.ADMIN), dispute, True, "x")


def test_the_supervisor_confirms_or_overrides_with_a_reason(client, factories):
    period, desk = make_period(min_n=2), make_desk()
    officer = make_officer(unit=desk.unit)
    for face in (4, 4, 3):
        add_vote(period, desk, officer, face)  # 91.67: di atas
    db.session.commit()
    boss = make_user(Role.SUPERVISOR, unit=desk.unit)
    sign_in(client, boss)
    url = f"/admin/reports/{period.id}/officers/{officer.id}/decision"
    confirmed = post(client, url, {"rating": "di_atas", "reason": ""})
    assert confirmed.status_code == 303
    refused = post(client, url, {"rating": "sesuai", "reason": " "})
    assert refused.status_code == 422
    assert "alasan" in refused.get_data(as_text=True).lower()
    assert post(client, url, {"rating": "luar biasa", "reason": "x"}).status_code == 422
    overridden = post(client, url, {"rating": "sesuai", "reason": "Banyak keluhan lisan"})
    assert overridden.status_code == 303
    history = db.session.scalars(sa.select(RatingDecision).order_by(RatingDecision.id)).all()
    assert [(d.suggested, d.rating, d.reason) for d in history] == [
        ("di_atas", "di_atas", ""),
        ("di_atas", "sesuai", "Banyak keluhan lisan"),
    ]
    assert history[0].score == "91.67"
    page = client.get(f"/admin/reports/{period.id}/officers/{officer.id}").get_data(as_text=True)
    assert "Banyak keluhan lisan" in page


# --- Who may see what --------------------------------------------------------------------------------------


def _pages(period, unit, officer):
    return [
        f"/admin/reports/{period.id}/units/{unit.id}",
        f"/admin/reports/{period.id}/units/{unit.id}/skm",
        f"/admin/reports/{period.id}/units/{unit.id}/skm.xlsx",
        f"/admin/reports/{period.id}/units/{unit.id}/appraisals.csv",
        f"/admin/reports/{period.id}/units/{unit.id}/appraisals.xlsx",
    ]


def test_role_checks_on_every_sheet_and_report(client, factories):
    period, desk = make_period(), make_desk()
    unit = desk.unit
    officer, colleague = make_officer(unit=unit), make_officer(unit=unit)
    add_vote(period, desk, officer, 3)
    db.session.commit()
    sheet = f"/admin/reports/{period.id}/officers/{officer.id}"
    unit_pages = _pages(period, unit, officer)
    everything = unit_pages + [
        sheet,
        f"/admin/reports/{period.id}/appraisals.csv",
        f"/admin/reports/{period.id}/appraisals.xlsx",
        f"/admin/periods/{period.id}/policy",
    ]

    for url in everything:  # anonymous: to the sign-in page
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], url

    sign_in(client, make_user(Role.OFFICER, officer=colleague))
    for url in everything:
        assert client.get(url).status_code == 403, url
    sign_in(client, make_user(Role.OFFICER, officer=officer))
    assert client.get(sheet).status_code == 200
    for url in unit_pages:
        assert client.get(url).status_code == 403, url

    sign_in(client, make_user(Role.SUPERVISOR))  # another unit
    for url in unit_pages + [sheet, f"/admin/reports/{period.id}/appraisals.csv"]:
        assert client.get(url).status_code == 403, url
    sign_in(client, make_user(Role.SUPERVISOR, unit=unit))
    for url in unit_pages + [sheet]:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/admin/reports/{period.id}/appraisals.csv").status_code == 403

    sign_in(client, make_user(Role.ADMIN))
    for url in everything:
        assert client.get(url).status_code == 200, url
    draft = make_period(
        status=PeriodStatus.DRAFT,
        starts_on=period.ends_on + timedelta(days=1),
        ends_on=period.ends_on + timedelta(days=30),
    )
    assert client.get(f"/admin/reports/{draft.id}/units/{unit.id}").status_code == 404
    assert client.get(f"/admin/reports/{period.id}/appraisals.pdf").status_code == 404


def test_an_officer_is_sent_to_their_own_sheet(client, factories):
    period = make_period()
    officer = make_officer()
    sign_in(client, make_user(Role.OFFICER, officer=officer))
    response = client.get("/admin/reports")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/reports/{period.id}/officers/{officer.id}")


# --- Exports ------------------------------------------------------------------------------------------------


def test_appraisal_exports_hold_the_rows_with_nip_as_text(client, factories):
    period, desk = make_period(min_n=2), make_desk()
    first, second = make_officer(unit=desk.unit, name="Ani"), make_officer(unit=desk.unit, name="Budi")
    for face in (4, 4, 3):
        add_vote(period, desk, first, face)
    add_vote(period, desk, second, 2)
    add_vote(period, desk, None, 1)  # unattributed: the unit's, nobody's sheet
    db.session.commit()
    sign_in(client, make_user(Role.ADMIN))
    book = load_workbook(
        io.BytesIO(client.get(f"/admin/reports/{period.id}/units/{desk.unit_id}/appraisals.xlsx").data)
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "NIP" and len(rows) == 3
    by_nip = {row[0]: row for row in rows[1:]}
    assert set(by_nip) == {first.nip, second.nip}
    assert isinstance(rows[1][0], str) and len(rows[1][0]) == 18
    ani = by_nip[first.nip]
    assert ani[1] == "Ani" and ani[9] == 3 and ani[11] == pytest.approx(91.67)
    assert ani[14] == "A"
    assert by_nip[second.nip][11] is None  # one vote: not enough data, no number
    assert book.active["A2"].number_format == "@"

    text = client.get(f"/admin/reports/{period.id}/units/{desk.unit_id}/appraisals.csv").data.decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0][0] == "NIP" and {r[0] for r in parsed[1:]} == {first.nip, second.nip}
    assert next(r for r in parsed if r[0] == first.nip)[11] == "91.67"


def test_the_skm_report_opens_with_the_published_table(client, factories):
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    add_survey(period, desk, officer, [4, 3, 3, 3, 3, 3, 3, 3, 2], gender="P")
    add_survey(period, desk, officer, [4, 4, 3, 3, 3, 3, 3, 3, 3], gender="L")
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=desk.unit))
    book = load_workbook(io.BytesIO(client.get(f"/admin/reports/{period.id}/units/{desk.unit_id}/skm.xlsx").data))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "U1" and rows[1][5] == 4.0 and rows[9][1] == "U9" and rows[9][5] == 2.5
    ikm_row = next(r for r in rows if r[2] == "IKM (jumlah × 25)")
    expected = scoring.display(
        scoring.ikm(
            {"U1": 4, "U2": Fraction(7, 2), "U3": 3, "U4": 3, "U5": 3, "U6": 3, "U7": 3, "U8": 3, "U9": Fraction(5, 2)}
        )
    )
    assert ikm_row[7] == float(expected)
    assert [ws.title for ws in book.worksheets][:3] == ["Hasil SKM", "Per loket", "Per layanan"]
    printable = client.get(f"/admin/reports/{period.id}/units/{desk.unit_id}/skm").get_data(as_text=True)
    assert str(expected) in printable


# --- The public results page ------------------------------------------------------------------------------


def test_public_results_show_closed_periods_without_officers(client, factories):
    admin = make_user(Role.ADMIN)
    today = NOW.date()
    old = make_period(starts_on=today - timedelta(days=200), ends_on=today - timedelta(days=101), min_n=1)
    current = make_period(starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=10))
    desk = make_desk()
    officer = make_officer(unit=desk.unit, name="Siti Nama Rahasia")
    add_survey(old, desk, officer, [4] * 9)
    add_survey(current, desk, officer, [1] * 9)
    db.session.commit()
    page = client.get(f"/hasil/{desk.unit.code}").get_data(as_text=True)
    assert "Belum ada hasil" in page or "No results" in page
    close_period(old, admin)
    db.session.commit()
    page = client.get(f"/hasil/{desk.unit.code}").get_data(as_text=True)
    assert old.name in page and current.name not in page
    assert "100.00" in page and "Siti" not in page
    assert "<svg" in page and "<desc" in page
    assert client.get("/hasil/tidak-ada").status_code == 404


def test_the_period_picker_keeps_the_unit_or_the_officer(client, factories):
    today = NOW.date()
    old = make_period(starts_on=today - timedelta(days=200), ends_on=today - timedelta(days=101))
    make_period(starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=10))
    officer = make_officer()
    sign_in(client, make_user(Role.SUPERVISOR, unit=officer.unit))
    page = client.get(f"/admin/reports?period={old.id}&unit={officer.unit_id}")
    assert page.headers["Location"].endswith(f"/admin/reports/{old.id}/units/{officer.unit_id}")
    page = client.get(f"/admin/reports?period={old.id}&officer={officer.id}")
    assert page.headers["Location"].endswith(f"/admin/reports/{old.id}/officers/{officer.id}")
    html = client.get(f"/admin/reports/{old.id}/units/{officer.unit_id}").get_data(as_text=True)
    assert f'name="unit" value="{officer.unit_id}"' in html


def test_the_overview_of_a_closed_period_is_frozen_too(client, factories):
    admin = make_user(Role.ADMIN)
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    add_vote(period, desk, officer, 4)
    db.session.commit()
    close_period(period, admin)
    db.session.commit()
    # The data changes after the close (written as every response is): the overview does not.
    flag_response(db.session.scalars(sa.select(Response)).one(), Flag.DISPUTE_UPHELD)
    add_vote(period, desk, officer, 1)
    db.session.commit()
    assert unit_overview(period)[desk.unit_id]["combined"]["value"] == 100
    sign_in(client, admin)
    page = client.get(f"/admin/reports?period={period.id}").get_data(as_text=True)
    assert desk.unit.name in page and "100.00" in page
