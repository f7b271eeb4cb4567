"""The homes in real Chromium, in Indonesian and English: the supervisor's (her unit today and in
the period, per desk and officer, and what needs her, each linked), the officer's and the
administrator's; axe-core on each, 48 px targets for the page's buttons. Screenshots go to
artifacts/screenshots/."""

from datetime import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from alerts.models import Alert
from appraisal.disputes import file_dispute
from core.db import db
from core.responses import Response
from org.models import OpeningHours
from tests.browser.a11y import assert_accessible
from tests.factories import PASSWORD, make_kiosk
from tests.home.conftest import UNHAPPY, clock, office, rated  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
SIGN_IN = {"id": "Masuk", "en": "Sign in"}
NEEDS = {"id": "Yang menunggu Anda", "en": "What needs you"}


@pytest.fixture
def busy(rated):  # noqa: F811
    unit, desk_b, ani = rated["unit"], rated["desk_b"], rated["ani"]
    db.session.add(Alert(unit_id=unit.id, rule="unhappy_desk", subject=f"desk:{desk_b.id}", detail=UNHAPPY))
    # Open every day, so that today has roster gaps whatever the weekday (no shift is planned).
    db.session.add_all(
        OpeningHours(unit_id=unit.id, weekday=d, opens=time(0, 0), closes=time(23, 59)) for d in range(7)
    )
    make_kiosk(rated["desk_a"])
    response = db.session.scalar(sa.select(Response).where(Response.officer_id == ani.id).limit(1))
    file_dispute(rated["officer"], response, "Bukan saya yang melayani")
    db.session.commit()
    return rated


def sign_in(page, live_server, username, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN[lang]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_supervisors_home(busy, live_server, a11y_context, screenshot, lang):
    unit, ani = busy["unit"], busy["ani"]
    page = a11y_context(viewport=OFFICE_PC).new_page()
    sign_in(page, live_server, "kepala-tallo", lang)
    page.goto(f"{live_server}/admin/")
    needs = page.locator(f"#home-needs-{unit.id}")
    expect(page.get_by_role("heading", name=NEEDS[lang])).to_be_visible()
    for kind in ("alerts", "dispute", "kiosks", "roster"):
        expect(needs.locator(f'[data-need="{kind}"]')).to_be_visible()
    expect(page.locator(f"#officer-figures-{ani.id}")).to_contain_text("Ani Wijayanti")
    assert_accessible(page, f"home-supervisor-pc-{lang}", screenshot)
    # The dispute's link opens the officer's sheet where it is ruled on.
    needs.locator('[data-need="dispute"] a').click()
    expect(page).to_have_url(f"{live_server}/admin/reports/{busy['period'].id}/officers/{ani.id}#disputes")

    phone = a11y_context(viewport=PHONE).new_page()
    sign_in(phone, live_server, "kepala-tallo", lang)
    phone.goto(f"{live_server}/admin/")
    expect(phone.locator(f"#officer-figures-{ani.id}")).to_be_attached()
    # The page never scrolls sideways; wide tables scroll inside their own box.
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    # The cells a scrolled box hides for now cannot have their contrast measured ("partially
    # obscured"): they are checked at the office PC's width above, where they all show.
    assert_accessible(phone, f"home-supervisor-phone-{lang}", screenshot, exclude=".table-scroll")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_officers_and_the_administrators_homes(busy, live_server, a11y_context, screenshot, lang):
    page = a11y_context(viewport=OFFICE_PC).new_page()
    sign_in(page, live_server, "ani", lang)
    page.goto(f"{live_server}/admin/")
    expect(page.locator("#home-officer")).to_be_visible()
    expect(page.locator("#home-officer")).not_to_contain_text("Budi Hartono")
    assert_accessible(page, f"home-officer-pc-{lang}", screenshot)

    admin = a11y_context(viewport=OFFICE_PC).new_page()
    sign_in(admin, live_server, "pusat", lang)
    admin.goto(f"{live_server}/admin/")
    expect(admin.locator(f"#glance-{busy['unit'].id}")).to_contain_text("Kantor Kecamatan Tallo")
    expect(admin.locator(f"#glance-{busy['other'].id}")).to_contain_text("Kantor Kecamatan Bontoala")
    assert_accessible(admin, f"home-admin-pc-{lang}", screenshot)
