"""The kiosk in real Chromium: pair, start duty, rate, pick a reason, thank you, back to start."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.responses import Response
from kiosk.pairing import new_pairing_code
from org.models import Duty
from tests.browser.helpers import pair_tablet, queue_drained
from tests.factories import answers_by_code, make_desk, make_officer, make_period, make_unit

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_kiosk(app):
    """Shorter kiosk timers, so that the test sees the loop turn without long waits."""
    saved = {key: app.config[key] for key in ("KIOSK_REASON_SECONDS", "KIOSK_THANKS_SECONDS", "KIOSK_IDLE_SECONDS")}
    app.config.update(KIOSK_REASON_SECONDS=3, KIOSK_THANKS_SECONDS=2, KIOSK_IDLE_SECONDS=6)
    yield
    app.config.update(saved)


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium logs every 4xx answer as a console error; a refused PIN (422) is expected here.
    page.on(
        "console",
        lambda message: message.type == "error" and "status of 422" not in message.text and errors.append(message.text),
    )
    yield page
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


def stored_responses():
    db.session.expire_all()
    return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


def test_pair_start_duty_rate_and_return_to_start(ctx, live_server, tablet, screenshot, fast_kiosk):
    make_period()
    unit = make_unit(name="Kantor Kecamatan Cempaka Putih")
    desk = make_desk(unit=unit, name="Loket 1")
    officer = make_officer(unit=unit, name="Siti Rahmawati", position="Pengadministrasi Umum", pin="246810")
    code = new_pairing_code(desk)
    db.session.commit()
    page = tablet

    # Pair the tablet.
    page.goto(f"{live_server}/kiosk/")
    page.get_by_label("Kode pemasangan").fill(code)
    screenshot(page, "kiosk-01-pairing")
    page.get_by_role("button", name="Pasangkan").click()
    page.wait_for_selector(".faces")
    assert page.locator(".desk").inner_text() == "Loket 1"
    assert "Belum ada petugas" in page.locator("#banner").inner_text()

    # The officer starts duty with the on-screen keypad: no keyboard. A wrong PIN says so.
    page.locator(".staff-button").click()
    page.get_by_role("link", name="Siti Rahmawati").click()
    for digit in "1111":
        page.locator(f".keypad [data-key='{digit}']").click()
    page.get_by_role("button", name="OK").click()
    expect(page.locator("#pin-error")).to_contain_text("PIN salah. Sisa 4 percobaan")
    for digit in "246810":
        page.locator(f".keypad [data-key='{digit}']").click()
    screenshot(page, "kiosk-02-pin")
    page.get_by_role("button", name="OK").click()
    page.wait_for_selector(".done")
    expect(page.locator("#duty-dialog")).not_to_have_attribute("open", "")
    expect(page.locator("#banner")).to_contain_text("Siti Rahmawati")
    duty = db.session.scalar(sa.select(Duty))
    assert duty.officer_id == officer.id and duty.ended_at is None
    screenshot(page, "kiosk-03-start")

    # After serving, the officer shows a one-time survey code for the citizen's phone.
    page.locator(".staff-button").click()
    page.get_by_role("link", name="Tampilkan kode QR survei untuk warga ini").click()
    for digit in "246810":  # the officer's PIN: anyone can touch a kiosk
        page.locator(f".keypad [data-key='{digit}']").click()
    page.get_by_role("button", name="OK").click()
    expect(page.locator("#duty-dialog .service-code svg")).to_be_visible()
    expect(page.locator("#duty-dialog")).to_have_attribute("aria-labelledby", re.compile(".+"))
    screenshot(page, "kiosk-03b-service-code")
    page.get_by_role("button", name="Tutup").click()
    expect(page.locator("#duty-dialog")).not_to_have_attribute("open", "")

    # A citizen taps the second face, picks a reason and sends.
    page.locator(".face-2").tap()
    page.wait_for_selector("[data-screen='reasons']:not([hidden])")
    expect(page.get_by_text("Apa yang perlu diperbaiki?")).to_be_visible()
    page.locator("[data-reason='R_WAKTU']").tap()
    assert page.locator("[data-reason='R_WAKTU']").get_attribute("aria-pressed") == "true"
    screenshot(page, "kiosk-04-reasons")
    page.get_by_role("button", name="Kirim").tap()
    page.wait_for_selector("[data-screen='thanks']:not([hidden])")
    screenshot(page, "kiosk-05-thanks")
    # Back at the start by itself.
    page.wait_for_selector("[data-screen='rate']:not([hidden])", timeout=5000)
    queue_drained(page)

    [response] = stored_responses()
    assert (response.officer_id, response.desk_id, response.kiosk_id is not None) == (officer.id, desk.id, True)
    assert answers_by_code(response) == {"KIOSK": 2, "R_WAKTU": 1}
    assert timedelta(0) <= response.received_at - response.cast_at < timedelta(seconds=5)


def test_english_for_one_citizen_then_back_to_indonesian(ctx, live_server, tablet, screenshot, fast_kiosk):
    make_period()
    desk = make_desk()
    make_officer(unit=desk.unit)
    page = tablet
    pair_tablet(page, live_server, desk)

    page.get_by_role("button", name="English").tap()
    expect(page.get_by_role("heading", name="How was the service you received today?")).to_be_visible()
    expect(page.get_by_text("Bagaimana pelayanan yang Anda terima hari ini?")).to_be_hidden()
    screenshot(page, "kiosk-06-english")
    page.locator(".face-4").tap()
    expect(page.get_by_text("What did you like most?")).to_be_visible()
    page.get_by_role("button", name="Send").tap()
    page.wait_for_selector("[data-screen='rate']:not([hidden])", timeout=5000)
    expect(page.get_by_role("heading", name="Bagaimana pelayanan yang Anda terima hari ini?")).to_be_visible()
    queue_drained(page)
    [response] = stored_responses()
    assert response.locale == "en" and response.officer_id is None  # nobody was on duty: kept for the desk


def test_a_citizen_who_walks_away_still_counts_and_the_kiosk_resets(ctx, live_server, tablet, fast_kiosk):
    make_period()
    desk = make_desk()
    page = tablet
    pair_tablet(page, live_server, desk)

    page.locator(".face-3").tap()
    page.locator("[data-reason='R_RAMAH']").tap()
    # Nobody touches anything: the reasons screen moves on, sends, thanks, and resets.
    page.wait_for_selector("[data-screen='thanks']:not([hidden])", timeout=6000)
    page.wait_for_selector("[data-screen='rate']:not([hidden])", timeout=5000)
    queue_drained(page)
    [response] = stored_responses()
    assert answers_by_code(response) == {"KIOSK": 3, "R_RAMAH": 1}
    assert page.locator("[data-reason='R_RAMAH']").get_attribute("aria-pressed") == "false"


def test_a_kiosk_reloads_between_citizens_when_its_questions_change(ctx, live_server, tablet):
    from appraisal.models import Indicator

    make_period()
    desk = make_desk()
    page = tablet
    pair_tablet(page, live_server, desk)
    expect(page.locator("[data-reason='R_BIAYA']")).to_contain_text("Biaya")

    db.session.execute(sa.update(Indicator).where(Indicator.code == "R_BIAYA").values(text_id="Biaya dan tarif"))
    db.session.commit()
    page.wait_for_function("() => window.htmx")  # a deferred script: on a loaded machine it may come late
    page.evaluate("() => htmx.trigger('#banner', 'duty-changed')")  # the minute's refresh, now
    expect(page.locator("[data-reason='R_BIAYA']")).to_contain_text("Biaya dan tarif")
