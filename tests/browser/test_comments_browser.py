"""The comments page in real Chromium, on an office PC and a 360 px phone, in both languages: a
supervisor confirms the suggested tag with htmx, narrows the list to open complaints, answers one
(an empty answer refused beside its field) and sees it closed with the answer and its local time;
profanity is masked; axe-core and 48 px targets on each state. Screenshots go to
artifacts/screenshots/."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.responses import Channel, Given
from org.models import Role
from reports.models import CommentTag, CommentTriage
from tests.browser.a11y import assert_accessible, assert_targets_at_least
from tests.factories import PASSWORD, kiosk_question, make_desk, make_period, make_response, make_unit, make_user

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
AT = datetime(2026, 12, 4, 3, 40, tzinfo=UTC)  # 11:40 WITA

TEXT = {
    "id": {
        "sign_in": "Masuk",
        "heading": "Komentar warga",
        "confirm": "Konfirmasi label",
        "tagged": "Diberi label Keluhan.",
        "complaints": "Keluhan",
        "waiting": "Keluhan yang menunggu jawaban",
        "answer_and_close": "Jawab dan tutup",
        "answer_label": "Jawaban yang diberikan kepada warga",
        "record": "Catat jawaban dan tutup",
        "required": "wajib diisi",
        "closed": "Jawaban tercatat; keluhan ditutup.",
        "reopen": "Buka kembali keluhan",
    },
    "en": {
        "sign_in": "Sign in",
        "heading": "Citizens' comments",
        "confirm": "Confirm tag",
        "tagged": "Tagged as Complaint.",
        "complaints": "Complaints",
        "waiting": "Complaints waiting for an answer",
        "answer_and_close": "Answer and close",
        "answer_label": "Answer given to the citizen",
        "record": "Record the answer and close",
        "required": "This field is required.",
        "closed": "Answer recorded; the complaint is closed.",
        "reopen": "Reopen the complaint",
    },
}


def _comment(period, desk, face, comment):
    return make_response(
        period, desk, None, [Given(kiosk_question().id, face)], channel=Channel.KIOSK, comment=comment, at=AT
    )


@pytest.fixture
def office(ctx):
    unit = make_unit(code="disdukcapil-mks", name="Disdukcapil Makassar", timezone="Asia/Makassar")
    desk = make_desk(unit=unit, name="Loket 1")
    period = make_period()
    rude = _comment(period, desk, 1, "Petugas bangsat, antre dua jam tanpa kepastian")
    _comment(period, desk, 4, "Petugasnya ramah dan sabar menjelaskan.")
    _comment(period, desk, 3, "Mohon jam layanan diperpanjang sampai sore.")
    make_user(Role.SUPERVISOR, unit=unit, username="kepala")
    db.session.commit()
    return dict(rude=rude)


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


def check_targets(page, where: str) -> None:
    controls = page.locator(
        "main button:visible, main a.button:visible, main select:visible, main textarea:visible, "
        "main input:visible:not([type=hidden]), main summary:visible"
    )
    assert_targets_at_least(controls, f"{where} controls")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_tagging_filtering_and_answering_a_complaint(office, live_server, a11y_context, screenshot, lang):
    text = TEXT[lang]
    page = a11y_context(viewport=OFFICE_PC).new_page()
    sign_in(page, live_server, lang)
    page.goto(f"{live_server}/admin/comments")
    htmx_ready(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(text["heading"])
    row = page.locator(f"#comment-{office['rude'].id}")
    expect(row).to_contain_text("2026-12-04 11:40 WITA")
    expect(row).to_contain_text("Petugas ***, antre dua jam")
    assert "bangsat" not in page.content().lower()
    assert_accessible(page, f"comments-{lang}", screenshot)
    check_targets(page, "comments page")

    # The suggestion (an unhappy face: a complaint) is preselected; staff confirm it.
    row.get_by_role("button", name=text["confirm"]).click()
    expect(row).to_contain_text(text["tagged"])
    expect(row.locator("details.comment-answer-form")).to_have_count(1)  # a complaint is answered

    # Only the complaints waiting for an answer.
    page.get_by_label(text["complaints"], exact=True).select_option(label=text["waiting"])
    expect(page.locator(".comment-card")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]status=open"))

    row = page.locator(f"#comment-{office['rude'].id}")
    row.locator("summary").click()
    row.get_by_role("button", name=text["record"]).click()
    answer = row.get_by_label(text["answer_label"])
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(row).to_contain_text(text["required"])
    assert_accessible(page, f"comments-answer-refused-{lang}", screenshot)

    answer.fill("Mohon maaf. Loket 2 kini dibuka pada jam sibuk.")
    row.get_by_role("button", name=text["record"]).click()
    expect(row).to_contain_text(text["closed"])
    expect(row).to_contain_text("Mohon maaf. Loket 2 kini dibuka pada jam sibuk.")
    expect(row.get_by_role("button", name=text["reopen"])).to_be_visible()
    assert_accessible(page, f"comments-answered-{lang}", screenshot)

    db.session.expire_all()
    triage = db.session.scalar(sa.select(CommentTriage).where(CommentTriage.response_id == office["rude"].id))
    assert triage.tag == CommentTag.COMPLAINT and triage.answer.startswith("Mohon maaf") and triage.closed_at

    # On a phone: the cards stack, every control still 48 px.
    phone = a11y_context(viewport=PHONE).new_page()
    sign_in(phone, live_server, lang)
    phone.goto(f"{live_server}/admin/comments")
    expect(phone.locator(".comment-card")).to_have_count(3)
    assert_accessible(phone, f"comments-phone-{lang}", screenshot)
    check_targets(phone, "comments page on a phone")
