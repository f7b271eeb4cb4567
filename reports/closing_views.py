"""Closing and reopening a period in the admin area: the period's row starts the job, and the
job's page takes its steps (htmx asks for the next as each answers; without script, a button
does) and shows how far it has come. ``reports.closing`` does the work."""

from flask import Blueprint, abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user

from appraisal.admin_views import periods
from appraisal.forms import ReopenForm
from appraisal.models import Period
from core.db import db
from core.errors import DomainError
from core.htmx import render_htmx, wants_partial
from org.auth import ADMIN, load, roles_required

from . import closing
from .models import PeriodJob

bp = Blueprint("closing", __name__)


def _to_job(period: Period):
    """To the job's page: a redirect, or htmx's own (the row asked, the page answers)."""
    db.session.commit()
    target = url_for("admin.reports.closing.job", period_id=period.id)
    if wants_partial():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


def _job(period: Period) -> PeriodJob:
    job = closing.latest_job(period)
    if job is None:
        abort(404)
    return job


def _page(job: PeriodJob, status: int = 200, notice: str = ""):
    return render_htmx(
        "reports/period_job.html",
        "reports/_period_job.html",
        status=status,
        progress=closing.progress(job),
        notice=notice,
        back=url_for("admin.appraisal.periods_list"),
    )


@bp.post("/periods/<int:period_id>/close")
@roles_required(ADMIN)
def close(period_id):
    period = load(Period, period_id)
    try:
        closing.start_close(period, current_user)
    except DomainError as error:
        return periods.refused(error, period)
    return _to_job(period)


@bp.route("/periods/<int:period_id>/reopen", methods=["GET", "POST"])
@roles_required(ADMIN)
def reopen(period_id):
    """The reason asked in the period's row; given, the job that reopens it."""
    period = load(Period, period_id)
    form = ReopenForm(id_prefix=f"reopen-{period.id}")
    context = dict(period=period, form=form, back=periods.back(period))
    if request.method == "GET":
        return render_htmx("appraisal/reopen.html", "appraisal/_reopen.html", **context)
    if form.submit(lambda: closing.start_reopen(period, current_user, form.reason.data)):
        return _to_job(period)
    return render_htmx("appraisal/reopen.html", "appraisal/_reopen.html", status=form.status, **context)


@bp.get("/periods/<int:period_id>/job")
@roles_required(ADMIN)
def job(period_id):
    period = load(Period, period_id)
    return _page(_job(period))


@bp.post("/periods/<int:period_id>/job/step")
@roles_required(ADMIN)
def step(period_id):
    period = load(Period, period_id)
    job = closing.step(_job(period), current_app.config["PERIOD_JOB_STEP_SECONDS"])
    return _page(job)


@bp.post("/periods/<int:period_id>/job/cancel")
@roles_required(ADMIN)
def cancel(period_id):
    """Stop a close half-way: the period is open again."""
    period = load(Period, period_id)
    try:
        closing.cancel(_job(period), current_user)
    except DomainError as error:
        db.session.rollback()
        return _page(_job(period), status=error.status, notice=error.message)
    db.session.commit()
    if wants_partial():
        return _page(_job(period))
    return redirect(url_for("admin.reports.closing.job", period_id=period.id), code=303)
