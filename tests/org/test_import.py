"""Bulk import of officers from CSV and XLSX: all or nothing, each bad row by line number,
progress kept in the database so any server process can take the next step."""

import io
import re

import pytest
import sqlalchemy as sa

from core.db import db
from core.errors import AccessDenied, AdminError, Invalid
from org.models import ImportJob, Officer, Role
from org.officers import _import_all, fail_import, import_step, read_rows, start_import
from tests.factories import audit_entries, make_officer, make_unit, make_user, post, sign_in, text, valid_nip


def csv_file(rows, header="nip,name,position,unit", sep=",") -> bytes:
    return ("\n".join([header] + [sep.join(row) for row in rows]) + "\n").encode()


def xlsx_file(rows, header=("nip", "name", "position", "unit")) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, filename: str, htmx=True, **form):
    return post(
        client,
        "/admin/officers/import",
        {"file": (io.BytesIO(data), filename), **form},
        htmx=htmx,
        content_type="multipart/form-data",
    )


def test_the_import_page_full_and_partial(client, admin):
    page = client.get("/admin/officers/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in text(page) and "<html" in text(page)


def test_a_valid_csv_is_imported_at_once(client, admin, counter):
    unit = make_unit(code="kec-satu")
    spaced = valid_nip()
    rows = [
        (f"{spaced[:8]} {spaced[8:14]} {spaced[14]} {spaced[15:]}", "Siti Rahmawati", "Analis", "kec-satu"),
        (valid_nip(gender=2), "Dewi Lestari", "", "KEC-SATU"),
    ]
    response = upload(client, csv_file(rows), "pegawai.csv")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "officers-imported"
    assert "Officers imported: 2." in text(response) and 'id="import-job"' in text(response)
    officers = db.session.scalars(sa.select(Officer).order_by(Officer.name)).all()
    assert [(o.name, o.unit_id, o.active, o.pin_hash) for o in officers] == [
        ("Dewi Lestari", unit.id, True, None),
        ("Siti Rahmawati", unit.id, True, None),
    ]
    job = db.session.scalar(sa.select(ImportJob))
    assert (job.status, job.total, job.checked, job.imported) == ("done", 2, 2, 2)
    assert [e.action for e in audit_entries()] == ["create", "create", "import"]


def test_one_bad_row_refuses_the_whole_file_with_line_numbers(client, admin, counter):
    make_unit(code="kec-satu")
    existing = make_officer()
    good = valid_nip()
    rows = [
        (good, "Baik", "", "kec-satu"),
        ("12345", "NIP pendek", "", "kec-satu"),  # line 3
        (good, "Duplikat", "", "kec-satu"),  # line 4
        (valid_nip(), "", "", "kec-satu"),  # line 5
        (valid_nip(), "Unit salah", "", "kec-entah"),  # line 6
        (existing.nip, "Sudah ada", "", "kec-satu"),
    ]  # line 7
    response = upload(client, csv_file(rows), "pegawai.csv")
    assert response.status_code == 200
    html = text(response)
    assert "Nothing was imported. Problems in the file: 5." in html
    for line, reason in [
        (3, "exactly 18 digits"),
        (4, "also on line 2"),
        (5, "This field is required."),
        (6, "Unknown unit code kec-entah"),
        (7, "Another officer already has this NIP"),
    ]:
        assert re.search(rf"Line {line}: [^<]*{re.escape(reason)}", html), (line, reason)
    assert "Line 2:" not in html
    assert counter(Officer) == 1 and "HX-Trigger" not in response.headers
    assert db.session.scalar(sa.select(ImportJob.status)) == "refused"


def test_xlsx_with_indonesian_headers_and_a_default_unit(client, admin, counter):
    unit = make_unit()
    rows = [(valid_nip(), "Andi Baso", "Operator"), (valid_nip(), "Nurhayati", "Verifikator")]
    response = upload(client, xlsx_file(rows, header=("NIP", "Nama", "Jabatan")), "pegawai.xlsx", unit_id=unit.id)
    assert "Officers imported: 2." in text(response)
    assert {o.unit_id for o in db.session.scalars(sa.select(Officer))} == {unit.id}


def test_a_nip_stored_as_a_number_in_excel_is_explained(client, admin, counter):
    unit = make_unit()
    response = upload(
        client,
        xlsx_file([(1.9860926201505101e17, "Angka", "")], header=("nip", "name", "position")),
        "pegawai.xlsx",
        unit_id=unit.id,
    )
    assert "Line 2:" in text(response) and "format the NIP column as Text" in text(response)
    assert counter(Officer) == 0


def test_semicolon_csv_from_an_indonesian_excel(client, admin, counter):
    make_unit(code="kec-dua")
    response = upload(
        client,
        csv_file([(valid_nip(), "Rina", "Analis", "kec-dua")], header="nip;nama;jabatan;kode unit", sep=";"),
        "pegawai.csv",
    )
    assert "Officers imported: 1." in text(response)
    assert db.session.scalar(sa.select(Officer.name)) == "Rina"


@pytest.mark.parametrize(
    "data,filename,message",
    [
        (b"", "pegawai.csv", "Choose a CSV or XLSX file."),
        (b"nip,name\n", "pegawai.csv", "no officers in it"),
        (b"nomor,nama lengkap\n1,2\n", "pegawai.csv", "missing: nip, name"),
        (b"PK\x03\x04 broken", "pegawai.xlsx", "could not be read"),
        (b"%PDF-1.4", "pegawai.pdf", "CSV (.csv) or Excel (.xlsx)"),
    ],
)
def test_an_unreadable_file_is_refused_at_once(client, admin, counter, data, filename, message):
    response = upload(client, data, filename)
    assert response.status_code == 422 and message in text(response)
    assert 'id="import-form"' in text(response) and 'aria-invalid="true"' in text(response)
    assert counter(ImportJob) == 0 and counter(Officer) == 0


def test_a_long_file_shows_progress_and_goes_on_in_steps(app, client, admin, counter):
    make_unit(code="kec-besar")
    app.config["ADMIN_IMPORT_CHUNK"] = 2
    try:
        rows = [(valid_nip(), f"Petugas {i}", "", "kec-besar") for i in range(5)]
        response = upload(client, csv_file(rows), "besar.csv")
        html = text(response)
        assert '<progress id="import-progress" max="5" value="2">' in html
        job = db.session.scalar(sa.select(ImportJob))
        assert f'hx-post="/admin/officers/import/{job.id}/step"' in html and 'hx-trigger="load delay:100ms' in html
        assert counter(Officer) == 0  # nothing before every row is checked
        step = post(client, f"/admin/officers/import/{job.id}/step", htmx=True)
        assert 'value="4"' in text(step) and "HX-Trigger" not in step.headers
        full_page = client.get(f"/admin/officers/import/{job.id}")
        assert "<html" in text(full_page) and 'value="4"' in text(full_page)
        last = post(client, f"/admin/officers/import/{job.id}/step", htmx=True)
        assert "Officers imported: 5." in text(last) and last.headers["HX-Trigger"] == "officers-imported"
        assert counter(Officer) == 5
        again = post(client, f"/admin/officers/import/{job.id}/step", htmx=True)  # a late poll changes nothing
        assert "Officers imported: 5." in text(again) and counter(Officer) == 5
    finally:
        app.config.pop("ADMIN_IMPORT_CHUNK")


def test_without_javascript_the_upload_redirects_to_the_job(client, admin):
    make_unit(code="kec-x")
    response = upload(client, csv_file([(valid_nip(), "Tanpa JS", "", "kec-x")]), "a.csv", htmx=False)
    job = db.session.scalar(sa.select(ImportJob))
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/officers/import/{job.id}"


def test_a_supervisor_imports_into_their_own_unit_only(client, ctx, counter):
    own, other = make_unit(code="milik"), make_unit(code="lain")
    supervisor = make_user(Role.SUPERVISOR, unit=own)
    sign_in(client, supervisor)
    client.set_cookie("lang", "en")
    refused = upload(client, csv_file([(valid_nip(), "Ke unit lain", "", "lain")]), "a.csv")
    assert "lain is not your unit" in text(refused) and counter(Officer) == 0
    response = upload(client, csv_file([(valid_nip(), "Tanpa unit", "", "")]), "b.csv", unit_id=other.id)
    assert "Officers imported: 1." in text(response)
    assert db.session.scalar(sa.select(Officer.unit_id)) == own.id  # the form's unit is ignored: always their own
    jobs = db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id)).all()
    other_admin_job = ImportJob(
        user_id=make_user(Role.ADMIN).id, unit_id=other.id, filename="x.csv", total=0, rows=[], errors=[]
    )
    db.session.add(other_admin_job)
    db.session.commit()
    assert client.get(f"/admin/officers/import/{other_admin_job.id}").status_code == 403
    assert client.get(f"/admin/officers/import/{jobs[0].id}").status_code == 200


def test_a_nip_taken_between_steps_refuses_the_file(ctx, counter):
    admin = make_user(Role.ADMIN)
    unit = make_unit(code="kec-race")
    nip = valid_nip()
    job = start_import(admin, "race.csv", csv_file([(valid_nip(), "A", "", "kec-race"), (nip, "B", "", "kec-race")]))
    import_step(admin, job, chunk=1)
    db.session.commit()
    make_officer(unit=unit, nip=nip)  # someone else adds B meanwhile
    job = import_step(admin, db.session.get(ImportJob, job.id), chunk=1)
    db.session.commit()
    assert job.status == "refused" and job.errors[0]["line"] == 3 and job.errors[0]["code"] == "nip_taken"
    assert counter(Officer) == 1


def test_a_nip_taken_at_the_very_last_moment_imports_nothing(ctx, counter):
    admin = make_user(Role.ADMIN)
    unit = make_unit(code="kec-race")
    taken = make_officer(unit=unit)
    job = start_import(admin, "race.csv", csv_file([(valid_nip(), "A", "", "kec-race")]))
    db.session.commit()
    rows = [
        {"n": valid_nip(), "name": "A", "position": "", "u": unit.id},
        {"n": taken.nip, "name": "B", "position": "", "u": unit.id},
    ]
    with pytest.raises(AdminError) as error:
        _import_all(admin, job, rows, job.created_at)
    assert error.value.code == "import_conflict" and error.value.params == {"nip": taken.nip}
    db.session.rollback()
    fail_import(db.session.get(ImportJob, job.id), error.value)
    db.session.commit()
    assert counter(Officer) == 1 and db.session.scalar(sa.select(ImportJob.status)) == "failed"


def test_read_rows_skips_blank_lines_and_counts_them():
    rows = read_rows("a.csv", b"nip,name\n\n198609262015051001,Siti\n,\n")
    assert rows == [{"line": 3, "nip": "198609262015051001", "name": "Siti", "position": "", "unit": ""}]
    with pytest.raises(Invalid):
        read_rows("a.csv", b"nip,name\n" + b"198609262015051001,X\n" * 3, max_rows=2)


def test_a_file_with_nul_bytes_is_refused_as_unreadable():
    # A binary file under a .csv name: PostgreSQL could not store its text, so it never gets that far.
    from core.errors import Invalid
    from org.officers import read_rows

    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.csv", b"nip,nama,jabatan\n19860926201505 1 001,Budi\x00,Analis\n")
    assert refused.value.fields["file"][0] == "file_unreadable"


# --- Files and choices that once answered with a server error ----------------------------------------


def broken_xlsx() -> bytes:
    """A workbook whose zip and parts are whole but whose sheet's XML is cut off: openpyxl opens
    it, and fails only while reading the rows."""
    import zipfile

    whole = zipfile.ZipFile(io.BytesIO(xlsx_file([(valid_nip(), "Siti", "", "")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for item in whole.infolist():
            data = whole.read(item.filename)
            broken.writestr(item, data[: len(data) // 2] if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data,filename,reason",
    [
        (b"nip,name\n198609262015051001,Ni\x81man\n", "pegawai.csv", "UnicodeDecodeError"),  # neither UTF-8 nor cp1252
        (broken_xlsx(), "pegawai.xlsx", "ParseError"),
    ],
)
def test_a_file_that_breaks_while_read_is_refused_as_unreadable(client, admin, counter, data, filename, reason):
    make_unit()
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert f"This file could not be read: {reason}" in text(response) and 'id="import-form"' in text(response)
    assert counter(ImportJob) == 0 and counter(Officer) == 0


def test_an_unknown_unit_for_rows_without_one_is_refused_beside_its_field(client, admin, counter):
    response = upload(client, csv_file([(valid_nip(), "Tanpa unit", "", "")]), "a.csv", unit_id=987654)
    assert response.status_code == 422
    assert re.search(r'id="import-unit_id"[^>]*aria-invalid="true"', text(response))
    assert "Choose a unit from the list." in text(response)
    assert counter(ImportJob) == 0 and counter(Officer) == 0


def test_a_colleague_of_the_unit_follows_an_import_and_others_may_not(app, client, ctx, counter):
    unit, other = make_unit(code="bersama"), make_unit(code="lain")
    starter, colleague = make_user(Role.SUPERVISOR, unit=unit), make_user(Role.SUPERVISOR, unit=unit)
    stranger = make_user(Role.SUPERVISOR, unit=other)
    client.set_cookie("lang", "en")
    app.config["ADMIN_IMPORT_CHUNK"] = 1
    try:
        sign_in(client, starter)
        upload(client, csv_file([(valid_nip(), f"Petugas {i}", "", "") for i in range(3)]), "tiga.csv")
        job = db.session.scalar(sa.select(ImportJob))
        assert (job.status, job.checked) == ("checking", 1)

        sign_in(client, stranger)
        assert client.get(f"/admin/officers/import/{job.id}").status_code == 403
        assert post(client, f"/admin/officers/import/{job.id}/step", htmx=True).status_code == 403
        assert db.session.get(ImportJob, job.id).checked == 1
        with pytest.raises(AccessDenied):
            import_step(stranger, db.session.get(ImportJob, job.id))

        sign_in(client, colleague)
        page = client.get(f"/admin/officers/import/{job.id}")
        assert page.status_code == 200 and f'hx-post="/admin/officers/import/{job.id}/step"' in text(page)
        assert 'value="2"' in text(post(client, f"/admin/officers/import/{job.id}/step", htmx=True))
        last = post(client, f"/admin/officers/import/{job.id}/step", htmx=True)
        assert last.status_code == 200 and "Officers imported: 3." in text(last)
        assert counter(Officer) == 3
    finally:
        app.config.pop("ADMIN_IMPORT_CHUNK")
