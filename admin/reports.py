"""Appraisal pages: the period overview, a unit's report and SKM table, an officer's sheet with
disputes and the supervisor's rating, the period's scoring policy, and the exports.

Who may see what is decided by ``appraisal.sheets`` on every request: a supervisor only their
unit, an officer only their own sheet, an administrator everything.
"""

from __future__ import annotations

from flask import Response as HttpResponse, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user

from appraisal import charts, exports, reports, scoring, sheets
from appraisal.db import db
from appraisal.errors import DomainError
from appraisal.models import (
    Dispute, DisputeStatus, Officer, Period, PeriodStatus, Response, Role, Unit,
)
from appraisal.surveys import PROFILE_LABELS

from . import bp
from .auth import ADMIN, EVERYONE, MANAGERS, roles_required
from .forms import Form, values_from
from .helpers import load

PROFILE_QUESTIONS = {"gender": _l("Gender"), "age_band": _l("Age"), "education": _l("Education"),
                     "occupation": _l("Occupation")}
FLAG_LABELS = {"repeat": _l("Repeat from the same phone or kiosk"), "burst": _l("Burst of taps on a kiosk"),
               "duty_start": _l("Cast seconds after duty started"), "dispute_upheld": _l("Dispute upheld"),
               "rate_limited": _l("Beyond the rate limit")}


def _locale() -> str:
    return str(get_locale() or "id")


def _period(period_id: int) -> Period:
    period = load(Period, period_id)
    if period.status == PeriodStatus.DRAFT:
        abort(404)
    return period


def _unit(unit_id: int) -> Unit:
    unit = load(Unit, unit_id)
    if not sheets.can_manage_unit(current_user, unit.id):
        abort(403)
    return unit


def _officer(officer_id: int) -> Officer:
    officer = load(Officer, officer_id)
    if not sheets.can_view_sheet(current_user, officer):
        abort(403)
    return officer


def _default_period() -> Period | None:
    periods = sheets.reportable_periods()
    open_ = [p for p in periods if p.status == PeriodStatus.OPEN]
    return (open_ or periods or [None])[0]


def grade_marks():
    return [(scoring.GRADE_LOWER_BOUNDS[2], "C"), (scoring.GRADE_LOWER_BOUNDS[1], "B"),
            (scoring.GRADE_LOWER_BOUNDS[0], "A")]


def element_chart(table: dict, names: dict[str, str]):
    items = [(f"{e['code']} {names.get(e['code'], '')}", e["nrr"], str(scoring.display(e["nrr"], 2)))
             for e in table["elements"]]
    return charts.bars(items, 1, 4, label_width=310,
                       marks=[(scoring.GRADE_LOWER_BOUNDS[1] / 25, "B"), (scoring.GRADE_LOWER_BOUNDS[0] / 25, "A")])


@bp.app_template_filter("num")
def num_filter(value, places: int = 2) -> str:
    """A score as published: two decimals, halves up (88.305 -> 88.31); a dash for none."""
    return "—" if value is None else str(scoring.display(value, places))


@bp.app_template_filter("grade_label")
def grade_label(letter) -> str:
    if not letter:
        return ""
    grade = scoring.Grade[letter]
    return f"{letter} · {grade.label(_locale())}"


@bp.app_template_filter("rating_label")
def rating_label(value) -> str:
    labels = {"di_atas": _("Above expectations (di atas ekspektasi)"),
              "sesuai": _("As expected (sesuai ekspektasi)"),
              "di_bawah": _("Below expectations (di bawah ekspektasi)")}
    return labels.get(value, "—") if value else _("Not enough data")


# --- Overview ---------------------------------------------------------------------------------------

@bp.route("/reports")
@roles_required(*EVERYONE)
def reports_index():
    period = None
    if request.args.get("period"):
        period = db.session.get(Period, request.args.get("period", type=int) or 0)
    period = period if period is not None and period.status != PeriodStatus.DRAFT else _default_period()
    # The period pickers of the unit report and the sheet come back here with their unit/officer.
    unit_id, officer_id = request.args.get("unit", type=int), request.args.get("officer", type=int)
    if period is not None and officer_id:
        return redirect(url_for("admin.officer_sheet", period_id=period.id, officer_id=officer_id))
    if period is not None and unit_id:
        return redirect(url_for("admin.report_unit", period_id=period.id, unit_id=unit_id))
    if current_user.role == Role.OFFICER:
        if period is None:
            return render_template("reports/index.html", period=None, periods=[], units=[], rows=[])
        return redirect(url_for("admin.officer_sheet", period_id=period.id, officer_id=current_user.officer_id))
    units = sheets.visible_units(current_user)
    if current_user.role == Role.SUPERVISOR and period is not None and units:
        return redirect(url_for("admin.report_unit", period_id=period.id, unit_id=units[0].id))
    rows = []
    if period is not None:
        overview = reports.unit_overview(period)
        empty = reports.Tally().scores(reports.policy_of(period))
        rows = [{"unit": unit, **overview.get(unit.id, empty)} for unit in units]
    return render_template("reports/index.html", period=period, periods=sheets.reportable_periods(), units=units,
                           rows=rows)


# --- A unit's report ------------------------------------------------------------------------------

def _unit_context(period: Period, unit: Unit) -> dict:
    report = reports.unit_report(period, unit)
    names = reports.element_names(_locale())
    officers = {o.id: o for o in db.session.scalars(db.select(Officer).where(Officer.unit_id == unit.id))}
    for row in report["officers"]:
        officer = officers.get(row["officer_id"])
        if officer is not None:  # names as they are now; the numbers are the report's
            row["name"], row["nip"] = officer.name, officer.nip
    return {"period": period, "unit": unit, "report": report, "names": names,
            "element_chart": element_chart(report["skm"], names) if report["skm"]["elements"] else None,
            "heat": charts.heat(report["rhythm"]["heat"]),
            "days": charts.columns(report["rhythm"]["days"]) if report["rhythm"]["days"] else None,
            "ranking": [r for r in report["officers"] if r["officer_id"] in set(report["ranking"])],
            "profile_labels": PROFILE_LABELS, "profile_questions": PROFILE_QUESTIONS, "flag_labels": FLAG_LABELS,
            "decisions": sheets.decisions(period, officers), "grades": scoring.Grade,
            "open_disputes": sheets.disputes_of(period, unit_id=unit.id, status=DisputeStatus.OPEN),
            "periods": sheets.reportable_periods()}


@bp.route("/reports/<int:period_id>/units/<int:unit_id>")
@roles_required(*MANAGERS)
def report_unit(period_id: int, unit_id: int):
    period, unit = _period(period_id), _unit(unit_id)
    return render_template("reports/unit.html", **_unit_context(period, unit))


@bp.route("/reports/<int:period_id>/units/<int:unit_id>/skm")
@roles_required(*MANAGERS)
def skm_table(period_id: int, unit_id: int):
    period, unit = _period(period_id), _unit(unit_id)
    return render_template("reports/skm_print.html", **_unit_context(period, unit))


@bp.route("/reports/<int:period_id>/units/<int:unit_id>/skm.xlsx")
@roles_required(*MANAGERS)
def skm_xlsx(period_id: int, unit_id: int):
    period, unit = _period(period_id), _unit(unit_id)
    context = _unit_context(period, unit)
    report = context["report"]
    profile_rows = [[str(PROFILE_QUESTIONS[field]),
                     str(PROFILE_LABELS[field].get(value, value)) if value else _("(not given)"), count]
                    for field, counts in report["profile"].items() for value, count in sorted(counts.items())]
    flag_rows = [[str(FLAG_LABELS[key]), count] for key, count in report["flags"].items()]
    body = exports.skm_xlsx(report, unit, period, context["names"], _, profile_rows, flag_rows)
    return _download(body, f"skm-{unit.code}-{period.starts_on:%Y%m%d}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- Appraisal exports (e-Kinerja) ----------------------------------------------------------------

def _appraisal_export(period: Period, unit: Unit | None):
    policy = reports.policy_of(period)
    if period.status == PeriodStatus.CLOSED and unit is not None:
        rows = reports.unit_report(period, unit)["officers"]
    elif period.status == PeriodStatus.CLOSED:
        rows = [row for u in sheets.visible_units(current_user) for row in reports.unit_report(period, u)["officers"]]
    else:
        rows = reports.officer_rows(period, policy, unit.id if unit else None)
    officers = {o.id: o for o in db.session.scalars(db.select(Officer).where(Officer.id.in_([r["officer_id"] for r in rows])))}
    units = {u.id: u for u in db.session.scalars(db.select(Unit))}
    for row in rows:
        row["unit_id"] = officers[row["officer_id"]].unit_id if row["officer_id"] in officers else row["unit_id"]
    decided = sheets.decisions(period, officers)
    header = exports.appraisal_header(_)
    return header, list(exports.appraisal_rows(period, rows, officers, units, decided, _))


@bp.route("/reports/<int:period_id>/appraisals.<fmt>")
@roles_required(ADMIN)
def appraisals_all(period_id: int, fmt: str):
    period = _period(period_id)
    return _appraisal_file(period, None, fmt, f"penilaian-{period.starts_on:%Y%m%d}")


@bp.route("/reports/<int:period_id>/units/<int:unit_id>/appraisals.<fmt>")
@roles_required(*MANAGERS)
def appraisals_unit(period_id: int, unit_id: int, fmt: str):
    period, unit = _period(period_id), _unit(unit_id)
    return _appraisal_file(period, unit, fmt, f"penilaian-{unit.code}-{period.starts_on:%Y%m%d}")


def _appraisal_file(period: Period, unit: Unit | None, fmt: str, stem: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    header, rows = _appraisal_export(period, unit)
    if fmt == "csv":
        return _download(exports.to_csv(header, rows), f"{stem}.csv", "text/csv; charset=utf-8")
    body = exports.appraisal_xlsx(header, rows, period.name)
    return _download(body, f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _download(body: bytes, filename: str, mimetype: str) -> HttpResponse:
    response = HttpResponse(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- An officer's sheet ---------------------------------------------------------------------------

def _sheet_context(period: Period, officer: Officer, **extra) -> dict:
    sheet = reports.officer_sheet(period, officer)
    names = reports.element_names(_locale())
    trend = reports.officer_trend(officer, period)
    responses = db.session.scalars(
        db.select(Response).where(Response.period_id == period.id, Response.officer_id == officer.id)
        .order_by(Response.cast_at.desc()).limit(100)).all()
    disputes = {d.response_id: d for d in sheets.disputes_of(period, officer_id=officer.id)}
    comments = db.session.scalars(
        db.select(Response).where(Response.period_id == period.id, Response.officer_id == officer.id,
                                  Response.comment.is_not(None), Response.comment_hidden.is_(False))
        .order_by(Response.cast_at.desc()).limit(50)).all()
    return {
        "period": period, "officer": officer, "sheet": sheet, "names": names,
        "element_chart": element_chart(sheet["skm"], names) if sheet["skm"]["elements"] else None,
        "faces_chart": charts.bars([(label, count, str(count)) for label, count in zip(
            (_("Very dissatisfied"), _("Dissatisfied"), _("Satisfied"), _("Very satisfied")),
            sheet["faces"])], 0, max(1, *sheet["faces"])),
        "trend": trend,
        "trend_chart": charts.line([(p["period"], p["value"] if p["enough"] else None, p["low"], p["high"])
                                    for p in trend]),
        "responses": responses, "disputes": disputes, "comments": comments,
        "decision": sheets.latest_decision(period, officer),
        "history": sheets.decisions_history(period, officer),
        "can_decide": sheets.can_manage_unit(current_user, officer.unit_id),
        "is_self": current_user.role == Role.OFFICER and current_user.officer_id == officer.id,
        "ratings": list(scoring.Rating), "grades": scoring.Grade, "flag_labels": FLAG_LABELS,
        "periods": sheets.reportable_periods(), **extra,
    }


@bp.route("/reports/<int:period_id>/officers/<int:officer_id>")
@roles_required(*EVERYONE)
def officer_sheet(period_id: int, officer_id: int):
    period, officer = _period(period_id), _officer(officer_id)
    return render_template("reports/sheet.html", **_sheet_context(period, officer))


@bp.route("/reports/<int:period_id>/officers/<int:officer_id>/decision", methods=["POST"])
@roles_required(*MANAGERS)
def officer_decision(period_id: int, officer_id: int):
    period, officer = _period(period_id), _officer(officer_id)
    form = Form("decision", values_from(request.form, ["rating", "reason"]))
    try:
        sheets.decide_rating(current_user, period, officer, form.values.get("rating", ""), form.values.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        form.fail(error)
        return render_template("reports/sheet.html", **_sheet_context(period, officer, decision_form=form)), error.status
    db.session.commit()
    flash(_("The rating is recorded."), "success")
    return redirect(url_for("admin.officer_sheet", period_id=period.id, officer_id=officer.id) + "#decision", code=303)


@bp.route("/reports/responses/<int:response_id>/dispute", methods=["POST"])
@roles_required(Role.OFFICER)
def dispute_response(response_id: int):
    response = load(Response, response_id)
    if response.officer_id != current_user.officer_id:
        abort(403)
    period, officer = _period(response.period_id), _officer(response.officer_id)
    form = Form(f"dispute-{response.id}", values_from(request.form, ["reason"]))
    try:
        sheets.file_dispute(current_user, response, form.values.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        return render_template("reports/sheet.html", **_sheet_context(period, officer, dispute_form=form,
                                                                       dispute_for=response.id)), error.status
    db.session.commit()
    flash(_("Your dispute is sent to your supervisor."), "success")
    return redirect(url_for("admin.officer_sheet", period_id=period.id, officer_id=officer.id) + "#responses", code=303)


@bp.route("/reports/disputes/<int:dispute_id>", methods=["POST"])
@roles_required(*MANAGERS)
def dispute_resolve(dispute_id: int):
    dispute = load(Dispute, dispute_id)
    officer = db.session.get(Officer, dispute.officer_id)
    if not sheets.can_manage_unit(current_user, officer.unit_id):
        abort(403)
    period = _period(dispute.period_id)
    form = Form(f"ruling-{dispute.id}", values_from(request.form, ["resolution", "ruling"]))
    ruling = form.values.get("ruling")
    try:
        if ruling not in ("uphold", "reject"):
            from appraisal.errors import Invalid
            raise Invalid({"ruling": "choice"})
        sheets.resolve_dispute(current_user, dispute, ruling == "uphold", form.values.get("resolution", ""))
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        return render_template("reports/sheet.html", **_sheet_context(period, officer, ruling_form=form,
                                                                       ruling_for=dispute.id)), error.status
    db.session.commit()
    flash(_("The dispute is upheld: the response no longer counts.") if ruling == "uphold"
          else _("The dispute is rejected: the response still counts."), "success")
    return redirect(url_for("admin.officer_sheet", period_id=period.id, officer_id=officer.id) + "#disputes", code=303)


# --- The period's scoring policy ---------------------------------------------------------------------

@bp.route("/periods/<int:period_id>/policy", methods=["GET", "POST"])
@roles_required(ADMIN)
def period_policy(period_id: int):
    period = load(Period, period_id)
    fields = ["min_n", "qr_weight_pct", "rating_above", "rating_below"]
    if request.method == "POST":
        form = Form("policy", values_from(request.form, fields))
        try:
            sheets.set_policy(current_user, period, form.values)
        except DomainError as error:
            db.session.rollback()
            form.fail(error)
            return render_template("reports/policy.html", period=period, form=form), error.status
        db.session.commit()
        flash(_("The scoring policy of %(name)s is saved.", name=period.name), "success")
        return redirect(url_for("admin.period_policy", period_id=period.id), code=303)
    form = Form("policy", {"min_n": str(period.min_n), "qr_weight_pct": str(period.qr_weight_pct),
                           "rating_above": str(period.rating_above), "rating_below": str(period.rating_below)})
    return render_template("reports/policy.html", period=period, form=form)
