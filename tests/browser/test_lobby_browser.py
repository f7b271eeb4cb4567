"""The lobby screen in real Chromium on a 1920 x 1080 TV: its figures large and in both languages,
no officer named unless the unit shows its officer of the month, never a comment, the board
refreshed by htmx under the app's Content-Security-Policy; axe-core in Indonesian and English.
Screenshots go to artifacts/screenshots/."""

import struct
import zlib

import pytest
from playwright.sync_api import expect

from awards.models import Award, AwardStatus
from core.db import db
from home import queries
from tests.browser.a11y import assert_accessible
from tests.home.conftest import SECRET_WORD, clock, office, rated  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

TV = {"width": 1920, "height": 1080}


def png(size: int = 96, rgb: tuple[int, int, int] = (46, 125, 80)) -> bytes:
    """A square PNG of one colour, as an officer's photo."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_the_lobby_on_a_tv_without_names(rated, live_server, browser, a11y_context, screenshot):  # noqa: F811
    # First with the app's policy in force (no bypass): nothing refused, the board refreshes.
    context = browser.new_context(viewport=TV)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/lobi/kec-tallo")
    expect(page.locator('[data-figure="happy"]')).to_have_text("75%")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kantor Kecamatan Tallo")
    # htmx asks for the board again (every minute): fire its trigger now rather than wait.
    with page.expect_response(lambda r: r.url.endswith("/lobi/kec-tallo") and r.request.headers.get("hx-request")):
        page.evaluate("() => htmx.ajax('GET', location.pathname, {target: '#board', swap: 'innerHTML'})")
    expect(page.locator('[data-figure="happy"]')).to_have_text("75%")
    assert errors == []
    body = page.locator("body").inner_text()
    for name in ("Ani Wijayanti", "Budi Hartono", "Loket Kependudukan", SECRET_WORD):
        assert name not in body
    # Large: the headline figures are at least 120 px high, readable across a room.
    box = page.locator('[data-figure="happy"]').bounding_box()
    assert box and box["height"] >= 120
    screenshot(page, "lobby-tv")
    # Everything fits on the screen, nothing scrolls.
    assert page.evaluate("() => document.documentElement.scrollHeight") <= TV["height"]
    context.close()

    for lang in ("id", "en"):
        page = a11y_context(viewport=TV).new_page()
        page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        page.goto(f"{live_server}/lobi/kec-tallo")
        expect(page.locator('[data-figure="ikm"]')).to_be_visible()
        assert_accessible(page, f"lobby-tv-{lang}", screenshot)


def test_the_lobby_with_the_officer_of_the_month(rated, live_server, a11y_context, screenshot):  # noqa: F811
    unit, ani = rated["unit"], rated["ani"]
    unit.lobby_shows_award = True
    ani.photo, ani.photo_mime = png(), "image/png"
    # The longest texts in the narrowest tiles: three tiles, each figure "not enough data yet".
    rated["period"].min_n = 50
    db.session.add(
        Award(
            unit_id=unit.id,
            period_id=rated["period"].id,
            month=queries.local_day(unit, rated["now"]).replace(day=1),
            officer_id=ani.id,
            status=AwardStatus.CONFIRMED,
            score="91.40",
            n=40,
        )
    )
    db.session.commit()
    page = a11y_context(viewport=TV).new_page()
    page.goto(f"{live_server}/lobi/kec-tallo")
    award = page.locator('[data-figure="award"]')
    expect(award).to_have_text("Ani Wijayanti")
    expect(page.get_by_role("img", name="Ani Wijayanti")).to_be_visible()
    assert page.evaluate("() => document.querySelector('.lobby-award img').naturalWidth") == 96
    expect(page.locator(".lobby-pending")).to_have_count(2)
    body = page.locator("body").inner_text()
    assert "Budi Hartono" not in body and SECRET_WORD not in body
    assert page.evaluate("() => document.documentElement.scrollHeight") <= TV["height"]
    # No tile's text runs out of it.
    assert (
        page.evaluate(
            "() => [...document.querySelectorAll('.lobby-tile')].filter(t => t.scrollHeight > t.clientHeight + 1).length"
        )
        == 0
    )
    assert_accessible(page, "lobby-tv-award", screenshot)
