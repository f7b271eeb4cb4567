"""The sheet and the exports read the database a fixed number of times, however many periods or
units they cover: closed periods' snapshots are read at once, and what a page has computed is
not computed again."""

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from appraisal.models import PeriodStatus
from core.db import db
from core.responses import EXCLUDING_FLAGS, FLAG_LABELS, Flag
from org.models import Role
from reports import views
from reports.admin_views import FLAG_LABELS_BY_KEY
from reports.closing import close_period
from reports.queries import COUNTED_FLAGS
from reports.snapshots import officer_sheet, officer_trend, unit_report
from tests.factories import (
    NOW,
    add_survey,
    add_vote,
    make_desk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    sign_in,
)


def queries_of(client, path: str) -> tuple[int, bytes]:
    """How many statements one GET of ``path`` runs (after a first GET), and its body."""
    client.get(path)
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, path
    return len(statements), response.data


def _past_period(weeks_ago: int, status=PeriodStatus.OPEN):
    """A period of four weeks ending ``weeks_ago`` weeks before the current one starts."""
    ends = NOW.date() - timedelta(days=46 + 28 * (weeks_ago - 1))
    return make_period(starts_on=ends - timedelta(days=27), ends_on=ends, status=status, min_n=1)


def _respond(period, desk, officer, face: int = 3):
    at = NOW.replace(year=period.starts_on.year, month=period.starts_on.month, day=period.starts_on.day)
    add_vote(period, desk, officer, face, at=at)
    add_survey(period, desk, officer, [face] * 9, at=at)


def test_the_sheet_reads_every_closed_period_of_its_trend_at_once(client, factories):
    admin = make_user(Role.ADMIN)
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    current = make_period(min_n=1)
    _respond(current, desk, officer, 4)
    past = []

    def close_more(count: int):
        for _ in range(count):
            period = _past_period(len(past) + 1)
            _respond(period, desk, officer, 1 + len(past) % 4)
            db.session.commit()
            close_period(period, admin)
            db.session.commit()
            past.append(period)

    close_more(2)
    sign_in(client, admin)
    path = f"/admin/reports/{current.id}/officers/{officer.id}"
    few, _page = queries_of(client, path)
    close_more(3)
    many, _page = queries_of(client, path)
    assert many == few
    trend = officer_trend(officer, current)
    assert [point["period_id"] for point in trend] == [p.id for p in reversed(past)] + [current.id]
    assert [point["value"] for point in trend] == [
        officer_sheet(p, officer)["combined"]["value"] for p in reversed(past)
    ] + [100]


def test_the_trend_of_a_closed_period_without_the_officer_is_computed_as_the_sheet_is(factories):
    admin = make_user(Role.ADMIN)
    desk = make_desk()
    officer, newcomer = make_officer(unit=desk.unit), make_officer(unit=desk.unit)
    old = _past_period(1)
    _respond(old, desk, officer)
    current = make_period(min_n=1)
    _respond(current, desk, newcomer, 2)
    db.session.commit()
    close_period(old, admin)
    db.session.commit()
    sheet = officer_sheet(current, newcomer)
    given = officer_trend(newcomer, current, sheet)
    assert given == officer_trend(newcomer, current)
    assert [(p["period_id"], p["n"]) for p in given] == [(old.id, 0), (current.id, 2)]


def test_the_appraisal_export_of_a_closed_period_reads_every_unit_at_once(client, factories):
    admin = make_user(Role.ADMIN)
    period = make_period(min_n=1)
    units = []

    def add_units(count: int):
        for _ in range(count):
            desk = make_desk(unit=make_unit())
            _respond(period, desk, make_officer(unit=desk.unit))
            units.append(desk.unit)
        db.session.commit()

    add_units(2)
    make_unit()  # no responses, so no snapshot: its rows are computed, and are none
    close_period(period, admin)
    db.session.commit()
    sign_in(client, admin)
    path = f"/admin/reports/{period.id}/appraisals.csv"
    few, _body = queries_of(client, path)
    period.status = PeriodStatus.OPEN
    add_units(3)
    db.session.commit()
    close_period(period, admin)
    db.session.commit()
    many, body = queries_of(client, path)
    assert many == few
    rows = body.decode("utf-8-sig").splitlines()[1:]
    officers = [row for unit in units for row in unit_report(period, unit)["officers"]]
    assert sorted(row.split(",")[0] for row in rows) == sorted(row["nip"] for row in officers)


def test_every_flag_that_leaves_a_response_out_has_a_label():
    assert set(FLAG_LABELS) == set(COUNTED_FLAGS) == {flag for flag in Flag if flag & EXCLUDING_FLAGS}
    assert set(FLAG_LABELS_BY_KEY) == {
        "repeat",
        "burst",
        "duty_start",
        "dispute_upheld",
        "rate_limited",
        "late",
        "over_rate",
        "regular",
        "no_period",
    }


def test_the_public_page_brings_the_filters_it_shows_numbers_with():
    app = Flask(__name__)
    app.register_blueprint(views.bp)
    assert {"num", "grade_label", "rating_label"} <= set(app.jinja_env.filters)
