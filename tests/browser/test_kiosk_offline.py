"""A kiosk that loses its network keeps working and loses no vote (real Chromium).

The test runs its own server on a fixed port so that it can really take the server away (not
only the page's network): a reload while offline must then come from the service worker's cache.
"""

import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.db import db
from core.responses import Response
from org.duty import start_duty
from tests.browser.helpers import app_server, pair_tablet, queue_drained
from tests.factories import make_desk, make_officer, make_period

pytestmark = pytest.mark.browser

VOTES = 50


class Server:
    """The app on 127.0.0.1:port, which can be stopped and started again on the same port."""

    def __init__(self, app):
        self.app = app
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None

    def start(self):
        self._server = app_server(self.app, self.port)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server(app):
    saved = app.config["KIOSK_THANKS_SECONDS"]
    app.config["KIOSK_THANKS_SECONDS"] = 30  # the test taps the thank-you away itself
    server = Server(app)
    server.start()
    yield server
    server.stop()
    app.config["KIOSK_THANKS_SECONDS"] = saved


def queue(page) -> list[dict]:
    return page.evaluate("() => JSON.parse(localStorage.getItem('suara.kiosk.queue') || '[]')")


def test_fifty_votes_cast_offline_arrive_once_with_their_cast_times(ctx, browser, server, screenshot):
    make_period()
    desk = make_desk(name="Loket 2")
    officer = make_officer(unit=desk.unit, name="Dewi Lestari")
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()

    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="allow")
    page = context.new_page()
    pair_tablet(page, server.url, desk)
    # Wait until the service worker controls the page and holds the kiosk screen.
    for _ in range(100):
        if page.evaluate("async () => !!navigator.serviceWorker.controller && !!(await caches.match('/kiosk/'))"):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the service worker never took control of the kiosk")

    # The network drops, and the server is gone too.
    context.set_offline(True)
    server.stop()

    for i in range(VOTES):
        page.locator(f".face-{i % 4 + 1}").click()
        page.locator(".send").click()
        expect(page.locator("[data-screen='thanks']")).to_be_visible()
        page.locator("[data-screen='thanks']").click()  # tap the thank-you away
        expect(page.locator("[data-screen='rate']")).to_be_visible()
    expect(page.locator(".queue-status")).to_be_visible()
    expect(page.locator(".queue-count")).to_have_text(str(VOTES))
    screenshot(page, "kiosk-07-offline-queue")

    # Rebooted while still offline: the kiosk comes back from the service worker's cache.
    page.reload()
    expect(page.locator(".faces")).to_be_visible()
    expect(page.locator(".officer-name")).to_have_text("Dewi Lestari")
    waiting = queue(page)
    assert len(waiting) == VOTES and len({v["uuid"] for v in waiting}) == VOTES
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    screenshot(page, "kiosk-08-offline-reloaded")

    # The network and the server come back: the queue drains, oldest first.
    server.start()
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    queue_drained(page)
    expect(page.locator(".queue-status")).to_be_hidden()

    db.session.expire_all()
    stored = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
    assert len(stored) == VOTES
    sent = {v["uuid"]: v for v in waiting}
    assert {r.uuid for r in stored} == set(sent)
    for response in stored:
        assert response.cast_at == datetime.fromisoformat(sent[response.uuid]["cast_at"].replace("Z", "+00:00"))
        assert response.officer_id == officer.id
        assert response.answers[0].value == sent[response.uuid]["value"]
    # Oldest first: arrival order follows cast order.
    assert [r.cast_at for r in stored] == sorted(r.cast_at for r in stored)
    context.close()
