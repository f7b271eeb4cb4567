"""Closing a period in real Chromium, in both languages: the row's button leads to the job's page,
which takes its steps by itself and shows its progress; a close can be stopped half-way; a
finished one says so. axe-core and 48 px targets on the page; screenshots in
artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from appraisal.models import Period, PeriodStatus
from core.db import db
from org.models import Role
from tests.browser.a11y import assert_accessible, assert_targets_at_least
from tests.factories import PASSWORD, add_vote, make_desk, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

TEXT = {
    "id": dict(
        sign_in="Masuk",
        close="Tutup Triwulan Uji",
        heading="Menutup Triwulan Uji",
        frozen="Dibekukan:",
        stop="Hentikan penutupan",
        stopped="Penutupan Triwulan Uji dihentikan: periode dibuka kembali.",
        closed="Periode Triwulan Uji ditutup: 31 laporan dan lembar dibekukan.",
    ),
    "en": dict(
        sign_in="Sign in",
        close="Close Triwulan Uji",
        heading="Closing Triwulan Uji",
        frozen="Frozen:",
        stop="Stop closing",
        stopped="Closing Triwulan Uji was stopped: the period is open again.",
        closed="Period Triwulan Uji is closed: 31 reports and sheets are frozen.",
    ),
}


@pytest.fixture
def office(ctx, app):
    """Thirty officers with a vote each in one unit: thirty-one results to freeze, one a step."""
    period = make_period(name="Triwulan Uji")
    unit = make_unit(name="Kecamatan Uji")
    desk = make_desk(unit, name="Loket 1")
    for i in range(30):
        add_vote(period, desk, make_officer(unit, name=f"Petugas {i:02d}"), 4)
    make_user(Role.ADMIN, username="pusat")
    db.session.commit()
    saved = app.config["PERIOD_JOB_STEP_SECONDS"]
    app.config["PERIOD_JOB_STEP_SECONDS"] = 0  # one result a step: the progress is seen moving
    yield dict(period=period)
    app.config["PERIOD_JOB_STEP_SECONDS"] = saved


def sign_in(page, live_server, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("pusat")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


def status(period) -> PeriodStatus:
    db.session.expire_all()
    return db.session.get_one(Period, period.id).status


@pytest.mark.parametrize("lang", ["id", "en"])
def test_closing_a_period_from_its_row(office, live_server, a11y_context, screenshot, lang):
    text, period = TEXT[lang], office["period"]
    page = a11y_context(viewport={"width": 1366, "height": 900}).new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Close this period?": yes
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/admin/periods")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator(f"#period-row-{period.id}").get_by_role("button", name=text["close"]).click()

    expect(page).to_have_url(f"{live_server}/admin/periods/{period.id}/job")
    expect(page.get_by_role("heading", level=1)).to_have_text(text["heading"])
    job = page.locator("#period-job")
    expect(job).to_contain_text(text["frozen"])  # the steps come by themselves
    screenshot(page, f"period-closing-{lang}")
    assert status(period) == PeriodStatus.CLOSING
    assert_targets_at_least(job.get_by_role("button"), "the job's buttons")

    # Stopped half-way: open again, nothing frozen.
    job.get_by_role("button", name=text["stop"]).click()
    expect(job).to_contain_text(text["stopped"])
    assert status(period) == PeriodStatus.OPEN
    screenshot(page, f"period-closing-stopped-{lang}")
    assert_accessible(page, f"period-closing-stopped-{lang}", screenshot)

    # Closed to the end.
    page.goto(f"{live_server}/admin/periods")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator(f"#period-row-{period.id}").get_by_role("button", name=text["close"]).click()
    expect(page.locator("#period-job")).to_contain_text(text["closed"], timeout=30_000)
    assert status(period) == PeriodStatus.CLOSED
    assert_accessible(page, f"period-closed-{lang}", screenshot)
    page.keyboard.press("Tab")  # the page is reached by keyboard: focus lands on a control
    assert page.evaluate("() => document.activeElement !== document.body")
