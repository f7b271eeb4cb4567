"""The realisation and the continuous feedback on the evaluation page, in real Chromium: the
officer records a figure with a PDF and a link (htmx swaps the row), a javascript: link is
refused beside its field, a bound row shows the measured figure; the appraiser writes feedback on
a value and downloads nothing inline; axe-core, 48 px targets and keyboard focus in both
languages. Screenshots go to artifacts/screenshots/."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from org.models import Role
from skp.models import FeedbackNote, Measure, Realisation
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least
from tests.factories import (
    PASSWORD,
    add_survey,
    add_vote,
    make_desk,
    make_line,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def sign_in(page, live_server, username, button="Masuk"):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()


@pytest.fixture
def plan(ctx):
    unit = make_unit(code="kec-melati", name="Kantor Kecamatan Melati")
    desk = make_desk(unit=unit, name="Loket 1")
    officer = make_officer(unit=unit, name="Siti Rahmawati")
    boss = make_officer(unit=unit, name="Budi Santoso")
    make_line(officer, boss, valid_from=date(2000, 1, 1))
    period = make_period(name="Triwulan IV", min_n=3)
    for face in (4, 4, 3, 4):
        add_vote(period, desk, officer, face)
    add_survey(period, desk, officer, [4] * 9, verified=True)
    add_survey(period, desk, officer, [3] * 9)
    skp = make_skp(officer, year=period.starts_on.year)
    typed = make_result(skp, description="Dokumen kependudukan selesai diproses", target=Decimal("100"))
    bound = make_result(
        skp,
        description="Layanan dinilai warga",
        indicator="Jumlah tanggapan warga yang dihitung",
        measure=Measure.SERVICES_RATED,
        target=Decimal("50"),
        target_unit="tanggapan",
    )
    make_user(Role.OFFICER, officer=officer, username="siti")
    make_user(Role.SUPERVISOR, unit=unit, officer=boss, username="budi")
    db.session.commit()
    return {"skp": skp, "period": period, "typed": typed, "bound": bound}


def test_the_officer_records_and_the_appraiser_gives_feedback(ctx, live_server, a11y_context, screenshot, plan):
    skp, period, typed, bound = plan["skp"], plan["period"], plan["typed"], plan["bound"]
    address = f"{live_server}/admin/skp/{skp.id}/periods/{period.id}"
    context = a11y_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    sign_in(page, live_server, "siti")
    page.goto(address)

    row = page.locator(f"#realisation-{typed.id}")
    # The bound row fills itself from the sheet's count: 4 votes and 2 surveys.
    expect(page.locator(f"#realisation-{bound.id}")).to_contain_text("6")
    expect(page.locator(f"#realisation-{bound.id}")).to_contain_text("Diukur oleh produk")

    # A javascript: link is refused beside its field; nothing is stored.
    row.locator(f"#realisation-{typed.id}-achieved").fill("42,5")
    row.locator(f"#realisation-{typed.id}-evidence_url").fill("javascript:alert(1)")
    row.get_by_role("button", name="Simpan realisasi").click()
    error = page.locator(f"#realisation-{typed.id}-evidence_url-error")
    expect(error).to_contain_text("Tautan diawali http:// atau https://")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Realisation)) == 0
    assert_accessible(page, "skp-realisation-refused-id", screenshot=screenshot)

    # A figure, a link and a PDF: the row is swapped in place.
    row = page.locator(f"#realisation-{typed.id}")
    row.locator(f"#realisation-{typed.id}-evidence_url").fill("https://drive.example.id/bukti-oktober")
    row.locator(f"#realisation-{typed.id}-upload").set_input_files(
        {"name": "rekap-oktober.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    row.get_by_role("button", name="Simpan realisasi").click()
    expect(page.locator(f"#realisation-{typed.id} [role=status]")).to_contain_text("Realisasi tercatat.")
    expect(page.locator(f"#realisation-{typed.id}")).to_contain_text("42.5")
    expect(page.get_by_role("link", name="rekap-oktober.pdf")).to_be_visible()

    # The officer's own note on the row.
    feedback = page.locator(f"#feedback-result-{typed.id}")
    if not feedback.is_visible():
        page.locator(f"#feedback-result-{typed.id}").locator("xpath=ancestor::details[1]/summary").click()
    feedback.locator(f"#feedback-result-{typed.id}-text").fill("Antrian pagi padat, target tetap tercapai.")
    feedback.get_by_role("button", name="Tambahkan catatan").click()
    expect(page.locator(f"#feedback-result-{typed.id} [role=status]")).to_be_visible()
    expect(page.locator(f"#feedback-result-{typed.id} li")).to_contain_text("WIB")

    assert_targets_at_least(page.locator(".realisation button, .feedback button"), "realisation and feedback buttons")
    page.locator(f"#realisation-{typed.id}-note").focus()
    page.keyboard.press("Tab")
    assert_focus_visible(page, "after the note")
    assert_accessible(page, "skp-realisation-officer-id", screenshot=screenshot)

    # The appraiser: no realisation form, feedback on a value, the evidence as a download.
    page.context.clear_cookies()
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    sign_in(page, live_server, "budi", button="Sign in")
    page.goto(address)
    expect(page.locator(f"#realisation-{typed.id}")).to_contain_text("rekap-oktober.pdf")
    assert page.locator(f"#realisation-{typed.id} form").count() == 0
    value = page.locator("#feedback-value-akuntabel")
    if not value.is_visible():
        value.locator("xpath=ancestor::details[1]/summary").click()
    value.locator("#feedback-value-akuntabel-text").fill("Jujur dalam mencatat capaian.")
    value.get_by_role("button", name="Add the note").click()
    expect(page.locator("#feedback-value-akuntabel li")).to_contain_text("Budi")
    with page.expect_download() as download:
        page.get_by_role("link", name="rekap-oktober.pdf").click()
    assert download.value.suggested_filename == "rekap-oktober.pdf"
    assert_accessible(page, "skp-realisation-appraiser-en", screenshot=screenshot)

    db.session.expire_all()
    assert [
        (n.author_role, n.value) for n in db.session.scalars(sa.select(FeedbackNote).order_by(FeedbackNote.id))
    ] == [
        ("officer", None),
        ("appraiser", "akuntabel"),
    ]
