"""The evaluation document of an officer and period (Dokumen Evaluasi Kinerja Pegawai), in the
layout of the annex of PermenPANRB 6/2022: the period; who was appraised, by whom and under
whom; the organisation's result; the work results with their realisation, evidence and
feedback; the behaviour with its feedback; the ratings and the predikat; the unit's curve; and
the signatures. An official Indonesian document, so its words are Bahasa Indonesia whatever the
reader's language (the page around it follows the reader's).

Who appraised is what the evaluation copied when it was signed (``skp.evaluation``), so that a
document printed later says what held then; before signing, the reporting line of the period.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeGuard
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from appraisal.berakhlak import VALUES
from appraisal.models import Period, PeriodStatus
from appraisal.scoring import Rating
from core.db import db, utcnow
from org.access import appraiser_line
from org.models import INDONESIAN_TIMEZONES, Officer, User

from . import distribution as dist
from .evaluation import find_evaluation, latest_service_decision, value_ratings
from .models import Evaluation, EvaluationStatus, ResultKind, Skp
from .realisation import page_context
from .rules import OrgResult, Predikat

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
STATUS_ID = {
    EvaluationStatus.DRAFT: "Draf: belum ditandatangani pejabat penilai",
    EvaluationStatus.SIGNED: "Ditandatangani pejabat penilai",
    EvaluationStatus.ACKNOWLEDGED: "Final: diterima pegawai",
    EvaluationStatus.OBJECTED: "Dalam keberatan",
    EvaluationStatus.DECIDED: "Final: keberatan diputus",
}
KIND_ID = {ResultKind.UTAMA: "Utama", ResultKind.TAMBAHAN: "Tambahan"}
# "Kurang/Misconduct" when the behaviour is below expectation (domain.md's matrix).
MISCONDUCT = "Kurang/Misconduct"


def date_id(day) -> str:
    """ "6 Desember 2026"."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def rating_id(value: str | None) -> str:
    return Rating(value).label if value else "—"


def predikat_id(evaluation: Evaluation | None) -> str:
    if evaluation is None or not evaluation.predikat:
        return "—"
    label = Predikat(evaluation.predikat).label
    if evaluation.predikat == Predikat.KURANG and evaluation.behaviour_rating == Rating.DI_BAWAH:
        return MISCONDUCT
    return label


def _person(officer: Officer | None) -> dict:
    if officer is None:
        return {"name": "", "nip": "", "rank": "", "position": "", "unit": ""}
    return {
        "name": officer.name,
        "nip": officer.nip,
        "rank": officer.rank or "",
        "position": officer.position or "",
        "unit": officer.unit.name,
    }


def _signed(evaluation: Evaluation | None) -> TypeGuard[Evaluation]:
    return evaluation is not None and evaluation.status != EvaluationStatus.DRAFT


def people(skp: Skp, period: Period, evaluation: Evaluation | None) -> tuple[dict, dict]:
    """The appraiser and the appraiser's superior: as copied at signing, else the period's line."""
    if _signed(evaluation):
        appraiser = {
            "name": evaluation.appraiser_name,
            "nip": evaluation.appraiser_nip,
            "rank": evaluation.appraiser_rank,
            "position": evaluation.appraiser_position,
            "unit": evaluation.appraiser_unit,
        }
        superior = {
            "name": evaluation.superior_name,
            "nip": evaluation.superior_nip,
            "rank": evaluation.superior_rank,
            "position": evaluation.superior_position,
            "unit": "",
        }
        above = db.session.get(Officer, evaluation.superior_officer_id) if evaluation.superior_officer_id else None
        superior["unit"] = above.unit.name if above is not None else ""
        return appraiser, superior
    line = appraiser_line(skp.officer, period.starts_on, period.ends_on)
    return _person(line.appraiser if line else None), _person(line.superior if line else None)


def number_id(value: Decimal | None) -> str:
    """A figure as an Indonesian document writes it: a decimal comma, no trailing zeros."""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f").rstrip("0")
    return text.replace(".", ",")


def _note(note: dict) -> dict:
    return {"when": note["when"], "author": note["author"], "role": str(note["role_label"]), "text": note["text"]}


def _row(row: dict, ratings: dict) -> dict:
    """A work-result row as the document shows it (in the locale the caller forced)."""
    result, figure, realisation = row["result"], row["figure"], row["realisation"]
    if figure is not None:
        achieved = number_id(figure.value) if figure.value is not None else figure.reason
        measured = figure.label
    else:
        achieved = number_id(row["achieved"]) if row["achieved"] is not None else ""
        measured = ""
    evidence_file = row["evidence_file"]
    return {
        "result": result,
        "target": number_id(result.target),
        "achieved": achieved,
        "measured": measured,
        "note": realisation.note if realisation else "",
        "evidence_url": row["evidence_url"],
        "evidence_name": evidence_file.name if evidence_file is not None else "",
        "feedback": [_note(n) for n in row["feedback"]["notes"]],
        "rating": rating_id(ratings[result.id]) if result.id in ratings else "",
    }


def place_of(unit) -> str:
    """Where the document is signed: the town of the unit's address (its last part), else the
    unit's name."""
    parts = [part.strip() for part in (unit.address or "").split(",") if part.strip()]
    return parts[-1] if parts else unit.name


def document_context(skp: Skp, period: Period, user: User, now: datetime | None = None) -> dict:
    """Everything the document shows (see the module's docstring)."""
    evaluation = find_evaluation(skp, period)
    with force_locale("id"):  # its figures' labels and reasons, and its notes' roles, in the document's words
        realisation = page_context(skp, period, user)
    unit = realisation["unit"]
    appraiser, superior = people(skp, period, evaluation)
    row_ratings = {r.result_id: r.rating for r in evaluation.row_ratings} if evaluation else {}
    ratings = value_ratings(evaluation, latest_service_decision(skp, period))
    expectations = {e.value: e.text for e in skp.expectations}
    shown = dist.distribution(unit, period)
    rows: dict[ResultKind, list[dict]] = {}
    with force_locale("id"):  # the document's words, whatever the reader's language
        for row in realisation["rows"]:
            rows.setdefault(row["result"].kind, []).append(_row(row, row_ratings))
        curve_rules = [dist.rule_text(rule) for rule in shown["curve"].rules] if shown["curve"] else []
        breaches = [dist.breach_text(breach) for breach in shown["breaches"]]
        general = [_note(note) for note in realisation["general"]["notes"]]
        feedback = {entry["code"]: [_note(n) for n in entry["feedback"]["notes"]] for entry in realisation["values"]}
    zone = ZoneInfo(unit.timezone or "Asia/Jakarta")
    moment = evaluation.signed_at if _signed(evaluation) and evaluation.signed_at else (now or utcnow())
    return {
        "skp": skp,
        "period": period,
        "officer": _person(skp.officer) | {"unit": unit.name},
        "unit": unit,
        "evaluation": evaluation,
        "signed": _signed(evaluation),
        "final": evaluation is not None and evaluation.status.final,
        "status": STATUS_ID[evaluation.status] if evaluation else STATUS_ID[EvaluationStatus.DRAFT],
        "frozen": period.status == PeriodStatus.CLOSED,
        "appraiser": appraiser,
        "superior": superior,
        "groups": [(KIND_ID[kind], rows.get(kind, [])) for kind in ResultKind if rows.get(kind)],
        "general_feedback": general,
        "values": [
            {
                "name": value.name_id,
                "guides": value.guides_id,
                "expectation": expectations.get(value.code, ""),
                "feedback": feedback.get(value.code, []),
                "rating": rating_id(ratings.get(value.code)) if value.code in ratings else "—",
            }
            for value in VALUES
        ],
        "results_rating": rating_id(evaluation.results_rating if _signed(evaluation) else None),
        "behaviour_rating": rating_id(evaluation.behaviour_rating if _signed(evaluation) else None),
        "predikat": predikat_id(evaluation) if _signed(evaluation) else "—",
        "unit_result": OrgResult(shown["result"].result).label if shown["result"] else None,
        "unit_result_reason": shown["result"].reason if shown["result"] else "",
        "distribution": shown,
        "curve_rules": curve_rules,
        "breaches": breaches,
        "period_dates": f"{date_id(period.starts_on)} s.d. {date_id(period.ends_on)}",
        "predikat_all": list(Predikat),
        "place": place_of(unit),
        "date": date_id(moment.astimezone(zone).date()),
        "zone": INDONESIAN_TIMEZONES.get(unit.timezone, unit.timezone),
    }
