"""Exports of a period: the appraisal sheets for BKN's e-Kinerja (CSV and XLSX) and the SKM
report (XLSX). Built from the same report data the pages show, so a file never disagrees with
the screen; numbers are published with two decimals (ROUND_HALF_UP), NIPs stay text.

What people typed (names, positions, units, periods, services, reasons) is never a formula in a
file: see ``formula_risk``. The XLSX is the file for people (Excel, LibreOffice, in any locale);
the CSV is plain data for other systems (see ``to_csv``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from appraisal.scoring import Rating, display
from org.models import local_clock

Translate = Callable[[str], str]


# OWASP "CSV Injection": a cell whose text begins with one of these is read by spreadsheets as a
# formula (tab and carriage return because some programs strip them and read what follows). The
# full-width and other compatibility forms (＝ ＋ － ＠ ﹦ ...) are caught through their NFKC form,
# which Excel's input method can turn them into.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")


def formula_risk(value) -> bool:
    """Whether a text cell could start a formula: its first character, or the first after
    leading spaces (a spreadsheet may trim them when the cell is edited)."""
    if not isinstance(value, str) or not value:
        return False
    first = value.lstrip(" \u00a0\u3000")[:1] or value[:1]
    return value[:1] in FORMULA_TRIGGERS or unicodedata.normalize("NFKC", first)[:1] in FORMULA_TRIGGERS


def csv_safe(value):
    """A CSV cell: text that could start a formula gets a leading apostrophe (OWASP's advice:
    shown as text by every spreadsheet, and a reader of the data sees why); numbers stay numbers."""
    if value is None:
        return ""
    return "'" + value if formula_risk(value) else value


# Excel refuses these in a sheet's title, and openpyxl with it (a period named "2026/2027").
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def sheet_title(title: str, fallback: str = "Sheet") -> str:
    """A title Excel accepts: no \\ / * ? : [ ], no apostrophe at either end, 1 to 31 characters."""
    clean = _SHEET_TITLE_FORBIDDEN.sub("-", "".join(ch for ch in str(title or "") if ch.isprintable()))
    clean = clean.strip().strip("'")[:31].strip().strip("'")
    return clean or fallback


def _num(value):
    return None if value is None else display(value, 2)


def appraisal_header(t: Translate) -> list[str]:
    return [
        t("NIP"),
        t("Name"),
        t("Position"),
        t("Unit"),
        t("Period"),
        t("Starts"),
        t("Ends"),
        t("Survey respondents"),
        t("Survey score"),
        t("Kiosk votes"),
        t("Kiosk index"),
        t("Combined score"),
        t("95% CI low"),
        t("95% CI high"),
        t("Grade"),
        t("Enough data"),
        t("Responses left out"),
        t("Suggested rating (Berorientasi Pelayanan)"),
        t("Supervisor's rating"),
        t("Reason"),
        t("Decided by"),
        t("Decided at (local time)"),
        t("Verified survey respondents (one-time codes)"),
    ]


def appraisal_rows(period, rows: list[dict], officers: dict, units: dict, decisions: dict, t: Translate):
    """One row per officer: ``rows`` from ``officer_rows``; ``officers``/``units`` by id;
    ``decisions`` the latest RatingDecision by officer id."""
    for row in sorted(rows, key=lambda r: (units[r["unit_id"]].name, r["name"])):
        officer = officers[row["officer_id"]]
        combined, qr, kiosk = row["combined"], row["qr"], row["kiosk"]
        decision = decisions.get(row["officer_id"])
        enough = combined["enough"]
        yield [
            officer.nip,
            officer.name,
            officer.position or "",
            units[row["unit_id"]].name,
            period.name,
            period.starts_on.isoformat(),
            period.ends_on.isoformat(),
            qr["n"],
            _num(qr["value"]) if qr["enough"] else None,
            kiosk["n"],
            _num(kiosk["value"]) if kiosk["enough"] else None,
            _num(combined["value"]) if enough else None,
            _num(combined["low"]) if enough else None,
            _num(combined["high"]) if enough else None,
            combined["grade"] or "",
            t("yes") if enough else t("no — not enough data"),
            row["excluded"],
            Rating(combined["suggested"]).label if combined.get("suggested") else "",
            Rating(decision.rating).label if decision else "",
            decision.reason if decision else "",
            (decision.user.display_name if decision and decision.user else ""),
            # In the officer's unit's time, its zone written out: "2026-12-04 11:40 WITA".
            local_clock(decision.decided_at, units[row["unit_id"]].timezone, "%Y-%m-%d %H:%M") if decision else "",
            # Through a one-time code shown right after a service (none in sheets frozen before).
            row.get("verified", 0),
        ]


def to_csv(header: list[str], rows) -> bytes:
    """The data for other systems (an upload to e-Kinerja, a script): RFC 4180 with commas, a
    decimal point and the 18 digits of each NIP as they are, UTF-8 with a byte-order mark.

    Not the file to open in a spreadsheet, and the pages say so: Excel turns an 18-digit NIP
    into a rounded number whatever the CSV does, short of writing it as ="..." (a formula
    itself, which this file must never hold) or adding characters another system would then
    read as part of the NIP; and an Indonesian-locale Excel splits on ';' and reads ',' as the
    decimal mark, so "87.50" would become 8750. A "sep=" line would fix the columns but not the
    decimals, and breaks every CSV reader that expects the header first. The XLSX has types:
    NIPs are text cells, scores are numbers, in every locale."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(value) for value in header])
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _guard_formulas(cells) -> None:
    # openpyxl stores any text beginning with "=" as a formula. Such text is written as a string
    # instead, kept as typed, and every risky cell is marked with Excel's quote prefix, so that
    # editing it in Excel keeps it text too.
    for cell in cells:
        if formula_risk(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True


def _sheet(book: Workbook, title: str, header: list[str], rows, text_columns=(), first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = sheet_title(title)
    _append(sheet, header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        _append(sheet, [float(v) if hasattr(v, "as_tuple") else v for v in row])
    for column in text_columns:  # NIPs: text, or Excel turns 18 digits into 1.98609E+17
        for cell in sheet[get_column_letter(column)][1:]:
            cell.number_format = "@"
    for index, title_cell in enumerate(sheet[1], start=1):
        width = max(
            len(str(title_cell.value or "")), *(len(str(c.value or "")) for c in sheet[get_column_letter(index)])
        )
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
    sheet.freeze_panes = "A2"
    return sheet


def _append(sheet, row: list) -> None:
    sheet.append(row)
    _guard_formulas(sheet[sheet.max_row])


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows_xlsx(header: list[str], rows, title: str, text_columns=()) -> bytes:
    """One sheet: the header, then the rows; ``text_columns`` (1-based) kept as text (NIPs)."""
    book = Workbook()
    _sheet(book, title, header, rows, text_columns=text_columns, first=True)
    return _save(book)


def appraisal_xlsx(header: list[str], rows, title: str) -> bytes:
    return rows_xlsx(header, rows, title, text_columns=(1,))


def skm_xlsx(
    report: dict, unit, period, names: dict[str, str], t: Translate, profile_rows: list, flag_rows: list
) -> bytes:
    """The SKM result table in the layout offices publish, then the breakdowns; the profile and
    left-out rows come translated from the caller: (question, answer, count) and (reason, count)."""
    book = Workbook()
    skm = report["skm"]
    rows = []
    for index, element in enumerate(skm["elements"], start=1):
        rows.append(
            [
                index,
                element["code"],
                names.get(element["code"], element["code"]),
                element["total"],
                element["count"],
                display(element["nrr"], 3),
                display(element["weight"], 4),
                display(element["weighted"], 3),
            ]
        )
    sheet = _sheet(
        book,
        t("SKM result"),
        [
            t("No."),
            t("Element"),
            t("Name"),
            t("Sum of answer values"),
            t("Number of answers"),
            "NRR",
            t("Weight"),
            t("Weighted NRR"),
        ],
        rows,
        first=True,
    )
    headline = report["headline"]
    _append(sheet, [])
    _append(
        sheet,
        [
            None,
            None,
            t("Sum of weighted NRR"),
            None,
            None,
            None,
            None,
            float(display(skm["weighted"], 3)) if skm["weighted"] is not None else None,
        ],
    )
    _append(
        sheet,
        [
            None,
            None,
            t("IKM (sum × 25)"),
            None,
            None,
            None,
            None,
            float(display(headline["ikm"], 2)) if headline["ikm"] is not None else None,
        ],
    )
    _append(sheet, [None, None, t("Grade"), None, None, None, None, headline["grade"] or t("not enough data")])
    _append(sheet, [None, None, t("Respondents"), None, None, None, None, headline["respondents"]])
    _append(sheet, [None, None, t("Unit"), None, None, None, None, unit.name])
    _append(
        sheet,
        [
            None,
            None,
            t("Period"),
            None,
            None,
            None,
            None,
            f"{period.name} ({period.starts_on.isoformat()} – {period.ends_on.isoformat()})",
        ],
    )
    for key, title in (("desks", t("By desk")), ("services", t("By service"))):
        _sheet(
            book,
            title,
            [t("Name"), t("Respondents"), "IKM", t("Grade"), t("Kiosk votes"), t("Kiosk index"), t("Combined score")],
            [
                [
                    row["name"] or t("(none)"),
                    row["skm"]["respondents"],
                    _num(row["skm"]["ikm"]) if row["skm"]["enough"] else None,
                    row["skm"]["grade"] or "",
                    row["kiosk"]["n"],
                    _num(row["kiosk"]["value"]) if row["kiosk"]["enough"] else None,
                    _num(row["combined"]["value"]) if row["combined"]["enough"] else None,
                ]
                for row in report[key]
            ],
        )
    _sheet(book, t("Respondents' profile"), [t("Question"), t("Answer"), t("Respondents")], profile_rows)
    _sheet(book, t("Left out"), [t("Reason"), t("Responses")], flag_rows)
    return _save(book)
