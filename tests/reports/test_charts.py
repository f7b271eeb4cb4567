"""The geometry of the report charts (reports/charts.py): axes ticked at round values, counts
only ever at whole numbers, and the ticks drawn where their values lie; the grade bounds marked
where they lie; and the face-count chart of an appraisal sheet as the page shows it."""

import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import expect

from appraisal import scoring
from core.db import db
from org.models import Role
from reports import charts
from reports.charts import element_chart
from tests.factories import PASSWORD, add_vote, make_desk, make_officer, make_period, make_user, sign_in, text

FACES = ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"]


def faces(counts):
    return charts.bars([(label, count, str(count)) for label, count in zip(FACES, counts)], 0, max(1, *counts))


def labels(chart) -> list[str]:
    return [tick["label"] for tick in chart["ticks"]]


def test_small_counts_are_ticked_in_whole_numbers():
    assert labels(faces([0, 0, 0, 1])) == ["0", "1"]
    assert labels(faces([0, 1, 2, 3])) == ["0", "1", "2", "3"]
    assert labels(faces([0, 0, 2, 7])) == ["0", "2", "4", "6", "8"]
    assert labels(faces([0, 0, 0, 0])) == ["0", "1"]
    # Large counts get round steps too, not fifths of the largest.
    assert labels(faces([12, 40, 377, 1234])) == ["0", "250", "500", "750", "1000", "1250"]


def test_the_bars_keep_their_lengths_on_the_rounded_axis():
    chart = faces([0, 0, 2, 7])  # the axis runs to 8
    plot = chart["plot"]
    assert [row["w"] for row in chart["rows"]] == [0, 0, round(plot * 2 / 8, 1), round(plot * 7 / 8, 1)]
    assert chart["ticks"][0]["x"] == chart["label_width"] and chart["ticks"][-1]["x"] == chart["label_width"] + plot


@given(st.lists(st.integers(0, 10**7), min_size=4, max_size=4))
def test_count_ticks_are_whole_round_evenly_spaced_and_cover_the_largest(counts):
    chart = faces(counts)
    values = [int(label) for label in labels(chart)]  # a "0.5" would not parse
    step = values[1] - values[0]
    assert values[0] == 0 and values == list(range(0, values[-1] + 1, step))
    assert str(step).rstrip("0") in ("1", "2", "25", "5")  # 1, 2, 2.5 or 5 times a power of ten
    assert len(values) <= 6
    top = max(1, *counts)
    assert values[-1] - step < top <= values[-1]  # the axis ends at the first tick past the largest
    left, plot = chart["label_width"], chart["plot"]
    for tick, value in zip(chart["ticks"], values):
        assert abs(tick["x"] - (left + plot * value / values[-1])) <= 0.05


def test_scores_on_the_1_to_4_scale_keep_their_axis_and_grade_lines():
    table = {"elements": [{"code": "U1", "nrr": Fraction(13, 4)}, {"code": "U2", "nrr": Fraction(29, 10)}]}
    chart = element_chart(table, {"U1": "Persyaratan", "U2": "Prosedur"})
    assert labels(chart) == ["1", "2", "3", "4"]
    plot, left = chart["plot"], chart["label_width"]
    assert [row["w"] for row in chart["rows"]] == [round(plot * 9 / 4 / 3, 1), round(plot * 19 / 10 / 3, 1)]
    a, b = (bound / scoring.NILAI_DASAR for bound in scoring.GRADE_LOWER_BOUNDS[:2])
    assert chart["marks"] == [
        {"x": round(float(left + plot * (b - 1) / 3), 1), "label": "B"},
        {"x": round(float(left + plot * (a - 1) / 3), 1), "label": "A"},
    ]


def test_the_trend_is_drawn_on_the_25_to_100_scale_with_the_grade_bounds():
    chart = charts.line([("Q1", Fraction(80), Fraction(75), Fraction(85)), ("Q2", None, None, None)])
    assert [g["label"] for g in chart["grid"]] == ["25", "50", "65", "76.61", "88.31", "100"]
    top, bottom = chart["grid"][-1]["y"], chart["grid"][0]["y"]  # 100 at the top, 25 at the bottom
    for line in chart["grid"]:
        assert line["y"] == round(bottom - (bottom - top) * (float(line["label"]) - 25) / 75, 1)
    assert chart["points"][0]["y"] == round(bottom - (bottom - top) * 55 / 75, 1)
    assert chart["points"][1]["empty"] and chart["path"].count("M") == 1


def test_fractional_scales_get_round_fractional_ticks():
    step, values = charts.axis(0, 1)
    assert step == Fraction(1, 5) and values[-1] == 1
    chart = charts.bars([("a", Fraction(1, 2), "0.5")], 0, Fraction(3, 2))
    assert labels(chart) == ["0.0", "0.5", "1.0", "1.5"]


def test_the_sheet_shows_whole_vote_counts_on_its_axis(client, ctx):
    period, desk = make_period(), make_desk()
    officer = make_officer(unit=desk.unit)
    for face in (4, 4, 3):
        add_vote(period, desk, officer, face)
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=desk.unit))
    page = text(client.get(f"/admin/reports/{period.id}/officers/{officer.id}"))
    figure = re.search(r'<figure class="chart" aria-labelledby="faces-caption">.*?</figure>', page, re.S).group(0)
    assert re.findall(r'class="chart-tick">([^<]*)</text>', figure) == ["0", "1", "2"]
    assert re.findall(r"<td>([^<]*)</td>", figure) == ["0", "0", "1", "2"]  # the data table: votes per face


@pytest.mark.browser
def test_few_votes_drawn_in_chromium(ctx, live_server, browser, screenshot):
    period, desk = make_period(), make_desk()
    officer = make_officer(unit=desk.unit, name="Dewi Lestari")
    for face in (4, 4, 3, 1):
        add_vote(period, desk, officer, face)
    db.session.commit()
    make_user(Role.SUPERVISOR, unit=desk.unit, username="kepala")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("kepala")
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-password").press("Enter")
    page.goto(f"{live_server}/admin/reports/{period.id}/officers/{officer.id}")
    figure = page.locator("figure", has=page.locator("#faces-caption"))
    expect(figure.locator("svg .chart-tick")).to_have_text(["0", "1", "2"])
    screenshot(figure, "chart-faces-few-votes")
    context.close()
