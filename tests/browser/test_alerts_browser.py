"""Live alerts in real Chromium: the navigation's badge counts the open alerts and updates itself
(htmx polling and the acknowledgement's event), the open list takes new alerts on top without
replacing what it shows, the list acknowledges with a comment (an empty
one refused beside its field), the settings page refuses a webhook that is not http(s); axe-core,
48 px targets and keyboard focus in both languages. Screenshots go to artifacts/screenshots/."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from alerts.models import Alert, AlertSetting, AlertStatus
from appraisal.models import Dispute
from core.db import db, utcnow
from org.models import Role
from tests.browser.a11y import assert_accessible, assert_focus_visible, assert_targets_at_least
from tests.factories import PASSWORD, add_vote, make_desk, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser


def sign_in(page, live_server, username, button="Masuk"):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()


@pytest.fixture
def office(ctx):
    unit = make_unit(code="samsat", name="Kantor Samsat Melati")
    desk = make_desk(unit=unit, name="Loket 2")
    officer = make_officer(unit=unit, name="Sari Dewi")
    period = make_period(name="Triwulan IV")
    now = utcnow()
    db.session.add(
        Alert(
            unit_id=unit.id,
            rule="unhappy_desk",
            subject=f"desk:{desk.id}",
            detail={
                "desk_id": desk.id,
                "desk": "Loket 2",
                "votes": 5,
                "unhappy": 3,
                "minutes": 15,
                "at": now.isoformat(),
            },
            raised_at=now - timedelta(minutes=3),
        )
    )
    make_user(Role.SUPERVISOR, unit=unit, username="kepala")
    db.session.commit()
    return {"unit": unit, "desk": desk, "officer": officer, "period": period}


def test_the_badge_and_the_list(ctx, live_server, a11y_context, screenshot, office):
    desk, officer, period = office["desk"], office["officer"], office["period"]
    context = a11y_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    sign_in(page, live_server, "kepala")
    page.goto(f"{live_server}/admin/alerts/")
    badge = page.locator("#alerts-badge")
    expect(badge).to_contain_text("1")
    expect(page.locator("h1")).to_have_text("Peringatan")
    card = page.locator("#alerts article").first
    expect(card).to_contain_text("Loket 2: 3 dari 5 suara kios")
    expect(card).to_contain_text("WIB")

    # A dispute filed meanwhile: the badge's next check finds it, without reloading the page.
    response = add_vote(period, desk, officer, 1, at=utcnow() - timedelta(hours=1))
    db.session.add(
        Dispute(
            response_id=response.id,
            officer_id=officer.id,
            period_id=period.id,
            reason="Bukan saya",
            created_at=utcnow(),
        )
    )
    db.session.commit()
    from core.extensions import limiter

    limiter.reset()  # the badge checked a moment ago; the next poll may check again
    badge.evaluate("element => htmx.trigger(element, 'alert-acknowledged')")
    expect(badge).to_contain_text("2")
    # The list's own poller (every 20 s; asked at once here) puts the dispute on top, and leaves
    # the card whose comment is being typed as it is.
    first = db.session.scalar(sa.select(Alert).where(Alert.rule == "unhappy_desk"))
    page.locator(f"#alert-{first.id}-comment").fill("Sedang saya tulis")
    page.locator("#alerts-fresh").evaluate(
        "element => htmx.ajax('GET', element.getAttribute('hx-get'), {source: element, target: element, swap: 'outerHTML'})"
    )
    expect(page.locator("#alerts article")).to_have_count(2)
    expect(page.locator("#alerts article").first).to_contain_text("Sari Dewi menyanggah")
    expect(page.locator(f"#alert-{first.id}-comment")).to_have_value("Sedang saya tulis")
    page.locator(f"#alert-{first.id}-comment").fill("")

    # An empty comment is refused beside its field; nothing changes.
    row = page.locator(f"#alert-{first.id}")
    row.get_by_role("button", name="Tanggapi").click()
    expect(page.locator(f"#alert-{first.id}-comment-error")).to_contain_text("Tuliskan apa yang sudah dilakukan")
    db.session.expire_all()
    assert db.session.get(Alert, first.id).status == AlertStatus.OPEN
    assert_accessible(page, "alerts-refused-id", screenshot=screenshot)

    # Acknowledged with a comment: the card is swapped in place, the badge follows at once.
    page.locator(f"#alert-{first.id}-comment").fill("Petugas cadangan membuka loket 3.")
    page.locator(f"#alert-{first.id}").get_by_role("button", name="Tanggapi").click()
    expect(page.locator(f"#alert-{first.id} [role=status]")).to_contain_text("Peringatan ditanggapi.")
    expect(page.locator(f"#alert-{first.id}")).to_contain_text("Petugas cadangan membuka loket 3.")
    expect(badge).to_contain_text("1")
    db.session.expire_all()
    assert db.session.get(Alert, first.id).status == AlertStatus.ACKNOWLEDGED

    # Reloaded, the open list holds the dispute alone.
    page.reload()
    expect(page.locator("#alerts article")).to_have_count(1)
    expect(page.locator("#alerts")).to_contain_text("Sari Dewi menyanggah")
    assert_targets_at_least(page.locator("#alerts button, .filters button, .filters select"), "alert buttons")
    page.locator("#alerts textarea").first.focus()
    page.keyboard.press("Tab")
    assert_focus_visible(page, "after the comment")
    assert_accessible(page, "alerts-list-id", screenshot=screenshot)

    # In English, the acknowledged ones.
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page.goto(f"{live_server}/admin/alerts/?status=acknowledged")
    expect(page.locator("h1")).to_have_text("Alerts")
    expect(page.locator(f"#alert-{first.id}")).to_contain_text("Acknowledged")
    assert_accessible(page, "alerts-acknowledged-en", screenshot=screenshot)


def test_the_settings_page(ctx, live_server, a11y_context, screenshot, office):
    unit = office["unit"]
    context = a11y_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = context.new_page()
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    sign_in(page, live_server, "kepala", button="Sign in")
    page.goto(f"{live_server}/admin/alerts/settings")
    expect(page.locator("h1")).to_contain_text("Alert settings: Kantor Samsat Melati")
    form = page.locator("#rule-kiosk_silent")
    form.locator("#rule-kiosk_silent-webhook_url").fill("ftp://chat.kantor.go.id/hook")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#rule-kiosk_silent-webhook_url-error")).to_contain_text(
        "A webhook address starts with http://"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlertSetting)) == 0
    assert_accessible(page, "alerts-settings-refused-en", screenshot=screenshot)

    form = page.locator("#rule-kiosk_silent")
    form.locator("#rule-kiosk_silent-webhook_url").fill("https://chat.kantor.go.id/hooks/loket")
    form.locator("#rule-kiosk_silent-minutes").fill("10")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#rule-kiosk_silent [role=status]")).to_contain_text("Saved.")
    db.session.expire_all()
    stored = db.session.scalar(sa.select(AlertSetting).where(AlertSetting.unit_id == unit.id))
    assert stored.params == {"minutes": 10} and stored.webhook_url == "https://chat.kantor.go.id/hooks/loket"
    assert_targets_at_least(
        page.locator(".columns button, .columns input:not([type=checkbox]), .columns .field.check"), "settings fields"
    )
    assert_accessible(page, "alerts-settings-en", screenshot=screenshot)

    context.add_cookies([{"name": "lang", "value": "id", "url": live_server}])
    page.goto(f"{live_server}/admin/alerts/settings")
    expect(page.locator("h1")).to_contain_text("Pengaturan peringatan")
    assert_accessible(page, "alerts-settings-id", screenshot=screenshot)
