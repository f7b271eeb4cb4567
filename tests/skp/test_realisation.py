"""The officer's realisation of each work-result row with its evidence (issue 15, item 3), by role:
only the officer of the SKP records it (her appraiser and other officers are refused, and the
database stays as it was); the evidence file is checked by its bytes and its size, a link by its
scheme; a bound row takes no typed figure; a closed or draft period, or an SKP not agreed,
refuses every change; an evidence file is downloaded, never shown inline, by who may see the SKP."""

import hashlib
import io
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from appraisal.models import PeriodStatus
from core.db import db
from org.models import Role
from skp.models import EvidenceFile, Measure, Realisation
from skp.realisation import EVIDENCE_MAX_BYTES, Upload, check_upload, clean_name, clean_url, sniff
from tests.core.test_body_limits import Body
from tests.core.test_body_limits import send as send_body
from tests.factories import (
    audit_entries,
    csrf,
    make_line,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
    text,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
EXE = b"MZ\x90\x00" + b"\x00" * 60


def office_file(kind: str, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml" if kind == "xlsx" else "word/document.xml", "<x/>")
        if macro:
            archive.writestr("xl/vbaProject.bin", b"\x00")
    return buffer.getvalue()


@pytest.fixture
def plan(ctx):
    """An officer's agreed SKP with a typed row and a bound row, her appraiser (by the reporting
    line) and another officer of the unit, each with an account, in an open period of the year."""
    unit = make_unit()
    officer = make_officer(unit=unit)
    boss = make_officer(unit=unit, name="Kepala Seksi")
    other = make_officer(unit=unit)
    make_line(officer, boss)
    period = make_period()
    skp = make_skp(officer, year=period.starts_on.year)
    typed = make_result(skp)
    bound = make_result(skp, description="Kepuasan warga", measure=Measure.SERVICES_RATED, target=Decimal("50"))
    return {
        "unit": unit,
        "period": period,
        "skp": skp,
        "typed": typed,
        "bound": bound,
        "officer": make_user(Role.OFFICER, officer=officer),
        "appraiser": make_user(Role.SUPERVISOR, unit=unit, officer=boss),
        "other": make_user(Role.OFFICER, officer=other),
    }


def url(plan, row=None, period=None) -> str:
    row = row or plan["typed"]
    period = period or plan["period"]
    return f"/admin/skp/{plan['skp'].id}/periods/{period.id}/results/{row.id}/realisation"


def send(client, plan, data, row=None, htmx=True, period=None):
    return post(client, url(plan, row, period), data, htmx=htmx, content_type="multipart/form-data")


def stored() -> tuple[list, int]:
    db.session.expire_all()
    rows = [
        (r.result_id, r.achieved, r.note, r.evidence_url, r.evidence_file_id)
        for r in db.session.scalars(sa.select(Realisation))
    ]
    return rows, db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile))


# --- The officer records ------------------------------------------------------------------------------


def test_the_officer_records_a_figure_with_a_file_and_downloads_it(client, plan):
    sign_in(client, plan["officer"])
    client.set_cookie("lang", "en")
    response = send(
        client,
        plan,
        {"achieved": "42,5", "note": "Antrian pagi", "evidence_url": "", "upload": (io.BytesIO(PDF), "laporan.pdf")},
    )
    assert response.status_code == 200, text(response)
    assert response.headers["HX-Trigger"] == "realisation-recorded"
    page = text(response)
    assert f'id="realisation-{plan["typed"].id}"' in page and "42.5" in page and "laporan.pdf" in page
    db.session.expire_all()
    realisation = db.session.scalar(sa.select(Realisation))
    assert realisation.achieved == Decimal("42.50") and realisation.note == "Antrian pagi"
    assert realisation.period_id == plan["period"].id and realisation.recorded_by == plan["officer"].id
    evidence = realisation.evidence_file
    assert (evidence.name, evidence.mime, evidence.size) == ("laporan.pdf", "application/pdf", len(PDF))
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    [entry] = audit_entries(entity="skp_realisation")
    assert (
        entry.action == "create" and entry.after["achieved"] == "42.5" and "laporan.pdf" in entry.after["evidence_file"]
    )

    download = client.get(f"/admin/skp/{plan['skp'].id}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "laporan.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    assert "no-store" in download.headers["Cache-Control"]


def test_a_plain_form_goes_back_to_the_evaluation_page(client, plan):
    sign_in(client, plan["officer"])
    response = send(client, plan, {"achieved": "7", "evidence_url": "https://drive.example.id/bukti"}, htmx=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/admin/skp/{plan['skp'].id}/periods/{plan['period'].id}#realisation-{plan['typed'].id}"
    )
    rows, files = stored()
    assert rows == [(plan["typed"].id, Decimal("7.00"), "", "https://drive.example.id/bukti", None)] and files == 0


def test_changing_a_realisation_replaces_the_file_and_logs_only_what_changed(client, plan):
    sign_in(client, plan["officer"])
    client.set_cookie("lang", "en")
    send(client, plan, {"achieved": "10", "upload": (io.BytesIO(PNG), "foto.png")})
    send(client, plan, {"achieved": "10", "upload": (io.BytesIO(office_file("xlsx")), "rekap.xlsx")})
    db.session.expire_all()
    realisation = db.session.scalar(sa.select(Realisation))
    assert realisation.evidence_file.name == "rekap.xlsx"
    assert realisation.evidence_file.mime.endswith("spreadsheetml.sheet")
    entries = audit_entries(entity="skp_realisation")
    assert [e.action for e in entries] == ["create", "update"]
    assert set(entries[1].after) == {"evidence_file"} and "foto.png" in entries[1].before["evidence_file"]
    # The same values again: nothing changes, nothing is logged.
    send(client, plan, {"achieved": "10"})
    assert len(audit_entries(entity="skp_realisation")) == 2
    # Taking the file off.
    send(client, plan, {"achieved": "10", "remove_file": "1"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(Realisation)).evidence_file_id is None


def test_a_bound_row_takes_a_note_and_evidence_but_no_typed_figure(client, plan):
    sign_in(client, plan["officer"])
    before = stored()
    refused(
        client,
        url(plan, plan["bound"]),
        lambda: {"achieved": "99", "note": "x"},
        None,  # a bound row has no figure to type: the message stands above its form
        "This row is bound to a figure the product measures",
        "Baris ini terikat pada angka yang diukur produk",
        content_type="multipart/form-data",
    )
    assert stored() == before and audit_entries() == []
    client.set_cookie("lang", "en")
    ok = send(client, plan, {"note": "Lihat laporan", "evidence_url": "https://contoh.go.id/skm"}, row=plan["bound"])
    assert ok.status_code == 200
    assert "Measured by the product" in text(ok)
    rows, _ = stored()
    assert rows == [(plan["bound"].id, None, "Lihat laporan", "https://contoh.go.id/skm", None)]


# --- Refusals by role ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["appraiser", "other"])
def test_only_the_officer_records(client, plan, who):
    sign_in(client, plan[who])
    before = stored()
    for htmx in (True, False):
        response = send(client, plan, {"achieved": "100", "upload": (io.BytesIO(PDF), "x.pdf")}, htmx=htmx)
        assert response.status_code == 403
    assert stored() == before and audit_entries() == []


def test_an_evidence_file_is_only_for_who_may_see_the_skp(client, plan):
    sign_in(client, plan["officer"])
    send(client, plan, {"achieved": "1", "upload": (io.BytesIO(JPEG), "a.jpg")})
    file_id = db.session.scalar(sa.select(EvidenceFile.id))
    path = f"/admin/skp/{plan['skp'].id}/evidence/{file_id}"
    sign_in(client, plan["appraiser"])
    assert client.get(path).status_code == 200
    sign_in(client, plan["other"])
    assert client.get(path).status_code == 403
    # Another SKP's file is not reachable through this SKP, even by its own officer.
    other_skp = make_skp(db.session.get(type(plan["skp"].officer), plan["other"].officer_id), year=plan["skp"].year)
    assert client.get(f"/admin/skp/{other_skp.id}/evidence/{file_id}").status_code == 404
    assert client.get(f"/admin/skp/{plan['skp'].id}/evidence/{file_id + 1000}").status_code == 403


# --- Bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "english", "indonesian"),
    [
        (
            lambda: {"achieved": "5", "upload": (io.BytesIO(PNG), "laporan.pdf")},
            "upload",
            "The evidence must be a PDF",
            "Bukti harus berupa PDF",
        ),
        (
            lambda: {"achieved": "5", "upload": (io.BytesIO(EXE), "laporan.pdf")},
            "upload",
            "The evidence must be a PDF",
            "Bukti harus berupa PDF",
        ),
        (
            lambda: {"achieved": "5", "upload": (io.BytesIO(office_file("xlsx", macro=True)), "rekap.xlsx")},
            "upload",
            "The evidence must be a PDF",
            "Bukti harus berupa PDF",
        ),
        (
            lambda: {"achieved": "5", "evidence_url": "javascript:alert(document.cookie)"},
            "evidence_url",
            "A link starts with http:// or https://",
            "Tautan diawali http:// atau https://",
        ),
        (
            lambda: {"achieved": "1.000"},
            "achieved",
            "Enter a number of at least 0 with at most two decimals",
            "Isi angka paling kecil 0 dengan paling banyak dua desimal",
        ),
        (lambda: {"achieved": "-3"}, "achieved", "Enter a number of at least 0", "Isi angka paling kecil 0"),
        (lambda: {"note": "tanpa angka"}, "achieved", "This field is required.", "Kolom ini wajib diisi."),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_is_stored(client, plan, data, field, english, indonesian):
    sign_in(client, plan["officer"])
    before = stored()
    refused(
        client,
        url(plan),
        data,
        f"realisation-{plan['typed'].id}-{field}",
        english,
        indonesian,
        content_type="multipart/form-data",
    )
    assert stored() == before and audit_entries() == []


def test_a_file_past_its_limit_is_refused_with_the_forms_message(client, plan):
    sign_in(client, plan["officer"])
    for lang, message, htmx in (
        ("en", "The evidence file is too large: at most 5 MB.", True),
        ("id", "Berkas bukti terlalu besar: paling banyak 5 MB.", False),
    ):
        client.set_cookie("lang", lang)
        token = csrf(client)
        fields = {"achieved": "5", "upload": FileStorage(io.BytesIO(b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES), "besar.pdf")}
        if not htmx:
            fields["csrf_token"] = token
        # Encoded in memory: the test client would spool a body this large to a file it never closes.
        body, length, boundary = stream_encode_multipart(fields, use_tempfile=False)
        response = client.post(
            url(plan),
            input_stream=body,
            content_length=length,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={"X-CSRFToken": token, "HX-Request": "true"} if htmx else {},
        )
        assert response.status_code == 422 and message in text(response), lang
        assert f'id="realisation-{plan["typed"].id}-upload-error"' in text(response)
    assert stored() == ([], 0) and audit_entries() == []


def test_a_body_past_the_routes_limit_is_refused_before_it_is_read(client, plan):
    sign_in(client, plan["officer"])
    body = Body(7 * 1024 * 1024)
    response = send_body(
        client, url(plan), body, "multipart/form-data; boundary=x", headers={"X-CSRFToken": csrf(client)}
    )
    assert response.status_code == 413 and body.read_bytes == 0
    assert stored() == ([], 0)


@pytest.mark.parametrize(
    ("status", "code", "english"),
    [
        (PeriodStatus.CLOSED, 409, "This period is closed"),
        (PeriodStatus.DRAFT, 409, "This period has not been opened yet."),
    ],
)
def test_a_period_that_is_not_open_refuses(client, plan, status, code, english):
    period = plan["period"]
    period.status = status
    db.session.commit()
    sign_in(client, plan["officer"])
    client.set_cookie("lang", "en")
    response = send(client, plan, {"achieved": "5"})
    assert response.status_code == code and english in text(response)
    assert stored() == ([], 0)


def test_an_skp_not_agreed_and_a_period_of_another_year_refuse(client, plan):
    sign_in(client, plan["officer"])
    client.set_cookie("lang", "en")
    skp = plan["skp"]
    later = make_period(
        starts_on=plan["period"].starts_on + timedelta(days=400), ends_on=plan["period"].ends_on + timedelta(days=400)
    )
    assert send(client, plan, {"achieved": "5"}, period=later).status_code == 404
    skp.status = type(skp.status)("draft")
    db.session.commit()
    response = send(client, plan, {"achieved": "5"})
    assert response.status_code == 409 and "The SKP is not agreed yet" in text(response)
    assert stored() == ([], 0)


def test_a_row_of_another_skp_is_not_found(client, plan):
    stranger = make_skp(make_officer(), year=plan["skp"].year)
    foreign = make_result(stranger)
    sign_in(client, plan["officer"])
    assert send(client, plan, {"achieved": "5"}, row=foreign).status_code == 404
    assert stored() == ([], 0)


# --- The checks themselves --------------------------------------------------------------------------------


def test_the_file_type_comes_from_its_bytes_and_must_match_its_name():
    assert [sniff(data) for data in (PDF, PNG, JPEG, EXE, office_file("xlsx"), office_file("docx"))] == [
        "pdf",
        "png",
        "jpeg",
        None,
        "xlsx",
        "docx",
    ]
    assert sniff(b"PK\x03\x04 not a zip") is None
    assert check_upload(Upload("scan.JPG", JPEG)) == ("scan.JPG", "image/jpeg")
    assert check_upload(Upload("C:\\Users\\ani\\nota.docx", office_file("docx")))[0] == "nota.docx"
    assert clean_name("../../etc/\x00passwd.pdf") == "passwd.pdf"
    assert len(clean_name("a" * 300 + ".pdf")) == 200 and clean_name("a" * 300 + ".pdf").endswith(".pdf")


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "ftp://x.id/a",
        "http://",
        "https://a b.id",
        "//x.id",
    ],
)
def test_a_link_is_http_or_https_to_a_host(link):
    from core.errors import Invalid

    with pytest.raises(Invalid):
        clean_url(link)


def test_a_good_link_is_kept_as_typed():
    assert clean_url("  https://drive.example.id/file?id=1  ") == "https://drive.example.id/file?id=1"
    assert clean_url("") is None
    with pytest.raises(Exception, match="invalid"):
        clean_url("https://x.id/" + "a" * 500)
