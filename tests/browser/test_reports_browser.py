"""The appraisal pages in real Chromium: a supervisor reads the unit report and rates an officer
against the suggestion; the officer disputes a vote; the public results page; axe-core on each.
Screenshots go to artifacts/screenshots/."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import Dispute, RatingDecision
from core.db import db
from org.models import Role
from reports.closing import close_period
from tests.browser.a11y import assert_accessible
from tests.factories import PASSWORD, add_survey, add_vote, make_desk, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

# axe cannot work out the background behind SVG text, so it can only call its contrast
# "incomplete"; the charts' text is #1f2933 on white (14:1) by construction (reports.css), and
# every chart has its data as a table, which axe does check.
CHART_TEXT = ".chart-svg text"


def sign_in(page, live_server, username):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def _office(unit, officer, other):
    today = datetime.now(timezone.utc).date()
    old = make_period(
        name="Triwulan III", starts_on=today - timedelta(days=200), ends_on=today - timedelta(days=101), min_n=5
    )
    current = make_period(
        name="Triwulan IV", starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=30), min_n=5
    )
    desk = make_desk(unit=unit, name="Loket 1")
    at = datetime.now(timezone.utc).replace(hour=2, minute=30, second=0, microsecond=0) - timedelta(days=1)
    for period, shift in ((old, 150), (current, 0)):
        for i in range(12):
            when = at - timedelta(days=shift + i % 5, hours=i % 4)
            add_vote(period, desk, officer, 4 if i % 3 else 3, at=when)
            add_vote(period, desk, other, 2 if i % 2 else 3, at=when)
        for i in range(6):
            add_survey(
                period,
                desk,
                officer,
                [4, 3, 4, 3, 3, 4, 4, 2, 3],
                at=at - timedelta(days=shift + i),
                gender="P" if i % 2 else "L",
                comment="Petugas ramah dan cepat." if i == 0 else None,
            )
    db.session.commit()
    return old, current


def test_supervisor_report_rating_officer_dispute_and_public_page(ctx, live_server, a11y_context, screenshot):
    unit = make_unit(code="kec-cempaka-putih", name="Kantor Kecamatan Cempaka Putih")
    officer = make_officer(unit=unit, name="Siti Rahmawati")
    other = make_officer(unit=unit, name="Budi Santoso")
    old, _current = _office(unit, officer, other)
    admin = make_user(Role.ADMIN, username="admin")
    close_period(old, admin)
    db.session.commit()
    make_user(Role.SUPERVISOR, unit=unit, username="kepala")
    make_user(Role.OFFICER, officer=officer, username="siti")

    context = a11y_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    sign_in(page, live_server, "kepala")
    page.get_by_role("link", name="Laporan").first.click()
    # A supervisor lands on their unit's report of the open period.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kantor Kecamatan Cempaka Putih")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page, "report-unit", screenshot=screenshot, exclude=CHART_TEXT)
    screenshot(page, "report-01-unit", full_page=True)

    # The officer's sheet: rate below the suggestion, which needs a reason.
    page.get_by_role("link", name="Siti Rahmawati").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Siti Rahmawati")
    assert_accessible(page, "report-sheet", screenshot=screenshot, exclude=CHART_TEXT)
    expect(page.locator("#decision")).to_contain_text("Sesuai ekspektasi")  # the suggestion: 85.83
    page.get_by_label("Di bawah ekspektasi").check()
    page.get_by_role("button", name="Tetapkan rating").click()
    expect(page.locator(".field-error").first).to_be_visible()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RatingDecision)) == 0
    page.locator("#decision-reason").fill("Beberapa keluhan lisan tentang antrean.")
    page.get_by_role("button", name="Tetapkan rating").click()
    expect(page.locator("#decision")).to_contain_text("Beberapa keluhan lisan tentang antrean.")
    screenshot(page, "report-02-sheet-rated", full_page=True)
    db.session.expire_all()
    decision = db.session.scalar(sa.select(RatingDecision))
    assert decision.rating == "di_bawah" and decision.suggested == "sesuai"

    # The officer disputes one of their votes from their own sheet.
    page.get_by_role("button", name="Keluar").click()
    sign_in(page, live_server, "siti")
    page.get_by_role("link", name="Lembar penilaian saya").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Siti Rahmawati")
    first = page.locator("#responses details").first
    first.locator("summary").click()
    first.locator("textarea[name=reason]").fill("Saat itu saya sedang istirahat siang.")
    first.get_by_role("button", name="Kirim sanggahan").click()
    expect(page.locator("#disputes")).to_contain_text("Saat itu saya sedang istirahat siang.")
    assert_accessible(page, "report-sheet-officer", screenshot=screenshot, exclude=CHART_TEXT)
    screenshot(page, "report-03-officer-disputed", full_page=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Dispute)).reason == "Saat itu saya sedang istirahat siang."

    # The public page: the closed period only, and no officer's name.
    public = context.new_page()
    public.goto(f"{live_server}/hasil/kec-cempaka-putih")
    expect(public.get_by_role("heading", level=2)).to_contain_text("Triwulan III")
    assert "Siti" not in public.content() and "Triwulan IV" not in public.content()
    assert_accessible(public, "report-public", screenshot=screenshot, exclude=CHART_TEXT)
    screenshot(public, "report-04-public", full_page=True)
