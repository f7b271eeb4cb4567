"""Exports read back as a spreadsheet program and a CSV reader would: no cell a person typed is
ever a formula, NIPs stay text, numbers stay numbers, and any period name makes a valid sheet."""

import csv
import io

import pytest
from openpyxl import load_workbook

from appraisal.models import RatingDecision
from appraisal.scoring import Rating
from core.db import db
from org.models import Role
from reports.exports import csv_safe, formula_risk, sheet_title
from tests.factories import add_survey, add_vote, make_desk, make_officer, make_period, make_unit, make_user, sign_in

# What a hostile (or unlucky) person types into a name, a position, a unit, a period or a reason.
FORMULAS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+62 812",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    " =1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_start_is_caught(value):
    assert formula_risk(value)
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Ani", "Kantor Kecamatan", "", "1986 05 12", "(none)", "— no data", "A-1"])
def test_ordinary_text_is_left_as_typed(value):
    assert not formula_risk(value) and csv_safe(value) == value


def test_numbers_are_not_text():
    assert csv_safe(-1) == -1 and csv_safe(91.67) == 91.67 and csv_safe(None) == ""


@pytest.mark.parametrize(
    "title,expected",
    [
        ("2026/2027", "2026-2027"),
        ("a\\b:c*d?e[f]", "a-b-c-d-e-f-"),
        ("'quoted'", "quoted"),
        ("", "Sheet"),
        ("x" * 40, "x" * 31),
        ("Semester 1\x00", "Semester 1"),
    ],
)
def test_sheet_titles_are_ones_excel_accepts(title, expected):
    assert sheet_title(title) == expected


@pytest.fixture
def hostile_period(factories):
    """A period, unit, officer, service and rating reason that each begin like a formula."""
    unit = make_unit(name="-Kantor+1")
    desk = make_desk(unit=unit)
    period = make_period(min_n=2, name="=2026/2027")
    officer = make_officer(unit=unit, name='=HYPERLINK("http://evil.example","Ani")', position="@SUM(A1:A9)")
    quiet = make_officer(unit=unit, name="Budi", position="Analis")
    for face in (4, 4, 3):
        add_vote(period, desk, officer, face)
    add_vote(period, desk, quiet, 4)
    add_survey(period, desk, officer, [4, 3, 3, 3, 3, 3, 3, 3, 2])
    supervisor = make_user(Role.SUPERVISOR, unit=unit, name="+Kepala")
    db.session.add(
        RatingDecision(
            period_id=period.id,
            officer_id=officer.id,
            suggested=None,
            score=None,
            rating=Rating.SESUAI.value,
            reason="\t=cmd|' /C calc'!A0",
            decided_by=supervisor.id,
        )
    )
    db.session.commit()
    return dict(period=period, unit=unit, officer=officer, quiet=quiet, supervisor=supervisor)


def test_the_xlsx_holds_no_formula_and_keeps_what_was_typed(client, hostile_period):
    period, unit, officer = hostile_period["period"], hostile_period["unit"], hostile_period["officer"]
    sign_in(client, hostile_period["supervisor"])
    response = client.get(f"/admin/reports/{period.id}/units/{unit.id}/appraisals.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    assert sheet.title == "=2026-2027"  # "/" is refused in a sheet's title; the rest stays
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == officer.nip)
    name, position, unit_name, period_name = row[1], row[2], row[3], row[4]
    reason, decided_by = row[19], row[20]
    assert (name.value, position.value, unit_name.value, period_name.value) == (
        officer.name,
        "@SUM(A1:A9)",
        "-Kantor+1",
        "=2026/2027",
    )  # kept exactly, shown as text
    assert reason.value == "\t=cmd|' /C calc'!A0" and decided_by.value == "+Kepala"
    for cell in (name, position, unit_name, period_name, reason, decided_by):
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate  # stays text when edited
    # The NIP is a text cell formatted as text; the counts and scores are numbers.
    nip = row[0]
    assert nip.data_type == "s" and nip.number_format == "@" and len(nip.value) == 18
    assert row[9].value == 3 and row[9].data_type == "n"
    assert isinstance(row[11].value, float) and row[11].data_type == "n"
    assert not row[7].quotePrefix and not row[11].quotePrefix
    quiet = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == hostile_period["quiet"].nip)
    assert quiet[1].value == "Budi" and not quiet[1].quotePrefix


def test_the_csv_holds_no_formula_and_keeps_nips_and_numbers(client, hostile_period):
    period, unit, officer = hostile_period["period"], hostile_period["unit"], hostile_period["officer"]
    sign_in(client, hostile_period["supervisor"])
    body = client.get(f"/admin/reports/{period.id}/units/{unit.id}/appraisals.csv").data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert all(len(r) == len(rows[0]) for r in rows)
    for r in rows:
        for value in r:
            assert not value or value[0] not in "=+-@\t\r＝＋－＠", (r, value)
    row = next(r for r in rows if r[0] == officer.nip)
    assert row[1] == "'" + officer.name and row[2] == "'@SUM(A1:A9)" and row[3] == "'-Kantor+1"
    assert row[4] == "'=2026/2027" and row[19] == "'\t=cmd|' /C calc'!A0" and row[20] == "'+Kepala"
    assert len(row[0]) == 18 and row[0].isdigit()  # the NIP's 18 digits, as they are
    assert row[9] == "3" and float(row[11]) > 0  # numbers, with a decimal point
    quiet = next(r for r in rows if r[0] == hostile_period["quiet"].nip)
    assert quiet[1] == "Budi"


def test_the_skm_xlsx_of_a_hostile_period_holds_no_formula(client, hostile_period):
    period, unit = hostile_period["period"], hostile_period["unit"]
    sign_in(client, hostile_period["supervisor"])
    response = client.get(f"/admin/reports/{period.id}/units/{unit.id}/skm.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    formulas = [
        (ws.title, c.coordinate) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas == []
    values = {c.value for row in book.worksheets[0].iter_rows() for c in row}
    assert "-Kantor+1" in values and any(str(v).startswith("=2026/2027 (") for v in values)


def test_the_period_name_makes_a_valid_sheet_for_every_export(client, factories):
    period = make_period(name="Semester 2026/2027 [uji]: *a?")
    officer = make_officer()
    sign_in(client, make_user(Role.ADMIN))
    for url in (
        f"/admin/reports/{period.id}/appraisals.xlsx",
        f"/admin/reports/{period.id}/units/{officer.unit_id}/appraisals.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert load_workbook(io.BytesIO(response.data)).active.title == "Semester 2026-2027 -uji-- -a-"


def test_the_pages_say_what_the_csv_is_for(client, factories):
    period, unit = make_period(), make_unit()
    sign_in(client, make_user(Role.ADMIN))
    client.set_cookie("lang", "en")
    html = client.get(f"/admin/reports/{period.id}/units/{unit.id}").get_data(as_text=True)
    assert "For Excel or LibreOffice, download the XLSX" in html and "CSV, data for other systems" in html
    client.set_cookie("lang", "id")
    html = client.get(f"/admin/reports?period={period.id}").get_data(as_text=True)
    assert "Untuk Excel atau LibreOffice, unduh XLSX" in html
