"""The shared page header in real Chromium with somebody signed in: their name and the sign-out
button sit side by side on the poster pages, the public results page and the admin area, on a
360 px phone and an office PC; screenshots go to artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from org.models import Role
from tests.browser.a11y import assert_accessible
from tests.factories import PASSWORD, make_desk, make_unit, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
OFFICE_PC = {"width": 1366, "height": 768}
# Long enough to wrap at 360 px, as the names and titles of Indonesian civil servants often are.
NAME = "Dra. Hj. Sitti Nurhayati Syamsuddin, M.Si."


def sign_in(page, live_server, username):
    page.goto(f"{live_server}/admin/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-password").press("Enter")
    expect(page.locator("#login-username")).to_have_count(0)


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found, f"{locator} is not on the page"
    return found


def assert_tidy_header(page, where: str, button_height: int):
    """The name and the sign-out button side by side, inside the header; nothing wider than the
    window."""
    header = page.get_by_role("banner")
    account = header.get_by_role("navigation", name="Akun")
    name, button = account.get_by_role("link"), account.get_by_role("button", name="Keluar")
    expect(name).to_have_text(NAME)
    name_box, button_box, header_box = box(name), box(button), box(header)
    # The button starts right of the name, and their middles are level (a long name wraps
    # beside the button, not above it).
    assert button_box["x"] >= name_box["x"] + name_box["width"], f"{where}: {name_box} {button_box}"
    assert abs(middle(name_box) - middle(button_box)) <= 1, f"{where}: {name_box} {button_box}"
    for part in (name_box, button_box):
        assert header_box["x"] <= part["x"] and right(part) <= right(header_box), f"{where}: {part} {header_box}"
    assert button_box["height"] >= button_height, f"{where}: {button_box}"
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, f"{where}: the page scrolls sideways"


def middle(part: dict) -> float:
    return part["y"] + part["height"] / 2


def right(part: dict) -> float:
    return part["x"] + part["width"]


@pytest.mark.parametrize("viewport", [PHONE, OFFICE_PC], ids=["phone", "office-pc"])
def test_the_signed_in_header_is_tidy_on_public_poster_and_admin_pages(
    ctx, live_server, a11y_context, screenshot, viewport
):
    unit = make_unit(code="kec-cempaka-putih", name="Kantor Kecamatan Cempaka Putih")
    desk = make_desk(unit=unit, name="Loket 1")
    make_user(Role.SUPERVISOR, unit=unit, username="kepala", name=NAME)
    page = a11y_context(viewport=viewport, locale="id-ID").new_page()
    sign_in(page, live_server, "kepala")
    size = "phone" if viewport is PHONE else "pc"
    # Public pages keep the 48 px touch targets of the public side; the admin area's header,
    # the poster pages' too (they are in the admin area, with its menu), is denser (admin.css).
    for name, path, button_height in [
        ("posters", "/survey/", 40),
        ("posters-unit", f"/survey/posters/{unit.code}", 40),
        ("poster-desk", f"/survey/poster/{desk.code}", 40),
        ("public", f"/hasil/{unit.code}", 48),
        ("admin", "/admin/", 40),
        ("admin-reports", "/admin/reports", 40),
    ]:
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, f"header-{name}-{size}", clip={"x": 0, "y": 0, "width": viewport["width"], "height": 240})
        assert_tidy_header(page, f"{path} at {viewport['width']} px", button_height)
        assert_accessible(page, f"header-{name}-{size}", include=".site-header")
