"""Each role's home on the admin area's start page: the supervisor's unit today and in the
period (per desk and officer, with n, as the reports count them) and what needs her; the
officer's own figures and what needs her; every unit at a glance for an administrator."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alerts.models import Alert
from appraisal.disputes import file_dispute
from appraisal.scoring import display
from core.db import db
from core.responses import Response
from home import queries
from org.models import Duty, OpeningHours, Shift
from reports.queries import compute_unit_report, officer_scores
from tests.factories import make_evaluation, make_kiosk, make_skp, sign_in, text
from tests.home.conftest import UNHAPPY


def num(value) -> str:
    return str(display(value))


def test_the_supervisors_figures_match_the_unit_report(rated):
    unit, period = rated["unit"], rated["period"]
    home = queries.unit_home(unit, rated["now"])
    report = compute_unit_report(period, unit)
    assert home.headline == report["headline"]
    assert home.whole.scores["combined"] == report["combined"]
    by_desk = {row["id"]: row for row in report["desks"]}
    for row in home.desks:
        assert row.period.scores["combined"] == by_desk[row.id]["combined"]
    by_officer = {row["officer_id"]: row for row in report["officers"]}
    assert {row.id for row in home.officers} == set(by_officer)
    for row in home.officers:
        assert row.period.scores["combined"] == {
            k: by_officer[row.id]["combined"][k] for k in row.period.scores["combined"]
        }
    # Today: the four faces and two surveys of today, not the two faces of two days ago.
    assert (home.today.counted, home.whole.counted) == (6, 8)
    desk_a = next(row for row in home.desks if row.id == rated["desk_a"].id)
    assert (desk_a.today.counted, desk_a.period.counted) == (4, 5)
    assert desk_a.today.scores["kiosk"]["n"] == 3 and desk_a.period.scores["kiosk"]["n"] == 4


def test_the_supervisors_home_page(client, rated):
    sign_in(client, rated["supervisor"])
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/"))
    unit, period, ani = rated["unit"], rated["period"], rated["ani"]
    report = compute_unit_report(period, unit)
    assert "Kantor Kecamatan Tallo" in page and "(WITA)" in page
    assert num(report["headline"]["ikm"]) in page and "6 ratings" in page
    row = page[page.index(f'id="officer-figures-{ani.id}"') :]
    row = row[: row.index("</tr>")]
    sheet = officer_scores(period, ani)
    assert "Ani Wijayanti" in row and num(sheet["combined"]["value"]) in row
    assert f"n = {sheet['combined']['n']}" in row
    assert f'href="/admin/reports/{period.id}/officers/{ani.id}"' in row
    desk = page[page.index(f'id="desk-figures-{rated["desk_b"].id}"') :]
    assert "Loket Perizinan" in desk[: desk.index("</tr>")]


def test_a_supervisor_sees_only_her_unit(client, rated):
    other = rated["other"]
    db.session.add(Alert(unit_id=other.id, rule="kiosk_silent", subject="kiosk:1", detail={}))
    make_kiosk(rated["other_desk"])
    db.session.commit()
    sign_in(client, rated["supervisor"])
    page = text(client.get("/admin/"))
    for foreign in ("Bontoala", "Citra Lestari", "peringatan terbuka", "kiosk luring"):
        assert foreign not in page
    home = queries.unit_home(rated["unit"], rated["now"])
    assert home.alert_count == 0 and home.kiosks_offline == [] and home.disputes == []


def test_what_needs_the_supervisor(client, rated):
    unit, period, ani, desk_a, desk_b, now = (rated[k] for k in ("unit", "period", "ani", "desk_a", "desk_b", "now"))
    db.session.add(Alert(unit_id=unit.id, rule="unhappy_desk", subject=f"desk:{desk_b.id}", detail=UNHAPPY))
    kiosk, _token = make_kiosk(desk_a)  # paired 90 days ago, silent since
    response = db.session.scalar(sa.select(Response).where(Response.officer_id == ani.id).limit(1))
    dispute = file_dispute(rated["officer"], response, "Bukan saya yang melayani")
    # Today, in the unit's own hours: desk A has a shift and an officer on duty, desk B neither.
    zone = ZoneInfo(unit.timezone)
    local_today = now.astimezone(zone).date()
    for weekday in range(7):
        db.session.add(OpeningHours(unit_id=unit.id, weekday=weekday, opens=time(0, 0), closes=time(23, 59)))
    start = datetime.combine(local_today, time(0, 0), zone).astimezone(timezone.utc)
    db.session.add(Shift(desk_id=desk_a.id, officer_id=ani.id, starts_at=start, ends_at=start + timedelta(hours=23)))
    db.session.add(Duty(desk_id=desk_a.id, officer_id=ani.id, started_at=now - timedelta(minutes=5)))
    db.session.commit()

    home = queries.unit_home(unit, now)
    assert home.alert_count == 1 and [k.id for k in home.kiosks_offline] == [kiosk.id]
    assert [d.id for d in home.disputes] == [dispute.id]
    assert [(g.desk.id, g.no_shift, g.no_duty) for g in home.gaps] == [(desk_b.id, True, True)]

    sign_in(client, rated["supervisor"])
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/"))
    needs = page[page.index(f'id="home-needs-{unit.id}"') :]
    needs = needs[: needs.index("</ul>\n\n")]
    assert "1 open alert" in needs and "Loket Perizinan: 4 of the 5 kiosk votes in the 30 minutes" in needs
    assert "Ani Wijayanti disputes a rating" in needs
    assert f'href="/admin/reports/{period.id}/officers/{ani.id}#disputes"' in needs
    assert "1 kiosk offline" in needs and f"/admin/kiosks?unit={unit.id}&amp;status=offline" in needs
    assert "never heard from" not in needs and "last heard from" in needs and "WITA" in needs
    assert "1 desk with a roster gap today" in needs and "Loket Perizinan: no shift planned today" in needs
    assert "Nothing needs you now." not in needs


def test_nothing_needs_a_quiet_unit(client, office):
    # A Sunday-to-Saturday unit closed all week: no roster gap; no alert, kiosk or dispute.
    sign_in(client, office["supervisor"])
    client.set_cookie("lang", "en")
    db.session.add(OpeningHours(unit_id=office["unit"].id, weekday=0, opens=time(0, 0), closes=time(0, 1)))
    db.session.commit()
    home = queries.unit_home(office["unit"], office["now"])
    weekday = queries.local_day(office["unit"], office["now"]).weekday()
    if weekday != 0:
        assert home.gaps == []
        assert "Nothing needs you now." in text(client.get("/admin/"))


def test_the_officers_home(client, rated):
    ani, period = rated["ani"], rated["period"]
    year = queries.local_day(ani.unit, rated["now"]).year
    skp = make_skp(ani, year=year, agreed=False)
    evaluation = make_evaluation(ani, period)  # signed: hers to acknowledge
    home = queries.officer_home(ani, rated["now"])
    sheet = officer_scores(period, ani)
    # Three faces and a survey today, a face two days ago.
    assert home.whole.scores == sheet and home.whole.counted == 5
    assert home.today.counted == 4
    assert [(t.kind, t.skp.id) for t in home.tasks] == [("agree_plan", skp.id), ("acknowledge", evaluation.skp_id)]

    sign_in(client, rated["officer"])
    client.set_cookie("lang", "en")
    response = client.get("/admin/")
    assert response.status_code == 200  # no longer a redirect to her account
    page = text(response)
    assert "Your figures" in page and num(sheet["combined"]["value"]) in page
    assert f"Agree to your SKP {year}" in page and f'href="/admin/skp/{skp.id}"' in page
    assert f"Your evaluation for {period.name} is signed" in page
    assert f'href="/admin/skp/{evaluation.skp_id}/periods/{period.id}"' in page
    # Only her own: nobody else's name or figures.
    assert "Budi Hartono" not in page and "Every unit at a glance" not in page
    assert "/admin/officers" not in page and "/admin/kiosks" not in page  # nothing she may not use


def test_the_administrators_glance(client, rated):
    unit, other = rated["unit"], rated["other"]
    db.session.add(Alert(unit_id=other.id, rule="kiosk_silent", subject="kiosk:9", detail={}))
    make_kiosk(rated["other_desk"])
    db.session.commit()
    rows = {row.unit.id: row for row in queries.units_at_a_glance([unit, other], rated["now"])}
    assert rows[unit.id].today.counted == 6 and rows[other.id].today.counted == 1
    assert rows[unit.id].headline == compute_unit_report(rated["period"], unit)["headline"]
    assert (rows[other.id].alerts, rows[other.id].kiosks_offline, rows[unit.id].alerts) == (1, 1, 0)

    sign_in(client, rated["admin"])
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/"))
    assert "Every unit at a glance" in page
    row = page[page.index(f'id="glance-{other.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Kantor Kecamatan Bontoala" in row and "(WIB)" in row
    assert f"/admin/kiosks?unit={other.id}&amp;status=offline" in row


def test_the_homes_read_in_a_bounded_number_of_queries(rated, app):
    """Grouped reads: ten more officers with ratings add no query."""
    from sqlalchemy import event

    from tests.factories import add_vote, make_officer

    def count(fn) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    def read():
        db.session.expire_all()
        queries.unit_home(rated["unit"], rated["now"])
        queries.units_at_a_glance([rated["unit"], rated["other"]], rated["now"])

    before = count(read)
    for i in range(10):
        officer = make_officer(rated["unit"], name=f"Petugas Tambahan {i}")
        add_vote(rated["period"], rated["desk_b"], officer, 4, at=rated["now"])
    db.session.commit()
    assert count(read) == before


def test_the_skp_work_waiting_for_a_supervisor(client, rated):
    """Her team's plans to agree, evaluations due, and objections she decides as the superior."""
    from org.models import Role
    from skp.models import Objection, SkpStatus
    from tests.factories import make_line, make_officer, make_user

    unit, period, ani, budi, now = rated["unit"], rated["period"], rated["ani"], rated["budi"], rated["now"]
    head = make_officer(unit, name="Rina Kepala")
    deputy = make_officer(unit, name="Dodi Wakil")
    user = make_user(Role.SUPERVISOR, unit=unit, officer=head, username="rina")
    make_line(ani, head)  # Rina appraises Ani
    make_line(budi, deputy, head)  # Dodi appraises Budi; Rina decides his objections
    day = queries.local_day(unit, now)
    plan = make_skp(ani, year=day.year, agreed=False, officer_agreed_at=now)
    objected = make_evaluation(budi, period, status="objected", appraiser=deputy, superior=head)
    db.session.add(Objection(evaluation_id=objected.id, reason="Nilai terlalu rendah"))
    # The period ends in three days: its evaluations are due.
    period.ends_on = day + timedelta(days=3)
    db.session.commit()

    tasks = queries.supervisor_home(user, [unit], now).tasks
    kinds = [(t.kind, t.skp.officer_id) for t in tasks]
    assert ("decide_objection", budi.id) in kinds and ("agree_plan", ani.id) in kinds
    # Ani's plan is not agreed yet: no evaluation is due for it; an agreed one is.
    assert ("evaluate", ani.id) not in kinds
    plan.status, plan.appraiser_agreed_at = SkpStatus.AGREED, now
    db.session.commit()
    tasks = queries.supervisor_home(user, [unit], now).tasks
    assert ("evaluate", ani.id) in [(t.kind, t.skp.officer_id) for t in tasks]
    # Dodi, not Rina, evaluates Budi: nothing of his evaluation is hers but the objection.
    assert all(t.skp.officer_id != budi.id or t.kind == "decide_objection" for t in tasks)

    sign_in(client, user)
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/"))
    assert f"Evaluate Ani Wijayanti for {period.name}" in page
    assert f'href="/admin/skp/{plan.id}/periods/{period.id}"' in page
    assert f"Decide the objection of Budi Hartono to the evaluation for {period.name}" in page
