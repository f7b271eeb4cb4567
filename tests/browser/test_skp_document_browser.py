"""The unit's distribution of predikat and the evaluation document in real Chromium, in both
languages: the head's appraiser sets the unit's result and reads what breaks the curve, then
opens an officer's document; axe-core, 48 px targets and a visible keyboard focus on each page.
Screenshots go to artifacts/screenshots/."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.db import db
from org.models import Role
from skp.models import FeedbackNote, Realisation
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least, focused
from tests.factories import (
    PASSWORD,
    make_evaluation,
    make_line,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.browser

# axe cannot work out the background behind SVG text (see test_reports_browser); the chart's
# data is also a table, which axe does check.
CHART_TEXT = ".chart-svg text"

TEXT = {
    "id": {
        "sign_in": "Masuk",
        "set": "Tetapkan capaian kinerja unit",
        "reason": "Alasan",
        "breach": "Paling banyak 70 % boleh Baik: 8 dari 10 (80 %).",
        "document": "Dokumen",
        "pdf": "Unduh PDF",
        "done": "Capaian kinerja unit sudah ditetapkan.",
    },
    "en": {
        "sign_in": "Sign in",
        "set": "Set the unit's result",
        "reason": "Reason",
        "breach": "At most 70 % may be Baik: 8 of 10 (80 %) are.",
        "document": "Document",
        "pdf": "Download PDF",
        "done": "The unit's result is set.",
    },
}


@pytest.fixture
def office(ctx):
    period = make_period(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), name="Triwulan IV 2026")
    above = make_unit(name="Dinas Kependudukan")
    unit = make_unit(name="Kecamatan Sukamaju", address="Jl. Merdeka 1, Kota Makassar", timezone="Asia/Makassar")
    chief = make_officer(unit=above, name="Dr. Hendra Wijaya", rank="IV/b", position="Kepala Dinas")
    head = make_officer(unit=unit, name="Budi Santoso", rank="IV/a", position="Camat")
    unit.head_officer_id = head.id
    db.session.commit()
    make_line(head, chief)
    officers = [make_officer(unit=unit, name=name, rank="III/a") for name in NAMES]
    for officer in officers:
        make_line(officer, head, chief)
    siti = officers[0]
    skp = make_skp(siti, year=2026)
    # Ten signed evaluations: one Sangat Baik, eight Baik, one Butuh Perbaikan.
    for officer, predikat in zip([head, *officers], ["sangat_baik"] + ["baik"] * 8 + ["butuh_perbaikan"], strict=True):
        make_evaluation(officer, period, predikat, appraiser=chief if officer is head else head, superior=chief)
    row = make_result(
        skp,
        leader_result="Meningkatnya kualitas layanan kecamatan",
        description="Layanan KTP-el selesai tepat waktu",
        indicator="Jumlah layanan KTP-el selesai",
        target=Decimal("600"),
    )
    db.session.add_all(
        [
            Realisation(
                result_id=row.id,
                period_id=period.id,
                achieved=Decimal("612"),
                note="Termasuk layanan keliling",
                evidence_url="https://drive.example.go.id/rekap-ktp",
            ),
            FeedbackNote(
                skp_id=skp.id,
                period_id=period.id,
                result_id=row.id,
                text="Pertahankan kecepatan layanan",
                author_role="appraiser",
            ),
        ]
    )
    db.session.commit()
    make_user(Role.OFFICER, officer=chief, username="hendra")
    return {"period": period, "unit": unit, "skp": skp, "siti": siti}


NAMES = [
    "Siti Rahmawati",
    "Agus Setiawan",
    "Dewi Lestari",
    "Eko Prasetyo",
    "Fitri Handayani",
    "Gilang Ramadhan",
    "Hana Pertiwi",
    "Indra Kusuma",
    "Joko Susilo",
]


def sign_in(page, live_server, username, lang):
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


def tab_until(page, predicate, what: str, limit: int = 120) -> dict:
    """Press Tab until ``predicate(focused)``; the focus is visible at every stop."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now["name"] or now["id"])
        if now["tag"] != "body":
            assert_focus_visible(page, where=f"tabbing to {what}, at {now['name']!r}")
        if predicate(now):
            return now
    raise AssertionError(f"Tab never reached {what}; the focus went through {seen}")


def assert_fits(page, where: str) -> None:
    """Nothing reaches past the right edge of the window: no sideways scrolling."""
    # A phone's browser widens its layout to fit what overflows: measure against the device.
    wide = page.evaluate(
        """(width) => [...document.querySelectorAll("body *")]
        .filter(el => el.getBoundingClientRect().right > width + 1)
        .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className
             + " " + Math.round(el.getBoundingClientRect().right))""",
        page.viewport_size["width"],
    )
    assert wide == [], f"{where}: wider than the window: {wide[:8]}"


def check_targets(page, where: str) -> int:
    """Every button, button-like link and field of the main content is at least 48 x 48 px; a
    radio button is measured by its label, which takes the click for it."""
    controls = page.locator(
        "main button:visible, main a.button:visible, main select:visible, main textarea:visible, "
        "main input:visible:not([type=hidden]):not([type=checkbox]):not([type=radio]), main label.choice:visible"
    )
    return assert_targets_at_least(controls, f"{where} controls")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_distribution_and_the_document(office, live_server, a11y_context, screenshot, lang):
    text = TEXT[lang]
    unit, period, skp = office["unit"], office["period"], office["skp"]
    page = a11y_context(viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, live_server, "hendra", lang)
    page.goto(f"{live_server}/admin/skp/units/{unit.id}/periods/{period.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kecamatan Sukamaju")
    assert_accessible(page, f"skp-distribution-unset-{lang}", screenshot, exclude=CHART_TEXT)
    check_targets(page, "distribution")

    # The keyboard reaches the result's choices and the button with a visible focus; the form
    # sets the unit's result, and the page says plainly what breaks the curve it picks.
    tab_until(page, lambda f: f["type"] == "radio", "the first result")
    page.keyboard.press("ArrowDown")  # Baik
    assert focused(page)["value"] == "baik"
    page.get_by_label(text["reason"]).fill("Target unit tercapai, dua layanan baru berjalan")
    tab_until(page, lambda f: f["tag"] == "button" and f["name"] == text["set"], "the set button")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text(text["done"])
    expect(page.locator("#breaches")).to_contain_text(text["breach"])
    expect(page.locator("svg .chart-bar-breach")).to_have_count(1)
    assert_accessible(page, f"skp-distribution-{lang}", screenshot, exclude=CHART_TEXT)
    check_targets(page, "distribution with its result")

    phone = a11y_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    sign_in(phone, live_server, "hendra", lang)
    phone.goto(f"{live_server}/admin/skp/units/{unit.id}/periods/{period.id}")
    assert_accessible(phone, f"skp-distribution-phone-{lang}", screenshot, exclude=CHART_TEXT)
    assert_fits(phone, "distribution on a phone")

    # Siti's document, from her row.
    row = page.locator("tr", has_text="Siti Rahmawati")
    row.get_by_role("link", name=text["document"]).click()
    expect(page).to_have_url(f"{live_server}/admin/skp/{skp.id}/periods/{period.id}/document")
    expect(page.get_by_role("heading", level=1)).to_have_text("DOKUMEN EVALUASI KINERJA PEGAWAI")
    doc = page.locator("article.skp-doc")
    expect(doc).to_have_attribute("lang", "id")
    for words in ("Siti Rahmawati", "Budi Santoso", "Dr. Hendra Wijaya", "Baik", "612 layanan", "Pertahankan"):
        expect(doc).to_contain_text(words)
    expect(doc).to_contain_text("Paling banyak 70 % boleh Baik: 8 dari 10 (80 %).")
    assert_accessible(page, f"skp-document-{lang}", screenshot)
    check_targets(page, "document")
    page.keyboard.press("Home")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    tab_until(page, lambda f: f["tag"] == "a" and f["name"] == text["pdf"], "Download PDF")

    # As printed: the tools and the site's header are gone, the document alone on A4.
    page.emulate_media(media="print")
    expect(page.locator(".skp-doc-tools")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    screenshot(page, f"skp-document-print-{lang}", full_page=True)

    phone.goto(f"{live_server}/admin/skp/{skp.id}/periods/{period.id}/document")
    assert_accessible(phone, f"skp-document-phone-{lang}", screenshot)
