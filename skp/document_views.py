"""The evaluation document of an SKP in a period (``skp.document``): a page to print, and the
same page as a PDF (``core.pdf``). Whoever may see the officer's sheet of the period may see it
(``org.access.can_view_sheet``: the officer, her appraiser and the appraiser's superior, the
supervisor of the period's unit, an administrator)."""

from __future__ import annotations

from flask import Response as HttpResponse
from flask import abort, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from appraisal.models import Period, PeriodStatus
from core.pdf import PdfUnavailable, render_pdf
from org.access import can_view_sheet
from org.auth import EVERYONE, load, roles_required

from .blueprint import bp
from .document import document_context
from .models import Skp
from .queries import in_year


def _load(skp_id: int, period_id: int) -> tuple[Skp, Period]:
    skp, period = load(Skp, skp_id), load(Period, period_id)
    if period.status == PeriodStatus.DRAFT or not in_year(skp, period):
        abort(404)
    if not can_view_sheet(current_user, skp.officer, period):
        abort(403)
    return skp, period


def _page(skp: Skp, period: Period, pdf: bool) -> str:
    return render_template("skp/document.html", pdf=pdf, **document_context(skp, period, current_user))


@bp.get("/<int:skp_id>/periods/<int:period_id>/document")
@roles_required(*EVERYONE)
def document(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    return _page(skp, period, pdf=False)


@bp.get("/<int:skp_id>/periods/<int:period_id>/document.pdf")
@roles_required(*EVERYONE)
def document_pdf(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    try:
        body = render_pdf(_page(skp, period, pdf=True))
    except PdfUnavailable as error:
        current_app.logger.error("evaluation document PDF unavailable: %s", error)
        message = _("The PDF cannot be made on this server. Use Print instead.")
        return render_template("error.html", status=503, message=message), 503
    name = secure_filename(f"evaluasi-kinerja-{skp.officer.nip}-{period.starts_on:%Y%m%d}.pdf")
    response = HttpResponse(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response
