"""Accessibility in real Chromium: axe-core (WCAG 2.0/2.1 A and AA) on the kiosk, the phone
survey, the posters and the admin area, in Bahasa Indonesia and English; touch targets of at
least 48x48 px; the kiosk and the survey used with the keyboard alone, with a visible focus; and
what a screen reader is told (names, groups, errors, the thank-you, the page's language).

The helpers (and how to use them on a new page) are in tests/a11y.py."""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import Indicator
from core.db import db
from core.responses import Channel, Given, NewResponse, Response, record_response
from demo.data import DEMO_ACCOUNTS, ensure_demo_accounts, load_demo
from kiosk.errors import VoteError
from kiosk.models import Kiosk
from kiosk.pairing import new_pairing_code
from kiosk.refusals import record_refusal
from org.duty import start_duty
from org.models import Desk, Officer, Role, Service, Unit
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least, focused
from tests.factories import (
    PASSWORD,
    answers_by_code,
    kiosk_question,
    make_desk,
    make_officer,
    make_period,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.browser

TABLET = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
OFFICE_PC = {"width": 1366, "height": 768}

KIOSK_TEXT = {
    "id": dict(
        question="Bagaimana pelayanan yang Anda terima hari ini?",
        faces=["Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"],
        low="Apa yang perlu diperbaiki?",
        reason="Waktu tunggu",
        send="Kirim",
        thanks="Terima kasih!",
    ),
    "en": dict(
        question="How was the service you received today?",
        faces=["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"],
        low="What should be improved?",
        reason="Waiting time",
        send="Send",
        thanks="Thank you!",
    ),
}
SURVEY_TEXT = {
    "id": dict(send="Kirim", required="Pilih satu jawaban.", thanks="Terima kasih!"),
    "en": dict(send="Send", required="Choose one answer.", thanks="Thank you!"),
}


@pytest.fixture
def kiosk_timers(app):
    """Kiosk timers long enough for axe to look at each screen before it moves on;
    ``kiosk_timers(thanks=2)`` changes one for the next page load."""
    keys = {"reason": "KIOSK_REASON_SECONDS", "thanks": "KIOSK_THANKS_SECONDS", "idle": "KIOSK_IDLE_SECONDS"}
    saved = {key: app.config[key] for key in keys.values()}
    app.config.update(KIOSK_REASON_SECONDS=120, KIOSK_THANKS_SECONDS=60, KIOSK_IDLE_SECONDS=300)

    def set_timers(**seconds):
        app.config.update({keys[name]: value for name, value in seconds.items()})

    yield set_timers
    app.config.update(saved)


@pytest.fixture
def office(ctx, app, live_server, monkeypatch):
    """An open period; a unit with two services and a desk at which Siti is on duty."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    make_period()
    unit = make_unit(code="kec-cempaka-putih", name="Kantor Kecamatan Cempaka Putih")
    db.session.add_all(
        [
            Service(unit=unit, name_id="Perekaman KTP-el", name_en="e-ID card recording", position=0),
            Service(unit=unit, name_id="Kartu Keluarga", name_en="Family card", position=1),
        ]
    )
    desk = make_desk(unit=unit, name="Loket 1")
    siti = make_officer(unit=unit, name="Siti Rahmawati", position="Pengadministrasi Umum", pin="246810")
    make_officer(unit=unit, name="Budi Santoso", position="Pengolah Data")
    start_duty(desk, siti, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return dict(unit=unit, desk=desk, siti=siti)


def html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def tab_to(page, name: str, role_check=None, key: str = "Tab", limit: int = 40) -> dict:
    """Press Tab (or Shift+Tab) until the focus is on the control named ``name`` (its label or
    text), checking at every stop that the focus can be seen. Returns the focused control."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        seen.append(now["name"])
        if now["tag"] != "body":
            assert_focus_visible(page, where=f"after {key} to {now['name']!r}")
        if now["name"] == name and (role_check is None or role_check(now)):
            return now
    raise AssertionError(f"{key} never reached {name!r}; the focus went through {seen}")


def queue_drained(page):
    for _ in range(100):
        if page.evaluate("() => JSON.parse(localStorage.getItem('suara.kiosk.queue') || '[]').length") == 0:
            return
        page.wait_for_timeout(100)
    raise AssertionError("votes are still waiting in the kiosk's queue")


def pair_tablet(page, live_server, desk):
    code = new_pairing_code(desk)
    db.session.commit()
    page.goto(f"{live_server}/kiosk/")
    page.get_by_label("Kode pemasangan").fill(code)
    page.get_by_role("button", name="Pasangkan").click()
    expect(page.locator(".faces")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-current", "rate")  # kiosk.js has started


# --- The kiosk -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_kiosk_pairing_screen(office, live_server, a11y_context, screenshot, lang):
    page = a11y_context(viewport=TABLET, has_touch=True).new_page()
    page.goto(f"{live_server}/kiosk/?lang={lang}")
    assert html_lang(page) == lang
    assert_accessible(page, f"kiosk-pair-{lang}", screenshot)

    label = {"id": "Kode pemasangan", "en": "Pairing code"}[lang]
    page.get_by_label(label).fill("WXYZ-2345")
    page.get_by_role("button", name={"id": "Pasangkan", "en": "Pair"}[lang]).click()
    code = page.get_by_label(label)
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(code).to_have_accessible_description(page.get_by_role("alert").inner_text())
    assert_accessible(page, f"kiosk-pair-{lang}-error", screenshot)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_kiosk_faces_reasons_and_thanks(office, live_server, a11y_context, screenshot, kiosk_timers, lang):
    text = KIOSK_TEXT[lang]
    page = a11y_context(viewport=TABLET, has_touch=True).new_page()
    pair_tablet(page, live_server, office["desk"])
    if lang == "en":
        page.get_by_role("button", name="English").tap()
    assert html_lang(page) == lang
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", str(lang == "en").lower())

    # Four faces, named by their words, in a group named by the question.
    faces = page.get_by_role("group", name=text["question"]).get_by_role("button")
    expect(faces).to_have_count(4)
    for face, name in zip(faces.all(), text["faces"]):
        expect(face).to_have_accessible_name(name)
    assert_accessible(page, f"kiosk-faces-{lang}", screenshot)
    assert assert_targets_at_least(faces, "faces") == 4
    assert_targets_at_least(page.locator(".lang-switch button"), "language buttons")
    assert_targets_at_least(page.get_by_role("button", name={"id": "Petugas", "en": "Staff"}[lang]), "staff button")

    page.get_by_role("button", name=text["faces"][1], exact=True).tap()
    chips = page.get_by_role("group", name=text["low"]).get_by_role("button")
    expect(chips).to_have_count(7)
    chip = page.get_by_role("button", name=text["reason"])
    chip.tap()
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(chip).to_have_accessible_name(text["reason"])  # the drawn tick is not read out
    assert_accessible(page, f"kiosk-reasons-{lang}", screenshot)
    assert assert_targets_at_least(chips, "reason chips") == 7
    assert_targets_at_least(page.get_by_role("button", name=text["send"]), "send button")

    page.get_by_role("button", name=text["send"]).tap()
    expect(page.get_by_role("heading", name=text["thanks"])).to_be_visible()
    assert_accessible(page, f"kiosk-thanks-{lang}", screenshot)
    queue_drained(page)


def test_the_kiosk_staff_panel_and_pin_keypad(office, live_server, a11y_context, screenshot, kiosk_timers):
    page = a11y_context(viewport=TABLET, has_touch=True).new_page()
    pair_tablet(page, live_server, office["desk"])

    page.get_by_role("button", name="Petugas").tap()
    dialog = page.get_by_role("dialog", name="Tugas di Loket 1")
    expect(dialog).to_be_visible()
    assert_accessible(page, "kiosk-staff-panel", screenshot)
    assert_targets_at_least(dialog.get_by_role("link"), "officer names and staff buttons")
    assert_targets_at_least(dialog.get_by_role("button"), "staff panel buttons")

    dialog.get_by_role("link", name="Budi Santoso").tap()
    pin = dialog.get_by_label("PIN Anda")
    expect(pin).to_be_focused()
    keypad = dialog.get_by_role("group", name="Papan angka")
    keys = keypad.get_by_role("button")
    expect(keys).to_have_count(12)
    expect(keypad.get_by_role("button", name="Hapus")).to_be_visible()
    assert assert_targets_at_least(keys, "keypad keys") == 12
    for digit in "1111":
        keypad.get_by_role("button", name=digit, exact=True).tap()
    keypad.get_by_role("button", name="Hapus").tap()
    expect(pin).to_have_value("111")
    assert_accessible(page, "kiosk-keypad", screenshot)

    keypad.get_by_role("button", name="OK").tap()
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("PIN salah")
    pin = dialog.get_by_label("PIN Anda")
    expect(pin).to_have_attribute("aria-invalid", "true")
    expect(pin).to_have_accessible_description(alert.inner_text())
    assert_accessible(page, "kiosk-keypad-error", screenshot)

    # The PIN can be typed on a keyboard too: the field has the focus, Enter sends it.
    expect(pin).to_be_focused()
    page.keyboard.type("1234")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_contain_text("Budi Santoso")
    assert_accessible(page, "kiosk-duty-started", screenshot)


def test_a_vote_with_a_reason_by_keyboard_alone(office, live_server, a11y_context, screenshot, kiosk_timers):
    kiosk_timers(thanks=2)
    page = a11y_context(viewport=TABLET).new_page()
    pair_tablet(page, live_server, office["desk"])
    page.locator("body").focus()
    text = KIOSK_TEXT["en"]

    # English for this citizen: Tab to the language button, Space.
    tab_to(page, "English")
    page.keyboard.press("Space")
    assert html_lang(page) == "en"
    expect(page.get_by_role("heading", name=text["question"])).to_be_visible()

    # Tab on to the second face, back with Shift+Tab, forward again; Enter chooses it.
    tab_to(page, text["faces"][2])
    tab_to(page, text["faces"][1], key="Shift+Tab")
    page.keyboard.press("Enter")
    # The focus followed to the reasons screen, whose heading a screen reader now reads.
    expect(page.get_by_role("heading", name=text["low"])).to_be_focused()

    # The first reason is the next stop; Space toggles it; Enter on Send sends.
    page.keyboard.press("Tab")
    assert focused(page)["name"] == text["reason"]
    assert_focus_visible(page, "first reason")
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name=text["reason"])).to_have_attribute("aria-pressed", "true")
    screenshot(page, "a11y-kiosk-keyboard-reason")
    tab_to(page, text["send"])
    page.keyboard.press("Enter")

    # The thank-you has the focus (and sits in a live region), then the kiosk starts over in
    # Bahasa Indonesia with the focus on the question, ready for the next citizen.
    thanks = page.get_by_role("heading", name=text["thanks"])
    expect(thanks).to_be_focused()
    assert page.locator("[data-screen='thanks']").get_attribute("aria-live") == "polite"
    screenshot(page, "a11y-kiosk-keyboard-thanks")
    question = page.get_by_role("heading", name=KIOSK_TEXT["id"]["question"])
    expect(question).to_be_focused(timeout=5000)
    assert html_lang(page) == "id"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == KIOSK_TEXT["id"]["faces"][0]

    queue_drained(page)
    db.session.expire_all()
    [response] = db.session.scalars(sa.select(Response)).all()
    assert answers_by_code(response) == {"KIOSK": 2, "R_WAKTU": 1}
    assert (response.locale, response.officer_id) == ("en", office["siti"].id)


# --- The phone survey ------------------------------------------------------------------------------


def skm_indicators() -> list[Indicator]:
    return db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.skm_element.is_not(None), Indicator.kind == "scale")
        .order_by(Indicator.position)
    ).all()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_survey_form_errors_and_thanks(office, live_server, a11y_context, screenshot, lang):
    text = SURVEY_TEXT[lang]
    indicators = skm_indicators()
    page = a11y_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
    page.goto(f"{live_server}/s/{office['desk'].code}?lang={lang}")
    assert html_lang(page) == lang
    assert_accessible(page, f"survey-form-{lang}", screenshot)

    # Each question is a group of radios named by its legend.
    first = indicators[0]
    group = page.get_by_role("group", name=f"1. {first.text(lang)}")
    expect(group.get_by_role("radio")).to_have_count(4)
    for radio, label in zip(group.get_by_role("radio").all(), first.labels(lang)):
        expect(radio).to_have_accessible_name(label)
    # Large targets: every answer, every field, the button, the language links.
    assert assert_targets_at_least(page.locator("label.option"), "answer options") == 36
    assert_targets_at_least(page.locator(".survey-form select, .survey-form textarea"), "fields")
    assert_targets_at_least(page.get_by_role("button", name=text["send"]), "send button")
    assert_targets_at_least(page.get_by_role("navigation").get_by_role("link"), "language and sign-in links")

    # Sent with one question unanswered: the errors are announced and tied to their fields.
    for indicator in indicators[1:]:
        page.locator(f"#q{indicator.id}-field label.option-3").click()
    page.get_by_role("button", name=text["send"]).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    assert summary.get_attribute("role") == "alert"
    assert html_lang(page) == lang
    expect(summary).to_contain_text(text["required"])  # in the language of the page
    for radio in group.get_by_role("radio").all():
        expect(radio).to_have_attribute("aria-invalid", "true")
        expect(radio).to_have_accessible_description(text["required"])
    service = page.locator("#service")
    expect(service).to_have_attribute("aria-invalid", "true")
    expect(service).to_have_accessible_description(page.locator("#service-error").inner_text())
    assert_accessible(page, f"survey-errors-{lang}", screenshot)

    # Answered and sent: the thank-you takes the focus, in the page's language.
    group.get_by_role("radio").nth(3).check()
    service.select_option(index=1)
    page.get_by_role("button", name=text["send"]).click()
    thanks = page.get_by_role("region", name=text["thanks"])
    expect(thanks).to_be_focused()
    assert html_lang(page) == lang
    assert_accessible(page, f"survey-thanks-{lang}", screenshot)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Response.locale)) == lang

    # The thank-you page itself (where a browser without JavaScript lands).
    page.goto(f"{live_server}/s/{office['desk'].code}/thanks?lang={lang}")
    expect(page.get_by_role("heading", name=text["thanks"])).to_be_visible()
    assert_accessible(page, f"survey-thanks-page-{lang}", screenshot)


def test_the_survey_by_keyboard_alone(office, live_server, a11y_context, screenshot):
    indicators = skm_indicators()
    page = a11y_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/s/{office['desk'].code}")
    chosen = {}

    def answer(indicator, value):
        """On the first radio of a question: Space picks it, arrow keys move the choice."""
        now = focused(page)
        assert (now["type"], now["name"]) == ("radio", indicator.labels("id")[0]), now
        page.keyboard.press("Space")
        for _ in range(value - 1):
            page.keyboard.press("ArrowDown")
        now = focused(page)
        assert now["checked"] and now["value"] == str(value), now
        assert_focus_visible(page, f"question {indicator.position}")
        chosen[indicator.id] = value

    # Eight questions answered, the ninth passed by; the service chosen with the arrow keys.
    tab_to(page, indicators[0].labels("id")[0], role_check=lambda now: now["type"] == "radio")
    for n, indicator in enumerate(indicators[:8]):
        if n:
            page.keyboard.press("Tab")
        answer(indicator, n % 4 + 1)
    page.keyboard.press("Tab")  # into the ninth question
    tab_to(page, "Jenis layanan apa yang Anda terima?")
    page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == str(db.session.scalar(sa.select(Service.id).where(Service.position == 0)))
    tab_to(page, "Kirim")
    page.keyboard.press("Enter")

    # The error summary has the focus; its link leads the keyboard to the question.
    expect(page.locator("#error-summary")).to_be_focused()
    screenshot(page, "a11y-survey-keyboard-errors")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Pertanyaan 9: Pilih satu jawaban."
    assert_focus_visible(page, "error link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    answer(indicators[8], 3)
    expect(page.locator(f"#q{indicators[8].id}-field .field-error")).to_have_count(0)  # answered: no error

    # Shift+Tab goes back to the eighth question, with its answer kept.
    page.keyboard.press("Shift+Tab")
    assert focused(page)["checked"] and focused(page)["value"] == str(chosen[indicators[7].id])
    tab_to(page, "Kirim")
    screenshot(page, "a11y-survey-keyboard-send")
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name="Terima kasih!")).to_be_focused()

    db.session.expire_all()
    [response] = db.session.scalars(sa.select(Response)).all()
    assert {a.indicator_id: a.value for a in response.answers} == chosen


# --- Posters -------------------------------------------------------------------------------------


def sign_in(page, live_server, username, password, lang="id"):
    page.goto(f"{live_server}/admin/login?lang={lang}")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.locator("#login-password").press("Enter")
    expect(page.locator("#login-username")).to_have_count(0)


def test_the_poster_pages(office, live_server, a11y_context, screenshot):
    supervisor = make_user(Role.SUPERVISOR, unit=office["unit"])
    page = a11y_context(viewport={"width": 1100, "height": 900}).new_page()
    sign_in(page, live_server, supervisor.username, PASSWORD)
    unit_code, desk_code = office["unit"].code, office["desk"].code
    for name, path in [
        ("posters", "/survey/"),
        ("posters-a4", f"/survey/posters/{unit_code}"),
        ("posters-a6", f"/survey/posters/{unit_code}?size=a6"),
        ("poster-desk", f"/survey/poster/{desk_code}"),
        ("poster-officer-en", f"/survey/poster/{office['siti'].code}?lang=en"),
    ]:
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1")).to_be_visible()
        assert html_lang(page) == ("en" if name.endswith("-en") else "id")
        assert_accessible(page, name, screenshot)
    # Each printed sheet is a named region of the page, and its QR code an image with a name.
    expect(page.get_by_role("article", name="Siti Rahmawati")).to_be_visible()
    expect(page.get_by_role("img", name="Siti Rahmawati")).to_be_visible()


# --- The admin area ----------------------------------------------------------------------------------

ADMIN_PAGES = [
    ("overview", "/admin/"),
    ("units", "/admin/units"),
    ("unit", "/admin/units/{unit_id}"),
    ("officers", "/admin/officers"),
    ("import", "/admin/officers/import"),
    ("kiosks", "/admin/kiosks"),
    ("duty", "/admin/duty"),
    ("periods", "/admin/periods"),
    ("indicators", "/admin/indicators"),
    ("accounts", "/admin/users"),
    ("comments", "/admin/comments"),
    ("audit", "/admin/audit"),
    ("me", "/admin/me"),
    ("password", "/admin/password"),
    ("kiosk-refusals", "/admin/kiosks/{kiosk_id}/refusals"),
]


@pytest.fixture
def demo(ctx):
    """The demo's two offices with their history, and its three sign-in accounts."""
    now = datetime.now(timezone.utc)
    load_demo(7, now)
    ensure_demo_accounts(now)
    db.session.commit()
    return {role: (username, password) for role, username, password in DEMO_ACCOUNTS}


def with_refused_and_outside_votes(unit_id: int) -> int:
    """A vote a kiosk of the unit had refused for good, and one kept outside any period, so that
    the kiosk's refusals page and the start page's warning have something to show; the kiosk."""
    kiosk = db.session.scalar(sa.select(Kiosk).join(Desk).where(Desk.unit_id == unit_id).order_by(Kiosk.id))
    payload = {"uuid": str(uuid.uuid4()), "value": 4, "reasons": ["R_LAMA"], "locale": "id"}
    record_refusal(kiosk.id, VoteError("unknown_reason", reason="R_LAMA"), payload, json.dumps(payload).encode())
    now = datetime.now(timezone.utc)
    record_response(
        NewResponse(
            uuid=str(uuid.uuid4()),
            channel=Channel.KIOSK,
            unit_id=unit_id,
            period_id=None,
            cast_at=now,
            received_at=now,
            desk_id=kiosk.desk_id,
            kiosk_id=kiosk.id,
            answers=(Given(kiosk_question().id, 3),),
        )
    )
    db.session.commit()
    return kiosk.id


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_admin_pages(demo, live_server, a11y_context, screenshot, lang):
    page = a11y_context(viewport=OFFICE_PC).new_page()
    page.goto(f"{live_server}/admin/login?lang={lang}")
    assert html_lang(page) == lang
    assert_accessible(page, f"admin-login-{lang}", screenshot)
    page.locator("#login-username").fill("admin")
    page.locator("#login-password").fill("not the password")
    page.locator("#login-password").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, f"admin-login-error-{lang}", screenshot)

    sign_in(page, live_server, *demo["admin"], lang=lang)
    # The language link keeps the choice (a cookie) for the pages and the parts htmx loads.
    page.get_by_role("banner").get_by_role("link", name={"id": "Bahasa Indonesia", "en": "English"}[lang]).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    unit_id = db.session.scalar(sa.select(Unit.id).order_by(Unit.id))
    kiosk_id = with_refused_and_outside_votes(unit_id)
    for name, path in ADMIN_PAGES:
        page.goto(f"{live_server}{path.format(unit_id=unit_id, kiosk_id=kiosk_id)}")
        assert html_lang(page) == lang, path
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page, f"admin-{name}-{lang}", screenshot)

    # A row being edited, refused: its error is tied to the field and read out with it.
    officer = db.session.scalar(sa.select(Officer).order_by(Officer.name))
    page.goto(f"{live_server}/admin/officers")
    row = page.locator(f"#officer-row-{officer.id}")
    row.get_by_role("link", name={"id": "Ubah", "en": "Edit"}[lang] + f" {officer.name}").click()
    nip = page.locator(f"#officer-{officer.id}-nip")
    nip.fill("12345")
    row.get_by_role("button", name={"id": "Simpan", "en": "Save"}[lang]).click()
    expect(nip).to_have_attribute("aria-invalid", "true")
    expect(nip).to_have_accessible_description(page.locator(f"#officer-{officer.id}-nip-error").inner_text())
    assert_accessible(page, f"admin-officer-row-error-{lang}", screenshot)


def test_the_officers_own_page(demo, live_server, a11y_context, screenshot):
    page = a11y_context(viewport=OFFICE_PC).new_page()
    sign_in(page, live_server, *demo["officer"])
    page.goto(f"{live_server}/admin/me")
    assert_accessible(page, "admin-officer-me", screenshot)
    page.get_by_role("button", name="Tampilkan kode QR survei").click()
    expect(page.locator(".service-code svg")).to_be_visible()
    assert_accessible(page, "admin-officer-me-code", screenshot)
