"""The import's template (CSV and XLSX), downloaded from the import page: the header the import
reads and one example row it accepts. Uploaded as it is, it imports the example; with the
example replaced by one's officers, it imports them; emptied, it says so."""

import csv
import io

import openpyxl
import pytest
import sqlalchemy as sa

from core.db import db
from org.models import Officer, Role
from tests.factories import make_unit, make_user, post, sign_in, text, valid_nip


def upload(client, data: bytes, filename: str):
    return post(
        client,
        "/admin/officers/import",
        {"file": (io.BytesIO(data), filename)},
        htmx=True,
        content_type="multipart/form-data",
    )


def rows_of(fmt: str, data: bytes) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def with_rows(fmt: str, rows: list[list[str]]) -> bytes:
    """The template as a person saves it after editing: the same header, these rows."""
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def supervisor(client, ctx):
    unit = make_unit(code="kec-melati", name="Kecamatan Melati")
    user = make_user(Role.SUPERVISOR, unit=unit)
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return user


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_as_downloaded_imports_its_example(client, supervisor, fmt):
    page = text(client.get("/admin/officers/import"))
    assert f"/admin/officers/import/template.{fmt}" in page
    response = client.get(f"/admin/officers/import/template.{fmt}")
    assert response.status_code == 200
    assert f'filename="petugas-template.{fmt}"' in response.headers["Content-Disposition"]
    header, example = rows_of(fmt, response.data)
    assert header == ["nip", "name", "position", "unit"] and example[3] == "kec-melati"
    if fmt == "xlsx":  # the NIP column is text: Excel keeps every digit
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert sheet["A2"].number_format == "@" and sheet["A2"].data_type == "s"
    imported = upload(client, response.data, f"petugas-template.{fmt}")
    assert imported.status_code == 200 and "Officers imported: 1." in text(imported)
    [officer] = db.session.scalars(sa.select(Officer)).all()
    assert (officer.nip, officer.name, officer.unit_id) == ("198609262015052001", "Siti Rahmawati", supervisor.unit_id)
    # The next step is offered at once: the officers' accounts.
    assert "/admin/onboarding" in text(imported)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_with_the_example_replaced_imports_ones_officers(client, supervisor, fmt):
    header, _example = rows_of(fmt, client.get(f"/admin/officers/import/template.{fmt}").data)
    mine = [[valid_nip(), "Budi Santoso", "Pengolah Data", "kec-melati"], [valid_nip(gender=2), "Dewi Lestari", "", ""]]
    imported = upload(client, with_rows(fmt, [header, *mine]), f"petugas.{fmt}")
    assert "Officers imported: 2." in text(imported)
    assert sorted(db.session.scalars(sa.select(Officer.name))) == ["Budi Santoso", "Dewi Lestari"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_emptied_says_it_has_no_officers(client, supervisor, fmt):
    header, _example = rows_of(fmt, client.get(f"/admin/officers/import/template.{fmt}").data)
    refused = upload(client, with_rows(fmt, [header]), f"petugas.{fmt}")
    assert refused.status_code == 422 and "The file has no officers in it." in text(refused)


def test_an_administrators_template_names_a_unit_they_manage_and_other_formats_are_not_found(client, admin):
    make_unit(code="kec-anggrek")
    header, example = rows_of("csv", client.get("/admin/officers/import/template.csv").data)
    assert example[3] == "kec-anggrek"
    assert client.get("/admin/officers/import/template.pdf").status_code == 404


def test_an_officer_gets_no_template(client, ctx):
    sign_in(client, make_user(Role.OFFICER))
    assert client.get("/admin/officers/import/template.csv").status_code == 403
