"""What browser tests share: pairing a tablet and waiting for its queue of votes to drain."""

from playwright.sync_api import expect

from core.db import db
from kiosk.pairing import new_pairing_code


def pair_tablet(page, base_url: str, desk) -> None:
    """Pair the browser as the desk's kiosk, the way an administrator does: a one-time code."""
    code = new_pairing_code(desk)
    db.session.commit()
    page.goto(f"{base_url}/kiosk/")
    page.get_by_label("Kode pemasangan").fill(code)
    page.get_by_role("button", name="Pasangkan").click()
    expect(page.locator(".faces")).to_be_visible()
    # kiosk.js is deferred: a tap before it ran does nothing (on a busy machine it comes late).
    # It marks the screen it shows on the body, so that mark says it is there.
    expect(page.locator("body[data-current]")).to_have_count(1)


def queue_drained(page):
    """Wait until the kiosk's offline queue is empty (every vote confirmed by the server).
    Polled from Python: the page's CSP forbids the eval that wait_for_function would need."""
    for _ in range(100):
        if page.evaluate("() => JSON.parse(localStorage.getItem('suara.kiosk.queue') || '[]').length") == 0:
            return
        page.wait_for_timeout(100)
    raise AssertionError("votes are still waiting in the kiosk's queue")
