"""The admin area in real Chromium: sign in, edit an officer in place, import a file with one
bad row (refused, nothing imported), close a period; screenshots go to artifacts/."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import Period, PeriodStatus
from core.audit import AuditLog
from core.db import db
from org.models import Officer, Role
from tests.factories import PASSWORD, make_officer, make_period, make_unit, make_user, valid_nip

pytestmark = pytest.mark.browser


@pytest.fixture
def office_pc(browser):
    """A desktop browser window of an ordinary office PC."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A refused form (422) is an expected answer, which Chromium still logs as a failed resource.
    expected = ("status of 422", "status of 409")
    page.on(
        "console",
        lambda message: (
            message.type == "error" and not any(e in message.text for e in expected) and errors.append(message.text)
        ),
    )
    page.on("dialog", lambda dialog: dialog.accept())  # "Close this period?": yes
    yield page
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


def test_sign_in_edit_an_officer_import_and_close_a_period(ctx, live_server, office_pc, screenshot):
    unit = make_unit(code="kec-cempaka-putih", name="Kantor Kecamatan Cempaka Putih")
    officer = make_officer(unit=unit, name="Budi Santoso", position="Pengadministrasi Umum")
    make_officer(unit=unit, name="Siti Rahmawati", position="Analis Pelayanan")
    period = make_period(name="Triwulan IV 2026", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31))
    make_user(Role.ADMIN, username="admin", name="Administrator")
    page = office_pc

    # Sign in (Bahasa Indonesia by default).
    page.goto(f"{live_server}/admin/")
    expect(page).to_have_url(f"{live_server}/admin/login?next=/admin/")
    page.locator("#login-username").fill("admin")
    page.locator("#login-password").fill(PASSWORD)
    screenshot(page, "admin-01-login")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Area admin")).to_be_visible()
    screenshot(page, "admin-02-overview")

    # Edit an officer in place: the row turns into a form and back, with no page load.
    page.get_by_role("link", name="Pegawai", exact=True).first.click()
    row = page.locator(f"#officer-row-{officer.id}")
    row.get_by_role("link", name="Ubah Budi Santoso").click()
    expect(row).to_have_class("editing")
    expect(page.locator(f"#officer-{officer.id}-nip")).to_be_focused()  # the first field of the row
    page.locator(f"#officer-{officer.id}-position").fill("Analis Kependudukan")
    page.locator(f"#officer-{officer.id}-nip").fill("12345")
    row.get_by_role("button", name="Simpan").click()
    expect(page.locator(f"#officer-{officer.id}-nip-error")).to_contain_text("18 digit")
    expect(page.locator(f"#officer-{officer.id}-nip")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#officer-{officer.id}-nip")).to_be_focused()
    screenshot(page, "admin-03-officer-invalid")
    page.locator(f"#officer-{officer.id}-nip").fill(officer.nip)
    page.locator(f"#officer-{officer.id}-name").fill("Budi Santoso, S.Kom.")
    row.get_by_role("button", name="Simpan").click()
    expect(row).not_to_have_class("editing")
    expect(row).to_contain_text("Analis Kependudukan")
    expect(row.get_by_role("status")).to_be_visible()
    screenshot(page, "admin-04-officer-saved")
    db.session.expire_all()
    saved = db.session.get(Officer, officer.id)
    assert (saved.name, saved.position) == ("Budi Santoso, S.Kom.", "Analis Kependudukan")

    # Import a file with one bad row: refused, with its line number, and nothing imported.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Officer))
    page.get_by_role("link", name="Impor dari berkas").click()
    csv = (
        "nip,nama,jabatan,kode unit\n"
        f"{valid_nip()},Dewi Lestari,Analis Pelayanan,kec-cempaka-putih\n"
        "19861326 201505 1 001,Agus Prasetyo,Verifikator,kec-cempaka-putih\n"
        f"{valid_nip()},Rina Marlina,Verifikator Berkas,kec-cempaka-putih\n"
    ).encode()
    page.locator("#import-file").set_input_files(files=[{"name": "pegawai.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Periksa dan impor").click()
    summary = page.locator("#import-job .error-summary")
    expect(summary).to_contain_text("Baris 3")
    expect(summary).to_contain_text("tanggal lahir")
    screenshot(page, "admin-05-import-refused")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Officer)) == before

    # Close the period (after the browser's own "are you sure?").
    page.get_by_role("link", name="Periode", exact=True).first.click()
    period_row = page.locator(f"#period-row-{period.id}")
    expect(period_row).to_contain_text("Dibuka")
    period_row.get_by_role("button", name="Tutup Triwulan IV 2026").click()
    # Closing is a job: its page takes the steps and says when the period is closed.
    expect(page).to_have_url(f"{live_server}/admin/periods/{period.id}/job")
    expect(page.locator("#period-job")).to_contain_text("Periode Triwulan IV 2026 ditutup")
    screenshot(page, "admin-06-period-closed")
    page.get_by_role("link", name="Kembali ke daftar periode").click()
    expect(period_row).to_contain_text("Ditutup")
    expect(period_row.get_by_role("link", name="Buka kembali Triwulan IV 2026")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Period, period.id).status == PeriodStatus.CLOSED
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["update", "close_start", "close"]

    # The audit log shows both changes.
    page.get_by_role("link", name="Log audit").click()
    expect(page.locator("#audit")).to_contain_text("Analis Kependudukan")
    screenshot(page, "admin-07-audit", full_page=True)
