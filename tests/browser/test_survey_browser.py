"""The phone survey in real Chromium at phone sizes: from a printed poster's QR code to a stored
response, once with JavaScript (htmx: inline errors, no reloads) and once without."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import Indicator
from core.db import db
from core.responses import Response
from org.duty import start_duty
from org.models import Role, Service, Unit
from tests.factories import PASSWORD, make_desk, make_officer, make_period, make_unit, make_user, sign_in
from tests.helpers import pdf_pages

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
SMALL_PHONE = {"width": 320, "height": 640}


def expected(console_text: str) -> bool:
    """Chromium logs every 4xx answer as a console error; the survey answers bad input with a 422
    (and a closed period with a 409) on purpose, so those are not errors of the page."""
    return console_text.startswith("Failed to load resource: the server responded with a status of 4")


@pytest.fixture
def shot(screenshot):
    """Screenshots without Playwright's caret-hiding: it injects a style element, which this
    page's Content-Security-Policy refuses (a console error that is the test's, not the page's)."""
    return lambda page, name, **options: screenshot(page, name, caret="initial", **options)


@pytest.fixture
def phone(browser):
    """``phone(javascript=True, viewport=PHONE)`` opens a page in a fresh phone-sized browser."""
    contexts, errors = [], []

    def open_phone(javascript: bool = True, viewport: dict = PHONE):
        context = browser.new_context(
            viewport=viewport, is_mobile=True, has_touch=True, device_scale_factor=2, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type == "error" and not expected(message.text) and errors.append(message.text),
        )
        return page

    yield open_phone
    for context in contexts:
        context.close()
    # CSP violations and script errors show up here.
    assert errors == [], f"the page logged errors: {errors}"


@pytest.fixture
def office(ctx, app, live_server, monkeypatch):
    """An open period, a unit with its services, a desk with Siti on duty; QR codes point at the
    test server."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    period = make_period()
    unit = make_unit(code="kec-cempaka-putih", name="Kantor Kecamatan Cempaka Putih")
    ktp = Service(unit=unit, name_id="Perekaman KTP-el", name_en="e-ID card recording", position=0)
    db.session.add_all([ktp, Service(unit=unit, name_id="Kartu Keluarga", name_en="Family card", position=1)])
    desk = make_desk(unit=unit, name="Loket 1")
    officer = make_officer(unit=unit, name="Siti Rahmawati", position="Pengadministrasi Umum")
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return dict(
        period_id=period.id,
        unit_id=unit.id,
        desk_id=desk.id,
        desk_code=desk.code,
        officer_id=officer.id,
        officer_code=officer.code,
        ktp_id=ktp.id,
    )


def skm_indicator_ids() -> list[int]:
    return db.session.scalars(
        sa.select(Indicator.id)
        .where(Indicator.skm_element.is_not(None), Indicator.kind == "scale")
        .order_by(Indicator.position)
    ).all()


def stored() -> list[Response]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


def answer_questions(page, ids, values=None):
    """Tap an answer for each question, as a thumb would: on the label, not the tiny radio."""
    for n, indicator_id in enumerate(ids):
        value = values[n] if values else 4 - n % 2
        page.locator(f"#q{indicator_id}-field label.option-{value}").click()


def scan_poster(app, office) -> str:
    """The unit's staff print the desk's poster; read its QR code like a phone camera does."""
    staff = sign_in(app.test_client(), make_user(Role.ADMIN))
    response = staff.get(f"/survey/poster/{office['desk_code']}.pdf")
    assert response.status_code == 200
    [[address]] = pdf_pages(response.data)
    return address


def test_a_citizen_scans_the_poster_answers_and_sends_with_javascript(app, phone, office, live_server, shot):
    page = phone()
    office["base"] = live_server
    address = scan_poster(app, office)
    assert address == f"{live_server}/s/{office['desk_code']}"
    page.goto(address)
    assert page.locator("h1").inner_text() == "Kantor Kecamatan Cempaka Putih"
    assert "Dilayani oleh Siti Rahmawati" in page.locator(".survey-head").inner_text()
    assert page.locator("fieldset.survey-question").count() == 9
    shot(page, "survey-01-phone-form")
    shot(page, "survey-01-phone-form-full", full_page=True)

    # Eight answers, the ninth forgotten: htmx shows the error in place, without a reload.
    page.evaluate("() => { window.notReloaded = true; }")
    ids = skm_indicator_ids()
    answer_questions(page, ids[:8])
    page.select_option("#service", label="Perekaman KTP-el")
    page.select_option("#age_band", value="30-39")
    page.locator("#comment").fill("Petugasnya ramah dan sabar menjelaskan.")
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("() => window.notReloaded") is True
    last = page.locator(f"#q{ids[8]}-field")
    assert "Pilih satu jawaban." in last.inner_text()
    assert last.locator("input").first.get_attribute("aria-invalid") == "true"
    expect(page.locator("#error-summary")).to_be_focused()  # moved there after htmx settles
    # What was answered is still answered.
    assert page.locator(f"#q{ids[0]}-field input:checked").get_attribute("value") == "4"
    assert page.locator("#service").input_value() == str(office["ktp_id"])
    assert page.locator("#comment").input_value() == "Petugasnya ramah dan sabar menjelaskan."
    assert stored() == []
    shot(page, "survey-02-phone-inline-error")
    last.scroll_into_view_if_needed()
    shot(page, "survey-02b-phone-question-error")

    # Answering the question clears its error; a double tap on Send stores one response.
    answer_questions(page, ids[8:], values=[3])
    expect(last.locator(".field-error")).to_have_count(0)
    page.get_by_role("button", name="Kirim").dblclick()
    page.wait_for_selector("#survey-thanks")
    assert page.evaluate("() => window.notReloaded") is True
    expect(page).to_have_url(f"{live_server}/s/{office['desk_code']}/thanks")  # pushed after the swap
    assert "Terima kasih!" in page.locator("#survey-thanks").inner_text()
    shot(page, "survey-03-phone-thanks")

    [row] = stored()
    assert (row.officer_id, row.desk_id, row.unit_id, row.service_id, row.period_id) == (
        office["officer_id"],
        office["desk_id"],
        office["unit_id"],
        office["ktp_id"],
        office["period_id"],
    )
    assert (row.age_band, row.comment, row.flags, row.verified) == (
        "30-39",
        "Petugasnya ramah dan sabar menjelaskan.",
        0,
        False,
    )
    assert sorted(a.value for a in row.answers) == sorted([4 - n % 2 for n in range(8)] + [3])


def test_the_survey_works_without_javascript(phone, office, live_server, shot):
    page = phone(javascript=False)
    page.goto(f"{live_server}/s/{office['officer_code']}")
    ids = skm_indicator_ids()

    # Sent empty: the server's page lists what is missing, in Bahasa Indonesia.
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_selector("#error-summary")
    assert "Pertanyaan 1: Pilih satu jawaban." in page.locator("#error-summary").inner_text()
    assert stored() == []
    shot(page, "survey-04-nojs-errors")

    answer_questions(page, ids, values=[1, 2, 3, 4, 4, 3, 2, 1, 4])
    page.select_option("#service", label="Perekaman KTP-el")
    page.select_option("#gender", value="L")
    # A double tap sends the form twice without JavaScript to stop it: the server stores once.
    page.get_by_role("button", name="Kirim").dblclick()
    page.wait_for_selector("#survey-thanks")
    assert page.url == f"{live_server}/s/{office['officer_code']}/thanks"
    shot(page, "survey-05-nojs-thanks")

    [row] = stored()
    assert (row.officer_id, row.desk_id, row.unit_id, row.service_id, row.period_id, row.gender) == (
        office["officer_id"],
        office["desk_id"],
        office["unit_id"],
        office["ktp_id"],
        office["period_id"],
        "L",
    )
    by_position = sorted(row.answers, key=lambda a: ids.index(a.indicator_id))
    assert [a.value for a in by_position] == [1, 2, 3, 4, 4, 3, 2, 1, 4]


def test_the_survey_fits_a_320_pixel_phone_with_large_targets(phone, office, live_server, shot):
    page = phone(viewport=SMALL_PHONE)
    page.goto(f"{live_server}/s/{office['desk_code']}?lang=en")
    assert "Served by Siti Rahmawati" in page.locator(".survey-head").inner_text()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    for selector in ("label.option", "#service", "#gender", "#comment", "button[type=submit]"):
        for box in (element.bounding_box() for element in page.locator(selector).all()):
            assert box["height"] >= 48 and box["x"] >= 0 and box["x"] + box["width"] <= 320, (selector, box)
    shot(page, "survey-06-320px-english", full_page=True)
    # Focus is visible when moving through the form with a keyboard.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.type") == "radio":
            break
    assert page.evaluate("() => getComputedStyle(document.activeElement.closest('label')).outlineStyle") == "solid"


def test_the_survey_pages_are_styled_by_the_style_sheet_they_carry(phone, office, live_server, shot):
    """No style sheet is fetched, and the page's own policy lets its inline style apply (a refused
    one would be a console error, which fails the test)."""
    page = phone(javascript=False)
    fetched = []
    page.on("request", lambda request: fetched.append(request.resource_type))
    for path, name in (
        (f"/s/{office['desk_code']}", "form"),
        ("/s/zzzzzzzzzz", "unknown-code"),
        (f"/s/{office['desk_code']}/thanks", "thanks"),
    ):
        page.goto(live_server + path)
        # app.css lays the header out in a row, survey.css narrows the page to a phone's column;
        # the browser's own defaults are a block and no limit.
        styles = page.evaluate("""() => [getComputedStyle(document.querySelector('.site-header')).display,
                                         getComputedStyle(document.querySelector('main.page')).maxWidth]""")
        assert styles == ["flex", "640px"], name
        shot(page, f"survey-07-inline-style-{name}")
    assert "stylesheet" not in fetched


def test_the_survey_policy_refuses_any_other_inline_style(browser, office, live_server):
    """'unsafe-inline' stands beside the hash for browsers that know only CSP level 1; Chromium
    knows hashes, and so applies none but the page's own style."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/s/{office['desk_code']}")
    violations = page.evaluate("""() => new Promise(resolve => {
        const seen = [];
        document.addEventListener("securitypolicyviolation", event => {
            seen.push(event.effectiveDirective);
            if (seen.length === 2) resolve(seen);
        });
        const style = document.createElement("style");
        style.textContent = "body { background: rgb(255, 0, 0); }";
        document.head.append(style);
        document.querySelector("h1").setAttribute("style", "color: rgb(255, 0, 0)");
    })""")
    assert sorted(violations) == ["style-src-attr", "style-src-elem"]
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    assert page.evaluate("() => getComputedStyle(document.querySelector('h1')).color") != "rgb(255, 0, 0)"
    context.close()


def test_the_posters_page_prints_every_poster(office, live_server, shot, browser):
    supervisor = make_user(Role.SUPERVISOR, unit=db.session.get(Unit, office["unit_id"]))
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/survey/posters/kec-cempaka-putih")  # staff only: signs in first
        page.locator("#login-username").fill(supervisor.username)
        page.locator("#login-password").fill(PASSWORD)
        page.locator("#login-password").press("Enter")
        expect(page).to_have_url(f"{live_server}/survey/posters/kec-cempaka-putih")
        assert page.locator("article.sheet").count() == 2  # the desk and the officer
        expect(page.get_by_role("button", name="Cetak")).to_be_visible()  # JavaScript revealed it
        shot(page, "survey-07-posters-a4")
        page.goto(f"{live_server}/survey/posters/kec-cempaka-putih?size=a6")
        shot(page, "survey-08-posters-a6", full_page=True)
        page.emulate_media(media="print")
        expect(page.locator(".poster-tools")).to_be_hidden()
    finally:
        context.close()
