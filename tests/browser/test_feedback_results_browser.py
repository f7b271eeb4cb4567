"""360° feedback results in real Chromium: the officer reads her closed round on a 360 px phone,
her appraiser reads the picture per value inside the SKP evaluation on an office PC, the
supervisor reads the round's page, and a colleague writes praise; each page checked with axe in
Bahasa Indonesia and in English, with 48 px targets. Screenshots go to artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from core.db import db
from org.models import Role
from tests.browser.a11y import assert_accessible, assert_targets_at_least
from tests.factories import PASSWORD, make_answers, make_officer, make_round, make_user
from tests.skp.evaluation_world import make_world

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
PC = {"width": 1366, "height": 900}
LOGIN_BUTTON = {"id": "Masuk", "en": "Sign in"}


def sign_in(page, live_server, username, lang):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=LOGIN_BUTTON[lang]).click()


def _too_wide(page) -> list[str]:
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className)
            .slice(0, 10);
    }""")


def _office():
    """The evaluation world with a closed round of its period: three peers with comments, two team
    members (hidden), the appraiser and the officer herself; a colleague with an account."""
    world = make_world()
    round_ = make_round(world.unit, world.period, status="closed")
    comments = ["Sabar menjelaskan kepada warga", "Cepat membantu loket lain", "Akurat memeriksa berkas"]
    for index, scores in enumerate((3, 4, 4)):
        make_answers(
            round_,
            world.officer,
            "peer",
            scores,
            comments={"kolaboratif": comments[index]},
            rater=make_officer(unit=world.unit),
        )
    for _ in range(2):
        make_answers(round_, world.officer, "subordinate", 2, rater=make_officer(unit=world.unit))
    make_answers(round_, world.officer, "supervisor", 4, rater=world.appraiser)
    make_answers(round_, world.officer, "self", 3, rater=world.officer)
    colleague = make_officer(unit=world.unit, name="Rina Marlina")
    make_user(Role.OFFICER, officer=colleague, username="rina")
    db.session.commit()
    return world, round_


def _context(a11y_context, lang, viewport, live_server):
    context = a11y_context(viewport=viewport, locale="id-ID" if lang == "id" else "en-US")
    context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    return context


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_officer_reads_her_results_on_a_phone(ctx, live_server, a11y_context, screenshot, lang):
    world, round_ = _office()
    page = _context(a11y_context, lang, PHONE, live_server).new_page()
    sign_in(page, live_server, "siti", lang)
    page.goto(f"{live_server}/admin/feedback/mine")
    assert_accessible(page, f"feedback-mine-{lang}", screenshot=screenshot)
    page.locator("#my-rounds a").first.click()
    expect(page.locator("#picture-kolaboratif")).to_be_visible()
    expect(page.locator('#picture-kolaboratif tr[data-side="peer"]')).to_have_attribute("data-shown", "yes")
    expect(page.locator('#picture-kolaboratif tr[data-side="subordinate"]')).to_have_attribute("data-shown", "no")
    comments = page.locator("#picture-kolaboratif .picture-comments li")
    expect(comments).to_have_text(
        ["Akurat memeriksa berkas", "Cepat membantu loket lain", "Sabar menjelaskan kepada warga"]
    )
    assert _too_wide(page) == []
    assert_accessible(page, f"feedback-results-officer-{lang}", screenshot=screenshot)
    screenshot(page, f"feedback-results-01-officer-phone-{lang}", full_page=True)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_appraiser_sees_each_value_from_every_side_in_the_evaluation(
    ctx, live_server, a11y_context, screenshot, lang
):
    world, round_ = _office()
    page = _context(a11y_context, lang, PC, live_server).new_page()
    sign_in(page, live_server, "budi", lang)
    page.goto(f"{live_server}/admin/skp/{world.skp.id}/periods/{world.period.id}#behaviour")
    expect(page.locator("#feedback-round-note")).to_be_visible()
    for code in ("berorientasi_pelayanan", "kompeten"):
        value = page.locator(f"#value-{code}")
        expect(value.locator(f"#picture-{code}")).to_be_visible()
        expect(value.locator(".rating-box")).to_be_visible()
    expect(page.locator('#picture-berorientasi_pelayanan tr[data-side="u6"]')).to_be_visible()
    assert_accessible(page, f"feedback-evaluation-picture-{lang}", screenshot=screenshot)
    page.locator("#value-berorientasi_pelayanan").scroll_into_view_if_needed()
    screenshot(page, f"feedback-results-02-evaluation-{lang}")

    # Her supervisor's page of the whole round, and the officer's page from it.
    page.goto(f"{live_server}/admin/feedback/rounds/{round_.id}/results/{world.officer.id}")
    expect(page.locator("#anonymity")).to_be_visible()
    assert_accessible(page, f"feedback-results-appraiser-{lang}", screenshot=screenshot)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_supervisor_reads_the_round(ctx, live_server, a11y_context, screenshot, lang):
    world, round_ = _office()
    page = _context(a11y_context, lang, PC, live_server).new_page()
    sign_in(page, live_server, "kasubag", lang)
    page.goto(f"{live_server}/admin/feedback/rounds/{round_.id}/results")
    expect(page.locator("#exports a")).to_have_count(2)
    assert_targets_at_least(page.locator("#exports a"), "export buttons")
    assert_accessible(page, f"feedback-round-results-{lang}", screenshot=screenshot)
    page.locator("#round-officers a").first.click()
    expect(page.locator("#picture-kompeten")).to_be_visible()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_colleague_writes_praise(ctx, live_server, a11y_context, screenshot, lang):
    world, round_ = _office()
    page = _context(a11y_context, lang, PHONE, live_server).new_page()
    sign_in(page, live_server, "rina", lang)
    page.goto(f"{live_server}/admin/skp/praise")
    assert_accessible(page, f"feedback-praise-{lang}", screenshot=screenshot)
    assert_targets_at_least(page.locator("main select, main textarea, main button"), "praise form")
    page.locator("#praise-colleague").select_option(str(world.officer.id))
    page.locator("#praise-value").select_option("kolaboratif")
    page.locator("#praise-text").fill("Terima kasih sudah menggantikan saya di loket")
    page.locator("#praise-form button[type=submit]").click()
    expect(page.locator("#praise-written")).to_contain_text("Terima kasih sudah menggantikan saya di loket")
    expect(page.locator("#praise-written")).to_contain_text("WIB")
    assert _too_wide(page) == []
    assert_accessible(page, f"feedback-praise-sent-{lang}", screenshot=screenshot)
