"""The realisation of each work-result row in a period, its evidence, and the continuous feedback:
the writes of the evaluation page (``admin.skp.evaluation``, whose template includes
``skp/_realisation.html`` and ``skp/_feedback.html``) and the download of an evidence file.

An htmx post gets its region back (the row's realisation, or one list of notes); a plain form
post goes back to the evaluation page (303), or, when refused, gets a page of its own with the
form and its messages.
"""

from __future__ import annotations

import io
from decimal import Decimal

from flask import abort, flash, make_response, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.berakhlak import BY_CODE, VALUES
from appraisal.models import Period
from core.db import db
from core.errors import Invalid
from core.htmx import wants_partial
from core.i18n import current_locale
from core.limits import size_label
from org.auth import EVERYONE, roles_required

from .access import can_view_skp
from .blueprint import bp
from .models import Skp, WorkResult
from .queries import in_year
from .realisation import (
    Upload,
    add_feedback,
    add_praise,
    evidence_of,
    page_context,
    praise_period,
    praise_targets,
    praise_written,
    record_realisation,
)
from .realisation_forms import FeedbackForm, PraiseForm, RealisationForm


@bp.app_template_filter("amount")
def amount_filter(value) -> str:
    """A figure as typed: no trailing zeros (12.00 -> 12, 87.50 -> 87.5); a dash for none."""
    if value is None:
        return "—"
    value = Decimal(value)
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f").rstrip("0")
    return text.rstrip(".") if "." in text else text


@bp.app_template_filter("file_size")
def file_size_filter(size: int) -> str:
    return size_label(size)


@bp.app_template_global("realisation_form")
def realisation_form(row: dict) -> RealisationForm:
    """A row's form as the page first shows it: the recorded values filled in."""
    realisation = row["realisation"]
    data = {}
    if realisation is not None:
        data = {"achieved": realisation.achieved, "note": realisation.note, "evidence_url": realisation.evidence_url}
    form = RealisationForm.blank(id_prefix=f"realisation-{row['result'].id}", **data)
    if data.get("achieved") is not None:
        form.achieved.data = amount_filter(realisation.achieved)
    return form


@bp.app_template_global("feedback_form")
def feedback_form(subject: dict) -> FeedbackForm:
    return FeedbackForm.blank(id_prefix=f"feedback-{subject['key']}")


def _load(skp_id: int, period_id: int) -> tuple[Skp, Period]:
    """The SKP and a period of its year, for someone who may see it (else 404 or 403)."""
    skp = db.session.get(Skp, skp_id)
    if skp is None:
        abort(404)
    if not can_view_skp(current_user, skp):
        abort(403)
    period = db.session.get(Period, period_id)
    if period is None or not in_year(skp, period):
        abort(404)
    return skp, period


def _evaluation_url(skp: Skp, period: Period, anchor: str) -> str:
    return url_for("admin.skp.evaluation", skp_id=skp.id, period_id=period.id) + f"#{anchor}"


def _answer(partial: str, status: int, **context):
    """The region for htmx; else the page of its own (a refused plain form post)."""
    template = partial if wants_partial() else "skp/realisation.html"
    response = make_response(render_template(template, partial=partial, **context), status)
    response.vary.add("HX-Request")
    return response


def _saved(partial: str, event: str, target: str, message: str, **context):
    db.session.commit()
    if wants_partial():
        response = make_response(render_template(partial, **context))
        response.headers["HX-Trigger"] = event
        response.vary.add("HX-Request")
        return response
    flash(message, "success")
    return redirect(target, code=303)


@bp.post("/<int:skp_id>/periods/<int:period_id>/results/<int:result_id>/realisation")
@roles_required(*EVERYONE)
def realisation(skp_id: int, period_id: int, result_id: int):
    skp, period = _load(skp_id, period_id)
    result = db.session.get(WorkResult, result_id)
    if result is None or result.skp_id != skp.id:
        abort(404)
    form = RealisationForm(id_prefix=f"realisation-{result.id}")
    upload = Upload(form.upload.filename, form.upload.data) if form.upload.filename or form.upload.data else None
    written = form.submit(
        lambda: record_realisation(
            current_user,
            result,
            period,
            form.achieved.data,
            form.note.data,
            form.evidence_url.data,
            upload,
            remove_file=form.remove_file.data,
        )
    )
    if not written and form.status == 403:
        abort(403)
    rc = page_context(skp, period, current_user, only=result)
    if written:
        message = _("The realisation is recorded.")
        return _saved(
            "skp/_realisation.html",
            "realisation-recorded",
            _evaluation_url(skp, period, f"realisation-{result.id}"),
            message,
            rc=rc,
            row=rc["rows"][0],
            rz_notice=message,
        )
    return _answer("skp/_realisation.html", form.status, rc=rc, row=rc["rows"][0], rz_form=form)


def _subject_of(rc: dict, key: str) -> dict:
    if key == "skp":
        return rc["general"]
    for group in (rc["rows"], rc["values"]):
        for item in group:
            if item["feedback"]["key"] == key:
                return item["feedback"]
    abort(404)


@bp.post("/<int:skp_id>/periods/<int:period_id>/feedback")
@roles_required(*EVERYONE)
def feedback(skp_id: int, period_id: int):
    skp, period = _load(skp_id, period_id)
    form = FeedbackForm()
    result = None
    if form.result_id.data is not None:
        result = db.session.get(WorkResult, form.result_id.data)
        if result is None or result.skp_id != skp.id:
            abort(404)
    value = form.value.data or None
    if result is not None:
        key = f"result-{result.id}"
    elif value in BY_CODE:
        key = f"value-{value}"
    else:  # the SKP as a whole; a value that is none of the seven is refused by add_feedback, here
        key = "skp"
    form.id_prefix = f"feedback-{key}"
    for field in form:
        field.id = form.field_id(field.name)
    written = form.submit(lambda: add_feedback(current_user, skp, period, form.text.data, result=result, value=value))
    if not written and form.status == 403:
        abort(403)
    rc = page_context(skp, period, current_user)
    if written:
        message = _("Your feedback is added.")
        return _saved(
            "skp/_feedback.html",
            "feedback-added",
            _evaluation_url(skp, period, f"feedback-{key}"),
            message,
            rc=rc,
            subject=_subject_of(rc, key),
            fb_notice=message,
        )
    return _answer("skp/_feedback.html", form.status, rc=rc, subject=_subject_of(rc, key), fb_form=form)


@bp.get("/<int:skp_id>/evidence/<int:file_id>")
@roles_required(*EVERYONE)
def evidence(skp_id: int, file_id: int):
    """An evidence file, as a download: never shown inline, so that a file is never run as a page
    of this site whatever it holds."""
    skp = db.session.get(Skp, skp_id)
    if skp is None:
        abort(404)
    if not can_view_skp(current_user, skp):
        abort(403)
    found = evidence_of(skp, file_id)
    if found is None:
        abort(404)
    response = send_file(io.BytesIO(found.data), mimetype=found.mime, as_attachment=True, download_name=found.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Praise between colleagues ---------------------------------------------------------------------


def _praise_page(form: PraiseForm | None = None, status: int = 200):
    period = praise_period(current_user)
    targets = praise_targets(current_user, period) if period is not None else []
    locale = current_locale()
    return (
        render_template(
            "skp/praise.html",
            form=form or PraiseForm.blank(),
            period=period,
            colleague_options=[("", _("Choose a colleague"))] + [(o.id, o.name) for o, _skp in targets],
            value_options=[("", _("The work as a whole"))] + [(v.code, v.name(locale)) for v in VALUES],
            written=praise_written(current_user),
            is_officer=current_user.officer_id is not None,
        ),
        status,
    )


@bp.get("/praise")
@roles_required(*EVERYONE)
def praise():
    """Praise a colleague of one's unit: a dated note on her continuous feedback."""
    return _praise_page()


@bp.post("/praise")
@roles_required(*EVERYONE)
def praise_post():
    form = PraiseForm()
    period = praise_period(current_user)
    if period is None:
        form.error = _("No period is open today: praise is written in an open period.")
        return _praise_page(form, 409)
    skps = {officer.id: skp for officer, skp in praise_targets(current_user, period)}

    def write():
        colleague = form.colleague.data
        if colleague.id not in skps:  # not a colleague of the unit with an agreed SKP
            raise Invalid({"colleague": "choice"})
        return add_praise(current_user, skps[colleague.id], period, form.text.data, value=form.value.data or None)

    if form.submit(write):
        db.session.commit()
        flash(_("Your praise for %(name)s is added.", name=form.colleague.data.name), "success")
        return redirect(url_for("admin.skp.praise"), code=303)
    if form.status == 403:
        abort(403)
    return _praise_page(form, form.status)
