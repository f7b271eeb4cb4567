"""The reporting lines and the SKP plan in real Chromium, on an office PC and on a 360 px phone,
in both languages: a supervisor sets a line by searching an officer of another unit, the officer
drafts her work results with htmx and agrees, the appraiser adds an expectation and agrees, and a
change clears both agreements; axe-core, 48 px targets and a visible keyboard focus on each page.
Screenshots go to artifacts/screenshots/."""

from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect

from core.db import db
from org.models import Role
from skp.models import Skp, SkpStatus
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least, focus_ring, focused
from tests.factories import PASSWORD, make_line, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
YEAR = datetime.now(timezone.utc).year

TEXT = {
    "id": {
        "sign_in": "Masuk",
        "lines": "Hubungan penilaian",
        "set": "Tetapkan",
        "add": "Tambah",
        "agree_officer": "Saya menyetujui rencana ini sebagai pegawai",
        "agree_appraiser": "Saya menyetujui rencana ini sebagai pejabat penilai",
        "both": "Disetujui kedua pihak: tahap perencanaan selesai.",
        "cleared": "pegawai dan pejabat penilai harus menyetujuinya lagi",
        "description": "Rencana hasil kerja",
        "indicator": "Indikator kinerja individu (IKI)",
        "target": "Target",
        "appraiser": "Pejabat penilai",
        "from": "Mulai",
        "required": "wajib diisi",
    },
    "en": {
        "sign_in": "Sign in",
        "lines": "Reporting lines",
        "set": "Set the line",
        "add": "Add",
        "agree_officer": "I agree to this plan as the officer",
        "agree_appraiser": "I agree to this plan as the appraiser",
        "both": "Agreed by both: the planning is done.",
        "cleared": "the officer and the appraiser must both agree again",
        "description": "Work result",
        "indicator": "Indicator (IKI)",
        "target": "Target",
        "appraiser": "Appraiser (pejabat penilai)",
        "from": "From",
        "required": "This field is required.",
    },
}


@pytest.fixture
def office(ctx):
    unit = make_unit(code="kec-menteng", name="Kantor Kecamatan Menteng")
    head = make_officer(unit, name="Rina Wulandari", position="Kepala Seksi Pelayanan", rank="III/d")
    siti = make_officer(unit, name="Siti Rahmawati", position="Pengadministrasi Layanan", rank="II/c")
    budi = make_officer(unit, name="Budi Santoso", position="Pengadministrasi Layanan")
    camat = make_officer(
        make_unit(code="kantor-walikota", name="Kantor Walikota"), name="Hendra Gunawan", position="Camat"
    )
    make_line(budi, head, camat, valid_from=date(YEAR, 1, 1))
    make_period(name=f"Triwulan I {YEAR}", starts_on=date(YEAR, 1, 1), ends_on=date(YEAR, 3, 31))
    make_period(name=f"Triwulan II {YEAR}", starts_on=date(YEAR, 4, 1), ends_on=date(YEAR, 6, 30))
    return dict(
        unit=unit,
        head=head,
        siti=siti,
        budi=budi,
        camat=camat,
        supervisor=make_user(Role.SUPERVISOR, unit=unit, officer=head, username="rina"),
        officer=make_user(Role.OFFICER, officer=siti, username="siti"),
    )


def sign_in(page, live_server, username, lang):
    # The language a visitor chose is kept in a cookie (what the header's switch sets).
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=TEXT[lang]["sign_in"]).click()
    expect(page.locator("nav.admin-nav")).to_be_visible()


def tab_until(page, predicate, what: str, limit: int = 80) -> dict:
    """Press Tab until ``predicate(focused)``; the focus is visible at every stop."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now["name"] or now["id"])
        if now["type"] == "date":
            # The focus is on the day, month, year or calendar button inside, which :focus-visible
            # does not see; the page draws the ring for :focus-within (skp-plan.css).
            ring = focus_ring(page)
            assert ring["outlineStyle"] == "solid" and ring["outlineWidth"] >= 2, f"no focus ring on {now}"
        elif now["tag"] != "body":
            assert_focus_visible(page, where=f"tabbing to {what}, at {now['name']!r}")
        if predicate(now):
            return now
    raise AssertionError(f"Tab never reached {what}; the focus went through {seen}")


def check_targets(page, where: str) -> int:
    """Every button, button-like link and field of the page's main content is at least 48 x 48 px
    (links inside running text are not targets of their own). Returns how many were measured."""
    controls = page.locator(
        "main button:visible, main a.button:visible, main select:visible, main textarea:visible, "
        "main input:visible:not([type=hidden]):not([type=checkbox])"
    )
    return assert_targets_at_least(controls, f"{where} controls")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_reporting_lines_pages(office, live_server, a11y_context, screenshot, lang):
    text = TEXT[lang]
    context = a11y_context(viewport=OFFICE_PC, locale="id-ID")
    page = context.new_page()
    sign_in(page, live_server, "rina", lang)
    page.goto(f"{live_server}/admin/skp/lines")
    expect(page.get_by_role("heading", level=1)).to_contain_text(text["lines"])
    expect(page.locator(f"#line-row-{office['budi'].id}")).to_contain_text("Rina Wulandari")
    assert_accessible(page, f"skp-lines-pc-{lang}", screenshot)
    check_targets(page, "lines page")

    # Siti has no line: her page, then a line whose appraiser is found by name in the search.
    page.locator(f"#line-row-{office['siti'].id}").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Siti Rahmawati")
    # A line without an appraiser is refused beside the field, in the user's language.
    page.get_by_role("button", name=text["set"]).click()
    appraiser = page.get_by_label(text["appraiser"], exact=True)
    expect(appraiser).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#line-appraiser-error")).to_contain_text(text["required"])
    assert_accessible(page, f"skp-officer-lines-error-{lang}", screenshot)
    appraiser = page.get_by_label(text["appraiser"], exact=True)
    appraiser.fill("Rina")
    expect(page.locator("#line-appraiser-choices option")).to_have_count(1)
    appraiser.fill(office["head"].nip)
    page.locator("#line-superior").fill("Hendra")
    expect(page.locator("#line-superior-choices option")).to_have_count(1)
    assert page.locator("#line-superior-choices option").get_attribute("value") == office["camat"].nip
    page.locator("#line-superior").fill(office["camat"].nip)
    page.locator("#line-valid_from").fill(f"{YEAR}-01-01")
    page.get_by_role("button", name=text["set"]).click()
    expect(page.locator("#officer-lines .notice")).to_contain_text("Rina Wulandari")
    expect(page.locator("#officer-lines table")).to_contain_text("Hendra Gunawan")
    assert_accessible(page, f"skp-officer-lines-pc-{lang}", screenshot)
    check_targets(page, "officer's lines")

    # The keyboard reaches the new line's fields and the end-of-line button with a visible focus.
    page.locator("h1").click()
    tab_until(page, lambda f: f["id"] == "line-appraiser", "the appraiser field")
    tab_until(page, lambda f: f["tag"] == "button" and f["name"].startswith({"id": "Akhiri", "en": "End"}[lang]), "End")

    phone = a11y_context(viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True).new_page()
    sign_in(phone, live_server, "rina", lang)
    phone.goto(f"{live_server}/admin/skp/lines")
    assert_accessible(phone, f"skp-lines-phone-{lang}", screenshot)
    check_targets(phone, "lines page on a phone")
    phone.goto(f"{live_server}/admin/skp/lines/officers/{office['siti'].id}")
    assert_accessible(phone, f"skp-officer-lines-phone-{lang}", screenshot)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_plan_drafted_agreed_and_cleared_by_a_change(office, live_server, a11y_context, screenshot, lang):
    text = TEXT[lang]
    make_line(office["siti"], office["head"], office["camat"], valid_from=date(YEAR, 1, 1))
    page = a11y_context(viewport=OFFICE_PC, locale="id-ID").new_page()
    sign_in(page, live_server, "siti", lang)
    page.get_by_role("link", name="SKP", exact=True).click()
    assert_accessible(page, f"skp-index-officer-{lang}", screenshot)
    page.get_by_role("button", name={"id": f"Mulai SKP {YEAR}", "en": f"Start the SKP {YEAR}"}[lang]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"SKP {YEAR}")

    # A row with no description is refused in place; then two rows go in with htmx.
    form = page.locator("#result-new")
    form.get_by_role("button", name=text["add"], exact=True).click()
    expect(page.locator("#result-new-description")).to_have_attribute("aria-invalid", "true")
    for description, target, measure in (
        ("Layanan KTP-el diselesaikan", "600", ""),
        ("Kepuasan masyarakat atas layanan", "85,5", "officer_satisfaction"),
    ):
        page.locator("#result-new-description").fill(description)
        page.locator("#result-new-indicator").fill("Jumlah permohonan yang diselesaikan")
        page.locator("#result-new-target").fill(target)
        page.locator("#result-new-target_unit").fill("layanan" if not measure else "")
        page.locator("#result-new-measure").select_option(measure)
        page.locator("#result-new").get_by_role("button", name=text["add"], exact=True).click()
        expect(page.locator("#plan-results .result-card", has_text=description)).to_be_visible()
    # Each change makes the agreement region reload itself; agree once it has.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name=text["agree_officer"]).click()
    expect(page.locator("#plan-agreement .notice")).to_be_visible()
    assert_accessible(page, f"skp-plan-officer-pc-{lang}", screenshot)
    check_targets(page, "plan")
    page.locator("h1").click()
    tab_until(page, lambda f: f["id"] == "result-new-description", "the new row's description")

    # The appraiser adds an expectation (which clears the officer's agreement), both agree again.
    appraiser = a11y_context(viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True).new_page()
    sign_in(appraiser, live_server, "rina", lang)
    skp = db.session.query(Skp).filter_by(officer_id=office["siti"].id).one()
    appraiser.goto(f"{live_server}/admin/skp/{skp.id}")
    expect(appraiser.locator("#plan-results .result-card")).to_have_count(2)
    screenshot(appraiser, f"skp-plan-appraiser-phone-{lang}", full_page=True)
    appraiser.locator("#value-akuntabel-text").fill("Datang tepat waktu dan mencatat setiap layanan")
    appraiser.locator("#value-akuntabel").get_by_role("button").click()
    expect(appraiser.locator("#value-akuntabel .notice")).to_contain_text(text["cleared"])
    expect(appraiser.locator("#plan-agreement")).not_to_contain_text(
        {"id": "Disetujui pada", "en": "Agreed on"}[lang]
    )  # the agreement region reloaded itself on the change
    appraiser.wait_for_load_state("networkidle")
    appraiser.get_by_role("button", name=text["agree_appraiser"]).click()
    expect(appraiser.locator("#plan-agreement .notice")).to_be_visible()
    assert_accessible(appraiser, f"skp-plan-appraiser-phone-{lang}", screenshot)
    check_targets(appraiser, "plan on a phone")
    assert appraiser.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    page.reload()
    page.get_by_role("button", name=text["agree_officer"]).click()
    expect(page.locator("#plan-agreement .notice")).to_contain_text(text["both"])
    db.session.expire_all()
    assert db.session.get(Skp, skp.id).status == SkpStatus.AGREED

    # The officer edits a row in place: both agreements go, and the page says so.
    card = page.locator("#plan-results .result-card").first
    card.get_by_role("link", name={"id": "Ubah", "en": "Edit"}[lang]).click()
    page.locator(".result-card.editing textarea[name=description]").fill("Layanan KTP-el dan KK diselesaikan")
    page.locator(".result-card.editing").get_by_role("button", name={"id": "Simpan", "en": "Save"}[lang]).click()
    expect(page.locator("#plan-results .notice")).to_contain_text(text["cleared"])
    expect(page.locator("#plan-agreement .badge")).to_have_text({"id": "Draf", "en": "Draft"}[lang])
    assert_accessible(page, f"skp-plan-cleared-pc-{lang}", screenshot)
    db.session.expire_all()
    assert db.session.get(Skp, skp.id).status == SkpStatus.DRAFT

    index = a11y_context(viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True).new_page()
    sign_in(index, live_server, "rina", lang)
    index.goto(f"{live_server}/admin/skp/")
    expect(index.locator(f"#team-{office['siti'].id}")).to_be_visible()
    assert_accessible(index, f"skp-index-supervisor-phone-{lang}", screenshot)
