"""What browser tests share: the test server, pairing a tablet and waiting for its queue of votes
to drain."""

from playwright.sync_api import expect
from werkzeug.serving import BaseWSGIServer, make_server

from core.db import db
from kiosk.pairing import new_pairing_code


def _read_whole_file(filelike, block_size=8192):
    """A ``wsgi.file_wrapper`` that reads the file at once and closes it.

    Werkzeug's development server drains the request body after answering and closes the answer's
    iterable only after that; when the browser resets the connection during the drain (it drops
    a stylesheet it no longer needs when it navigates on), the read raises first and the file
    WhiteNoise opened is never closed, which the suite's ResourceWarning-as-error turns into a
    failure. Static files are small, so reading them whole costs nothing here."""
    try:
        return [filelike.read()]
    finally:
        filelike.close()


def app_server(app, port: int = 0) -> BaseWSGIServer:
    """The app behind Werkzeug's threaded server on 127.0.0.1 (``port`` 0: any free one)."""

    def serve(environ, start_response):
        environ["wsgi.file_wrapper"] = _read_whole_file
        return app(environ, start_response)

    return make_server("127.0.0.1", port, serve, threaded=True)


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
