"""Exports of a period: the appraisal sheets for BKN's e-Kinerja (CSV and XLSX) and the SKM
report (XLSX). Built from the same report data the pages show, so a file never disagrees with
the screen; numbers are published with two decimals (ROUND_HALF_UP), NIPs stay text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from appraisal.scoring import Rating, display

Translate = Callable[[str], str]


def _num(value):
    return None if value is None else display(value, 2)


def appraisal_header(t: Translate) -> list[str]:
    return [t("NIP"), t("Name"), t("Position"), t("Unit"), t("Period"), t("Starts"), t("Ends"),
            t("Survey respondents"), t("Survey score"), t("Kiosk votes"), t("Kiosk index"),
            t("Combined score"), t("95% CI low"), t("95% CI high"), t("Grade"), t("Enough data"),
            t("Responses left out"), t("Suggested rating (Berorientasi Pelayanan)"), t("Supervisor's rating"),
            t("Reason"), t("Decided by"), t("Decided at (UTC)")]


def appraisal_rows(period, rows: list[dict], officers: dict, units: dict, decisions: dict, t: Translate):
    """One row per officer: ``rows`` from ``officer_rows``; ``officers``/``units`` by id;
    ``decisions`` the latest RatingDecision by officer id."""
    for row in sorted(rows, key=lambda r: (units[r["unit_id"]].name, r["name"])):
        officer = officers[row["officer_id"]]
        combined, qr, kiosk = row["combined"], row["qr"], row["kiosk"]
        decision = decisions.get(row["officer_id"])
        enough = combined["enough"]
        yield [
            officer.nip, officer.name, officer.position or "", units[row["unit_id"]].name, period.name,
            period.starts_on.isoformat(), period.ends_on.isoformat(),
            qr["n"], _num(qr["value"]) if qr["enough"] else None,
            kiosk["n"], _num(kiosk["value"]) if kiosk["enough"] else None,
            _num(combined["value"]) if enough else None,
            _num(combined["low"]) if enough else None, _num(combined["high"]) if enough else None,
            combined["grade"] or "", t("yes") if enough else t("no — not enough data"),
            row["excluded"],
            Rating(combined["suggested"]).label if combined.get("suggested") else "",
            Rating(decision.rating).label if decision else "",
            decision.reason if decision else "",
            (decision.user.display_name if decision and decision.user else ""),
            decision.decided_at.strftime("%Y-%m-%d %H:%M") if decision else "",
        ]


def to_csv(header: list[str], rows) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens names with accents correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet(book: Workbook, title: str, header: list[str], rows, text_columns=(), first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
    for column in text_columns:  # NIPs: text, or Excel turns 18 digits into 1.98609E+17
        for cell in sheet[get_column_letter(column)][1:]:
            cell.number_format = "@"
    for index, title_cell in enumerate(sheet[1], start=1):
        width = max(len(str(title_cell.value or "")), *(len(str(c.value or "")) for c in sheet[get_column_letter(index)]))
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
    sheet.freeze_panes = "A2"
    return sheet


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def appraisal_xlsx(header: list[str], rows, title: str) -> bytes:
    book = Workbook()
    _sheet(book, title, header, rows, text_columns=(1,), first=True)
    return _save(book)


def skm_xlsx(report: dict, unit, period, names: dict[str, str], t: Translate, profile_rows: list,
             flag_rows: list) -> bytes:
    """The SKM result table in the layout offices publish, then the breakdowns; the profile and
    left-out rows come translated from the caller: (question, answer, count) and (reason, count)."""
    book = Workbook()
    skm = report["skm"]
    rows = []
    for index, element in enumerate(skm["elements"], start=1):
        rows.append([index, element["code"], names.get(element["code"], element["code"]), element["total"],
                     element["count"], display(element["nrr"], 3), display(element["weight"], 4),
                     display(element["weighted"], 3)])
    sheet = _sheet(book, t("SKM result"), [t("No."), t("Element"), t("Name"), t("Sum of answer values"),
                                           t("Number of answers"), "NRR", t("Weight"), t("Weighted NRR")], rows, first=True)
    headline = report["headline"]
    sheet.append([])
    sheet.append([None, None, t("Sum of weighted NRR"), None, None, None, None,
                  float(display(skm["weighted"], 3)) if skm["weighted"] is not None else None])
    sheet.append([None, None, t("IKM (sum × 25)"), None, None, None, None,
                  float(display(headline["ikm"], 2)) if headline["ikm"] is not None else None])
    sheet.append([None, None, t("Grade"), None, None, None, None,
                  headline["grade"] or t("not enough data")])
    sheet.append([None, None, t("Respondents"), None, None, None, None, headline["respondents"]])
    sheet.append([None, None, t("Unit"), None, None, None, None, unit.name])
    sheet.append([None, None, t("Period"), None, None, None, None,
                  f"{period.name} ({period.starts_on.isoformat()} – {period.ends_on.isoformat()})"])
    for key, title in (("desks", t("By desk")), ("services", t("By service"))):
        _sheet(book, title, [t("Name"), t("Respondents"), "IKM", t("Grade"), t("Kiosk votes"), t("Kiosk index"),
                             t("Combined score")],
               [[row["name"] or t("(none)"), row["skm"]["respondents"],
                 _num(row["skm"]["ikm"]) if row["skm"]["enough"] else None, row["skm"]["grade"] or "",
                 row["kiosk"]["n"], _num(row["kiosk"]["value"]) if row["kiosk"]["enough"] else None,
                 _num(row["combined"]["value"]) if row["combined"]["enough"] else None]
                for row in report[key]])
    _sheet(book, t("Respondents' profile"), [t("Question"), t("Answer"), t("Respondents")], profile_rows)
    _sheet(book, t("Left out"), [t("Reason"), t("Responses")], flag_rows)
    return _save(book)
