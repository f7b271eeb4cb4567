"""The SIASN export of a period's periodic results (skp.siasn, admin.skp.siasn_export): its
columns exactly, its values, signed evaluations only, no formula in a spreadsheet, the JSON's
shape, and who may download which units."""

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from appraisal.models import PeriodStatus
from core.db import db
from org.models import Role
from skp.siasn import COLUMNS
from tests.factories import make_evaluation, make_line, make_officer, make_period, make_unit, make_user, sign_in

HEADER = [
    "nip",
    "nama",
    "unit_kerja",
    "tahun",
    "bulan_mulai",
    "bulan_selesai",
    "hasil_kerja",
    "perilaku_kerja",
    "predikat",
    "penilai_nip",
    "penilai_nama",
    "penilai_golongan",
    "penilai_jabatan",
    "penilai_unit_kerja",
    "penilai_asn",
    "status_evaluasi",
    "dokumen_evaluasi_url",
]


@pytest.fixture
def office(ctx, app):
    class Office:
        pass

    o = Office()
    o.period = make_period(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), name="Triwulan IV 2026")
    o.unit = make_unit(name="Kecamatan Sukamaju", code="sukamaju")
    o.other = make_unit(name="Kecamatan Lain", code="lain")
    o.head = make_officer(unit=o.unit, name="Budi Camat", rank="IV/a", position="Camat")
    o.sari = make_officer(unit=o.unit, name="Sari Petugas", position="Pengadministrasi")
    o.dewi = make_officer(unit=o.unit, name="Dewi Petugas")
    o.tono = make_officer(unit=o.unit, name="Tono Petugas")
    o.lain = make_officer(unit=o.other, name="Lain Petugas")
    for officer in (o.sari, o.dewi, o.tono):
        make_line(officer, o.head)
    o.sari_eval = make_evaluation(o.sari, o.period, "sangat_baik", status="acknowledged", appraiser=o.head)
    make_evaluation(o.dewi, o.period, "butuh_perbaikan", status="signed", appraiser=o.head)
    make_evaluation(o.tono, o.period, None, status="draft")  # not signed: not exported
    make_evaluation(o.lain, o.period, "baik", status="decided", appraiser=o.head)
    o.admin = make_user(Role.ADMIN)
    o.supervisor = make_user(Role.SUPERVISOR, unit=o.unit)
    o.officer_user = make_user(Role.OFFICER, officer=o.sari)
    app.config["PUBLIC_BASE_URL"] = "https://kinerja.example.go.id/"
    yield o
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:8000"


def url(o, fmt, unit=None):
    return f"/admin/skp/periods/{o.period.id}/siasn.{fmt}" + (f"?unit={unit.id}" if unit else "")


def csv_rows(answer) -> list[list[str]]:
    body = answer.data.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_columns_are_siasns(office):
    assert list(COLUMNS) == HEADER


def test_the_csv_has_every_signed_result_with_its_values(client, office):
    o = office
    sign_in(client, o.admin)
    answer = client.get(url(o, "csv"))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="siasn-kinerja-20261001.csv"'
    header, *rows = csv_rows(answer)
    assert header == HEADER
    by_name = {row[1]: dict(zip(HEADER, row, strict=True)) for row in rows}
    assert list(by_name) == ["Lain Petugas", "Dewi Petugas", "Sari Petugas"]  # by unit, then name
    sari = by_name["Sari Petugas"]
    assert sari == {
        "nip": o.sari.nip,
        "nama": "Sari Petugas",
        "unit_kerja": "Kecamatan Sukamaju",
        "tahun": "2026",
        "bulan_mulai": "10",
        "bulan_selesai": "12",
        "hasil_kerja": "di atas ekspektasi",
        "perilaku_kerja": "di atas ekspektasi",
        "predikat": "Sangat Baik",
        "penilai_nip": o.head.nip,
        "penilai_nama": "Budi Camat",
        "penilai_golongan": "IV/a",
        "penilai_jabatan": "Camat",
        "penilai_unit_kerja": "Kecamatan Sukamaju",
        "penilai_asn": "ya",
        "status_evaluasi": "acknowledged",
        "dokumen_evaluasi_url": (
            f"https://kinerja.example.go.id/admin/skp/{o.sari_eval.skp_id}/periods/{o.period.id}/document.pdf"
        ),
    }
    assert by_name["Dewi Petugas"]["predikat"] == "Butuh Perbaikan"
    assert by_name["Dewi Petugas"]["hasil_kerja"] == "di bawah ekspektasi"
    assert by_name["Dewi Petugas"]["status_evaluasi"] == "signed"
    assert "Tono Petugas" not in by_name


def test_an_administrators_appraisal_says_the_appraiser_is_no_asn(client, office):
    o = office
    o.sari_eval.appraiser_is_asn = False
    o.sari_eval.appraiser_nip = ""
    db.session.commit()
    sign_in(client, o.admin)
    rows = {row[1]: row for row in csv_rows(client.get(url(o, "csv")))[1:]}
    assert rows["Sari Petugas"][HEADER.index("penilai_asn")] == "tidak"
    assert rows["Sari Petugas"][HEADER.index("penilai_nip")] == ""


def test_the_xlsx_keeps_nips_as_text_and_names_as_typed(client, office):
    o = office
    o.sari.name = '=HYPERLINK("http://evil.example","klik")'
    o.sari_eval.appraiser_position = "+Camat"  # as copied when it was signed
    db.session.commit()
    make_evaluation(make_officer(unit=o.unit, name="@SUM(A1)"), o.period, "baik", appraiser=o.head)
    sign_in(client, o.admin)
    answer = client.get(url(o, "xlsx", o.unit))
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="siasn-kinerja-sukamaju-20261001.xlsx"'
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet.title == "Triwulan IV 2026"
    assert [cell.value for cell in sheet[1]] == HEADER
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"Dewi Petugas", "@SUM(A1)", '=HYPERLINK("http://evil.example","klik")'}
    evil = rows['=HYPERLINK("http://evil.example","klik")']
    assert evil[1].data_type == "s" and evil[1].quotePrefix
    assert rows["@SUM(A1)"][1].data_type == "s" and rows["@SUM(A1)"][1].quotePrefix
    assert evil[HEADER.index("penilai_jabatan")].value == "+Camat"
    assert evil[HEADER.index("penilai_jabatan")].quotePrefix
    for row in rows.values():
        assert isinstance(row[0].value, str) and len(row[0].value) == 18
        assert row[0].number_format == "@" and row[HEADER.index("penilai_nip")].number_format == "@"
        assert row[HEADER.index("tahun")].value == 2026


def test_the_csv_neutralises_formulas(client, office):
    o = office
    o.sari.name = "=1+2"
    o.sari_eval.appraiser_name = "-Budi"
    db.session.commit()
    sign_in(client, o.admin)
    rows = csv_rows(client.get(url(o, "csv")))[1:]
    names = {row[1] for row in rows}
    assert "'=1+2" in names
    sari = next(row for row in rows if row[1] == "'=1+2")
    assert sari[HEADER.index("penilai_nama")] == "'-Budi"


def test_the_json_shape(client, office):
    o = office
    o.sari.name = "=1+2"  # JSON is data, not a spreadsheet: kept as typed
    db.session.commit()
    sign_in(client, o.supervisor)
    answer = client.get(url(o, "json"))
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    data = json.loads(answer.data)
    assert list(data) == ["periode", "kinerja_periodik"]
    assert data["periode"] == {"nama": "Triwulan IV 2026", "mulai": "2026-10-01", "selesai": "2026-12-31"}
    records = data["kinerja_periodik"]
    assert [list(r) for r in records] == [HEADER, HEADER]
    sari = next(r for r in records if r["nip"] == o.sari.nip)
    assert sari["nama"] == "=1+2"
    assert (sari["tahun"], sari["bulan_mulai"], sari["bulan_selesai"]) == (2026, 10, 12)
    assert sari["penilai_asn"] is True
    assert sari["predikat"] == "Sangat Baik"


def test_a_supervisor_exports_her_own_unit_only(client, office):
    o = office
    sign_in(client, o.supervisor)
    answer = client.get(url(o, "csv"))
    assert answer.headers["Content-Disposition"] == 'attachment; filename="siasn-kinerja-sukamaju-20261001.csv"'
    names = {row[1] for row in csv_rows(answer)[1:]}
    assert names == {"Sari Petugas", "Dewi Petugas"}
    assert client.get(url(o, "csv", o.other)).status_code == 403


def test_an_administrator_may_pick_a_unit(client, office):
    o = office
    sign_in(client, o.admin)
    names = {row[1] for row in csv_rows(client.get(url(o, "csv", o.other)))[1:]}
    assert names == {"Lain Petugas"}


def test_officers_may_not_export(client, office):
    o = office
    sign_in(client, o.officer_user)
    for fmt in ("csv", "xlsx", "json"):
        assert client.get(url(o, fmt)).status_code == 403


def test_bad_addresses(client, office):
    o = office
    sign_in(client, o.admin)
    assert client.get(url(o, "pdf")).status_code == 404
    assert client.get(f"/admin/skp/periods/{o.period.id}/siasn.csv?unit=999999").status_code == 404
    draft = make_period(status=PeriodStatus.DRAFT, starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    assert client.get(f"/admin/skp/periods/{draft.id}/siasn.csv").status_code == 404
    assert client.get("/admin/skp/periods/999999/siasn.csv").status_code == 404
