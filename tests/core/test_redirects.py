"""Every redirect to an address the request supplies stays on this site (``core.web.local_target``):
the language switch and signing in, anonymous or signed in, against the bypasses known to work on
hand-made checks, and never a 500, whatever ``next`` holds."""

import pytest

from core.db import db
from core.web import local_target
from org.models import Role
from tests.factories import PASSWORD, add_survey, csrf, make_desk, make_period, make_user, post, sign_in

# Each of these leads a browser to another site, or nowhere good, when echoed in a Location.
HOSTILE = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "/\\evil.example",
    "\\/\\/evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "\x7f//evil.example",
    "/\x0b/evil.example",
    "https:evil.example",
    "https://evil.example/",
    "http:///evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "//localhost@evil.example",
    "http://localhost@evil.example/",
    "https://localhost.evil.example/",
    "http://localhost:80@evil.example/",
    "／／evil.example",
    "\uff0f\\evil.example",
    "/admin/\r\nSet-Cookie: stolen=1",
    "/" + "a" * 3000,
]

# Paths of this site, some odd-looking: they stay paths (percent-encoded where needed).
LOCAL = [
    ("/admin/officers?q=siti", "/admin/officers?q=siti"),
    ("/admin/", "/admin/"),
    ("/%2F/evil.example", "/%2F/evil.example"),
    ("/@evil.example", "/@evil.example"),
    ("/hasil/kantor?x=1#top", "/hasil/kantor?x=1#top"),
    ("/\u3000/evil.example", "/%E3%80%80/evil.example"),
    ("/s/é", "/s/%C3%A9"),
    ("/admin/\u2028x", "/admin/%E2%80%A8x"),  # a line separator, but no control character: encoded
    ("http://localhost/admin/units", "/admin/units"),  # this very site, written in full
]


def _location(response, fallback: str | None = None) -> str:
    if response.status_code == 400:
        # A NUL character is refused before any view (core.security): no redirect at all.
        return fallback
    assert response.status_code in (302, 303), response.status_code
    return response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(app, target):
    with app.test_request_context("/"):
        assert local_target(target) is None


@pytest.mark.parametrize("target,expected", LOCAL)
def test_local_paths_are_kept(app, target, expected):
    with app.test_request_context("/"):
        assert local_target(target) == expected


def test_an_absolute_address_counts_as_this_site_only_with_its_scheme(app):
    with app.test_request_context("/", base_url="https://localhost"):
        assert local_target("http://localhost/admin/") is None  # a step down to plain HTTP
        assert local_target("https://localhost/admin/") == "/admin/"


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_leaves_the_site(client, ctx, target):
    assert _location(client.get("/lang/en", query_string={"next": target}), "/") == "/"
    sign_in(client, make_user(Role.SUPERVISOR))
    assert _location(client.get("/lang/id", query_string={"next": target}), "/") == "/"


def test_the_reported_tab_bypass_on_the_language_switch(client):
    # As it was reported: the raw query string, a tab between two slashes.
    assert _location(client.get("/lang/en?next=/%09/evil.com")) == "/"
    assert _location(client.get("/lang/en?next=/%0d%0a/evil.com")) == "/"
    assert _location(client.get("/lang/en?next=/admin/officers%3Fq%3Dsiti")) == "/admin/officers?q=siti"


@pytest.mark.parametrize("target,expected", LOCAL)
def test_the_language_switch_goes_back_to_local_pages(client, target, expected):
    response = client.get("/lang/en", query_string={"next": target})
    assert _location(response) == expected
    assert "lang=en" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", HOSTILE)
def test_signing_in_never_leaves_the_site(client, ctx, target):
    user = make_user(Role.ADMIN)
    page = client.get("/admin/login", query_string={"next": target})
    if "\x00" not in target:
        assert page.status_code == 200 and 'name="next"' not in page.get_data(as_text=True)
    response = client.post(
        "/admin/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "next": target,
            "csrf_token": csrf(client, "/admin/login"),
        },
    )
    assert _location(response, "/admin/") == "/admin/"
    # Signed in already, the sign-in page sends one on at once: to this site only.
    sign_in(client, user)
    assert _location(client.get("/admin/login", query_string={"next": target}), "/admin/") == "/admin/"


def test_signing_in_goes_back_to_the_page_asked_for(client, ctx):
    user = make_user(Role.ADMIN)
    response = client.post(
        "/admin/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "next": "/admin/officers?q=siti",
            "csrf_token": csrf(client, "/admin/login"),
        },
    )
    assert _location(response) == "/admin/officers?q=siti"
    assert _location(client.get("/admin/login?next=/%09/evil.com")) == "/admin/"
    assert _location(client.get("/admin/login?next=/admin/units")) == "/admin/units"


@pytest.mark.parametrize(
    "referrer,expected",
    [
        ("http://localhost/admin/comments?hidden=no", "/admin/comments?hidden=no"),
        ("https://evil.example/admin/comments", "/admin/comments"),
        ("http://localhost.evil.example/admin/comments", "/admin/comments"),
        ("//evil.example/admin/comments", "/admin/comments"),
    ],
)
def test_hiding_a_comment_goes_back_only_to_a_page_of_this_site(client, admin, referrer, expected):
    response = add_survey(make_period(), make_desk(), None, [], comment="Antre lama")
    db.session.commit()
    answer = post(client, f"/admin/comments/{response.id}/hide", headers={"Referer": referrer})
    assert _location(answer) == expected
