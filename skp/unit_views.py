"""A unit's page of a period: its result (set by the appraiser of the unit's head, or an
administrator), its officers' predikat drawn against the curve that result picks, what breaks
the curve, and each officer with a link to her evaluation and its document. And the SIASN export
of a period's periodic results (``skp.siasn``)."""

from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from appraisal.models import Period, PeriodStatus
from appraisal.periods import reportable_periods
from core.db import db
from core.web import arg_id
from org.access import can_manage_unit, can_rate_unit, managed_units
from org.auth import EVERYONE, MANAGERS, load, roles_required
from org.models import Role, Unit

from . import siasn
from .blueprint import bp
from .distribution import breach_text, distribution, percent, rule_text, set_unit_result
from .rules import OrgResult, Predikat
from .unit_forms import UnitResultForm


def _period(period_id: int) -> Period:
    period = load(Period, period_id)
    if period.status == PeriodStatus.DRAFT:
        abort(404)
    return period


def _context(unit: Unit, period: Period, form: UnitResultForm | None = None) -> dict:
    shown = distribution(unit, period)
    may_rate = can_rate_unit(current_user, unit, period)
    if form is None and may_rate:
        current = shown["result"]
        form = UnitResultForm.blank(
            org_result=current.result if current else None, reason=current.reason if current else ""
        )
    return {
        **shown,
        "may_rate": may_rate,
        "may_export": can_manage_unit(current_user, unit.id),
        "form": form,
        "open": period.status == PeriodStatus.OPEN,
        "results": list(OrgResult),
        "predikat": list(Predikat),
        "rule_text": rule_text,
        "breach_text": breach_text,
        "percent": percent,
        "periods": reportable_periods(),
    }


@bp.route("/units/<int:unit_id>/periods/<int:period_id>", methods=["GET", "POST"], endpoint="distribution")
@roles_required(*EVERYONE)
def distribution_page(unit_id: int, period_id: int):
    unit, period = load(Unit, unit_id), _period(period_id)
    if not (can_manage_unit(current_user, unit.id) or can_rate_unit(current_user, unit, period)):
        abort(403)
    if request.method == "GET":
        other = arg_id("period")  # the period picker
        if other is not None and other != period.id:
            return redirect(url_for("admin.skp.distribution", unit_id=unit.id, period_id=other))
        return render_template("skp/distribution.html", **_context(unit, period))
    if not can_rate_unit(current_user, unit, period):
        abort(403)
    form = UnitResultForm()
    if form.submit(lambda: set_unit_result(current_user, unit, period, form.org_result.data, form.reason.data)):
        db.session.commit()
        flash(_("The unit's result is set."), "success")
        return redirect(url_for("admin.skp.distribution", unit_id=unit.id, period_id=period.id), code=303)
    return render_template("skp/distribution.html", **_context(unit, period, form)), form.status


@bp.get("/periods/<int:period_id>/siasn.<fmt>")
@roles_required(*MANAGERS)
def siasn_export(period_id: int, fmt: str):
    if fmt not in siasn.FORMATS:
        abort(404)
    period = _period(period_id)
    unit_id = arg_id("unit")
    if unit_id is not None:
        unit = load(Unit, unit_id)
        if not can_manage_unit(current_user, unit.id):
            abort(403)
        units, stem = [unit], f"siasn-kinerja-{unit.code}-{period.starts_on:%Y%m%d}"
    else:
        units = managed_units(current_user)
        stem = f"siasn-kinerja-{period.starts_on:%Y%m%d}"
        if current_user.role == Role.SUPERVISOR and units:
            stem = f"siasn-kinerja-{units[0].code}-{period.starts_on:%Y%m%d}"
    rows = siasn.records(period, units)
    stem = secure_filename(stem) or "siasn-kinerja"
    if fmt == "csv":
        return _download(siasn.to_csv(rows), f"{stem}.csv", "text/csv; charset=utf-8")
    if fmt == "json":
        return _download(siasn.to_json(rows, period), f"{stem}.json", "application/json")
    body = siasn.to_xlsx(rows, period.name)
    return _download(body, f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _download(body: bytes, filename: str, mimetype: str) -> HttpResponse:
    response = HttpResponse(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
