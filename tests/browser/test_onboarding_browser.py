"""Onboarding in real Chromium, the way a new office does it: the administrator imports a CSV,
makes the officers' accounts in one step and prints their set-up slips; an officer opens their
link on a phone, chooses a password and a kiosk PIN nobody else learns, and is signed in; then
starts duty at a paired kiosk with that PIN. The new pages pass axe-core in both languages, with
48 px targets and a visible keyboard focus. Screenshots go to artifacts/screenshots/."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from accounts.setup import create_accounts
from core.db import db
from org.models import Duty, Officer, Role, User
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least, focused
from tests.browser.helpers import pair_tablet
from tests.factories import PASSWORD, make_desk, make_officer, make_period, make_unit, make_user, valid_nip

pytestmark = pytest.mark.browser

OFFICE_PC = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 1280, "height": 800}
SITI_PASSWORD = "kopi tubruk pagi hari"
SITI_PIN = "482915"


@pytest.fixture
def new_office(ctx, app, live_server, monkeypatch):
    """An empty unit with one desk, an open period and its administrator: the afternoon begins."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", live_server)
    make_period()
    unit = make_unit(code="kec-melati", name="Kecamatan Melati")
    desk = make_desk(unit=unit, name="Loket 1")
    admin = make_user(Role.ADMIN, username="admin", name="Administrator")
    return dict(unit=unit, desk=desk, admin=admin)


def sign_in_page(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-password").press("Enter")
    expect(page.locator(".admin-nav")).to_be_visible()


def test_import_accounts_set_up_link_pin_and_duty_at_the_kiosk(
    new_office, live_server, a11y_context, screenshot, tmp_path
):
    base = live_server
    siti_nip, budi_nip = valid_nip(gender=2), valid_nip()
    csv_path = tmp_path / "pegawai.csv"
    csv_path.write_text(
        f"nip,nama,jabatan,kode unit\n{siti_nip},Siti Rahmawati,Analis Pelayanan,kec-melati\n"
        f"{budi_nip},Budi Santoso,Pengolah Data,kec-melati\n"
    )

    # The administrator: the checklist says what is left; import the officers.
    office = a11y_context(viewport=OFFICE_PC, locale="id-ID").new_page()
    sign_in_page(office, base, "admin")
    checklist = office.locator(f"#checklist-{new_office['unit'].id}")
    expect(checklist.locator("[data-step='desks']")).to_have_class("done")
    expect(checklist.locator("[data-step='officers']")).to_have_class("todo")
    screenshot(office, "onboarding-01-checklist", full_page=True)
    office.goto(f"{base}/admin/officers/import")
    expect(office.get_by_role("link", name="Templat (CSV)")).to_be_visible()
    office.locator("#import-file").set_input_files(str(csv_path))
    office.get_by_role("button", name="Periksa dan impor").click()
    expect(office.locator("#import-job")).to_contain_text("Pegawai diimpor: 2.")
    screenshot(office, "onboarding-02-imported")

    # One step: both accounts, and a sheet of slips to print.
    office.get_by_role("link", name="Buat akun mereka").click()
    expect(office.get_by_role("heading", name="Pegawai tanpa akun: 2")).to_be_visible()
    assert_accessible(office, "onboarding-03-accounts-id", screenshot)
    office.get_by_role("button", name="Buat akun dan lembar penyiapannya (2)").click()
    slips = office.locator(".slip")
    expect(slips).to_have_count(2)
    expect(office.locator(".slip .qr")).to_have_count(2)
    assert_accessible(office, "onboarding-04-slips-id", screenshot)
    siti_slip = slips.filter(has_text="Siti Rahmawati")
    code = siti_slip.locator(".slip-code").inner_text()
    username = siti_slip.locator(".slip-username").inner_text()
    assert username == siti_nip
    office.emulate_media(media="print")
    screenshot(office, "onboarding-05-slips-print", full_page=True)
    office.emulate_media(media="screen")
    siti = db.session.scalar(sa.select(Officer).where(Officer.nip == siti_nip))
    account = db.session.scalar(sa.select(User).where(User.officer_id == siti.id))
    assert account.role == Role.OFFICER and siti.pin_hash is None

    # Siti, on her phone: the slip's link; she chooses her password and PIN.
    phone = a11y_context(viewport=PHONE, locale="id-ID", has_touch=True).new_page()
    phone.goto(f"{base}/admin/setup/{code}")
    expect(phone.get_by_text("Selamat datang, Siti Rahmawati.")).to_be_visible()
    assert_accessible(phone, "onboarding-06-setup-id", screenshot)
    assert_targets_at_least(phone.locator("main form input:visible, main form button"), "set-up fields and button")
    phone.get_by_label("Kata sandi baru", exact=True).fill(SITI_PASSWORD)
    phone.get_by_label("Ulangi kata sandi baru").fill(SITI_PASSWORD)
    phone.get_by_label("PIN kios", exact=True).fill("1234")
    phone.get_by_label("Ulangi PIN kios").fill("1234")
    phone.get_by_role("button", name="Simpan dan masuk").click()
    expect(phone.locator("#setup-pin-error")).to_contain_text("terlalu mudah ditebak")
    expect(phone.get_by_label("PIN kios", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(phone, "onboarding-07-setup-error-id", screenshot)
    phone.get_by_label("Kata sandi baru", exact=True).fill(SITI_PASSWORD)
    phone.get_by_label("Ulangi kata sandi baru").fill(SITI_PASSWORD)
    phone.get_by_label("PIN kios", exact=True).fill(SITI_PIN)
    phone.get_by_label("Ulangi PIN kios").fill(SITI_PIN)
    phone.get_by_role("button", name="Simpan dan masuk").click()
    expect(phone.get_by_role("heading", name="Akun saya")).to_be_visible()
    expect(phone.locator(".flash")).to_contain_text("Hanya Anda yang mengetahuinya")
    screenshot(phone, "onboarding-08-signed-in", full_page=True)
    assert SITI_PIN not in phone.content()

    # The administrator's officer page shows the account set up, and no PIN anywhere.
    office.goto(f"{base}/admin/officers/{siti.id}")
    expect(office.get_by_role("link", name="Atur ulang PIN dan kata sandi")).to_be_visible()
    assert SITI_PIN not in office.content()
    screenshot(office, "onboarding-09-officer-page")

    # At the kiosk of Loket 1, Siti starts duty with her own PIN.
    tablet = a11y_context(viewport=TABLET, has_touch=True).new_page()
    pair_tablet(tablet, base, new_office["desk"])
    tablet.locator(".staff-button").click()
    tablet.get_by_role("link", name="Siti Rahmawati").click()
    for digit in SITI_PIN:
        tablet.locator(f".keypad [data-key='{digit}']").click()
    tablet.get_by_role("button", name="OK").click()
    expect(tablet.locator("#banner")).to_contain_text("Siti Rahmawati")
    screenshot(tablet, "onboarding-10-on-duty")
    db.session.expire_all()
    duty = db.session.scalar(sa.select(Duty))
    assert (duty.officer_id, duty.desk_id, duty.ended_at, duty.started_via) == (
        siti.id,
        new_office["desk"].id,
        None,
        "pin",
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_new_pages_in_both_languages_by_keyboard(new_office, live_server, a11y_context, screenshot, lang):
    base = live_server
    unit = new_office["unit"]
    officer = make_officer(unit=unit, name="Siti Rahmawati", pin=None)
    make_officer(unit=unit, name="Budi Santoso", pin=None)
    [issued, _other] = sorted(
        create_accounts(new_office["admin"], unit.id), key=lambda link: link.officer.id != officer.id
    )
    db.session.commit()
    words = {
        "id": dict(save="Simpan dan masuk", code="Kode penyiapan", pin="Ubah PIN kios saya", bad="tidak berlaku"),
        "en": dict(save="Save and sign in", code="Set-up code", pin="Change my kiosk PIN", bad="not valid"),
    }[lang]

    # The page where a code is typed by hand, by keyboard alone; a wrong code says so.
    phone = a11y_context(viewport=PHONE, has_touch=True).new_page()
    phone.goto(f"{base}/lang/{lang}?next=/admin/setup")  # the language stays chosen, as a visitor's does
    assert phone.locator("html").get_attribute("lang") == lang
    assert_accessible(phone, f"onboarding-setup-code-{lang}", screenshot)
    assert_targets_at_least(phone.locator("main form input:visible, main form button"), "set-up fields and button")
    expect(phone.get_by_label(words["code"])).to_be_focused()
    phone.keyboard.type("abcd-efgh-jkmn")
    stops = []
    for _ in range(5):
        phone.keyboard.press("Tab")
        assert_focus_visible(phone, f"set-up form, stop {len(stops)}")
        stops.append(focused(phone)["tag"])
    assert stops == ["input", "input", "input", "input", "button"]
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("alert")).to_contain_text(words["bad"])
    assert_accessible(phone, f"onboarding-setup-refused-{lang}", screenshot)

    # The link itself, then the officer's own PIN page once signed in.
    phone.goto(f"{base}/admin/setup/{issued.code}")
    phone.locator("#setup-password").fill(SITI_PASSWORD)
    phone.locator("#setup-confirm").fill(SITI_PASSWORD)
    phone.locator("#setup-pin").fill(SITI_PIN)
    phone.locator("#setup-pin_confirm").fill(SITI_PIN)
    phone.locator("#setup-pin_confirm").press("Enter")
    expect(phone.locator(".admin-nav")).to_be_visible()
    phone.get_by_role("link", name=words["pin"]).click()
    assert_accessible(phone, f"onboarding-my-pin-{lang}", screenshot)
    assert_targets_at_least(phone.locator("main form input:visible, main form button"), "PIN fields and button")
    phone.locator("#own-pin-current").fill("000000")
    phone.locator("#own-pin-new").fill("905172")
    phone.locator("#own-pin-confirm").fill("905172")
    phone.locator("#own-pin-confirm").press("Enter")
    expect(phone.locator("#own-pin-current")).to_have_attribute("aria-invalid", "true")
    assert_accessible(phone, f"onboarding-my-pin-refused-{lang}", screenshot)

    # The administrator's pages: the start page's checklist and the accounts of officers.
    office = a11y_context(viewport=OFFICE_PC).new_page()
    office.goto(f"{base}/lang/{lang}?next=/admin/login")
    sign_in_page(office, base, "admin")
    office.goto(f"{base}/admin/")
    assert_accessible(office, f"onboarding-checklist-{lang}", screenshot)
    assert_targets_at_least(office.locator(".checklist a"), "checklist links")
    # Five more new units: the first few checklists in full, the rest on asking.
    for n in range(5):
        make_unit(code=f"kec-baru-{n}", name=f"Kecamatan Baru {n}")
    db.session.commit()
    office.goto(f"{base}/admin/")
    more = office.locator("a[href$='checklists=all#checklist-title']")
    expect(more).to_have_text({"id": "Tampilkan daftar periksa semua unit", "en": "Show every unit's checklist"}[lang])
    assert office.locator(".unit-checklist").count() == 5
    assert_accessible(office, f"onboarding-checklist-more-{lang}", screenshot)
    assert_targets_at_least(more, "show every checklist")
    more.focus()
    assert_focus_visible(office)
    office.keyboard.press("Enter")
    expect(office.locator(".unit-checklist")).to_have_count(6)
    office.goto(f"{base}/admin/onboarding")
    assert_accessible(office, f"onboarding-accounts-{lang}", screenshot)
    assert_targets_at_least(office.locator("main button"), "onboarding buttons")
    office.goto(f"{base}/admin/officers/{officer.id}")
    assert_accessible(office, f"onboarding-officer-{lang}", screenshot)
    # Siti has set up: a reset is asked first, on a page of its own.
    reset = {"id": "Atur ulang PIN dan kata sandi", "en": "Reset the PIN and password"}[lang]
    office.get_by_role("link", name=reset).click()
    expect(office.get_by_role("button", name=reset)).to_be_visible()
    assert_accessible(office, f"onboarding-reset-{lang}", screenshot)
    assert_targets_at_least(office.locator("main form button, main form a"), "reset buttons")
