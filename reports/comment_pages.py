"""The comments page's requests (the routes are in ``admin_views``): the filtered list, its
export, and each row's writes (hide, tag, answer and close, reopen), each answering htmx with
the row and a plain form with a redirect back."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.periods import periods_query
from core.db import db
from core.errors import DomainError
from core.extensions import htmx
from core.responses import Response
from core.web import arg_date, arg_id, local_target, paginate, saved
from org.access import managed_units
from org.auth import load
from org.models import Desk, local_clock

from . import exports
from .comments import (
    CLOSED,
    OPEN,
    TAG_LABELS,
    UNTAGGED,
    CommentFilters,
    answer_complaint,
    comment_details,
    comments_query,
    reopen_complaint,
    set_comment_hidden,
    tag_comment,
)
from .forms import CommentAnswerForm, CommentTagForm
from .models import CommentTag

ROW = "reports/_comment.html"
# The most rows one export holds: a year of a busy office's comments, and a file Excel opens.
EXPORT_LIMIT = 20000


def filters_from_request() -> CommentFilters:
    return CommentFilters(
        q=request.args.get("q", ""),
        unit_id=arg_id("unit"),
        period_id=arg_id("period"),
        desk_id=arg_id("desk"),
        hidden=request.args.get("hidden", ""),
        tag=request.args.get("tag", ""),
        status=request.args.get("status", ""),
        since=arg_date("from"),
        until=arg_date("to"),
    )


def args_of(filters: CommentFilters) -> dict:
    """The filters as the query string writes them (the pager's and the export's links)."""
    return {
        "q": filters.q,
        "unit": filters.unit_id or "",
        "period": filters.period_id or "",
        "desk": filters.desk_id or "",
        "hidden": filters.hidden,
        "tag": filters.tag,
        "status": filters.status,
        "from": filters.since.isoformat() if filters.since else "",
        "to": filters.until.isoformat() if filters.until else "",
    }


def list_context() -> dict:
    filters = filters_from_request()
    listing = paginate(comments_query(current_user, filters))
    units = managed_units(current_user)
    desks = db.session.scalars(
        db.select(Desk).where(Desk.unit_id.in_([unit.id for unit in units])).order_by(Desk.name)
    ).all()
    return dict(
        listing=listing,
        units=units,
        desks=desks,
        details=comment_details(listing.items),
        periods=db.session.scalars(periods_query()).all(),
        filters=filters,
        args=args_of(filters),
        tags=TAG_LABELS,
        untagged=UNTAGGED,
        statuses={OPEN: _("Complaints waiting for an answer"), CLOSED: _("Answered and closed")},
    )


def _row(response: Response, **extra) -> dict:
    return dict(response=response, details=comment_details([response]), tags=TAG_LABELS, **extra)


def _refused(response: Response, error: DomainError, **extra):
    db.session.rollback()
    if htmx:
        return render_template(ROW, row_error=error.message, **_row(response, **extra)), error.status
    return render_template("error.html", status=error.status, message=error.message), error.status


def _done(response: Response, message: str):
    return saved(
        ROW,
        "comment-changed",
        local_target(request.referrer) or url_for("admin.reports.comments"),
        message,
        **_row(response),
    )


def _response(response_id: int) -> Response:
    return load(Response, response_id, lambda r: r.unit_id)


def set_hidden(response_id: int, hidden: bool):
    response = _response(response_id)
    try:
        set_comment_hidden(current_user, response, hidden)
    except DomainError as error:
        return _refused(response, error)
    message = (
        _("Comment hidden. It is kept, and the hiding is in the audit log.") if hidden else _("Comment shown again.")
    )
    return _done(response, message)


def tag(response_id: int):
    response = _response(response_id)
    form = CommentTagForm(id_prefix=f"comment-{response_id}-tag")
    if not form.submit(lambda: tag_comment(current_user, response, form.tag.data)):
        message = form.error or "; ".join(str(e) for e in form.tag.errors)
        return _refused_form(response, message, form.status)
    return _done(response, _("Tagged as %(tag)s.", tag=TAG_LABELS[CommentTag(form.tag.data)]))


def answer(response_id: int):
    response = _response(response_id)
    form = CommentAnswerForm(id_prefix=f"comment-{response_id}-answer")
    if not form.submit(lambda: answer_complaint(current_user, response, form.answer.data)):
        if htmx:
            # A refusal of the state (already closed, not a complaint) goes above the row's
            # actions, since the form itself may no longer be shown; a bad value beside its field.
            row = _row(response, row_error=form.error) if form.error else _row(response, answer_form=form)
            return render_template(ROW, **row), form.status
        message = form.error or "; ".join(str(e) for e in form.answer.errors)
        return render_template("error.html", status=form.status, message=message), form.status
    return _done(response, _("Answer recorded; the complaint is closed."))


def reopen(response_id: int):
    response = _response(response_id)
    try:
        reopen_complaint(current_user, response)
    except DomainError as error:
        return _refused(response, error)
    return _done(response, _("The complaint is open again."))


def _refused_form(response: Response, message: str, status: int):
    db.session.rollback()
    if htmx:
        return render_template(ROW, row_error=message, **_row(response)), status
    return render_template("error.html", status=status, message=message), status


def export_rows(filters: CommentFilters) -> tuple[list[str], list[list]]:
    """The comments of the filters, as people may read them (profanity masked, hidden ones left
    out, as from every report), each time in its own unit's zone: "2026-12-04 11:40 WITA"."""
    query = comments_query(current_user, filters).where(Response.comment_hidden.is_(False)).limit(EXPORT_LIMIT)
    responses = db.session.scalars(query).all()
    details = comment_details(responses)
    units = {unit.id: unit.name for unit in managed_units(current_user)}
    header = [
        _("When (local time)"),
        _("Unit"),
        _("Desk"),
        _("Officer"),
        _("Comment"),
        _("Tag"),
        _("Status"),
        _("Answer"),
        _("Answered by"),
        _("Answered at (local time)"),
    ]
    rows = []
    for response in responses:
        detail = details[response.id]
        triage, tz = detail["triage"], detail["timezone"]
        rows.append(
            [
                local_clock(response.cast_at, tz, "%Y-%m-%d %H:%M"),
                units.get(response.unit_id, ""),
                detail["desk"] or "",
                detail["officer"] or "",
                detail["text"],
                str(TAG_LABELS[triage.tag]) if triage and triage.tag else "",
                _status_text(triage),
                triage.answer if triage and triage.answer else "",
                detail["answered_by"] or "",
                local_clock(triage.answered_at, tz, "%Y-%m-%d %H:%M") if triage and triage.answered_at else "",
            ]
        )
    return header, rows


def _status_text(triage) -> str:
    if triage is None or triage.tag != CommentTag.COMPLAINT:
        return ""
    return _("Answered and closed") if triage.closed_at else _("Waiting for an answer")


def export(fmt: str):
    header, rows = export_rows(filters_from_request())
    if fmt == "csv":
        return exports.to_csv(header, rows), "komentar.csv", "text/csv; charset=utf-8"
    body = exports.rows_xlsx(header, rows, _("Comments"))
    return body, "komentar.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
