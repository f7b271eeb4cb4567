"""Rough edges of the start page (issue 20), each held by a test: every link leads, for an
anonymous visitor, to the page it promises, and none sends a citizen to sign in by surprise."""

import re

import pytest

from tests.factories import text

# Each card: its title, where it leads, and what that page must show (after any redirect).
CARDS = {
    "id": [
        ("Hasil yang dipublikasikan", "/hasil/", "Hasil kepuasan masyarakat", "/hasil/"),
        ("Kios", "/kiosk/", "Kode pemasangan", "/kiosk/"),
        ("Area admin", "/admin/", 'name="username"', "/admin/login"),
    ],
    "en": [
        ("Published results", "/hasil/", "Community satisfaction results", "/hasil/"),
        ("Kiosk", "/kiosk/", "Pairing code", "/kiosk/"),
        ("Admin area", "/admin/", 'name="username"', "/admin/login"),
    ],
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_start_page_link_leads_where_it_says(client, lang):
    client.set_cookie("lang", lang)
    html = text(client.get("/"))
    cards = re.findall(r'<li><a href="([^"]+)"><strong>([^<]+)</strong>', html)
    assert [(title, href) for href, title in cards] == [(title, href) for title, href, _, _ in CARDS[lang]]
    for title, href, shows, lands in CARDS[lang]:
        page = client.get(href, follow_redirects=True)
        assert page.status_code == 200, title
        assert page.request.path == lands, title
        assert shows in text(page), title
    # Only the card that says so asks for a sign-in; the survey is reached by its QR code.
    assert "/survey/" not in html


def test_the_admin_card_says_it_is_for_staff_who_sign_in(client):
    client.set_cookie("lang", "en")
    html = text(client.get("/"))
    assert "Staff sign in here" in html
