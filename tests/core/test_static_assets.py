"""Static files: content-hashed names cached for a year, compression, and what happens to
addresses that are not (or no longer) the current ones. See static_assets.py."""

import base64
import gzip
import hashlib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import brotli
import pytest
from flask import url_for

from core import static_assets
from core.db import db
from org.duty import start_duty
from survey import pdf as survey_pdf
from tests.factories import make_desk, make_kiosk, make_officer, make_period
from tests.helpers import decoded

IMMUTABLE = "public, max-age=31536000, immutable"
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{10}\.(css|js|svg)$")
STATIC_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.fixture
def client(app):
    """Buffered, so that a file WhiteNoise serves is closed once read (a real server closes it;
    the test client would leave that to the garbage collector, with a ResourceWarning)."""
    client = app.test_client()
    open_unbuffered = client.open
    client.open = lambda *args, **kwargs: open_unbuffered(*args, **{"buffered": True, **kwargs})
    return client


@pytest.fixture
def kiosk_page(client, factories):
    """The kiosk screen of a paired tablet, with an officer on duty."""
    make_period()
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    _kiosk, token = make_kiosk(desk)
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    client.set_cookie("kiosk_token", token, path="/kiosk/")
    response = client.get("/kiosk/")
    assert response.status_code == 200
    return response.get_data(as_text=True), desk


@pytest.fixture
def survey_page(client, kiosk_page):
    _html, desk = kiosk_page
    response = client.get(f"/s/{desk.code}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- Hashed names, a year in the cache --------------------------------------------------------


def test_pages_link_only_hashed_static_files_which_are_cached_for_a_year(client, kiosk_page, survey_page):
    for html in (
        kiosk_page[0],
        survey_page,
        client.get("/").get_data(as_text=True),
        client.get("/admin/login").get_data(as_text=True),
    ):
        urls = STATIC_URL.findall(html)
        assert urls
        for url in urls:
            assert HASHED.match(url), url
            response = client.get(url, headers={"Accept-Encoding": "br"})
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == IMMUTABLE
            assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_kiosk_loads_one_style_sheet_and_one_script_the_survey_one_script_both_an_inline_icon(
    kiosk_page, survey_page
):
    for html, files in ((kiosk_page[0], ["bundles/public", "bundles/kiosk"]), (survey_page, ["bundles/survey"])):
        urls = STATIC_URL.findall(html)
        assert [u.rsplit(".", 2)[0] for u in urls] == [f"/static/{name}" for name in files]
        assert '<link rel="icon" href="data:image/svg+xml,' in html
    # The survey carries the kiosk's style sheet in the page (see tests/test_survey.py).
    assert "<style>" not in kiosk_page[0] and survey_page.count("<style>") == 1


def test_url_for_static_gives_the_hashed_name_of_the_current_content(app, client):
    assets = app.extensions["static_assets"]
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    source = (Path(app.static_folder) / "css/app.css").read_bytes()
    assert url == "/static/" + static_assets.hashed_name("css/app.css", static_assets.minified("app.css", source))
    assert client.get(url).get_data() == (assets.build_folder / url.removeprefix("/static/")).read_bytes()


def test_a_bundle_is_its_parts_in_order(app, client):
    with app.test_request_context():
        bundle = client.get(url_for("static", filename="bundles/public.css")).get_data()
    app_css = static_assets.minified("app.css", (Path(app.static_folder) / "css/app.css").read_bytes())
    survey_css = static_assets.minified("survey.css", (Path(app.static_folder) / "css/survey.css").read_bytes())
    assert bundle.index(app_css.rstrip()) < bundle.index(survey_css.rstrip())


def test_an_unhashed_address_is_still_served_as_it_is_but_revalidated_each_time(app, client):
    response = client.get("/static/js/kiosk.js")
    assert response.status_code == 200
    assert response.get_data() == (Path(app.static_folder) / "js/kiosk.js").read_bytes()  # not minified
    assert "immutable" not in response.headers["Cache-Control"]
    assert "no-cache" in response.headers["Cache-Control"]


def test_pages_are_not_cached_as_immutable(client, kiosk_page):
    for path in ("/", "/kiosk/", "/kiosk/sw.js", "/healthz"):
        cache_control = client.get(path).headers.get("Cache-Control", "")
        assert "immutable" not in cache_control and "31536000" not in cache_control, path


# --- Addresses that are not the current ones ----------------------------------------------------


def test_a_hash_of_content_this_server_never_had_redirects_to_the_current_file(app, client):
    with app.test_request_context():
        current = url_for("static", filename="css/app.css")
    stale = re.sub(r"\.[0-9a-f]{10}\.", ".0000000000.", current)
    response = client.get(stale)
    assert response.status_code == 302
    assert response.headers["Location"] == current
    assert response.headers["Cache-Control"] == "no-cache"
    assert client.get(stale, follow_redirects=True).status_code == 200


def test_a_bundle_by_its_plain_name_redirects_to_its_hashed_address(app, client):
    with app.test_request_context():
        current = url_for("static", filename="bundles/kiosk.js")
    response = client.get("/static/bundles/kiosk.js")
    assert response.status_code == 302 and response.headers["Location"] == current


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/nothing.0123456789.css",
        "/static/css/nothing.css",
        "/static/../app.py",
        "/static/bundles/nothing.js",
    ],
)
def test_unknown_static_addresses_are_404(client, path):
    assert client.get(path).status_code == 404


def test_content_that_changed_gets_a_new_name_and_the_old_one_stays(tmp_path):
    """A page still open from before a release keeps finding the files it links to."""
    static, build = tmp_path / "static", tmp_path / "build"
    (static / "css").mkdir(parents=True)
    (static / "css/app.css").write_text("body { color: black }\n" * 50)
    assets = static_assets.StaticAssets(static, build, bundles={}, inline=())
    old = assets.build()["css/app.css"]
    (static / "css/app.css").write_text("body { color: navy }\n" * 50)
    new = assets.build()["css/app.css"]
    assert old != new
    assert (build / old).read_bytes() == b"body{color:black}" * 50
    assert (build / new).read_bytes() == b"body{color:navy}" * 50
    assert static_assets.unhashed_name(new) == static_assets.unhashed_name(old) == "css/app.css"
    # With its precompressed copies, smaller than the original.
    assert brotli.decompress((build / (new + ".br")).read_bytes()) == (build / new).read_bytes()
    assert gzip.decompress((build / (new + ".gz")).read_bytes()) == (build / new).read_bytes()
    assert not list(tmp_path.glob(".static-staging-*"))


def test_an_inline_style_is_allowed_by_the_hash_of_the_very_text_it_puts_in_the_page(tmp_path):
    static, build = tmp_path / "static", tmp_path / "build"
    (static / "css").mkdir(parents=True)
    (static / "css/app.css").write_text('/* a comment */\n.verified::before { content: "\u2713"; }\n')
    assets = static_assets.StaticAssets(static, build, bundles={}, inline=("css/app.css",))
    manifest = assets.build()
    style = assets.inline_styles["css/app.css"]
    text = (build / manifest["css/app.css"]).read_bytes()  # minified, as the linked file
    assert style.element == "<style>" + text.decode() + "</style>"
    # CSP hashes the text between the tags as UTF-8 bytes: the check mark is three of them.
    assert style.source == "'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode() + "'"


@pytest.mark.parametrize("css", ['a::after { content: "</style>"; }', 'a::after { content: "</STYLE"; }'])
def test_a_style_sheet_that_would_end_its_style_element_is_never_inlined(tmp_path, css):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css/app.css").write_text(css)
    assets = static_assets.StaticAssets(static, tmp_path / "build", bundles={}, inline=("css/app.css",))
    with pytest.raises(ValueError, match="</style"):
        assets.build()


# --- Compression --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "accept, encoding",
    [("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br, zstd", "br"), ("", None), ("identity", None)],
)
def test_pages_are_compressed_when_the_client_accepts_it_and_only_then(client, kiosk_page, accept, encoding):
    plain = client.get("/kiosk/").get_data(as_text=True)
    response = client.get("/kiosk/", headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    html = decoded(response).decode()
    assert html.startswith("<!doctype html>") and len(html) > 0.9 * len(plain)
    if encoding:
        assert len(response.get_data()) < len(html) / 2


@pytest.mark.parametrize("accept, encoding", [("br", "br"), ("gzip", "gzip"), ("", None)])
def test_static_files_are_served_precompressed_when_the_client_accepts_it(app, client, accept, encoding):
    assets = app.extensions["static_assets"]
    with app.test_request_context():
        url = url_for("static", filename="bundles/kiosk.js")
    response = client.get(url, headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert decoded(response) == (assets.build_folder / url.removeprefix("/static/")).read_bytes()


def test_the_service_worker_is_compressed_too(client):
    response = client.get("/kiosk/sw.js", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"self.addEventListener" in decoded(response)


# --- What else links to static files ------------------------------------------------------------


def test_the_kiosk_service_worker_keeps_exactly_what_the_kiosk_screen_links(client, kiosk_page):
    sw = client.get("/kiosk/sw.js").get_data(as_text=True)
    assets = re.search(r"const ASSETS = (\[.*?\]);", sw).group(1)
    assert sorted(re.findall(r'"([^"]+)"', assets)) == sorted(STATIC_URL.findall(kiosk_page[0]))
    assert "//" not in sw.replace("://", "")  # its comments are not sent


def test_the_service_worker_version_follows_the_assets(app, client, monkeypatch):
    first = re.search(r'const CACHE = "([^"]+)"', client.get("/kiosk/sw.js").get_data(as_text=True)).group(1)
    manifest = app.extensions["static_assets"].manifest
    monkeypatch.setitem(manifest, "bundles/kiosk.js", "bundles/kiosk.0123456789.js")
    second = re.search(r'const CACHE = "([^"]+)"', client.get("/kiosk/sw.js").get_data(as_text=True)).group(1)
    assert first != second


def test_posters_rendered_as_pdf_read_the_hashed_style_sheets(app):
    assets = app.extensions["static_assets"]
    fetcher = survey_pdf._static_only_fetcher("/static", app.static_folder, "localhost", str(assets.build_folder))
    css = fetcher.fetch("http://localhost/static/" + assets.manifest["css/survey.css"])
    assert b".poster-a4" in css.read() and css.content_type == "text/css"
    css.close()
    with pytest.raises(ValueError):
        fetcher.fetch("http://localhost/static/../../app.py")


def test_admin_pages_are_not_compressed(client):
    """A CSRF token beside reflected input must not be compressed (BREACH); public pages are."""
    page = client.get("/admin/login", headers={"Accept-Encoding": "br, gzip"})
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    public = client.get("/kiosk/", headers={"Accept-Encoding": "gzip"})
    assert public.headers.get("Content-Encoding") == "gzip"
