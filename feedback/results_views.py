"""What a round shows: the officer's own results (``my_results``, ``results``), a supervisor's
page per officer (``results``) and per round (``round_results``), and the round's aggregates as
CSV or XLSX (``results_export``). Each reads ``feedback.queries``, whose rules hide what must
stay hidden (an open round; peers or subordinates below the round's minimum of raters), so no
page or file can show more than another.

Who reads an officer's results: she herself (once the round closes), whoever may read her
appraisal sheet for the period other than her colleagues (her appraiser and the appraiser's
superior, the supervisor of her unit, an administrator), and the supervisors of the round's
unit. A colleague who rated her never does.
"""

from __future__ import annotations

from flask import Response, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from appraisal.scoring import display
from core.i18n import current_locale
from org.access import can_manage_unit, can_view_sheet
from org.auth import EVERYONE, MANAGERS, load, roles_required
from org.models import Officer, User, local_clock
from reports import exports

from . import picture, queries
from .blueprint import bp
from .models import FeedbackRound, RoundStatus

SIDE_LABELS = {
    "u6": _l("Citizens: competence (survey element U6)"),
    "u7": _l("Citizens: conduct (survey element U7)"),
    "kiosk": _l("Citizens: kiosk"),
    "supervisor": _l("Supervisor"),
    "peer": _l("Peers"),
    "subordinate": _l("Team members"),
    "self": _l("Self"),
}
STATUS_LABELS = {"open": _l("Open: raters are answering"), "closed": _l("Closed")}


@bp.app_template_global("feedback_side_label")
def side_label(key: str) -> str:
    return str(SIDE_LABELS.get(key, key))


@bp.app_template_global("feedback_hidden_text")
def hidden_text(reason: str | None, threshold: int = picture.threshold(0)) -> str:
    """Why a side shows no mean, in the reader's language."""
    texts = {
        picture.OPEN: _("Shown when the round closes"),
        picture.FEW: _("Hidden: fewer than %(min)s answered", min=threshold),
        picture.NONE: _("No answers"),
        picture.NO_DATA: _("Not enough data"),
    }
    return texts.get(reason or "", "")


def _is_self(user: User, officer: Officer) -> bool:
    return user.officer_id is not None and user.officer_id == officer.id


def may_read(user: User, round_: FeedbackRound, officer: Officer) -> bool:
    """The officer herself, the supervisors of the round's unit, and whoever reads her appraisal
    sheet of the period but is an officer of her unit only as her appraiser or their superior
    (``can_view_sheet``)."""
    if user is None or not user.active:
        return False
    return (
        _is_self(user, officer) or can_manage_unit(user, round_.unit_id) or can_view_sheet(user, officer, round_.period)
    )


def _when(round_: FeedbackRound, moment) -> str | None:
    return local_clock(moment, round_.unit.timezone, "%Y-%m-%d %H:%M") if moment else None


@bp.get("/mine")
@roles_required(*EVERYONE)
def my_results():
    """The rounds in which the signed-in officer was rated, with her results once each closes."""
    officer = load(Officer, current_user.officer_id) if current_user.officer_id else None
    rounds = queries.rounds_of_subject(officer.id) if officer is not None else []
    return render_template(
        "feedback/results_mine.html",
        officer=officer,
        rounds=[{"round": r, "closed_at": _when(r, r.closed_at)} for r in rounds],
        status_labels=STATUS_LABELS,
    )


@bp.get("/rounds/<int:round_id>/results/<int:officer_id>")
@roles_required(*EVERYONE)
def results(round_id: int, officer_id: int):
    round_, officer = load(FeedbackRound, round_id), load(Officer, officer_id)
    if not queries.is_subject(round_, officer.id):
        abort(404)
    if not may_read(current_user, round_, officer):
        abort(403)
    found = queries.subject_results(round_, officer, current_locale())
    return render_template(
        "feedback/results.html",
        found=found,
        round=round_,
        officer=officer,
        own=_is_self(current_user, officer),
        closed_at=_when(round_, round_.closed_at),
        status_labels=STATUS_LABELS,
        round_url=(
            url_for("admin.feedback.round_results", round_id=round_.id)
            if can_manage_unit(current_user, round_.unit_id)
            else None
        ),
    )


@bp.get("/rounds/<int:round_id>/results")
@roles_required(*MANAGERS)
def round_results(round_id: int):
    """A supervisor's page of a round: each officer rated, a link to her results, the exports."""
    round_ = load(FeedbackRound, round_id, unit_of=lambda r: r.unit_id)
    return render_template(
        "feedback/results_round.html",
        round=round_,
        officers=queries.subjects(round_),
        closed=round_.status == RoundStatus.CLOSED,
        closed_at=_when(round_, round_.closed_at),
        threshold=picture.threshold(round_.min_raters),
        status_labels=STATUS_LABELS,
    )


def export_header() -> list[str]:
    return [
        _("NIP"),
        _("Name"),
        _("Value"),
        _("Raters"),
        _("Raters who answered"),
        _("Answers counted"),
        _("Average (1-4)"),
        _("Shown"),
    ]


def export_rows(round_: FeedbackRound) -> list[list]:
    locale = current_locale()
    threshold = picture.threshold(round_.min_raters)
    return [
        [
            row["officer"].nip,
            row["officer"].name,
            row["value"].name(locale),
            side_label(row["kind"].value),
            row["raters"],
            row["n"],
            display(row["mean"], 2) if row["mean"] is not None else None,
            _("Yes") if row["hidden"] is None else hidden_text(row["hidden"], threshold),
        ]
        for row in queries.round_rows(round_)
    ]


@bp.get("/rounds/<int:round_id>/results.<fmt>")
@roles_required(*MANAGERS)
def results_export(round_id: int, fmt: str):
    """The round's aggregates per officer, value and kind of rater: what the pages show, never
    an answer of one rater nor a comment."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    round_ = load(FeedbackRound, round_id, unit_of=lambda r: r.unit_id)
    header, rows = export_header(), export_rows(round_)
    stem = f"umpan-balik-360-{round_.unit.code}-{round_.period.starts_on:%Y%m%d}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body = exports.rows_xlsx(header, rows, round_.period.name, text_columns=(1,))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
