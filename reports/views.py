"""Published results (PermenPANRB 14/2017 asks every unit to publish its IKM), and the template
filters every report shows its numbers with: registered here, with the public page, so that it
works whether or not the admin area is there."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_babel import gettext as _

from appraisal import scoring
from core.db import db
from core.i18n import current_locale
from org.models import Unit, local_clock

from .charts import element_chart
from .provenance import WARNING_TEXTS
from .queries import element_names
from .snapshots import public_results, published_units

bp = Blueprint("reports", __name__)


@bp.app_template_filter("num")
def num_filter(value, places: int = scoring.PUBLISHED_PLACES) -> str:
    """A score as published: two decimals, halves up (88.305 -> 88.31); a dash for none."""
    return "—" if value is None else str(scoring.display(value, places))


@bp.app_template_filter("grade_label")
def grade_label(letter) -> str:
    if not letter:
        return ""
    grade = scoring.Grade[letter]
    return f"{letter} · {grade.label(current_locale())}"


@bp.app_template_filter("rating_label")
def rating_label(value) -> str:
    labels = {
        "di_atas": _("Above expectations (di atas ekspektasi)"),
        "sesuai": _("As expected (sesuai ekspektasi)"),
        "di_bawah": _("Below expectations (di bawah ekspektasi)"),
    }
    return labels.get(value, "—") if value else _("Not enough data")


@bp.app_template_filter("warning_text")
def warning_text(warning: dict, timezone: str) -> str:
    """A warning of :func:`reports.provenance.warnings_of` in the reader's language; its moment in
    the unit's local time with its zone ("2026-11-12 10:00 WIB")."""
    params = dict(warning)
    if params.get("at") is not None:
        params["at"] = local_clock(params["at"], timezone or "Asia/Jakarta", "%Y-%m-%d %H:%M")
    text = WARNING_TEXTS.get(str(warning.get("code")))
    return text.format(params) if text is not None else str(warning.get("code", ""))


@bp.get("/hasil/")
def published():
    """The units that publish their SKM results, each with its newest closed period: where a
    citizen finds a unit's page without knowing its address."""
    return render_template("reports/published.html", units=published_units())


@bp.route("/hasil/<unit_code>")
def results(unit_code: str):
    """A unit's SKM results for its closed periods: IKM, grade, respondents and per-element
    scores, from the frozen snapshots. No officer appears here."""
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code[:40]))
    if unit is None:
        abort(404)
    names = element_names(current_locale())
    results = public_results(unit)
    for result in results:
        result["chart"] = element_chart(result["skm"], names) if result["skm"]["elements"] else None
    return render_template(
        "reports/public.html", unit=unit, results=results, names=names, nilai_dasar=scoring.NILAI_DASAR
    )
