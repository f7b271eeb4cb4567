"""The kiosk's staff panel: whom it offers to start duty (planned here now, or free; never an
officer planned or on duty at another desk), who is planned while nobody is on duty, and the
duty it ends by itself when the unit has closed."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from core.db import db
from core.responses import Response
from org.duty import start_duty
from org.models import Duty
from org.roster import staff_for_desk
from tests.factories import make_desk, make_kiosk, make_officer, make_period, paired_client, text, vote_payload


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def office(factories):
    desk = make_desk(name="Loket A")
    other = make_desk(desk.unit, name="Loket B")
    third = make_desk(desk.unit, name="Loket C")
    people = {
        name: make_officer(desk.unit, name=name)
        for name in ("Ani Dijadwalkan", "Bayu Bebas", "Citra Di Loket B", "Dodi Bertugas", "Eka Nanti B")
    }
    make_officer(desk.unit, name="Fajar Nonaktif", active=False)
    _, token = make_kiosk(desk)
    return dict(desk=desk, other=other, third=third, token=token, **people)


def plan(desk, officer, starts, ends):
    from org.models import Shift

    db.session.add(Shift(desk=desk, officer=officer, starts_at=starts, ends_at=ends))
    db.session.commit()


def listed(panel: str) -> list[str]:
    return [name for name in ("Ani", "Bayu", "Citra", "Dodi", "Eka", "Fajar") if name in panel]


def test_the_kiosk_offers_only_officers_planned_here_or_free(client, office):
    t = now()
    plan(office["desk"], office["Ani Dijadwalkan"], t - timedelta(hours=1), t + timedelta(hours=2))
    plan(office["other"], office["Citra Di Loket B"], t - timedelta(hours=1), t + timedelta(hours=2))
    plan(office["other"], office["Eka Nanti B"], t + timedelta(hours=3), t + timedelta(hours=4))  # later: free now
    start_duty(office["third"], office["Dodi Bertugas"], t - timedelta(minutes=5))
    db.session.commit()

    panel = text(paired_client(client, office["token"]).get("/kiosk/duty", headers={"HX-Request": "true"}))
    assert listed(panel.split("officer-list")[1]) == ["Ani", "Bayu", "Eka"]
    # The officer planned here comes first, marked.
    assert panel.index("Ani Dijadwalkan") < panel.index("Bayu Bebas")
    assert "dijadwalkan di sini" in panel
    staff = staff_for_desk(office["desk"], t)
    assert [o.name for o in staff.officers] == ["Ani Dijadwalkan", "Bayu Bebas", "Eka Nanti B"]
    assert staff.scheduled_ids == {office["Ani Dijadwalkan"].id}


def test_while_nobody_is_on_duty_the_kiosk_shows_who_is_planned(client, office):
    t = now()
    plan(office["desk"], office["Ani Dijadwalkan"], t - timedelta(hours=1), t + timedelta(hours=2))
    client.set_cookie("lang", "en")
    panel = text(paired_client(client, office["token"]).get("/kiosk/duty"))
    assert "Scheduled now: Ani Dijadwalkan, until" in panel
    assert "Scheduled next today" not in panel

    # Once somebody has started, the panel says who is on duty instead.
    start_duty(office["desk"], office["Bayu Bebas"], t)
    db.session.commit()
    panel = text(client.get("/kiosk/duty"))
    assert "On duty now: Bayu Bebas" in panel and "Scheduled now" not in panel


def test_the_next_shift_today_is_shown_when_none_is_running(client, office):
    t = now()
    plan(office["desk"], office["Ani Dijadwalkan"], t + timedelta(minutes=1), t + timedelta(minutes=2))
    staff = staff_for_desk(office["desk"], t)
    assert staff.planned is not None and not staff.planned_now
    client.set_cookie("lang", "en")
    panel = text(paired_client(client, office["token"]).get("/kiosk/duty"))
    assert f"Scheduled next today: Ani Dijadwalkan, from {staff.planned_from}." in panel
    assert staff.planned_from.endswith(" WIB")
    # Ayu is not planned *now*, so she is offered as a free officer, unmarked.
    assert "scheduled here" not in panel and "Ani Dijadwalkan" in panel.split("officer-list")[1]


def test_nothing_planned_shows_no_hint(client, office):
    client.set_cookie("lang", "en")
    panel = text(paired_client(client, office["token"]).get("/kiosk/duty"))
    assert "Scheduled" not in panel
    assert listed(panel.split("officer-list")[1]) == ["Ani", "Bayu", "Citra", "Dodi", "Eka"]


def test_the_kiosk_ends_a_duty_left_open_after_closing_and_later_votes_go_to_nobody(app, client, office, monkeypatch):
    monkeypatch.setitem(app.config, "DUTY_END_AT_CLOSING", True)
    make_period()
    started = now() - timedelta(days=3)  # every closing rule ends it within a day of its start
    start_duty(office["desk"], office["Ani Dijadwalkan"], started)
    db.session.commit()
    kiosk = paired_client(client, office["token"])
    client.set_cookie("lang", "en")
    assert "Ani Dijadwalkan" not in text(kiosk.get("/kiosk/banner"))
    duty = db.session.scalar(sa.select(Duty))
    assert duty.ended_via == "closing" and started < duty.ended_at <= started + timedelta(days=1)
    assert "On duty now" not in text(kiosk.get("/kiosk/duty"))

    response = kiosk.post("/kiosk/vote", json=vote_payload(value=2))
    assert response.status_code == 201 and response.get_json()["attributed"] is False
    assert db.session.scalar(sa.select(Response.officer_id)) is None


def test_without_the_setting_the_kiosk_leaves_duties_alone(app, client, office, monkeypatch):
    monkeypatch.setitem(app.config, "DUTY_END_AT_CLOSING", False)
    start_duty(office["desk"], office["Ani Dijadwalkan"], now() - timedelta(days=3))
    db.session.commit()
    paired_client(client, office["token"]).get("/kiosk/banner")
    assert db.session.scalar(sa.select(Duty.ended_at)) is None
