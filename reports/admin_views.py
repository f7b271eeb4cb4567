"""Reports in the admin area: the period overview, a unit's report, the SKM table, exports, an
officer's appraisal sheet with its rating and disputes, closing and reopening a period, and
citizens' comments."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import Response as HttpResponse
from flask_babel import gettext as _
from flask_login import current_user

from appraisal import scoring
from appraisal.disputes import disputes_of, file_dispute, resolve_dispute
from appraisal.models import Dispute, DisputeStatus, Period, PeriodStatus
from appraisal.periods import reportable_periods
from appraisal.policy import policy_of
from appraisal.ratings import decide_rating, decisions, decisions_history
from appraisal.standard import face_labels
from core.db import db
from core.htmx import render_htmx
from core.i18n import current_locale
from core.responses import FLAG_LABELS, PROFILE_LABELS, PROFILE_QUESTIONS, Response
from core.web import arg_id
from org.access import can_appraise, can_view_sheet, managed_units, period_unit, period_units
from org.auth import ADMIN, EVERYONE, MANAGERS, load, roles_required
from org.models import Officer, Role, Unit
from reports import charts, exports

from . import comment_pages
from .charts import element_chart
from .closing_views import bp as closing_pages
from .forms import DecisionForm, DisputeForm, RulingForm
from .provenance import KIND_LABELS, KINDS
from .queries import COUNTED_FLAGS, element_names, flag_key, officer_provenance, officer_rows
from .snapshots import (
    officer_sheet,
    officer_trend,
    unit_overview,
    unit_report,
    units_officer_rows,
)
from .tallies import Tally

bp = Blueprint("reports", __name__)
bp.register_blueprint(closing_pages)  # closing and reopening a period (reports.closing_views)


@bp.get("/comments")
@roles_required(*MANAGERS)
def comments():
    return render_htmx("reports/comments.html", "reports/_comments.html", **comment_pages.list_context())


@bp.get("/comments/export.<fmt>")
@roles_required(*MANAGERS)
def comments_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    return _download(*comment_pages.export(fmt))


@bp.post("/comments/<int:response_id>/hide")
@roles_required(*MANAGERS)
def comment_hide(response_id):
    return comment_pages.set_hidden(response_id, True)


@bp.post("/comments/<int:response_id>/unhide")
@roles_required(*MANAGERS)
def comment_unhide(response_id):
    return comment_pages.set_hidden(response_id, False)


@bp.post("/comments/<int:response_id>/tag")
@roles_required(*MANAGERS)
def comment_tag(response_id):
    return comment_pages.tag(response_id)


@bp.post("/comments/<int:response_id>/answer")
@roles_required(*MANAGERS)
def comment_answer(response_id):
    return comment_pages.answer(response_id)


@bp.post("/comments/<int:response_id>/reopen")
@roles_required(*MANAGERS)
def comment_reopen(response_id):
    return comment_pages.reopen(response_id)


# The labels of the left-out counts, by their keys in a report (every counted flag has one).
FLAG_LABELS_BY_KEY = {flag_key(flag): FLAG_LABELS[flag] for flag in COUNTED_FLAGS}


def _period(period_id: int) -> Period:
    period = load(Period, period_id)
    if period.status == PeriodStatus.DRAFT:
        abort(404)
    return period


def _unit(unit_id: int) -> Unit:
    return load(Unit, unit_id, lambda unit: unit.id)


def _officer(officer_id: int, period: Period) -> Officer:
    """The officer whose sheet of ``period`` this is, if the user may see it (org.access: the
    period's unit decides, not the officer's unit today)."""
    officer = load(Officer, officer_id)
    if not can_view_sheet(current_user, officer, period):
        abort(403)
    return officer


def _default_period() -> Period | None:
    periods = reportable_periods()
    open_ = [p for p in periods if p.status == PeriodStatus.OPEN]
    return (open_ or periods)[0] if periods else None


@bp.route("/reports")
@roles_required(*EVERYONE)
def reports_index():
    period = None
    if request.args.get("period"):
        period = db.session.get(Period, arg_id("period") or 0)
    period = period if period is not None and period.status != PeriodStatus.DRAFT else _default_period()
    # The period pickers of the unit report and the sheet come back here with their unit/officer.
    unit_id, officer_id = arg_id("unit"), arg_id("officer")
    if period is not None and officer_id:
        return redirect(url_for("admin.reports.sheet", period_id=period.id, officer_id=officer_id))
    if period is not None and unit_id:
        return redirect(url_for("admin.reports.report_unit", period_id=period.id, unit_id=unit_id))
    if current_user.role == Role.OFFICER:
        if period is None:
            return render_template("reports/index.html", period=None, periods=[], units=[], rows=[])
        return redirect(url_for("admin.reports.sheet", period_id=period.id, officer_id=current_user.officer_id))
    units = managed_units(current_user)
    if current_user.role == Role.SUPERVISOR and period is not None and units:
        return redirect(url_for("admin.reports.report_unit", period_id=period.id, unit_id=units[0].id))
    rows = []
    if period is not None:
        overview = unit_overview(period)
        empty = Tally().scores(policy_of(period))
        rows = [{"unit": unit, **overview.get(unit.id, empty)} for unit in units]
    return render_template("reports/index.html", period=period, periods=reportable_periods(), units=units, rows=rows)


def _grade_ranges() -> str:
    """ "A 88.31–100, B 76.61–88.30, …": the published bounds, the top of the scale as a whole number."""
    return ", ".join(
        f"{grade.letter} {scoring.display(low)}–{high if high == scoring.IKM_MAX else scoring.display(high)}"
        for grade, low, high in scoring.grade_ranges()
    )


def _skm_context(period: Period, unit: Unit) -> dict:
    """What the SKM table needs, printed or as a file."""
    return {
        "period": period,
        "unit": unit,
        "report": unit_report(period, unit),
        "names": element_names(current_locale()),
        "grade_ranges": _grade_ranges(),
    }


def _unit_context(period: Period, unit: Unit) -> dict:
    context = _skm_context(period, unit)
    report, names = context["report"], context["names"]
    officers = {o.id: o for o in db.session.scalars(db.select(Officer).where(Officer.unit_id == unit.id))}
    for row in report["officers"]:
        officer = officers.get(row["officer_id"])
        if officer is not None:  # names as they are now; the numbers are the report's
            row["name"], row["nip"] = officer.name, officer.nip
    return {
        **context,
        "element_chart": element_chart(report["skm"], names) if report["skm"]["elements"] else None,
        "heat": charts.heat(report["rhythm"]["heat"]),
        "days": charts.columns(report["rhythm"]["days"]) if report["rhythm"]["days"] else None,
        "ranking": [r for r in report["officers"] if r["officer_id"] in set(report["ranking"])],
        "profile_labels": PROFILE_LABELS,
        "profile_questions": PROFILE_QUESTIONS,
        "flag_labels": FLAG_LABELS_BY_KEY,
        "decisions": decisions(period, officers),
        "grades": scoring.Grade,
        "open_disputes": disputes_of(period, unit_id=unit.id, status=DisputeStatus.OPEN),
        "periods": reportable_periods(),
    }


@bp.route("/reports/<int:period_id>/units/<int:unit_id>")
@roles_required(*MANAGERS)
def report_unit(period_id: int, unit_id: int):
    period, unit = _period(period_id), _unit(unit_id)
    return render_template("reports/unit.html", **_unit_context(period, unit))


@bp.route("/reports/<int:period_id>/units/<int:unit_id>/skm")
@roles_required(*MANAGERS)
def skm_table(period_id: int, unit_id: int):
    period, unit = _period(period_id), _unit(unit_id)
    return render_template("reports/skm_print.html", **_skm_context(period, unit))


@bp.route("/reports/<int:period_id>/units/<int:unit_id>/skm.xlsx")
@roles_required(*MANAGERS)
def skm_xlsx(period_id: int, unit_id: int):
    period, unit = _period(period_id), _unit(unit_id)
    context = _skm_context(period, unit)
    report = context["report"]
    profile_rows = [
        [
            str(PROFILE_QUESTIONS[field]),
            str(PROFILE_LABELS[field].get(value, value)) if value else _("(not given)"),
            count,
        ]
        for field, counts in report["profile"].items()
        for value, count in sorted(counts.items())
    ]
    flag_rows = [[str(FLAG_LABELS_BY_KEY.get(key, key)), count] for key, count in report["flags"].items()]
    body = exports.skm_xlsx(report, unit, period, context["names"], _, profile_rows, flag_rows)
    return _download(
        body,
        f"skm-{unit.code}-{period.starts_on:%Y%m%d}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _appraisal_export(period: Period, unit: Unit | None):
    if unit is None and period.status != PeriodStatus.CLOSED:
        rows = officer_rows(period, policy_of(period))
    else:
        rows = units_officer_rows(period, [unit] if unit else managed_units(current_user))
    officers = {
        o.id: o for o in db.session.scalars(db.select(Officer).where(Officer.id.in_([r["officer_id"] for r in rows])))
    }
    units = {u.id: u for u in db.session.scalars(db.select(Unit))}
    in_period = period_units(period.id, officers.values())  # the unit each is appraised in for this period
    for row in rows:
        row["unit_id"] = in_period.get(row["officer_id"], row["unit_id"])
    decided = decisions(period, officers)
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


def _sheet_context(period: Period, officer: Officer, **extra) -> dict:
    sheet = officer_sheet(period, officer)
    names = element_names(current_locale())
    periods = reportable_periods()
    trend = officer_trend(officer, period, sheet, periods)
    responses = db.session.scalars(
        db.select(Response)
        .where(Response.period_id == period.id, Response.officer_id == officer.id)
        .order_by(Response.cast_at.desc())
        .limit(100)
    ).all()
    disputes = {d.response_id: d for d in disputes_of(period, officer_id=officer.id, with_responses=True)}
    history = decisions_history(period, officer)
    comments = db.session.scalars(
        db.select(Response)
        .where(
            Response.period_id == period.id,
            Response.officer_id == officer.id,
            Response.comment.is_not(None),
            Response.comment_hidden.is_(False),
        )
        .order_by(Response.cast_at.desc())
        .limit(50)
    ).all()
    return {
        "period": period,
        "officer": officer,
        "sheet": sheet,
        "names": names,
        "element_chart": element_chart(sheet["skm"], names) if sheet["skm"]["elements"] else None,
        "faces_chart": charts.bars(
            [(label, count, str(count)) for label, count in zip(face_labels(current_locale()), sheet["faces"])],
            0,
            max(1, *sheet["faces"]),
        ),
        "trend": trend,
        "trend_chart": charts.line(
            [(p["period"], p["value"] if p["enough"] else None, p["low"], p["high"]) for p in trend]
        ),
        "responses": responses,
        "disputes": disputes,
        "comments": comments,
        "decision": history[0] if history else None,
        "history": history,
        "can_decide": can_appraise(current_user, officer, period),
        "unit": db.session.get(Unit, period_unit(officer, period.id)),  # the period's, where she may have left
        "is_self": current_user.role == Role.OFFICER and current_user.officer_id == officer.id,
        "ratings": list(scoring.Rating),
        "grades": scoring.Grade,
        "flag_labels": FLAG_LABELS_BY_KEY,
        # A sheet frozen before provenance was kept has none: its responses tell it now.
        "provenance": sheet.get("provenance") or officer_provenance(period, officer),
        "kinds": KINDS,
        "kind_labels": KIND_LABELS,
        "periods": periods,
        **extra,
    }


@bp.route("/reports/<int:period_id>/officers/<int:officer_id>")
@roles_required(*EVERYONE)
def sheet(period_id: int, officer_id: int):
    period = _period(period_id)
    officer = _officer(officer_id, period)
    return render_template("reports/sheet.html", **_sheet_context(period, officer))


@bp.route("/reports/<int:period_id>/officers/<int:officer_id>/decision", methods=["POST"])
@roles_required(*MANAGERS)
def officer_decision(period_id: int, officer_id: int):
    period = _period(period_id)
    officer = _officer(officer_id, period)
    form = DecisionForm()
    if form.submit(
        lambda: decide_rating(
            current_user,
            period,
            officer,
            form.rating.data,
            form.reason.data,
            officer_sheet(period, officer)["combined"],
        )
    ):
        db.session.commit()
        flash(_("The rating is recorded."), "success")
        return redirect(
            url_for("admin.reports.sheet", period_id=period.id, officer_id=officer.id) + "#decision", code=303
        )
    if form.status == 403:
        abort(403)
    return render_template("reports/sheet.html", **_sheet_context(period, officer, decision_form=form)), form.status


@bp.route("/reports/responses/<int:response_id>/dispute", methods=["POST"])
@roles_required(Role.OFFICER)
def dispute_response(response_id: int):
    response = load(Response, response_id)
    if response.officer_id != current_user.officer_id:
        abort(403)
    if response.period_id is None:
        abort(404)  # kept outside any period (Flag.NO_PERIOD): on no sheet, in no score, nothing to dispute
    period = _period(response.period_id)
    officer = _officer(response.officer_id, period)
    form = DisputeForm(id_prefix=f"dispute-{response.id}")
    if form.submit(lambda: file_dispute(current_user, response, form.reason.data)):
        db.session.commit()
        flash(_("Your dispute is sent to your supervisor."), "success")
        return redirect(
            url_for("admin.reports.sheet", period_id=period.id, officer_id=officer.id) + "#responses", code=303
        )
    return render_template(
        "reports/sheet.html", **_sheet_context(period, officer, dispute_form=form, dispute_for=response.id)
    ), form.status


@bp.route("/reports/disputes/<int:dispute_id>", methods=["POST"])
@roles_required(*MANAGERS)
def dispute_resolve(dispute_id: int):
    dispute = load(Dispute, dispute_id, lambda d: period_unit(d.officer, d.period_id))
    officer = dispute.officer
    period = _period(dispute.period_id)
    form = RulingForm(id_prefix=f"ruling-{dispute.id}")
    uphold = form.ruling.data == "uphold"
    if form.submit(lambda: resolve_dispute(current_user, dispute, uphold, form.resolution.data)):
        db.session.commit()
        flash(
            _("The dispute is upheld: the response no longer counts.")
            if uphold
            else _("The dispute is rejected: the response still counts."),
            "success",
        )
        return redirect(
            url_for("admin.reports.sheet", period_id=period.id, officer_id=officer.id) + "#disputes", code=303
        )
    return render_template(
        "reports/sheet.html", **_sheet_context(period, officer, ruling_form=form, ruling_for=dispute.id)
    ), form.status
