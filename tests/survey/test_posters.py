"""QR codes and printable posters: the images, the poster pages, and their PDFs, whose QR codes
are decoded back (zxing-cpp) to check that a scan leads to the right address."""

import re
import subprocess
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
import sqlalchemy as sa
from PIL import Image

from core.db import db
from org.duty import start_duty
from org.models import CODE_ALPHABET, Role
from survey import pdf as survey_pdf
from survey.models import ServiceCode
from survey.operations import issue_service_code
from tests.factories import make_desk, make_officer, make_unit, make_user, sign_in
from tests.helpers import pdf_pages, qr_texts


@pytest.fixture
def unit(factories):
    unit = make_unit(code="kec-cempaka-putih", name="Kantor Kecamatan Cempaka Putih")
    make_desk(unit=unit, name="Loket 2")
    make_desk(unit=unit, name="Loket 1")
    make_desk(unit=unit, name="Loket Tutup", active=False)
    make_officer(unit=unit, name="Siti Rahmawati", position="Pengadministrasi Umum")
    make_officer(unit=unit, name="Budi Santoso", position="Pengolah Data Kependudukan")
    make_officer(unit=unit, name="Pensiunan", active=False)
    make_desk(name="Loket Kantor Lain")
    return unit


@pytest.fixture
def client(client, unit):
    """Poster pages are staff pages: these tests work as the unit's supervisor."""
    return sign_in(client, make_user(Role.SUPERVISOR, unit=unit))


def test_poster_pages_are_for_staff_of_the_unit(app, unit):
    other_unit = make_desk(name="Loket Lain").unit
    desk = unit.desks[0]
    pages = [
        "/survey/",
        "/survey/posters/kec-cempaka-putih",
        f"/survey/poster/{desk.code}",
        f"/survey/poster/{desk.code}.pdf",
    ]
    anonymous = app.test_client()
    for page in pages:
        response = anonymous.get(page)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    officer = sign_in(app.test_client(), make_user(Role.OFFICER, officer=make_officer(unit=unit)))
    stranger = sign_in(app.test_client(), make_user(Role.SUPERVISOR, unit=other_unit))
    for page in pages:
        assert officer.get(page).status_code == 403
    for page in pages[1:]:
        assert stranger.get(page).status_code == 403
    assert "Kantor Kecamatan Cempaka Putih" not in stranger.get("/survey/").get_data(as_text=True)
    # Citizens' side stays public: the QR image and the survey itself.
    assert anonymous.get(f"/survey/qr/{desk.code}.svg").status_code == 200
    assert anonymous.get(f"/s/{desk.code}").status_code in (200, 409)


def address(app, code: str) -> str:
    return f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/s/{code}"


def pdf_info(pdf: bytes) -> tuple[int, tuple[int, int]]:
    """The number of pages and the size of the first, in whole millimetres (poppler's pdfinfo)."""
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    width, height = (float(x) for x in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    return int(re.search(r"Pages:\s+(\d+)", info).group(1)), (round(width / 72 * 25.4), round(height / 72 * 25.4))


# --- Codes and QR images --------------------------------------------------------------------------


def test_desk_and_officer_codes_are_short_unguessable_and_not_ids(ctx, unit):
    codes = [d.code for d in unit.desks] + [o.code for o in unit.officers]
    assert len(set(codes)) == len(codes)
    for row in [*unit.desks, *unit.officers]:
        assert len(row.code) == 10 and set(row.code) <= set(CODE_ALPHABET)
        assert str(row.id) != row.code


def test_the_png_decodes_to_the_survey_address(client, app, unit):
    desk = unit.desks[0]
    response = client.get(f"/survey/qr/{desk.code}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    with Image.open(BytesIO(response.data)) as image:
        assert qr_texts(image) == [address(app, desk.code)]


def test_the_svg_is_a_scalable_image_that_caches_well(client, app, unit):
    officer = unit.officers[0]
    response = client.get(f"/survey/qr/{officer.code}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')
    assert 'role="img"' in svg and officer.name in svg and "style=" not in svg
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag = response.headers["ETag"]
    again = client.get(f"/survey/qr/{officer.code}.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_address_follows_the_public_base_url(client, app, unit, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://suara.example.go.id/")
    desk = unit.desks[0]
    with Image.open(BytesIO(client.get(f"/survey/qr/{desk.code}.png").data)) as image:
        assert qr_texts(image) == [f"https://suara.example.go.id/s/{desk.code}"]


def test_qr_images_only_for_live_desk_and_officer_codes(client, unit):
    inactive = next(d for d in unit.desks if not d.active)
    officer = next(o for o in unit.officers if o.active)
    start_duty(next(d for d in unit.desks if d.active), officer, datetime.now(timezone.utc) - timedelta(minutes=5))
    one_time = issue_service_code(officer)
    db.session.commit()
    for code in ("zzzzzzzzzz", inactive.code, one_time.code):
        assert client.get(f"/survey/qr/{code}.png").status_code == 404
        assert client.get(f"/survey/qr/{code}.svg").status_code == 404


# --- Poster pages -------------------------------------------------------------------------------


def test_a_desk_poster_shows_the_code_the_unit_the_desk_and_the_invitation(client, app, unit):
    desk = next(d for d in unit.desks if d.name == "Loket 1")
    response = client.get(f"/survey/poster/{desk.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<article class="sheet sheet-a4"') == 1
    assert "Kantor Kecamatan Cempaka Putih" in html and "Loket 1" in html
    # The invitation in both languages at once, whatever the page's language.
    assert "Bagaimana pelayanan kami?" in html and "How was our service?" in html
    assert "Pindai kode QR dengan kamera ponsel Anda dan jawab 9 pertanyaan singkat." in html
    assert "Scan the QR code with your phone camera and answer 9 short questions." in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1
    assert address(app, desk.code) in html
    # Print CSS, a print button for JavaScript to reveal, and the PDF of the same page.
    assert re.search(r"/static/css/survey\.[0-9a-f]{10}\.css", html) and "data-print hidden" in html
    assert f'href="/survey/poster/{desk.code}.pdf?size=a4"' in html
    assert 'href="/survey/posters/kec-cempaka-putih?size=a4"' in html


def test_an_officer_poster_names_the_officer(client, unit):
    officer = next(o for o in unit.officers if o.name == "Siti Rahmawati")
    html = client.get(f"/survey/poster/{officer.code}?size=a5").get_data(as_text=True)
    assert "Siti Rahmawati" in html and "Pengadministrasi Umum" in html
    # A table tent: two faces on one sheet, the upper one upside down.
    assert html.count('<article class="sheet sheet-a5"') == 1
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2 and "poster-upside-down" in html
    # A table card: one face, the right way up.
    card = client.get(f"/survey/poster/{officer.code}?size=a6").get_data(as_text=True)
    assert card.count('<article class="sheet sheet-a6"') == 1
    assert card.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1 and "poster-upside-down" not in card


def test_the_unit_page_prints_every_poster_of_the_unit_at_once(client, app, unit):
    html = client.get("/survey/posters/kec-cempaka-putih").get_data(as_text=True)
    codes = re.findall(r'<article class="sheet sheet-a4" data-code="([a-z0-9]+)"', html)
    active = sorted((d for d in unit.desks if d.active), key=lambda d: d.name)
    officers = sorted((o for o in unit.officers if o.active), key=lambda o: o.name)
    assert codes == [d.code for d in active] + [o.code for o in officers]
    assert "Loket Tutup" not in html and "Pensiunan" not in html and "Loket Kantor Lain" not in html
    assert 'href="/survey/posters/kec-cempaka-putih.pdf?size=a4"' in html
    a6 = client.get("/survey/posters/kec-cempaka-putih?size=a6").get_data(as_text=True)
    assert a6.count('<article class="sheet sheet-a6"') == 4 and 'aria-current="page"' in a6


def test_poster_pages_refuse_unknown_units_codes_and_sizes(client, unit):
    assert client.get("/survey/posters/no-such-unit").status_code == 404
    assert client.get("/survey/posters/no-such-unit.pdf").status_code == 404
    assert client.get("/survey/poster/zzzzzzzzzz").status_code == 404
    assert client.get("/survey/posters/kec-cempaka-putih?size=a3").status_code == 400
    assert client.get(f"/survey/poster/{unit.desks[0].code}.pdf?size=letter").status_code == 400


def test_the_survey_index_links_every_units_posters(client, unit):
    html = client.get("/survey/").get_data(as_text=True)
    assert "Kantor Kecamatan Cempaka Putih" in html
    assert 'href="/survey/posters/kec-cempaka-putih?size=a4"' in html
    assert 'href="/survey/posters/kec-cempaka-putih?size=a6"' in html
    assert 'href="/survey/posters/kec-cempaka-putih?size=a5"' in html
    # Staff material: the admin area's menu leads there (the start page is for citizens too).
    assert 'href="/survey/"' in client.get("/admin/").get_data(as_text=True)


# --- PDFs -----------------------------------------------------------------------------------------


def test_a_posters_pdf_renders_and_its_qr_code_leads_to_the_right_address(client, app, unit):
    desk = next(d for d in unit.desks if d.name == "Loket 1")
    response = client.get(f"/survey/poster/{desk.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="poster-{desk.code}-a4.pdf"'
    assert response.data.startswith(b"%PDF-")
    assert pdf_info(response.data) == (1, (210, 297))  # one A4 page
    assert pdf_pages(response.data) == [[address(app, desk.code)]]


def test_a_table_tents_pdf_has_two_faces_that_both_scan(client, app, unit):
    officer = next(o for o in unit.officers if o.name == "Budi Santoso")
    response = client.get(f"/survey/poster/{officer.code}.pdf?size=a5")
    assert response.status_code == 200
    assert pdf_info(response.data) == (1, (148, 210))  # two A6 faces on one A5 sheet
    assert pdf_pages(response.data) == [[address(app, officer.code)] * 2]


def test_the_units_pdf_has_one_page_per_poster_each_with_its_own_code(client, app, unit):
    response = client.get("/survey/posters/kec-cempaka-putih.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="poster-kec-cempaka-putih-a4.pdf"'
    active = sorted((d for d in unit.desks if d.active), key=lambda d: d.name)
    officers = sorted((o for o in unit.officers if o.active), key=lambda o: o.name)
    expected = [[address(app, row.code)] for row in [*active, *officers]]
    assert pdf_pages(response.data, dpi=100) == expected


def test_without_weasyprint_the_pdf_link_explains_itself(client, unit, monkeypatch):
    def unavailable(html):
        raise survey_pdf.PdfUnavailable("libpango-1.0.so.0: cannot open shared object file")

    monkeypatch.setattr("survey.views.render_pdf", unavailable)
    response = client.get(f"/survey/poster/{unit.desks[0].code}.pdf")
    assert response.status_code == 503
    assert "Gunakan tombol Cetak" in response.get_data(as_text=True)


def test_rendering_a_pdf_fetches_nothing_but_the_apps_own_static_files(app):
    fetcher = survey_pdf._static_only_fetcher("/static", app.static_folder, "localhost")
    css = fetcher.fetch("http://localhost/static/css/survey.css")
    assert b".poster-a4" in css.read() and css.content_type == "text/css"
    css.close()
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/s/abc",
        "http://localhost/static/../app.py",
        "file:///etc/passwd",
        "http://localhost/static/nope.css",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# --- The one-time code, as the kiosk shows it ------------------------------------------------------


def test_the_one_time_code_panel_scans_to_the_one_time_address(app, unit):
    from flask import render_template, url_for

    officer = next(o for o in unit.officers if o.active)
    start_duty(unit.desks[0], officer, datetime.now(timezone.utc) - timedelta(minutes=5))
    code = issue_service_code(officer, unit.desks[0], now=datetime.now(timezone.utc) - timedelta(minutes=1))
    db.session.commit()
    service_code = db.session.scalar(sa.select(ServiceCode))
    with app.test_request_context("/", base_url="http://localhost"):
        panel = render_template("survey/_service_code.html", service_code=service_code, bilingual=True)
        stylesheet = url_for("static", filename="css/survey.css")
        page = (
            f'<!doctype html><html><head><link rel="stylesheet" href="{stylesheet}"></head><body>{panel}</body></html>'
        )
        pdf = survey_pdf.render_pdf(page)
    assert pdf_pages(pdf) == [[address(app, code.code)]]
