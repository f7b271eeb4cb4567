"""A 360° feedback round in real Chromium on a phone-sized screen (390 × 844): the supervisor opens
a round and adds a peer from the duty roster's suggestions (htmx swaps the officer's panel); the
peer sees the count in the navigation, opens his request and answers the seven values by tapping,
then the answer is stored without him; axe-core, 48 px targets and keyboard focus in Bahasa
Indonesia and English. Screenshots go to artifacts/screenshots/."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.berakhlak import CODES
from core.db import db
from feedback.models import FeedbackRound, Invitation, RaterKind, RoundAnswer
from org.models import Duty, Role
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least
from tests.factories import PASSWORD, make_desk, make_line, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def sign_in(page, live_server, username, button="Masuk"):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()


@pytest.fixture
def office(ctx):
    unit = make_unit(code="kec-ujung", name="Kantor Kecamatan Ujung", timezone="Asia/Makassar")
    head = make_officer(unit, name="Rina Kartika")
    ani, budi, citra = (make_officer(unit, name=n) for n in ("Ani Lestari", "Budi Santoso", "Citra Dewi"))
    make_line(ani, head)
    period = make_period(name="Triwulan IV")
    desk = make_desk(unit, name="Loket 1")
    for n in range(4):  # Budi shared four duty days with Ani; Citra none
        day = datetime.combine(period.starts_on + timedelta(days=n), datetime.min.time(), UTC)
        for officer, hours in ((ani, (1, 3)), (budi, (4, 6))):
            db.session.add(
                Duty(
                    officer_id=officer.id,
                    desk_id=desk.id,
                    started_at=day + timedelta(hours=hours[0]),
                    ended_at=day + timedelta(hours=hours[1]),
                    started_via="admin",
                    ended_via="admin",
                )
            )
    make_user(Role.SUPERVISOR, unit=unit, username="camat")
    make_user(Role.OFFICER, officer=budi, username="budi")
    make_user(Role.OFFICER, officer=ani, username="ani")
    db.session.commit()
    return dict(unit=unit, period=period, ani=ani, budi=budi, citra=citra)


def test_a_round_on_a_phone(ctx, live_server, a11y_context, screenshot, office):
    ani, budi = office["ani"], office["budi"]
    context = a11y_context(locale="id-ID", **PHONE)
    page = context.new_page()

    # The supervisor opens the round.
    sign_in(page, live_server, "camat")
    page.goto(f"{live_server}/admin/feedback/rounds")
    page.get_by_label("Periode").select_option(str(office["period"].id))
    assert_accessible(page, "feedback-rounds-id", screenshot=screenshot)
    page.get_by_role("button", name="Buka putaran ini").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Umpan balik 360°")
    round_ = db.session.scalar(sa.select(FeedbackRound))
    # htmx is deferred: the panel is swapped in place only once it is there (the context
    # bypasses the CSP, so the wait may evaluate).
    page.wait_for_function("() => !!window.htmx")

    # Ani's panel: Budi suggested first (four shared duty days); adding him swaps the panel.
    panel = page.locator(f"#officer-{ani.id}")
    select = panel.locator(f"#peer-{ani.id}-peer")
    options = select.locator("option").all_inner_texts()
    assert options[1] == "Budi Santoso · 4 hari tugas bersama", options
    select.select_option(str(budi.id))
    panel.get_by_role("button", name="Tambahkan rekan").click()
    expect(page.locator(f"#officer-{ani.id} [role=status]")).to_contain_text(
        "Budi Santoso diminta menilai Ani Lestari."
    )
    # One peer is below the round's minimum: not even how many answered is shown.
    expect(page.locator(f"#officer-{ani.id}")).to_contain_text("begitu pula berapa yang sudah menjawab")
    assert_targets_at_least(page.locator(".feedback-officer button"), "the round's buttons")
    assert_accessible(page, "feedback-round-phone-id", screenshot=screenshot)
    peer = db.session.scalar(sa.select(Invitation).where(Invitation.kind == RaterKind.PEER))
    assert (peer.subject_id, peer.rater_officer_id) == (ani.id, budi.id)

    # Budi: the navigation counts his requests; his page lists them with their links.
    page.context.clear_cookies()
    sign_in(page, live_server, "budi")
    page.goto(f"{live_server}/admin/feedback/requests")
    expect(page.locator("#feedback-badge")).to_contain_text("2")  # himself and Ani
    assert_accessible(page, "feedback-requests-phone-id", screenshot=screenshot)
    page.locator(".request", has_text="Ani Lestari").get_by_role("link", name="Beri umpan balik").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Umpan balik untuk Ani Lestari")

    # Sending with a value left out: refused beside it, what was tapped stays.
    for code in CODES[:-1]:
        page.locator(f"#value-{code} label.point", has_text="Sering").tap()
    page.get_by_role("button", name="Kirim jawaban saya").click()
    expect(page.locator(f"#value-{CODES[-1]}-error")).to_be_visible()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoundAnswer)) == 0
    assert page.locator(f"#value-{CODES[0]} input[value='3']").is_checked()
    assert_accessible(page, "feedback-answer-refused-id", screenshot=screenshot)

    page.locator(f"#value-{CODES[-1]} label.point", has_text="Selalu").tap()
    page.locator(f"#value-{CODES[1]} label.point", has_text="Kadang-kadang").tap()
    page.locator(f"#value-{CODES[1]} textarea").fill("Perlu lebih teliti mencatat berkas.")
    assert_targets_at_least(page.locator(".questionnaire label.point, .questionnaire button"), "the scale")
    page.locator(f"#value-{CODES[0]} textarea").focus()
    page.keyboard.press("Tab")
    assert_focus_visible(page, "after the first comment")
    screenshot(page, "feedback-answer-phone-id", full_page=True)
    page.get_by_role("button", name="Kirim jawaban saya").click()
    expect(page.locator(".flash")).to_contain_text("Terima kasih")
    db.session.expire_all()
    answers = {a.value: (a.score, a.comment, a.kind) for a in db.session.scalars(sa.select(RoundAnswer))}
    assert answers[CODES[1]] == (2, "Perlu lebih teliti mencatat berkas.", RaterKind.PEER)
    assert answers[CODES[-1]][0] == 4 and answers[CODES[0]][0] == 3 and len(answers) == 7
    assert db.session.get(Invitation, peer.id).answered
    expect(page.locator("#feedback-badge")).to_contain_text("1")

    # In English: his own questionnaire, and the round's page for the supervisor.
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page.goto(f"{live_server}/admin/feedback/requests")
    page.get_by_role("link", name="Give feedback").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your own view of yourself")
    assert_accessible(page, "feedback-answer-phone-en", screenshot=screenshot)
    page.context.clear_cookies()
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    sign_in(page, live_server, "camat", button="Sign in")
    page.goto(f"{live_server}/admin/feedback/rounds/{round_.id}")
    expect(page.locator(f"#officer-{ani.id}")).to_contain_text("nor how many answered")
    expect(page.locator(f"#officer-{ani.id}")).not_to_contain_text("1 of 1 answered")
    assert_accessible(page, "feedback-round-phone-en", screenshot=screenshot)
    page.goto(f"{live_server}/admin/feedback/rounds")
    assert_accessible(page, "feedback-rounds-en", screenshot=screenshot)
