"""The planned roster in real Chromium, in both languages: a supervisor opens the unit's week,
adds a shift with htmx (a clash refused in place), moves to the next week, copies last week into
it, sets the opening hours; and the kiosk's staff panel shows who is scheduled. axe-core and
48 px targets on each page; screenshots in artifacts/screenshots/."""

from datetime import datetime, time, timedelta, timezone

import pytest
from playwright.sync_api import expect

from core.db import db
from org.models import Role, Shift
from org.roster import local_day, moment, week_of
from tests.browser.a11y import assert_accessible, assert_targets_at_least
from tests.browser.helpers import pair_tablet
from tests.factories import PASSWORD, make_desk, make_officer, make_unit, make_user

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 900}
TEXT = {
    "id": dict(
        sign_in="Masuk",
        add="Tambah giliran",
        copy="Salin minggu lalu ke minggu ini",
        next="Minggu berikutnya",
        save="Simpan jam layanan",
        busy="sudah punya giliran",
        copied="2 giliran disalin dari minggu lalu.",
        saved="Jam layanan disimpan.",
        scheduled="Terjadwal sekarang: Siti Rahmawati",
    ),
    "en": dict(
        sign_in="Sign in",
        add="Add shift",
        copy="Copy last week into this week",
        next="Next week",
        save="Save opening hours",
        busy="already has a shift",
        copied="2 shifts copied from last week.",
        saved="Opening hours saved.",
        scheduled="Scheduled now: Siti Rahmawati",
    ),
}


@pytest.fixture
def office(ctx):
    unit = make_unit(code="samsat-makassar", name="Samsat Makassar", timezone="Asia/Makassar")
    desks = [make_desk(unit, name=name) for name in ("Loket 1", "Loket 2", "Loket 3")]
    people = [make_officer(unit, name=name) for name in ("Siti Rahmawati", "Budi Santoso", "Ayu Lestari")]
    make_user(Role.SUPERVISOR, unit=unit, username="kepala")
    return dict(unit=unit, desks=desks, people=people)


def sign_in(page, live_server, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("kepala")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


def htmx_ready(page):
    # htmx is deferred: a click before it ran would post the plain form.
    page.wait_for_function("() => window.htmx !== undefined")


def check_targets(page, where):
    controls = page.locator(
        "main button:visible, main a.button:visible, main select:visible, main input:visible:not([type=hidden])"
    )
    assert_targets_at_least(controls, where)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_week_view(office, live_server, a11y_context, screenshot, lang):
    text, unit = TEXT[lang], office["unit"]
    monday = week_of(local_day(unit, datetime.now(timezone.utc)))
    siti, budi = office["people"][:2]
    db.session.add(
        Shift(
            desk=office["desks"][0],
            officer=siti,
            starts_at=moment(unit, monday, time(8)),
            ends_at=moment(unit, monday, time(12)),
        )
    )
    db.session.commit()

    page = a11y_context(viewport=OFFICE_PC, locale="id-ID").new_page()
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/admin/units/{unit.id}/roster")
    htmx_ready(page)
    expect(page.locator("main")).to_contain_text("WITA (Asia/Makassar)")
    expect(page.locator(f"#roster-desk-{office['desks'][0].id}")).to_contain_text("08:00–12:00 WITA")
    assert_accessible(page, f"roster-week-{lang}", screenshot)
    check_targets(page, "week view")

    # A shift for Budi at Loket 2 on Tuesday; then one for Siti that clashes with her Monday shift.
    tuesday = (monday + timedelta(days=1)).isoformat()
    for desk, officer, day, starts, ends, answer in (
        (office["desks"][1], budi, tuesday, "13:00", "16:00", "#roster-week .notice"),
        (office["desks"][2], siti, monday.isoformat(), "11:00", "14:00", "#shift-new .error"),
    ):
        form = page.locator("#shift-new")
        form.locator("#shift-desk_id").select_option(str(desk.id))
        form.locator("#shift-officer_id").select_option(str(officer.id))
        form.locator("#shift-day").fill(day)
        form.locator("#shift-starts").fill(starts)
        form.locator("#shift-ends").fill(ends)
        form.get_by_role("button", name=text["add"]).click()
        # The answer replaces the whole week, form included: wait for it before the next one.
        expect(page.locator(answer)).to_contain_text(officer.name)
    expect(page.locator(f"#roster-desk-{office['desks'][1].id}")).to_contain_text("Budi Santoso")
    expect(page.locator("#shift-new .error")).to_contain_text(text["busy"])
    assert_accessible(page, f"roster-week-refused-{lang}", screenshot)

    # Next week, then last week copied into it.
    page.get_by_role("link", name=text["next"]).click()
    expect(page.locator("#roster-week-title")).to_contain_text((monday + timedelta(days=7)).isoformat())
    htmx_ready(page)
    page.get_by_role("button", name=text["copy"]).click()
    expect(page.locator("#roster-week .notice")).to_contain_text(text["copied"])
    expect(page.locator(f"#roster-desk-{office['desks'][1].id}")).to_contain_text("Budi Santoso")
    assert_accessible(page, f"roster-week-copied-{lang}", screenshot)

    # Opening hours: Saturday morning added.
    page.locator("#hours-opens_5").fill("08:00")
    page.locator("#hours-closes_5").fill("12:00")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#hours .notice")).to_contain_text(text["saved"])
    assert_accessible(page, f"roster-hours-{lang}", screenshot, include="#hours")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_kiosk_panel_shows_who_is_scheduled(office, live_server, a11y_context, screenshot, lang):
    siti = office["people"][0]
    now = datetime.now(timezone.utc)
    desk = office["desks"][0]
    db.session.add(Shift(desk=desk, officer=siti, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2)))
    db.session.add(
        Shift(
            desk=office["desks"][1],
            officer=office["people"][1],
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
        )
    )
    db.session.commit()
    page = a11y_context(viewport={"width": 1024, "height": 768}, locale="id-ID", has_touch=True).new_page()
    pair_tablet(page, live_server, desk)  # in Bahasa Indonesia, the default
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/kiosk/duty")
    panel = page.locator("#duty")
    expect(panel).to_contain_text(TEXT[lang]["scheduled"])
    expect(panel.locator(".officer-list")).to_contain_text("Ayu Lestari")
    expect(panel.locator(".officer-list")).not_to_contain_text("Budi Santoso")  # scheduled at Loket 2
    assert_accessible(page, f"kiosk-staff-scheduled-{lang}", screenshot)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_lobby_checkbox_on_the_units_form(office, live_server, a11y_context, screenshot, lang):
    make_user(Role.ADMIN, username="pusat")
    unit = office["unit"]
    page = a11y_context(viewport=OFFICE_PC, locale="id-ID").new_page()
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("pusat")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    page.goto(f"{live_server}/admin/units")
    htmx_ready(page)
    row = page.locator(f"#unit-row-{unit.id}")
    row.get_by_role("link", name={"id": "Ubah", "en": "Edit"}[lang] + f" {unit.name}").click()
    label = {
        "id": "Tampilkan petugas terbaik bulan ini di layar lobi",
        "en": "Show the officer of the month on the lobby screen",
    }
    box = page.locator(f"#unit-{unit.id}-lobby_shows_award")  # the row's own, once htmx has swapped it in
    expect(box).to_have_accessible_name(label[lang])
    box.check()
    assert_accessible(page, f"unit-row-lobby-{lang}", screenshot)
    row.get_by_role("button", name={"id": "Simpan", "en": "Save"}[lang]).click()
    expect(row).to_contain_text({"id": "Ya", "en": "Yes"}[lang])
    db.session.expire_all()
    assert db.session.get(type(unit), unit.id).lobby_shows_award is True
