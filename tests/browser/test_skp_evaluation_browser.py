"""The SKP evaluation page in real Chromium: the appraiser rates and signs on an office PC (in
Bahasa Indonesia), the officer reads it and objects on a 360 px phone (in English); axe-core,
48 px targets and a visible keyboard focus on each. Screenshots go to artifacts/screenshots/."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from skp.models import Evaluation, EvaluationStatus, Objection
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least
from tests.factories import PASSWORD, add_vote, make_desk
from tests.skp.evaluation_world import SIX, make_world

pytestmark = pytest.mark.browser

CONTROLS = "main button, main select, main textarea, main summary, main label.choice"


def sign_in(page, live_server, username, button="Masuk"):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()


def _office():
    world = make_world()
    world.period.min_n = 5
    desk = make_desk(unit=world.unit, name="Loket 1")
    for i in range(12):
        add_vote(
            world.period,
            desk,
            world.officer,
            4 if i % 3 else 3,
            at=datetime(2026, 11, 2 + i, 2, 30, tzinfo=timezone.utc),
        )
    db.session.commit()
    return world


def _too_wide(page) -> list[str]:
    """The elements that stick out of the viewport on the right (the page then scrolls sideways)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className)
            .slice(0, 10);
    }""")


def _keyboard(page, where: str, stops: int = 12) -> None:
    """Tab from the page's heading through the first controls: each shows its focus."""
    page.locator("h1").click()
    for i in range(stops):
        page.keyboard.press("Tab")
        assert_focus_visible(page, f"{where}, tab {i + 1}")


def test_appraiser_rates_and_signs_officer_objects(ctx, live_server, a11y_context, screenshot):
    world = _office()
    url = f"{live_server}/admin/skp/{world.skp.id}/periods/{world.period.id}"

    # --- The appraiser on an office PC, in Bahasa Indonesia.
    context = a11y_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    sign_in(page, live_server, "budi")
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Siti Rahmawati")
    expect(page.locator("#citizen-evidence")).to_contain_text("Skor gabungan")
    assert_accessible(page, "skp-evaluation-appraiser", screenshot=screenshot)
    assert_targets_at_least(page.locator(CONTROLS), "controls of the evaluation page")
    _keyboard(page, "appraiser")
    screenshot(page, "skp-eval-01-appraiser-empty", full_page=True)

    # "Di atas" for the results with a main result below: refused with the rule, nothing kept.
    page.get_by_label("Penilaian hasil kerja ini").nth(0).select_option("di_atas")
    page.get_by_label("Penilaian hasil kerja ini").nth(1).select_option("di_bawah")
    page.get_by_label("Penilaian hasil kerja ini").nth(2).select_option("di_atas")
    for i in range(7):
        page.get_by_label("Penilaian nilai ini").nth(i).select_option("sesuai")
    page.locator("input[name=results_rating][value=di_atas]").check()
    # The summary follows the ratings as they change, before anything is saved (htmx).
    expect(page.locator("#above-refused")).to_be_visible()
    page.locator("input[name=behaviour_rating][value=sesuai]").check()
    expect(page.locator("#ratings-summary")).to_contain_text("Saran untuk perilaku kerja: Sesuai ekspektasi")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0
    page.get_by_role("button", name="Simpan penilaian").click()
    expect(page.locator("#ratings-results_rating-error")).to_contain_text("tidak ada hasil kerja utama")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0
    assert_accessible(page, "skp-evaluation-refused", screenshot=screenshot)
    screenshot(page, "skp-eval-02-appraiser-refused", full_page=True)

    # Corrected: the second main result as expected, the results as expected; saved with the keyboard.
    page.get_by_label("Penilaian hasil kerja ini").nth(1).select_option("sesuai")
    page.locator("input[name=results_rating][value=sesuai]").check()
    expect(page.locator("#predikat-preview")).to_contain_text("Baik")
    expect(page.locator("#above-refused")).to_have_count(0)
    # Berorientasi Pelayanan below the citizens' suggestion (di atas, 91.67) needs a reason.
    page.get_by_label("Alasan (wajib jika rating berbeda dari saran)").fill("Dua keluhan tertulis soal antrean.")
    page.get_by_role("button", name="Simpan penilaian").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("Penilaian tersimpan.")
    expect(page.locator("#predikat-preview")).to_contain_text("Baik")
    page.get_by_role("button", name="Tandatangani penilaian").click()
    expect(page.locator("#evaluation-status")).to_contain_text("Ditandatangani")
    expect(page.locator("#predikat")).to_have_text("Baik")
    assert_accessible(page, "skp-evaluation-signed", screenshot=screenshot)
    screenshot(page, "skp-eval-03-appraiser-signed", full_page=True)
    db.session.expire_all()
    evaluation = db.session.scalar(sa.select(Evaluation))
    assert (evaluation.status, evaluation.predikat) == (EvaluationStatus.SIGNED, "baik")
    assert {v.value for v in evaluation.value_ratings} == set(SIX)

    # --- The officer on a 360 px phone, in English.
    phone = a11y_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US")
    phone.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    mobile = phone.new_page()
    sign_in(mobile, live_server, "siti", button="Sign in")
    mobile.goto(url)
    expect(mobile.get_by_role("heading", level=1)).to_contain_text("SKP evaluation")
    expect(mobile.locator("#status")).to_contain_text("Signed by the appraiser")
    wide = _too_wide(mobile)
    assert not wide, f"the page scrolls sideways on a phone: {wide}"
    assert_accessible(mobile, "skp-evaluation-officer-phone", screenshot=screenshot)
    assert_targets_at_least(mobile.locator(CONTROLS), "controls on the phone")
    _keyboard(mobile, "officer on the phone", stops=8)
    screenshot(mobile, "skp-eval-04-officer-phone", full_page=True)

    mobile.get_by_role("button", name="Send the objection").click()
    expect(mobile.locator("#objection-reason-error")).to_contain_text("Say why you object")
    mobile.get_by_label("Why do you object to this evaluation?").fill("The first main result was well above target.")
    mobile.get_by_role("button", name="Send the objection").click()
    expect(mobile.locator("#evaluation-status")).to_contain_text("Objected")
    expect(mobile.locator("#status")).to_contain_text("The first main result was well above target.")
    assert_accessible(mobile, "skp-evaluation-objected-phone", screenshot=screenshot)
    screenshot(mobile, "skp-eval-05-officer-objected", full_page=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(Objection)).reason == "The first main result was well above target."
