"""An import is read as a stream, with its limits checked while it is read: a workbook that would
unpack to far more than a list of officers is refused from its zip directory, in milliseconds and
without unpacking; a sheet claiming a million rows or columns is read no further than the limits;
its XML is parsed by defusedxml; each refusal is a clear 422 in the user's language, and nothing
is stored."""

import io
import time
import tracemalloc
import zipfile

import openpyxl.xml
import pytest
from defusedxml import EntitiesForbidden
from openpyxl import load_workbook

from core.errors import Invalid
from org import officers as officers_module
from org.models import ImportJob, Officer
from org.officers import IMPORT_MAX_LINE, IMPORT_MAX_ROWS, IMPORT_MAX_UNPACKED, read_rows
from tests.factories import post, text, valid_nip
from tests.org.test_import import csv_file, xlsx_file


def upload(client, data: bytes, filename: str, lang: str):
    client.set_cookie("lang", lang)
    return post(
        client,
        "/admin/officers/import",
        {"file": (io.BytesIO(data), filename)},
        htmx=True,
        content_type="multipart/form-data",
    )


def rebuilt(workbook: bytes, replace: dict[str, bytes], compresslevel: int = 9) -> bytes:
    """The same workbook with some of its parts replaced (written in pieces, never whole in memory)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target,
    ):
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info, source.read(info.filename))
                continue
            content = replace[info.filename]
            with target.open(info.filename, "w", force_zip64=True) as part:
                if callable(content):
                    for piece in content():
                        part.write(piece)
                else:
                    part.write(content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A workbook of about 200 KB whose sheet unpacks to 200 MB (a comment of spaces in it)."""

    def sheet():
        yield HEAD + b"<!--"
        chunk = b" " * (1024 * 1024)
        for _ in range(200):
            yield chunk
        yield b"-->" + TAIL

    return rebuilt(xlsx_file([(valid_nip(), "Siti", "", "")]), {SHEET: sheet})


def test_a_workbook_that_unpacks_huge_is_refused_in_milliseconds_without_unpacking(bomb):
    assert len(bomb) < 1024 * 1024
    assert sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 200 * 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.xlsx", bomb)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.fields == {"file": ("file_unpacked", {"max": IMPORT_MAX_UNPACKED // (1024 * 1024)})}
    assert elapsed < 0.2, f"took {elapsed:.3f} s"
    assert peak < 5 * 1024 * 1024, f"peak {peak} bytes"


def test_a_part_far_more_compressed_than_text_is_a_bomb_whatever_its_size():
    def sheet():
        yield HEAD + b"<!--" + b" " * (8 * 1024 * 1024) + b"-->" + TAIL

    small_bomb = rebuilt(xlsx_file([(valid_nip(), "Siti", "", "")]), {SHEET: sheet})
    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.xlsx", small_bomb)
    assert refused.value.fields["file"][0] == "file_unpacked"


def test_the_bomb_through_the_upload_is_a_clear_422_in_both_languages_and_stores_nothing(client, admin, counter, bomb):
    for lang, message in (
        ("en", "This workbook would unpack to more than 25 MB"),
        ("id", "Buku kerja ini akan terurai menjadi lebih dari 25 MB"),
    ):
        started = time.perf_counter()
        response = upload(client, bomb, "pegawai.xlsx", lang)
        assert time.perf_counter() - started < 1.0
        assert response.status_code == 422 and message in text(response)
    assert counter(ImportJob) == 0 and counter(Officer) == 0


def test_a_sheet_claiming_a_million_rows_and_columns_is_read_no_further_than_the_limits():
    """openpyxl fills in the rows and columns a sheet says it has: a few hundred bytes claiming
    XFD1048576 must not become a million rows of sixteen thousand cells."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:XFD1048576"/><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>nip</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    workbook = rebuilt(xlsx_file([]), {SHEET: sheet})
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.xlsx", workbook)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.fields == {"file": ("file_too_many", {"max": IMPORT_MAX_ROWS})}
    assert elapsed < 1.0 and peak < 20 * 1024 * 1024, (elapsed, peak)


def test_workbook_xml_is_parsed_by_defusedxml_and_entities_are_refused():
    assert openpyxl.xml.DEFUSEDXML is True  # defusedxml is installed, and openpyxl uses it
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    workbook = rebuilt(xlsx_file([]), {SHEET: laughs})
    with pytest.raises(ValueError) as opened:  # what openpyxl itself says, and why
        load_workbook(io.BytesIO(workbook), read_only=True)
    assert isinstance(opened.value.__cause__, EntitiesForbidden)
    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.xlsx", workbook)
    assert refused.value.fields["file"][0] == "file_unreadable"


class CountingRows:
    """Wraps a reader of rows, counting how many the import asked for."""

    def __init__(self, real):
        self.real, self.read = real, 0

    def __call__(self, data):
        for row in self.real(data):
            self.read += 1
            yield row


@pytest.mark.parametrize(
    "reader,filename,make", [("_csv_rows", "pegawai.csv", csv_file), ("_xlsx_rows", "pegawai.xlsx", xlsx_file)]
)
def test_reading_stops_at_the_first_row_past_the_limit(monkeypatch, reader, filename, make):
    rows = [(valid_nip(seq=n), f"Pegawai {n}", "", "") for n in range(60)]
    counting = CountingRows(getattr(officers_module, reader))
    monkeypatch.setattr(officers_module, reader, counting)
    with pytest.raises(Invalid) as refused:
        read_rows(filename, make(rows), max_rows=10)
    assert refused.value.fields == {"file": ("file_too_many", {"max": 10})}
    assert counting.read == 1 + 11  # the header, ten officers, and the one too many


def test_a_csv_line_longer_than_any_officers_is_refused_before_it_is_split(client, admin, counter):
    data = csv_file([(valid_nip(), "Siti", "x," * (IMPORT_MAX_LINE // 2), "")])
    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.csv", data)
    assert refused.value.fields == {"file": ("file_line_long", {"max": IMPORT_MAX_LINE // 1024})}
    response = upload(client, data, "pegawai.csv", "en")
    assert response.status_code == 422 and "A line of this file is longer than 64 KB" in text(response)
    assert counter(ImportJob) == 0


def test_a_csv_quote_that_never_ends_is_refused_as_unreadable():
    data = b"nip,name\n" + b'"' + b"a" * (200 * 1024) + b"\n"
    with pytest.raises(Invalid) as refused:
        read_rows("pegawai.csv", data)
    assert refused.value.fields["file"][0] in ("file_unreadable", "file_line_long")


@pytest.mark.parametrize("filename,make", [("pegawai.csv", csv_file), ("pegawai.xlsx", xlsx_file)])
def test_a_full_list_of_officers_is_within_every_limit(filename, make):
    rows = [
        (valid_nip(seq=n), f"Pegawai Dengan Nama Panjang {n}", "Pengadministrasi Umum Subbagian Umum", "kec-satu")
        for n in range(IMPORT_MAX_ROWS)
    ]
    read = read_rows(filename, make(rows))
    assert len(read) == IMPORT_MAX_ROWS and read[-1]["line"] == IMPORT_MAX_ROWS + 1
