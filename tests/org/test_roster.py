"""The planned roster: shifts (with their refusals), copying a week, the week view's pages, and
the duties that end by themselves at closing time."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from core.audit import AuditLog
from core.db import db
from core.errors import AccessDenied
from core.responses import Response
from org.duty import duty_at, start_duty
from org.models import Duty, Role, Shift
from org.roster import (
    RosterError,
    add_shift,
    closing_after,
    copy_week,
    end_overdue_duties,
    hours_of,
    remove_shift,
    week_view,
)
from tests.factories import (
    add_vote,
    audit_entries,
    make_desk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    sign_in,
    text,
)

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = date(2026, 12, 7)  # a Monday
SATURDAY = date(2026, 12, 12)


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), WIB).astimezone(timezone.utc)


@pytest.fixture
def office(ctx):
    unit = make_unit(name="Kantor Samsat", timezone="Asia/Jakarta")
    desk_a, desk_b = make_desk(unit, name="Loket A"), make_desk(unit, name="Loket B")
    siti, budi = make_officer(unit, name="Siti"), make_officer(unit, name="Budi")
    boss = make_user(Role.SUPERVISOR, unit=unit)
    return dict(unit=unit, a=desk_a, b=desk_b, siti=siti, budi=budi, boss=boss)


def shifts() -> list[tuple]:
    db.session.expire_all()
    return [
        (s.desk.name, s.officer.name, s.starts_at, s.ends_at)
        for s in db.session.scalars(sa.select(Shift).order_by(Shift.starts_at, Shift.id))
    ]


# --- Shifts -------------------------------------------------------------------------------------


def test_a_shift_is_planned_in_the_units_local_time_and_audited(office):
    shift = add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    db.session.commit()
    assert shifts() == [("Loket A", "Siti", datetime(2026, 12, 7, 1, tzinfo=timezone.utc), wib(MONDAY, 12))]
    (entry,) = audit_entries(entity="shift")
    assert (entry.action, entry.entity_id, entry.user_id, entry.unit_id) == (
        "create",
        shift.id,
        office["boss"].id,
        office["unit"].id,
    )
    assert entry.after["officer"] == "Siti" and entry.after["starts_at"] == "2026-12-07T01:00:00+00:00"


@pytest.mark.parametrize(
    ("desk", "officer", "start", "end", "code"),
    [
        ("b", "siti", 11, 14, "officer_busy"),  # Siti is already at Loket A until 12:00
        ("a", "budi", 9, 10, "desk_busy"),  # Loket A is taken
        ("a", "budi", 7, 9, "desk_busy"),
        ("a", "budi", 12, 11, "span"),
        ("a", "budi", 12, 12, "span"),
    ],
)
def test_an_overlapping_or_backward_shift_is_refused_and_changes_nothing(office, desk, officer, start, end, code):
    add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    db.session.commit()
    before, logged = shifts(), len(audit_entries())
    with pytest.raises(RosterError) as refused:
        add_shift(office["boss"], office[desk], office[officer], wib(MONDAY, start), wib(MONDAY, end))
    db.session.rollback()
    assert refused.value.code == code
    assert refused.value.status == (422 if code == "span" else 409)
    assert shifts() == before and len(audit_entries()) == logged


def test_back_to_back_shifts_do_not_overlap(office):
    add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    add_shift(office["boss"], office["a"], office["budi"], wib(MONDAY, 12), wib(MONDAY, 16))
    add_shift(office["boss"], office["b"], office["siti"], wib(MONDAY, 12), wib(MONDAY, 16))
    db.session.commit()
    assert len(shifts()) == 3


def test_only_the_units_officers_and_managers_plan_its_shifts(office):
    stranger = make_officer(make_unit(), name="Orang Lain")
    other_boss = make_user(Role.SUPERVISOR, unit=make_unit())
    with pytest.raises(RosterError) as refused:
        add_shift(office["boss"], office["a"], stranger, wib(MONDAY, 8), wib(MONDAY, 12))
    assert refused.value.code == "other_unit"
    with pytest.raises(AccessDenied):
        add_shift(other_boss, office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    office["budi"].active = False
    with pytest.raises(RosterError) as refused:
        add_shift(office["boss"], office["a"], office["budi"], wib(MONDAY, 8), wib(MONDAY, 12))
    assert refused.value.code == "inactive_officer"
    with pytest.raises(RosterError) as refused:
        add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 8) + timedelta(hours=25))
    assert refused.value.code == "too_long"
    db.session.rollback()
    assert shifts() == []


def test_removing_a_shift_is_audited(office):
    shift = add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    db.session.commit()
    shift_id = shift.id
    remove_shift(office["boss"], shift)
    db.session.commit()
    assert shifts() == []
    entry = audit_entries(entity="shift", action="delete")[0]
    assert entry.entity_id == shift_id and entry.before["desk"] == "Loket A"


# --- Copying a week -----------------------------------------------------------------------------


def test_copying_last_week_keeps_weekdays_and_local_times_and_skips_clashes(office):
    boss, a, b, siti, budi = office["boss"], office["a"], office["b"], office["siti"], office["budi"]
    add_shift(boss, a, siti, wib(MONDAY, 8), wib(MONDAY, 12))
    add_shift(boss, b, budi, wib(MONDAY + timedelta(days=2), 13), wib(MONDAY + timedelta(days=2), 16))
    nxt = MONDAY + timedelta(days=7)
    # Already planned next week: Budi at Loket A on Monday morning, which the copy of Siti's
    # shift at Loket A would overlap.
    add_shift(boss, a, budi, wib(nxt, 9), wib(nxt, 10))
    db.session.commit()

    copied = copy_week(boss, office["unit"], MONDAY + timedelta(days=3), nxt + timedelta(days=4))
    db.session.commit()
    assert len(copied.made) == 1 and len(copied.skipped) == 1
    skipped, reason = copied.skipped[0]
    assert skipped.officer.name == "Siti" and "Loket A" in reason
    assert shifts()[-2:] == [
        ("Loket A", "Budi", wib(nxt, 9), wib(nxt, 10)),
        ("Loket B", "Budi", wib(nxt + timedelta(days=2), 13), wib(nxt + timedelta(days=2), 16)),
    ]
    assert len(audit_entries(entity="shift", action="create")) == 4

    # Copying again makes nothing new: every shift would clash with its own copy.
    again = copy_week(boss, office["unit"], MONDAY, nxt)
    assert again.made == [] and len(again.skipped) == 2


def test_copying_a_week_onto_itself_is_refused(office):
    with pytest.raises(RosterError) as refused:
        copy_week(office["boss"], office["unit"], MONDAY, MONDAY + timedelta(days=6))
    assert refused.value.status == 422


def test_the_week_view_puts_shifts_in_their_local_day(office):
    # 23:00 WIB on Sunday is 16:00 UTC the same day; 06:00 WIB on Monday is 23:00 UTC on Sunday.
    add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 6), wib(MONDAY, 9))
    add_shift(
        office["boss"],
        office["b"],
        office["budi"],
        wib(MONDAY + timedelta(days=6), 22),
        wib(MONDAY + timedelta(days=7), 1),
    )
    db.session.commit()
    week = week_view(office["unit"], MONDAY + timedelta(days=3))
    assert week.monday == MONDAY and week.days[-1] == MONDAY + timedelta(days=6)
    assert [(v.starts, v.ends) for v in week.cell(office["a"], MONDAY)] == [("06:00", "09:00")]
    assert [(v.starts, v.ends) for v in week.cell(office["b"], MONDAY + timedelta(days=6))] == [("22:00", "01:00 +1")]
    assert week.cell(office["a"], MONDAY + timedelta(days=1)) == []


# --- The pages ------------------------------------------------------------------------------------


@pytest.fixture
def boss_client(client, office):
    sign_in(client, office["boss"])
    client.set_cookie("lang", "en")
    return client


def test_the_week_page_and_its_partial(boss_client, office):
    add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    db.session.commit()
    url = f"/admin/units/{office['unit'].id}/roster?week=2026-12-09"
    page = boss_client.get(url)
    assert page.status_code == 200
    html = text(page)
    assert "<html" in html and "WIB (Asia/Jakarta)" in html and "2026-12-07" in html
    assert "08:00–12:00 WIB" in html and "Siti" in html
    # "Who is on duty now" opens the duty roster of this unit (it shows one unit at a time).
    assert f'href="/admin/duty?unit={office["unit"].id}"' in html
    partial = boss_client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in text(partial) and 'id="roster-week"' in text(partial)
    assert "HX-Request" in partial.headers["Vary"]


def test_adding_a_shift_through_the_page_converts_local_times(boss_client, office):
    path = f"/admin/units/{office['unit'].id}/roster/shifts"
    data = dict(desk_id=office["a"].id, officer_id=office["siti"].id, day="2026-12-08", starts="08:00", ends="12:30")
    response = post(boss_client, path, data, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "roster-changed"
    assert "Siti planned at Loket A on 2026-12-08." in text(response)
    assert shifts() == [
        ("Loket A", "Siti", wib(MONDAY + timedelta(days=1), 8), wib(MONDAY + timedelta(days=1), 12, 30))
    ]

    clash = post(boss_client, path, {**data, "desk_id": office["b"].id, "starts": "12:00", "ends": "13:00"}, htmx=True)
    assert clash.status_code == 409 and "Siti already has a shift at Loket A" in text(clash)
    bad = post(boss_client, path, {**data, "starts": "8 pagi"}, htmx=True)
    assert bad.status_code == 422 and "Enter a time as HH:MM" in text(bad)
    assert len(shifts()) == 1

    plain = post(boss_client, path, {**data, "day": "2026-12-09"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/roster?week=2026-12-09")


def test_removing_and_copying_through_the_page(boss_client, office):
    shift = add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    db.session.commit()
    unit_id = office["unit"].id
    copied = post(boss_client, f"/admin/units/{unit_id}/roster/copy", {"week": "2026-12-14"}, htmx=True)
    assert copied.status_code == 200 and "1 shift copied from last week." in text(copied)
    assert len(shifts()) == 2
    again = post(boss_client, f"/admin/units/{unit_id}/roster/copy", {"week": "2026-12-14"}, htmx=True)
    assert "1 shift skipped." in text(again) and "Not copied:" in text(again)
    removed = post(boss_client, f"/admin/units/{unit_id}/roster/shifts/{shift.id}/delete", htmx=True)
    assert removed.status_code == 200 and "Shift of Siti at Loket A removed." in text(removed)
    assert len(shifts()) == 1


def test_another_units_supervisor_cannot_see_or_change_the_roster(client, office):
    shift = add_shift(office["boss"], office["a"], office["siti"], wib(MONDAY, 8), wib(MONDAY, 12))
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=make_unit()))
    unit_id = office["unit"].id
    assert client.get(f"/admin/units/{unit_id}/roster").status_code == 403
    data = dict(desk_id=office["a"].id, officer_id=office["budi"].id, day="2026-12-08", starts="08:00", ends="09:00")
    assert post(client, f"/admin/units/{unit_id}/roster/shifts", data).status_code == 403
    assert post(client, f"/admin/units/{unit_id}/roster/shifts/{shift.id}/delete").status_code == 403
    assert len(shifts()) == 1


# --- Duties that end by themselves ----------------------------------------------------------------


def test_a_duty_open_after_closing_ends_at_the_closing_time(office):
    duty = start_duty(office["a"], office["siti"], wib(MONDAY, 14))
    db.session.commit()
    assert end_overdue_duties(wib(MONDAY, 15, 59)) == []  # still open: the unit has not closed
    ended = end_overdue_duties(wib(MONDAY, 18))
    db.session.commit()
    assert ended == [duty]
    db.session.expire_all()
    assert duty.ended_at == wib(MONDAY, 16) and duty.ended_via == "closing"
    assert duty.ended_at.astimezone(WIB).time() == time(16, 0)
    (entry,) = audit_entries(entity="duty", action="duty_end")
    assert (entry.username, entry.user_id, entry.unit_id) == ("system", None, office["unit"].id)
    assert entry.after == {"ended_at": wib(MONDAY, 16).isoformat(), "ended_via": "closing"}


def test_ending_overdue_duties_is_idempotent(office):
    start_duty(office["a"], office["siti"], wib(MONDAY, 14))
    db.session.commit()
    end_overdue_duties(wib(MONDAY, 18))
    db.session.commit()
    assert end_overdue_duties(wib(MONDAY, 18)) == []
    assert end_overdue_duties(wib(MONDAY + timedelta(days=1), 18)) == []
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 1
    assert db.session.scalar(sa.select(Duty.ended_at)) == wib(MONDAY, 16)


def test_the_units_own_hours_decide_and_a_duty_started_outside_them_ends_at_midnight(office):
    unit = office["unit"]
    hours = hours_of(unit)
    # Started before the doors open: that day's closing.
    assert closing_after(unit, wib(MONDAY, 7), hours) == wib(MONDAY, 16)
    # After closing, and on a closed Saturday: the end of that local day, never a later closing.
    assert closing_after(unit, wib(MONDAY, 17), hours) == wib(MONDAY + timedelta(days=1), 0)
    assert closing_after(unit, wib(SATURDAY, 9), hours) == wib(SATURDAY + timedelta(days=1), 0)

    duty = start_duty(office["b"], office["budi"], wib(SATURDAY, 9))
    db.session.commit()
    assert end_overdue_duties(wib(SATURDAY, 23, 59)) == []
    end_overdue_duties(wib(SATURDAY + timedelta(days=1), 1))
    db.session.commit()
    db.session.expire_all()
    assert duty.ended_at == wib(SATURDAY + timedelta(days=1), 0) and duty.ended_via == "closing"


def test_only_the_desks_asked_for_are_checked(office):
    start_duty(office["a"], office["siti"], wib(MONDAY, 14))
    start_duty(office["b"], office["budi"], wib(MONDAY, 14))
    db.session.commit()
    assert [d.desk_id for d in end_overdue_duties(wib(MONDAY, 18), [office["b"].id])] == [office["b"].id]
    db.session.commit()
    assert office["a"].current_duty() is not None and office["b"].current_duty() is None


def test_votes_after_the_closing_are_not_given_to_the_officer_who_forgot(office):
    period = make_period()
    start_duty(office["a"], office["siti"], wib(MONDAY, 14))
    db.session.commit()
    during = add_vote(period, office["a"], office["siti"], 4, at=wib(MONDAY, 15))
    end_overdue_duties(wib(MONDAY, 18))
    db.session.commit()
    # A vote cast at 17:00 (an offline kiosk sending it later) finds nobody on duty then.
    assert duty_at(office["a"].id, wib(MONDAY, 17)) is None
    assert duty_at(office["a"].id, wib(MONDAY, 15)).officer_id == office["siti"].id
    assert db.session.get(Response, during.id).officer_id == office["siti"].id


def test_the_command_ends_overdue_duties(runner, office):
    start_duty(office["a"], office["siti"], datetime.now(timezone.utc) - timedelta(days=3))
    db.session.commit()
    result = runner.invoke(args=["duty", "end-overdue"])
    assert result.exit_code == 0 and "Duties ended at closing time: 1." in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Duty.ended_via)) == "closing"
    assert "Duties ended at closing time: 0." in runner.invoke(args=["duty", "end-overdue"]).output


def test_the_demo_roster_plans_no_clash(ctx):
    from demo.roster import load_roster_demo

    units = []
    for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"):
        unit = make_unit(timezone=zone)
        for _ in range(3):
            make_desk(unit)
        for _ in range(5):
            make_officer(unit)
        db.session.refresh(unit)
        units.append(unit)
    now = datetime(2026, 12, 9, 3, tzinfo=timezone.utc)
    assert load_roster_demo(now, units).startswith("Roster: opening hours for 3 units")
    planned = db.session.scalars(sa.select(Shift)).all()
    assert planned and all(
        a.officer_id != b.officer_id and a.desk_id != b.desk_id
        for a in planned
        for b in planned
        if a.id < b.id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
    )
    assert hours_of(units[1])[5] == (time(8), time(12)) and not week_view(units[1], MONDAY).empty
