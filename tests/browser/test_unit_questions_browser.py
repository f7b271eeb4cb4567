"""A unit's own questions in real Chromium (issue #17): the unit's questions page with its
previews (axe, both languages), a kiosk already open that takes the unit's new question between
two citizens, and the phone survey with the unit's extra item at 390 px. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import YES, Indicator
from appraisal.unit_questions import create_unit_question
from core.db import db
from core.responses import Answer, Response
from org.models import Role
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import pair_tablet, queue_drained
from tests.factories import PASSWORD, make_desk, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
SIGN_IN = {"id": "Masuk", "en": "Sign in"}
TEXT = {
    "id": {"title": "Pertanyaan Kantor Kecamatan Menteng", "add": "Tambah", "yes": "Ya", "send": "Kirim"},
    "en": {"title": "Questions of Kantor Kecamatan Menteng", "add": "Add", "yes": "Yes", "send": "Send"},
}


@pytest.fixture
def fast_kiosk(app):
    saved = {key: app.config[key] for key in ("KIOSK_REASON_SECONDS", "KIOSK_THANKS_SECONDS", "KIOSK_IDLE_SECONDS")}
    app.config.update(KIOSK_REASON_SECONDS=3, KIOSK_THANKS_SECONDS=2, KIOSK_IDLE_SECONDS=6)
    yield
    app.config.update(saved)


@pytest.fixture
def office(ctx):
    make_period()
    unit = make_unit(code="kec-menteng", name="Kantor Kecamatan Menteng")
    desk = make_desk(unit=unit, name="Loket 1")
    supervisor = make_user(Role.SUPERVISOR, unit=unit, username="rina")
    return dict(unit=unit, desk=desk, supervisor=supervisor)


def sign_in(page, live_server, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill("rina")
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN[lang]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_units_questions_page_and_its_previews(office, live_server, a11y_context, screenshot, lang):
    text = TEXT[lang]
    unit = office["unit"]
    create_unit_question(
        office["supervisor"],
        unit,
        {"type": "kiosk_reason", "text_id": "Tempat parkir", "text_en": "Parking"},
    )
    db.session.commit()
    page = a11y_context(viewport=OFFICE_PC).new_page()
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/admin/questions")
    expect(page.get_by_role("heading", level=1)).to_contain_text(text["title"])
    page.locator("#question-new-type").select_option("survey_yes_no")
    page.locator("#question-new-text_id").fill("Apakah antrean tertib?")
    page.locator("#question-new-text_en").fill("Was the queue orderly?")
    page.get_by_role("button", name=text["add"], exact=True).click()
    expect(page.locator("#unit-questions")).to_contain_text("Apakah antrean tertib?")
    assert_accessible(page, f"unit-questions-pc-{lang}", screenshot)

    page.goto(f"{live_server}/admin/units/{unit.id}/questions/preview/kiosk")
    expect(page.locator(".chip")).to_have_count(1)
    expect(page.locator("body[data-current]")).to_have_count(1)
    assert_accessible(page, f"unit-questions-preview-kiosk-{lang}", screenshot)
    page.locator(".face-4").click()
    page.locator(".chip").click()
    page.locator(".send").click()
    expect(page.locator("[data-screen='thanks']")).to_be_visible()

    phone = a11y_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, live_server, lang)
    phone.goto(f"{live_server}/admin/units/{unit.id}/questions/preview/phone?lang={lang}")
    expect(phone.locator(".questions > li")).to_have_count(10)
    expect(phone.locator(".questions > li").last).to_contain_text(
        "Apakah antrean tertib?" if lang == "id" else "Was the queue orderly?"
    )
    expect(phone.get_by_role("button", name=text["send"])).to_be_disabled()
    assert_accessible(phone, f"unit-questions-preview-phone-{lang}", screenshot)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0  # a preview records nothing


def test_an_open_kiosk_takes_the_units_question_after_the_next_citizen(
    office, live_server, browser, fast_kiosk, screenshot
):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    pair_tablet(page, live_server, office["desk"])
    expect(page.locator("#question")).to_contain_text("Bagaimana pelayanan yang Anda terima hari ini?")

    question = create_unit_question(
        office["supervisor"],
        office["unit"],
        {"type": "kiosk_question", "text_id": "Puaskah Anda dengan loket kami?", "text_en": "Happy with our counter?"},
    )
    db.session.commit()
    # The citizen at the counter now still sees the screen as it was, and votes.
    page.locator(".face-3").click()
    page.locator(".send").click()
    expect(page.locator("[data-screen='thanks']")).to_be_visible()
    queue_drained(page)
    # Between two citizens (the thank-you timed out) the kiosk asks, and reloads: no minute's wait.
    expect(page.locator("#question")).to_contain_text("Puaskah Anda dengan loket kami?", timeout=10000)
    screenshot(page, "unit-question-kiosk")
    page.locator(".face-4").click()
    page.locator(".send").click()
    queue_drained(page)
    db.session.expire_all()
    answered = db.session.scalars(sa.select(Answer.indicator_id).order_by(Answer.response_id)).all()
    kiosk_id = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == "KIOSK"))
    assert answered == [kiosk_id, question.id]
    context.close()
    assert errors == []


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_phone_survey_with_the_units_item_at_390_px(office, live_server, a11y_context, screenshot, lang):
    item = create_unit_question(
        office["supervisor"],
        office["unit"],
        {"type": "survey_yes_no", "text_id": "Apakah antrean tertib?", "text_en": "Was the queue orderly?"},
    )
    db.session.commit()
    phone = a11y_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{live_server}/s/{office['desk'].code}?lang={lang}")
    expect(phone.locator(".questions > li")).to_have_count(10)
    phone.wait_for_function("() => window.htmx")
    assert_accessible(phone, f"unit-item-phone-{lang}", screenshot)
    for question in phone.locator(".questions > li").all()[:9]:
        question.locator("label.option-3").click()
    own = phone.locator(".questions > li").last
    own.scroll_into_view_if_needed()
    screenshot(phone, f"unit-item-phone-question-{lang}")
    own.get_by_text(TEXT[lang]["yes"], exact=True).click()
    phone.get_by_role("button", name=TEXT[lang]["send"]).click()
    expect(phone.locator("#survey-thanks")).to_be_visible()
    db.session.expire_all()
    value = db.session.scalar(sa.select(Answer.value).where(Answer.indicator_id == item.id))
    assert value == YES
