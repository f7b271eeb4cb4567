"""The duty roster in real Chromium, in both languages: an administrator of two units sees the
first, chooses the other with the keyboard (htmx swaps the page's main content, the address and
the focus kept), puts an officer on duty there; the same choice without JavaScript is a plain
form. axe-core and 48 px targets on each state; screenshots in artifacts/screenshots/."""

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from org.duty import start_duty
from org.models import Duty, Role
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least, focused
from tests.factories import PASSWORD, make_desk, make_officer, make_unit, make_user

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 900}
TEXT = {
    "id": dict(
        sign_in="Masuk",
        title="Jadwal tugas: {}",
        unit="Unit",
        show="Tampilkan",
        put="Tugaskan",
        officer_for="Pegawai untuk {}",
        started="{} sekarang bertugas di {}.",
        zone="waktu setempat unit: WITA",
    ),
    "en": dict(
        sign_in="Sign in",
        title="Duty roster: {}",
        unit="Unit",
        show="Show",
        put="Put on duty",
        officer_for="Officer for {}",
        started="{} is now on duty at {}.",
        zone="local time of the unit: WITA",
    ),
}


@pytest.fixture
def office(ctx):
    """Two units of an administrator: Gowa (first by name, WITA) and Maros, each with desks and
    officers; someone on duty at Gowa's first desk and a duty done at Maros."""
    gowa = make_unit(code="kec-gowa", name="Kecamatan Gowa", timezone="Asia/Makassar")
    maros = make_unit(code="kec-maros", name="Kecamatan Maros", timezone="Asia/Makassar")
    desks = {unit.id: [make_desk(unit=unit, name=f"Loket {n}") for n in (1, 2, 3)] for unit in (gowa, maros)}
    people = {
        gowa.id: [make_officer(unit=gowa, name=name) for name in ("Siti Rahmawati", "Budi Santoso")],
        maros.id: [make_officer(unit=maros, name=name) for name in ("Ayu Lestari", "Rudi Hartono")],
    }
    now = datetime.now(timezone.utc)
    start_duty(desks[gowa.id][0], people[gowa.id][0], now - timedelta(hours=1), via="admin")
    db.session.add(
        Duty(
            officer=people[maros.id][1],
            desk=desks[maros.id][1],
            started_at=now - timedelta(days=1, hours=3),
            ended_at=now - timedelta(days=1),
            started_via="pin",
            ended_via="pin",
        )
    )
    make_user(Role.ADMIN, username="pusat")
    db.session.commit()
    return dict(gowa=gowa, maros=maros, desks=desks, people=people)


def sign_in(page, live_server, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("pusat")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


def check_targets(page, where):
    controls = page.locator(
        "main button:visible, main a.button:visible, main select:visible, main input:visible:not([type=hidden])"
    )
    assert_targets_at_least(controls, where)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_an_administrator_chooses_the_unit(office, live_server, a11y_context, screenshot, lang):
    text, gowa, maros = TEXT[lang], office["gowa"], office["maros"]
    page = a11y_context(viewport=OFFICE_PC, locale="id-ID").new_page()
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/admin/duty")
    page.wait_for_function("() => window.htmx !== undefined")  # deferred: before it, forms are plain

    main = page.locator("main")
    expect(page.locator("h1")).to_have_text(text["title"].format("Kecamatan Gowa"))
    expect(main).to_contain_text(text["zone"])
    chooser = page.get_by_label(text["unit"], exact=True)
    expect(chooser).to_have_value(str(gowa.id))
    expect(page.locator("#duty-now tbody tr")).to_have_count(3)
    expect(page.locator(f"#duty-desk-{office['desks'][gowa.id][0].id}")).to_contain_text("Siti Rahmawati")
    expect(main).not_to_contain_text("Ayu Lestari")
    assert_accessible(page, f"duty-{lang}", screenshot)
    check_targets(page, "duty roster")

    # The keyboard alone: to the chooser, the next unit, then its button.
    chooser.focus()
    page.keyboard.press("ArrowDown")
    expect(chooser).to_have_value(str(maros.id))
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "duty-unit-show"
    assert_focus_visible(page, "the chooser's button")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(text["title"].format("Kecamatan Maros"))
    expect(page).to_have_url(f"{live_server}/admin/duty?unit={maros.id}")
    expect(page).to_have_title(re.compile("^" + re.escape(text["title"].format("Kecamatan Maros"))))
    expect(page.locator("#duty-now tbody tr")).to_have_count(3)
    expect(main).not_to_contain_text("Siti Rahmawati")
    expect(page.locator("#duty-history")).to_contain_text("Rudi Hartono")
    assert focused(page)["id"] == "duty-unit-show"  # htmx kept the focus on the button's successor
    expect(page.locator("#duty-now")).to_have_attribute("hx-get", f"/admin/duty?part=now&unit={maros.id}")
    expect(page.locator("#duty-officer option:not([value=''])")).to_have_text(["Ayu Lestari", "Rudi Hartono"])

    # Put Ayu on duty at Maros' Loket 3: the answer is Maros' table, with the notice.
    desk = office["desks"][maros.id][2]
    page.get_by_label(text["officer_for"].format("Loket 3")).select_option(label="Ayu Lestari")
    page.locator(f"#duty-desk-{desk.id}").get_by_role("button", name=text["put"]).click()
    expect(page.locator("#duty-now .notice")).to_contain_text(text["started"].format("Ayu Lestari", "Loket 3"))
    expect(page.locator(f"#duty-desk-{desk.id}")).to_contain_text("Ayu Lestari")
    expect(page.locator(f"#duty-desk-{desk.id}")).to_contain_text("WITA")
    expect(page.locator("#duty-history")).to_contain_text("Ayu Lestari")  # refreshed on duty-changed
    db.session.expire_all()
    assert db.session.scalar(sa.select(Duty.officer_id).where(Duty.desk_id == desk.id, Duty.ended_at.is_(None))) == (
        office["people"][maros.id][0].id
    )
    assert_accessible(page, f"duty-other-unit-{lang}", screenshot)
    check_targets(page, "duty roster of the other unit")

    # Back and forward through the history: each address shows its unit.
    page.go_back()
    expect(page.locator("h1")).to_have_text(text["title"].format("Kecamatan Gowa"))
    expect(main).to_contain_text("Siti Rahmawati")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_chooser_without_javascript(office, live_server, a11y_context, screenshot, lang):
    text, maros = TEXT[lang], office["maros"]
    page = a11y_context(viewport=OFFICE_PC, locale="id-ID", java_script_enabled=False).new_page()
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/admin/duty?from=2020-01-01")
    page.get_by_label(text["unit"], exact=True).select_option(str(maros.id))
    page.get_by_role("button", name=text["show"]).first.click()
    expect(page.locator("h1")).to_have_text(text["title"].format("Kecamatan Maros"))
    assert page.url == f"{live_server}/admin/duty?unit={maros.id}&from=2020-01-01"
    expect(page.locator("#duty-history")).to_contain_text("Rudi Hartono")
    expect(page.locator("#duty-from")).to_have_value("2020-01-01")
