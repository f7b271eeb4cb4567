"""Fair scores on the sheets and reports (issue 13, item 5), against hand-computed values: an
officer's survey score is the IKM of his own SKM table; a channel below the minimum n stays out
of the combined score; the ranking's prior keeps a handful of perfect votes below a steady
officer whatever minimum n a unit sets. The demo's officer of the period rests on channels with
enough data."""

from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from appraisal.policy import policy_of
from core.db import db
from demo.data import load_demo
from reports.queries import compute_officer_sheet, compute_unit_report, officer_rows, period_report, ranking
from tests.factories import add_survey, add_vote, make_desk, make_officer, make_period, skm_indicators


def configure_weights(weights):
    for indicator, weight in zip(skm_indicators(), weights):
        indicator.weight = weight


def test_the_survey_score_is_the_ikm_of_the_officers_own_table_with_configured_weights(factories):
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    # U1 weighs 0.2, U2..U9 0.1 each.
    configure_weights([Decimal("0.2")] + [Decimal("0.1")] * 8)
    add_survey(period, desk, officer, [4, 1, 1, 1, 1, 1, 1, 1, 1])
    add_survey(period, desk, officer, [4, 3, 3, 3, 3, 3, 3, 3, 3])
    db.session.commit()
    # NRR: U1 (4 + 4) / 2 = 4; U2..U9 (1 + 3) / 2 = 2.
    # IKM = (0.2 x 4 + 8 x 0.1 x 2) x 25 = (0.8 + 1.6) x 25 = 60.
    # The plain mean of the responses: (12/9 + 28/9) / 2 = 20/9 -> x 25 = 55.56.
    sheet = compute_officer_sheet(period, officer)
    assert sheet["skm"]["ikm"] == 60
    assert sheet["qr"]["value"] == 60 and sheet["qr"]["n"] == 2
    assert sheet["combined"]["value"] == 60  # the survey alone: the kiosk has no vote
    # The same number wherever the officer's survey score is shown.
    policy = policy_of(period)
    row = next(r for r in officer_rows(period, policy, desk.unit_id) if r["officer_id"] == officer.id)
    assert row["qr"]["value"] == 60
    row = next(r for r in period_report(period)["officers"] if r["officer_id"] == officer.id)
    assert row["qr"]["value"] == 60
    report = compute_unit_report(period, desk.unit)
    assert report["officers"][0]["qr"]["value"] == 60 == report["qr"]["value"] == report["skm"]["ikm"]
    assert report["desks"][0]["qr"]["value"] == 60


def test_a_channel_below_the_minimum_does_not_carry_its_weight(factories):
    period, desk = make_period(min_n=5, qr_weight_pct=70), make_desk()
    officer = make_officer(unit=desk.unit)
    for _ in range(4):
        add_survey(period, desk, officer, [1] * 9)  # 4 surveys at 25: below 5
    for _ in range(5):
        add_vote(period, desk, officer, 4)  # 5 votes at 100
    db.session.commit()
    # Before: 0.7 x 25 + 0.3 x 100 = 47.5 (D, "di bawah") from a survey the sheet calls
    # insufficient. Now the kiosk alone, its 0.3 renormalised to 1: 100, n = 5, A, "di atas".
    sheet = compute_officer_sheet(period, officer)
    assert sheet["qr"]["value"] == 25 and sheet["qr"]["enough"] is False
    combined = sheet["combined"]
    assert (combined["value"], combined["n"], combined["grade"], combined["suggested"]) == (100, 5, "A", "di_atas")
    assert combined["from"] == ["kiosk"]
    # A fifth survey lets it in: 0.7 x 25 + 0.3 x 100 = 17.5 + 30 = 47.5, n = 10.
    add_survey(period, desk, officer, [1] * 9)
    db.session.commit()
    combined = compute_officer_sheet(period, officer)["combined"]
    assert (combined["value"], combined["n"], combined["grade"], combined["suggested"]) == (
        Fraction("47.5"),
        10,
        "D",
        "di_bawah",
    )
    assert combined["from"] == ["qr", "kiosk"]


def test_a_handful_of_perfect_votes_stays_below_a_steady_officer_at_a_minimum_of_three(factories):
    period, desk = make_period(min_n=3), make_desk()
    lucky, steady, weak, strong = (
        make_officer(unit=desk.unit, name=name) for name in ("Lucky", "Steady", "Weak", "Strong")
    )
    for _ in range(3):
        add_vote(period, desk, lucky, 4)
    for i in range(200):
        add_vote(period, desk, steady, 4 if i % 4 else 3)  # 150 fours and 50 threes: 3.75 -> 93.75
    for i in range(100):
        add_vote(period, desk, weak, 1 if i < 60 else 2)  # 1.4 -> 35
    for i in range(100):
        add_vote(period, desk, strong, 4 if i < 90 else 3)  # 3.9 -> 97.5
    db.session.commit()
    # The officers are far apart, so the data's own k is below 2; the ranking's k is 30.
    # Unit: 403 votes, sum 12 + 750 + 140 + 390 = 1292 -> prior 1292 / 403 x 25 = 32300 / 403 = 80.149
    #   Lucky:  (3 x 100 + 30 x 80.149) / 33     = (300 + 2404.47) / 33     = 81.954
    #   Steady: (200 x 93.75 + 30 x 80.149) / 230 = (18750 + 2404.47) / 230 = 91.976
    #   Strong: (100 x 97.5 + 30 x 80.149) / 130  = (9750 + 2404.47) / 130  = 93.496
    #   Weak:   (100 x 35 + 30 x 80.149) / 130    = (3500 + 2404.47) / 130  = 45.419
    prior = Fraction(32300, 403)
    rows = {row["name"]: row for row in officer_rows(period, policy_of(period), desk.unit_id)}
    assert rows["Lucky"]["rank_score"] == (300 + 30 * prior) / 33
    assert rows["Steady"]["rank_score"] == (200 * Fraction("93.75") + 30 * prior) / 230
    assert float(rows["Lucky"]["rank_score"]) == pytest.approx(81.954, abs=0.001)
    assert float(rows["Steady"]["rank_score"]) == pytest.approx(91.976, abs=0.001)
    assert [row["name"] for row in ranking(list(rows.values()))] == ["Strong", "Steady", "Lucky", "Weak"]


def test_the_demos_officer_of_the_period_rests_on_channels_with_enough_data(factories):
    load_demo(7, datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc))
    db.session.commit()
    period = db.session.scalar(sa.select(Period).where(Period.status == PeriodStatus.OPEN))
    report = period_report(period)
    min_n = report["policy"]["min_n"]
    ranked = ranking(report["officers"])
    assert ranked
    for row in ranked:
        for channel in ("qr", "kiosk"):
            # A channel enters exactly when it has the minimum number of responses of its own.
            assert (channel in row["combined"]["from"]) == (row[channel]["n"] >= min_n), (row["name"], channel)
    best = ranked[0]
    # The survey of this demo quarter is thin (about one survey per two shifts): it does not
    # enter, and the officer of the period is ranked on the kiosk alone.
    assert best["qr"]["n"] < min_n and best["combined"]["from"] == ["kiosk"]
    assert best["combined"]["value"] == best["kiosk"]["value"]
