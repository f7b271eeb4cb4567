"""A unit's opening hours: set per weekday with their checks, audited, and used by ``is_open``;
the unit's lobby setting on its edit form."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from core.db import db
from core.errors import AccessDenied
from org.models import OpeningHours, Role, Unit
from org.roster import DEFAULT_HOURS, RosterError, hours_of, is_open, set_hours
from tests.factories import audit_entries, make_unit, make_user, post, sign_in, text

WITA = ZoneInfo("Asia/Makassar")
MONDAY, SATURDAY = date(2026, 12, 7), date(2026, 12, 12)


@pytest.fixture
def unit(ctx):
    return make_unit(name="Kantor Makassar", timezone="Asia/Makassar")


def test_a_unit_without_hours_keeps_the_default(unit):
    assert hours_of(unit) == DEFAULT_HOURS
    assert is_open(unit, datetime.combine(MONDAY, time(8), WITA))
    assert not is_open(unit, datetime.combine(MONDAY, time(16), WITA))
    assert not is_open(unit, datetime.combine(SATURDAY, time(10), WITA))


def test_hours_are_set_per_weekday_in_local_time_and_audited(unit, counter):
    boss = make_user(Role.SUPERVISOR, unit=unit)
    week = {day: (time(7, 30), time(15)) for day in range(5)} | {5: (time(8), time(12)), 6: (None, None)}
    set_hours(boss, unit, week)
    assert hours_of(unit) == {day: span for day, span in week.items() if day != 6}
    assert counter(OpeningHours) == 6
    # 11:00 WITA on Saturday is 03:00 UTC.
    assert is_open(unit, datetime(2026, 12, 12, 3, tzinfo=timezone.utc))
    assert not is_open(unit, datetime.combine(SATURDAY, time(12), WITA))
    (entry,) = audit_entries(entity="opening_hours")
    assert entry.before["hours"]["0"] == "08:00-16:00" and entry.after["hours"]["5"] == "08:00-12:00"
    # The same hours again change nothing and log nothing.
    set_hours(boss, unit, week)
    assert len(audit_entries(entity="opening_hours")) == 1


@pytest.mark.parametrize(
    ("week", "code"),
    [
        ({0: (time(16), time(8))}, "hours_span"),
        ({0: (time(8), time(8))}, "hours_span"),
        ({0: (time(8), None)}, "hours_partial"),
        ({}, "hours_none"),
    ],
)
def test_bad_hours_are_refused_and_change_nothing(unit, counter, week, code):
    boss = make_user(Role.SUPERVISOR, unit=unit)
    with pytest.raises(RosterError) as refused:
        set_hours(boss, unit, week)
    assert refused.value.code == code and refused.value.status == 422
    assert counter(OpeningHours) == 0 and audit_entries(entity="opening_hours") == []


def test_another_units_supervisor_cannot_set_hours(unit, counter):
    with pytest.raises(AccessDenied):
        set_hours(make_user(Role.SUPERVISOR, unit=make_unit()), unit, {0: (time(8), time(12))})
    assert counter(OpeningHours) == 0


def test_the_hours_form_on_the_roster_page(client, unit, counter):
    sign_in(client, make_user(Role.SUPERVISOR, unit=unit))
    client.set_cookie("lang", "en")
    page = text(client.get(f"/admin/units/{unit.id}/roster"))
    assert 'name="opens_0" type="time" value="08:00"' in page and 'name="opens_5" type="time" value=""' in page

    path = f"/admin/units/{unit.id}/hours"
    data = {f"opens_{d}": "07:00" for d in range(5)} | {f"closes_{d}": "14:00" for d in range(5)}
    saved = post(client, path, data, htmx=True)
    assert saved.status_code == 200 and "Opening hours saved." in text(saved)
    assert saved.headers["HX-Trigger"] == "hours-changed"
    assert hours_of(unit)[4] == (time(7), time(14)) and 5 not in hours_of(unit)

    bad = post(client, path, {**data, "closes_2": "06:00"}, htmx=True)
    assert bad.status_code == 422 and "Wednesday: the closing time must be after the opening time." in text(bad)
    partial = post(client, path, {**data, "closes_1": ""}, htmx=True)
    assert partial.status_code == 422 and "Tuesday: give both" in text(partial)
    typo = post(client, path, {**data, "opens_0": "jam 7"}, htmx=True)
    assert typo.status_code == 422 and "Enter a time as HH:MM" in text(typo)
    assert hours_of(unit)[2] == (time(7), time(14)) and hours_of(unit)[1] == (time(7), time(14))

    plain = post(client, path, data)
    assert plain.status_code == 303 and plain.headers["Location"] == f"/admin/units/{unit.id}/roster"


def test_the_lobby_award_checkbox_on_the_units_form(client, unit):
    sign_in(client, make_user(Role.ADMIN))
    client.set_cookie("lang", "en")
    edit = text(client.get(f"/admin/units/{unit.id}/edit", headers={"HX-Request": "true"}))
    assert "Show the officer of the month on the lobby screen" in edit and 'name="lobby_shows_award"' in edit
    values = dict(code=unit.code, name=unit.name, address="", timezone="Asia/Makassar", max_votes_per_hour="30")
    post(client, f"/admin/units/{unit.id}/edit", {**values, "lobby_shows_award": "1"}, htmx=True)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).lobby_shows_award is True
    (entry,) = audit_entries(entity="unit", action="update")
    assert entry.after == {"lobby_shows_award": True}
    post(client, f"/admin/units/{unit.id}/edit", values, htmx=True)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).lobby_shows_award is False
