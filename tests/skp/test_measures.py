"""A bound row's realisation is the report's own figure (issue 15, item 3): each measure read by
skp.measures equals what the officer's sheet and the unit's report show, computed by the
reports' own functions; a closed period's figure is frozen with its snapshot, and a response
that arrives later does not move it."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from appraisal import scoring
from core.db import db
from core.responses import Channel, Flag, Response
from org.models import Role, Unit
from reports.closing import close_period, reopen_period
from reports.queries import compute_officer_sheet, compute_unit_report
from reports.snapshots import officer_sheet, unit_report
from skp.measures import figure, figures
from skp.models import Measure
from skp.realisation import page_context
from tests.factories import (
    add_survey,
    add_vote,
    make_desk,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_user,
)

ALL = list(Measure)


@pytest.fixture
def office(ctx):
    """An officer with 6 kiosk votes, 4 counted printed-code surveys, 3 counted verified surveys
    and 2 left-out responses in an open period whose minimum n is 3; another officer of the same
    unit adds to the unit's IKM only."""
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    colleague = make_officer(unit=desk.unit)
    period = make_period(min_n=3)
    for face in (4, 4, 3, 4, 2, 4):
        add_vote(period, desk, officer, face)
    for answers in ([4] * 9, [3] * 9, [4, 3, 4, 3, 4, 3, 4, 3, 4], [2] * 9):
        add_survey(period, desk, officer, answers)
    for answers in ([4] * 9, [3] * 9, [4] * 9):
        add_survey(period, desk, officer, answers, verified=True)
    add_survey(period, desk, officer, [1] * 9, verified=True, flags=Flag.REPEAT)
    add_vote(period, desk, officer, 1, flags=Flag.BURST)
    for answers in ([3] * 9, [2] * 9, [4] * 9):
        add_survey(period, desk, colleague, answers)
    admin = make_user(Role.ADMIN)
    return {"desk": desk, "officer": officer, "period": period, "admin": admin}


def _reports_figures(period, officer) -> dict:
    """The same four figures, read by the reports' own functions and plain counting."""
    sheet = compute_officer_sheet(period, officer)
    report = compute_unit_report(period, db.session.get(Unit, officer.unit_id))
    counted = db.session.execute(
        sa.select(Response.channel, Response.verified, sa.func.count())
        .where(Response.period_id == period.id, Response.officer_id == officer.id, Response.excluded.is_(False))
        .group_by(Response.channel, Response.verified)
    ).all()
    surveys = sum(n for channel, _, n in counted if Channel(channel) == Channel.QR)
    verified = sum(n for channel, ver, n in counted if Channel(channel) == Channel.QR and ver)
    return {
        Measure.OFFICER_SATISFACTION: scoring.display(sheet["combined"]["value"]),
        Measure.UNIT_IKM: scoring.display(report["headline"]["ikm"]),
        Measure.SERVICES_RATED: Decimal(sum(n for *_, n in counted)),
        Measure.VERIFIED_SHARE: scoring.display(scoring.Fraction(100 * verified, surveys)),
    }


def test_each_bound_figure_equals_the_reports_figure(office):
    officer, period = office["officer"], office["period"]
    found = figures(officer, period, ALL)
    expected = _reports_figures(period, officer)
    assert {m: f.value for m, f in found.items()} == expected
    # The numbers themselves, as a person checks them: 13 counted (6 + 4 + 3), 3 of 7 surveys verified.
    assert found[Measure.SERVICES_RATED].value == Decimal(13)
    assert found[Measure.VERIFIED_SHARE].value == Decimal("42.86")
    assert all(f.reason is None and not f.frozen for f in found.values())
    # Rounded as published: two decimals for a score, a whole number for a count.
    assert found[Measure.OFFICER_SATISFACTION].value.as_tuple().exponent == -2
    assert found[Measure.SERVICES_RATED].value.as_tuple().exponent == 0
    # One measure at a time gives the same.
    assert figure(Measure.UNIT_IKM, officer, period).value == expected[Measure.UNIT_IKM]


def test_a_bound_row_on_the_page_shows_the_reports_figure(office):
    officer, period = office["officer"], office["period"]
    skp = make_skp(officer, year=period.starts_on.year)
    rows = {m: make_result(skp, measure=m, target=Decimal("80")) for m in ALL}
    plain = make_result(skp, description="Surat keluar")
    user = make_user(Role.OFFICER, officer=officer)
    context = page_context(skp, period, user)
    by_id = {row["result"].id: row for row in context["rows"]}
    expected = _reports_figures(period, officer)
    for measure, result in rows.items():
        row = by_id[result.id]
        assert row["bound"] and row["achieved"] == expected[measure] == row["figure"].value
    assert not by_id[plain.id]["bound"] and by_id[plain.id]["achieved"] is None


def test_not_enough_data_gives_no_figure_and_says_why(ctx):
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    period = make_period(min_n=5)
    add_vote(period, desk, officer, 4)
    add_vote(period, desk, officer, 3)
    found = figures(officer, period, ALL)
    assert officer_sheet(period, officer)["combined"]["enough"] is False
    assert found[Measure.OFFICER_SATISFACTION].value is None
    assert found[Measure.OFFICER_SATISFACTION].reason == "Data belum cukup"
    with force_locale("en"):
        assert figure(Measure.OFFICER_SATISFACTION, officer, period).reason == "Not enough data"
    assert found[Measure.UNIT_IKM].value is None
    assert found[Measure.SERVICES_RATED].value == Decimal(2)
    # Kiosk votes only: no survey to take a verified share of.
    assert found[Measure.VERIFIED_SHARE].value is None and found[Measure.VERIFIED_SHARE].reason


def test_a_closed_periods_figures_are_frozen_and_a_later_response_does_not_move_them(office):
    officer, period, desk, admin = office["officer"], office["period"], office["desk"], office["admin"]
    before = figures(officer, period, ALL)
    close_period(period, admin)
    db.session.commit()
    frozen = figures(officer, period, ALL)
    assert {m: f.value for m, f in frozen.items()} == {m: f.value for m, f in before.items()}
    assert all(f.frozen for f in frozen.values())
    # Equal to the frozen snapshots the reports read.
    sheet = officer_sheet(period, officer)
    assert sheet["frozen"] is True
    assert frozen[Measure.OFFICER_SATISFACTION].value == scoring.display(sheet["combined"]["value"])
    report = unit_report(period, db.session.get(Unit, officer.unit_id))
    assert frozen[Measure.UNIT_IKM].value == scoring.display(report["headline"]["ikm"])

    # A response stored in the closed period afterwards (written directly, as no channel would):
    # the live numbers move, the frozen figures do not.
    for _ in range(3):
        add_survey(period, desk, officer, [1] * 9, verified=True)
    db.session.commit()
    live = compute_officer_sheet(period, officer)
    assert sum(live["provenance"]["counted"].values()) == 16
    assert scoring.display(live["combined"]["value"]) != frozen[Measure.OFFICER_SATISFACTION].value
    after = figures(officer, period, ALL)
    assert {m: f.value for m, f in after.items()} == {m: f.value for m, f in frozen.items()}

    # Reopened, the figures are today's again.
    reopen_period(period, admin, "Koreksi data")
    db.session.commit()
    reopened = figures(officer, period, ALL)
    assert reopened[Measure.SERVICES_RATED].value == Decimal(16)
    assert not reopened[Measure.SERVICES_RATED].frozen
