"""Published results (PermenPANRB 14/2017 asks every unit to publish its IKM)."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from core.db import db
from core.i18n import current_locale
from org.models import Unit

from .charts import element_chart
from .queries import element_names
from .snapshots import public_results

bp = Blueprint("reports", __name__)



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
    return render_template("reports/public.html", unit=unit, results=results, names=names)
