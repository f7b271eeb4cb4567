"""The officer of the month in real Chromium, in both languages: the supervisor reads the month's
standings with the proposal, confirms it with a citation, opens the certificate; the officer
reads her award history. axe-core and 48 px targets on each page; screenshots go to
artifacts/screenshots/ (awards-*)."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from awards import queries, rules
from core.db import db, utcnow
from org.models import Role
from tests.browser.a11y import assert_accessible, assert_targets_at_least
from tests.factories import PASSWORD, add_vote, make_desk, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

TEXT = {
    "id": {
        "sign_in": "Masuk",
        "confirm": "Tetapkan",
        "done": "Petugas terbaik bulan ini sudah ditetapkan.",
        "certificate": "Piagam",
        "title": "PIAGAM PENGHARGAAN",
        "history": "Riwayat penghargaan",
    },
    "en": {
        "sign_in": "Sign in",
        "confirm": "Confirm",
        "done": "The officer of the month is confirmed.",
        "certificate": "Certificate",
        "title": "CERTIFICATE OF RECOGNITION",
        "history": "Award history",
    },
}


@pytest.fixture
def office(ctx):
    unit = make_unit(name="Kecamatan Sukamaju", timezone="Asia/Makassar")
    desk = make_desk(unit=unit, name="Loket 1")
    today = queries.local_today(unit, utcnow())
    month = rules.previous_month(today)
    period = make_period(
        starts_on=rules.previous_month(month), ends_on=today + timedelta(days=40), min_n=5, name="Triwulan Uji"
    )
    siti = make_officer(unit=unit, name="Siti Rahmawati", position="Pengelola Layanan Operasional")
    agus = make_officer(unit=unit, name="Agus Setiawan")
    dewi = make_officer(unit=unit, name="Dewi Lestari")
    at = datetime(month.year, month.month, 12, 2, tzinfo=UTC)
    for officer, faces in ((siti, [4] * 18 + [3] * 4), (agus, [3] * 20 + [4] * 5), (dewi, [4] * 3)):
        for i, face in enumerate(faces):
            add_vote(period, desk, officer, face, at=at + timedelta(minutes=i))
    db.session.commit()
    make_user(Role.SUPERVISOR, unit=unit, username="kepala", name="Rina Kartika")
    make_user(Role.OFFICER, officer=siti, username="siti")
    url = f"/admin/awards/units/{unit.id}/periods/{period.id}/months/{month:%Y-%m}"
    return {"unit": unit, "url": url, "siti": siti}


def sign_in(page, live_server, username, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


def check_targets(page, where: str) -> int:
    controls = page.locator(
        "main button:visible, main a.button:visible, main select:visible, main textarea:visible, main summary:visible"
    )
    return assert_targets_at_least(controls, f"{where} controls")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_month_the_confirmation_the_certificate_and_the_history(
    office, live_server, a11y_context, screenshot, lang
):
    text = TEXT[lang]
    page = a11y_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, live_server, "kepala", lang)
    page.goto(f"{live_server}/admin/awards/units/{office['unit'].id}")
    assert_accessible(page, f"awards-unit-{lang}", screenshot)
    page.goto(live_server + office["url"])
    expect(page.locator(".award-proposal")).to_contain_text("Siti Rahmawati")
    rows = page.locator("table.awards-standings tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Dewi Lestari")  # three perfect votes, below 5: last, unranked
    page.wait_for_load_state("load")  # deferred scripts (htmx, admin.js) have run
    assert_accessible(page, f"awards-month-{lang}", screenshot)
    check_targets(page, "month")

    page.locator("#confirm-citation").fill("Pelayanan paling ramah dan tuntas sepanjang bulan.")
    page.get_by_role("button", name=text["confirm"], exact=True).click()
    expect(page.locator("#flash")).to_contain_text(text["done"])
    expect(page.locator("#award-title")).to_contain_text("Siti Rahmawati")
    page.locator(".award-withdraw summary").click()
    expect(page.locator("#withdraw-reason")).to_be_visible()
    assert_accessible(page, f"awards-month-confirmed-{lang}", screenshot)
    check_targets(page, "confirmed month")

    page.locator(".award-box").get_by_role("link", name=text["certificate"], exact=True).click()
    expect(page.locator("h1#certificate-title")).to_have_text(text["title"], ignore_case=True)
    expect(page.locator(".award-name")).to_have_text("Siti Rahmawati")
    assert_accessible(page, f"awards-certificate-{lang}", screenshot)
    check_targets(page, "certificate")

    mine = a11y_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    sign_in(mine, live_server, "siti", lang)
    mine.goto(f"{live_server}/admin/awards/")
    expect(mine.get_by_role("heading", level=1)).to_contain_text(text["history"])
    expect(mine.locator(".award-entry")).to_have_count(1)
    assert_accessible(mine, f"awards-history-phone-{lang}", screenshot)
    check_targets(mine, "history")
