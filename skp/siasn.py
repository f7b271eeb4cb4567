"""Every officer's periodic result of a period in the fields BKN's SIASN takes for a "kinerja
periodik" (domain.md): the officer (NIP, name), the year and the first and last month of the
period, the work-result and behaviour ratings, the predikat (kuadran), who appraised (name, NIP,
rank, position, unit, whether an ASN), and the address of the evaluation document's PDF.

Only evaluations the appraiser has signed are listed, each with its status (``signed``,
``objected``, or final: ``acknowledged``, ``decided``), so that whoever uploads sees which are
final. Who appraised is what the evaluation copied when it was signed.

The columns are named in SIASN's language and never translated: a file for another system. The
values a person typed (names, positions, units) are never a formula in a spreadsheet
(``reports.exports``).
"""

from __future__ import annotations

import json

from flask import current_app, url_for

from appraisal.scoring import Rating
from org.models import Unit
from reports import exports

from .distribution import counted, evaluations_of, unit_officers
from .rules import Predikat

COLUMNS = (
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
)
# Kept as text, never as numbers (18 digits a spreadsheet would round).
TEXT_COLUMNS = ("nip", "penilai_nip")
FORMATS = ("xlsx", "csv", "json")


def document_url(evaluation) -> str:
    """The PDF of the evaluation document, under the app's public address."""
    path = url_for("admin.skp.document_pdf", skp_id=evaluation.skp_id, period_id=evaluation.period_id)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def records(period, units: list[Unit]) -> list[dict]:
    """One record per officer of ``units`` (whose period belongs to one of them) with a signed
    evaluation of ``period``, by unit and name."""
    found = []
    for unit in sorted(units, key=lambda u: u.name):
        officers = unit_officers(unit, period)
        evaluations = evaluations_of(period, [o.id for o in officers])
        for officer in officers:
            evaluation = evaluations.get(officer.id)
            if not counted(evaluation) or evaluation is None:
                continue
            results, behaviour, predikat = evaluation.results_rating, evaluation.behaviour_rating, evaluation.predikat
            if results is None or behaviour is None or predikat is None:
                continue  # not reached: counted() checks the predikat, set at signing with both ratings
            found.append(
                {
                    "nip": officer.nip,
                    "nama": officer.name,
                    "unit_kerja": unit.name,
                    "tahun": evaluation.skp.year,
                    "bulan_mulai": period.starts_on.month,
                    "bulan_selesai": period.ends_on.month,
                    "hasil_kerja": Rating(results).label,
                    "perilaku_kerja": Rating(behaviour).label,
                    "predikat": Predikat(predikat).label,
                    "penilai_nip": evaluation.appraiser_nip,
                    "penilai_nama": evaluation.appraiser_name,
                    "penilai_golongan": evaluation.appraiser_rank,
                    "penilai_jabatan": evaluation.appraiser_position,
                    "penilai_unit_kerja": evaluation.appraiser_unit,
                    "penilai_asn": evaluation.appraiser_is_asn,
                    "status_evaluasi": evaluation.status.value,
                    "dokumen_evaluasi_url": document_url(evaluation),
                }
            )
    return found


def _cells(record: dict) -> list:
    # A spreadsheet has no true/false a SIASN upload reads the same everywhere: "ya"/"tidak".
    return [("ya" if record[c] else "tidak") if c == "penilai_asn" else record[c] for c in COLUMNS]


def to_csv(rows: list[dict]) -> bytes:
    return exports.to_csv(list(COLUMNS), (_cells(row) for row in rows))


def to_xlsx(rows: list[dict], title: str) -> bytes:
    text = tuple(COLUMNS.index(name) + 1 for name in TEXT_COLUMNS)
    return exports.rows_xlsx(list(COLUMNS), [_cells(row) for row in rows], title, text_columns=text)


def to_json(rows: list[dict], period) -> bytes:
    """``{"periode": {...}, "kinerja_periodik": [records]}``; values as they are (JSON has no
    formulas), the ASN flag a boolean."""
    data = {
        "periode": {
            "nama": period.name,
            "mulai": period.starts_on.isoformat(),
            "selesai": period.ends_on.isoformat(),
        },
        "kinerja_periodik": rows,
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
