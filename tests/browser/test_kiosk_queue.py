"""The kiosk's queue never jams (real Chromium): fifty votes wait through a network outage; when the
network is back, a vote the server refuses for good (its reason code no longer exists) leaves the
queue and is recorded for the staff, a vote answered with a server error is tried again later,
and neither holds back any of the votes queued behind it.

The network is the page's own (``page.route``): down, then up, with one server error on the way;
every answer but that one comes from the real server. The page's clock is Playwright's, so that
"later" (the vote's back-off) is a jump forward, not a wait.
"""

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import PeriodStatus
from core.db import db
from core.responses import Flag, Response
from kiosk.models import Kiosk, KioskRefusal
from org.duty import start_duty
from org.models import Role
from tests.browser.helpers import pair_tablet
from tests.factories import PASSWORD, make_desk, make_officer, make_period, make_unit, make_user

pytestmark = pytest.mark.browser

VOTES = 50
REFUSED_AT = 25  # the refused vote: in the middle of the fifty
FAILS_AT = 10  # the vote that first gets a server error
QUEUE = "suara.kiosk.queue"


@pytest.fixture
def slow_thanks(app):
    saved = app.config["KIOSK_THANKS_SECONDS"]
    app.config["KIOSK_THANKS_SECONDS"] = 30  # the test taps the thank-you away itself
    yield
    app.config["KIOSK_THANKS_SECONDS"] = saved


def queue(page) -> list[dict]:
    return page.evaluate(f"() => JSON.parse(localStorage.getItem('{QUEUE}') || '[]')")


def wait_for_queue(page, length: int) -> list[dict]:
    """Wait until the queue holds ``length`` votes (polled from Python: the CSP forbids eval)."""
    for _ in range(150):
        waiting = queue(page)
        if len(waiting) == length:
            return waiting
        page.wait_for_timeout(100)
    raise AssertionError(f"{len(waiting)} votes wait in the queue, not {length}")


def stored_uuids() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Response.uuid)))


def test_a_refused_vote_and_a_server_error_hold_back_none_of_the_others(
    ctx, browser, live_server, screenshot, slow_thanks
):
    make_period()
    unit = make_unit(name="Kantor Kecamatan Cempaka Putih")
    desk = make_desk(unit=unit, name="Loket 2")
    officer = make_officer(unit=unit, name="Dewi Lestari")
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()

    # Service workers blocked: the page's own requests are what page.route sees.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    context.clock.install()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium logs each failed request as a console error: those are this test's doing.
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not any(
                known in message.text for known in ("status of 500", "status of 422", "ERR_INTERNET_DISCONNECTED")
            )
            and errors.append(message.text)
        ),
    )
    pair_tablet(page, live_server, desk)

    network = {"up": False, "fail": None}
    sent = []  # (network up?, vote uuid, answered with) for every vote the page sent

    def route(request_route):
        vote_uuid = json.loads(request_route.request.post_data)["uuid"]
        if not network["up"]:
            sent.append((False, vote_uuid, "no answer"))
            request_route.abort("internetdisconnected")
        elif vote_uuid == network["fail"] and not any(up and u == vote_uuid for up, u, _ in sent):
            sent.append((True, vote_uuid, 500))
            request_route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")
        else:
            sent.append((True, vote_uuid, "server"))
            request_route.continue_()

    page.route("**/kiosk/vote", route)

    # The network is down while citizens vote. In the middle of them, a vote an older copy of the
    # kiosk queued, with a reason the administrator has since deleted.
    refused = {
        "uuid": str(uuid.uuid4()),
        "value": 2,
        "reasons": ["R_DIHAPUS"],
        "cast_at": datetime.now(timezone.utc).isoformat(),
        "locale": "id",
    }
    for i in range(VOTES - 1):
        if i == REFUSED_AT:
            page.evaluate(
                f"""(item) => {{
                const queue = JSON.parse(localStorage.getItem('{QUEUE}') || '[]');
                queue.push(item);
                localStorage.setItem('{QUEUE}', JSON.stringify(queue));
            }}""",
                refused,
            )
        page.locator(f".face-{i % 4 + 1}").click()
        page.locator(".send").click()
        expect(page.locator("[data-screen='thanks']")).to_be_visible()
        page.locator("[data-screen='thanks']").click()
        expect(page.locator("[data-screen='rate']")).to_be_visible()
    waiting = wait_for_queue(page, VOTES)
    assert waiting[REFUSED_AT]["uuid"] == refused["uuid"]
    expect(page.locator(".queue-status")).to_have_text("Luring · 50 menunggu", use_inner_text=True)
    screenshot(page, "kiosk-queue-01-offline")
    assert stored_uuids() == set()

    # The network is back; the server answers one vote with an error, and refuses one for good.
    network["up"], network["fail"] = True, waiting[FAILS_AT]["uuid"]
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    [left] = wait_for_queue(page, 1)
    assert left["uuid"] == network["fail"] and left["tries"] >= 1
    assert page.evaluate("(at) => at > Date.now()", left["retryAt"])  # waiting out its back-off

    # Every other vote arrived: the refused one did not stop those behind it, nor the failed one.
    others = [v["uuid"] for v in waiting if v["uuid"] not in (refused["uuid"], network["fail"])]
    assert len(others) == VOTES - 2 and stored_uuids() == set(others)
    up = [(u, answer) for is_up, u, answer in sent if is_up]
    order = [u for u, _ in up]
    assert up[order.index(network["fail"])][1] == 500
    assert order.index(network["fail"]) < order.index(waiting[FAILS_AT + 1]["uuid"])
    assert order.index(refused["uuid"]) < order.index(waiting[REFUSED_AT + 1]["uuid"])
    assert sorted(order) == sorted([v["uuid"] for v in waiting])  # each sent once since the network came back

    # The refused vote left the queue: recorded on the server, and a copy kept on the device.
    db.session.expire_all()
    [refusal] = db.session.scalars(sa.select(KioskRefusal)).all()
    kiosk = db.session.scalar(sa.select(Kiosk))
    assert (refusal.kiosk_id, refusal.code, refusal.vote_uuid) == (kiosk.id, "unknown_reason", refused["uuid"])
    assert json.loads(refusal.payload)["reasons"] == ["R_DIHAPUS"]
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('suara.kiosk.rejected') || '[]')")
    assert [(v["uuid"], v["refused"]) for v in kept] == [(refused["uuid"], "unknown_reason")]
    expect(page.locator(".queue-status")).to_have_text("Server tidak menjawab · 1 menunggu", use_inner_text=True)
    screenshot(page, "kiosk-queue-02-one-retrying")

    # Later (past its back-off, at the queue's next round): the failed vote is sent again, stored.
    page.clock.fast_forward("01:00")
    wait_for_queue(page, 0)
    assert stored_uuids() == set(others) | {network["fail"]}
    assert [answer for is_up, u, answer in sent if is_up and u == network["fail"]] == [500, "server"]
    expect(page.locator(".queue-status")).to_be_hidden()
    screenshot(page, "kiosk-queue-03-drained")

    # The staff panel says how many votes the tablet dropped.
    page.locator(".staff-button").click()
    dialog = page.locator("#duty-dialog")
    expect(dialog).to_contain_text(
        "Suara yang ditolak server secara permanen dan dikeluarkan tablet ini dari antreannya: 1"
    )
    screenshot(page, "kiosk-queue-04-staff-panel")
    assert errors == [], f"the page logged errors: {errors}"
    context.close()

    # The administrator sees it in the kiosk list, and what was sent on the kiosk's page.
    admin = make_user(Role.ADMIN, username="pusat")
    office = browser.new_context(viewport={"width": 1366, "height": 768})
    office.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page = office.new_page()
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(admin.username)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-password").press("Enter")
    expect(page.locator("#login-username")).to_have_count(0)
    page.goto(f"{live_server}/admin/kiosks")
    row = page.locator(f"#kiosk-row-{kiosk.id}")
    expect(row).to_contain_text("WIB")
    screenshot(page, "kiosk-queue-05-admin-kiosks")
    row.get_by_role("link", name=f"1 vote refused from {kiosk.name}").click()
    expect(page.locator("h1")).to_have_text(f"Votes refused from {kiosk.name}")
    expect(page.locator("#refusals")).to_contain_text("Unknown reason: R_DIHAPUS. (unknown_reason)")
    expect(page.locator("#refusals")).to_contain_text("R_DIHAPUS")
    screenshot(page, "kiosk-queue-06-admin-refusals")
    office.close()


def test_with_no_open_period_the_kiosk_says_so_and_its_votes_are_kept(ctx, browser, live_server, screenshot):
    """Not "offline": the votes go through, kept outside any period, and the staff read why."""
    make_period(status=PeriodStatus.DRAFT)
    desk = make_desk(unit=make_unit(name="Kantor Kecamatan Cempaka Putih"), name="Loket 1")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    pair_tablet(page, live_server, desk)
    banner = page.locator("#banner")
    expect(banner).to_contain_text("Tidak ada periode penilaian yang dibuka: suara disimpan di luar periode mana pun.")
    page.locator(".face-3").click()
    page.locator(".send").click()
    wait_for_queue(page, 0)
    expect(page.locator(".queue-status")).to_be_hidden()  # nothing waits: not "Luring · 1 menunggu"
    db.session.expire_all()
    [vote] = db.session.scalars(sa.select(Response)).all()
    assert vote.period_id is None and vote.flag_set & Flag.NO_PERIOD and vote.excluded
    page.locator("[data-screen='thanks']").click()
    page.get_by_role("button", name="English").click()
    expect(banner).to_contain_text("No appraisal period is open: votes are kept outside any period.")
    screenshot(page, "kiosk-no-period-banner")
    page.locator(".staff-button").click()
    expect(page.locator("#duty-dialog")).to_contain_text("votes are kept outside any period and count in no score")
    screenshot(page, "kiosk-no-period-staff-panel")
    context.close()
