"""The SKP index (my SKP and my team's, per year) and the plan of an SKP: its work-result rows,
the BerAKHLAK values with the leader's expectations, and the agreement of the officer and the
appraiser. Thin: parse, call skp.planning or skp.queries, render (a partial to htmx, the page
otherwise; a 303 after a plain post)."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal.berakhlak import BY_CODE, VALUES
from core.db import db
from core.forms import AdminForm
from core.htmx import render_htmx, wants_partial
from core.i18n import current_locale
from core.web import arg_id, saved
from org.access import appraiser_line
from org.auth import EVERYONE, load, roles_required
from org.models import Officer, Role

from . import measures
from .access import can_plan, can_view_skp, is_plan_appraiser, is_plan_officer, year_span
from .blueprint import bp
from .errors import SkpError
from .models import EvaluationStatus, Measure, ResultKind, Skp, WorkResult
from .plan_forms import (
    ASPECT_LABELS,
    KIND_LABELS,
    ExpectationForm,
    MoveForm,
    ResultForm,
)
from .planning import (
    RESULT_FIELDS,
    add_result,
    agree,
    create_skp,
    move_result,
    rated_result_ids,
    remove_result,
    set_expectation,
    update_result,
)
from .queries import evaluations_of, periods_of_year, skp_years, skps_for, today_for
from .ranks import rank_label

RESULTS = "skp/_plan_results.html"
RESULT = "skp/_plan_result.html"
AGREEMENT = "skp/_plan_agreement.html"
VALUE = "skp/_plan_value.html"

STATUS_LABELS = {
    "draft": lambda: _("Being rated"),
    "signed": lambda: _("Signed"),
    "acknowledged": lambda: _("Acknowledged"),
    "objected": lambda: _("Objection filed"),
    "decided": lambda: _("Objection decided"),
}


@bp.app_template_global("skp_link")
def skp_link(endpoint: str, **values) -> str | None:
    """The address of an SKP page, or None while that page is not part of the app: the stages
    are built one by one, and a page links to the next only once it exists."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


@bp.app_template_filter("skp_number")
def skp_number(value) -> str:
    """A target as an office writes it: no trailing zeros, a decimal comma in Bahasa Indonesia."""
    if value is None:
        return "—"
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if current_locale() == "id" else text


@bp.app_template_filter("evaluation_status")
def evaluation_status(evaluation) -> str:
    if evaluation is None:
        return _("Not started")
    return STATUS_LABELS[evaluation.status.value]()


@bp.app_template_filter("skp_status")
def skp_status(skp) -> str:
    if skp is None:
        return _("No SKP yet")
    if skp.status.value == "agreed":
        return _("Agreed")
    if skp.officer_agreed_at or skp.appraiser_agreed_at:
        return _("Agreed by one of two")
    return _("Draft")


# --- The index ---------------------------------------------------------------------------------------


def _year() -> int:
    year = request.args.get("year", type=int)
    if year is None or not 2000 <= year <= 2100:
        return today_for(current_user).year
    return year


@bp.get("/")
@roles_required(*EVERYONE)
def index():
    year = _year()
    overview = skps_for(current_user, year, arg_id("unit"))
    years = sorted({*skp_years(), today_for(current_user).year, year}, reverse=True)
    # Whom the user may start an SKP for (herself, or an officer she appraises over the year).
    startable = {
        row.officer.id
        for row in ([overview.own] if overview.own else []) + overview.team
        if row.skp is None and can_plan(current_user, _transient(row.officer, year))
    }
    return render_template(
        "skp/index.html",
        overview=overview,
        year=year,
        years=years,
        startable=startable,
        signed=(
            EvaluationStatus.SIGNED,
            EvaluationStatus.ACKNOWLEDGED,
            EvaluationStatus.OBJECTED,
            EvaluationStatus.DECIDED,
        ),
        is_manager=current_user.role != Role.OFFICER,
    )


def _transient(officer: Officer, year: int) -> Skp:
    """An SKP not stored, to ask skp.access who could plan it."""
    skp = Skp(officer_id=officer.id, year=year)
    skp.officer = officer
    return skp


@bp.post("/officers/<int:officer_id>/years/<int:year>")
@roles_required(*EVERYONE)
def create(officer_id: int, year: int):
    officer = load(Officer, officer_id)
    try:
        skp = create_skp(current_user, officer, year)
    except SkpError as error:
        db.session.rollback()
        existing = db.session.scalar(db.select(Skp).where(Skp.officer_id == officer.id, Skp.year == year))
        if error.code == "skp_exists" and existing is not None and can_view_skp(current_user, existing):
            return redirect(url_for(".plan", skp_id=existing.id), code=303)
        raise
    db.session.commit()
    return redirect(url_for(".plan", skp_id=skp.id), code=303)


# --- The plan ----------------------------------------------------------------------------------------


def _skp(skp_id: int) -> Skp:
    skp = load(Skp, skp_id)
    if not can_view_skp(current_user, skp):
        abort(403)
    return skp


def _planner(skp_id: int) -> Skp:
    """The SKP, for a change: only its officer and its appraiser (skp.access.can_plan)."""
    skp = _skp(skp_id)
    if not can_plan(current_user, skp):
        abort(403)
    return skp


def _result(skp: Skp, result_id: int) -> WorkResult:
    result = db.session.get(WorkResult, result_id)
    if result is None or result.skp_id != skp.id:
        abort(404)
    return result


def _plan_context(skp: Skp, **extra) -> dict:
    locale = current_locale()
    span = year_span(skp.year)
    expectations = {e.value: e for e in skp.expectations}
    periods = periods_of_year(skp.year)
    value_forms = extra.pop("value_forms", {})
    # A bound row's figure, named as the realisation shows it, with its unit.
    measure_labels = {m.value: f"{measures.label(m)} · {measures.unit_text(m)}" for m in Measure}
    return dict(
        skp=skp,
        officer=skp.officer,
        zone=skp.officer.unit.timezone,
        line=appraiser_line(skp.officer, span.starts_on, span.ends_on),
        can_edit=can_plan(current_user, skp),
        rated=rated_result_ids(skp),
        as_officer=is_plan_officer(current_user, skp),
        as_appraiser=is_plan_appraiser(current_user, skp),
        groups=[
            (kind, KIND_LABELS[kind.value], [r for r in skp.results if r.kind == kind])
            for kind in (ResultKind.UTAMA, ResultKind.TAMBAHAN)
        ],
        has_main=any(r.kind == ResultKind.UTAMA for r in skp.results),
        result_form=extra.pop("result_form", None) or ResultForm.blank(id_prefix="result-new"),
        editing=extra.pop("editing", None),
        edit_form=extra.pop("edit_form", None),
        values=[
            (
                value,
                value.name(locale),
                value.guides(locale),
                expectations.get(value.code),
                value_forms.get(value.code)
                or ExpectationForm.blank(
                    id_prefix=f"value-{value.code}",
                    text=expectations[value.code].text if value.code in expectations else "",
                ),
            )
            for value in VALUES
        ],
        periods=periods,
        evaluations={p: e for (_s, p), e in evaluations_of([skp.id], [p.id for p in periods]).items()},
        kind_labels=KIND_LABELS,
        aspect_labels=ASPECT_LABELS,
        measure_labels=measure_labels,
        result_options=dict(
            kind=list(KIND_LABELS.items()),
            aspect=list(ASPECT_LABELS.items()),
            measure=[("", _("None: typed by the officer"))] + list(measure_labels.items()),
        ),
        rank_label=rank_label,
        **extra,
    )


def _edit_form(result: WorkResult) -> ResultForm:
    return ResultForm.blank(id_prefix=f"result-{result.id}", **{name: getattr(result, name) for name in RESULT_FIELDS})


@bp.get("/<int:skp_id>")
@roles_required(*EVERYONE)
def plan(skp_id: int):
    return render_template("skp/plan.html", **_plan_context(_skp(skp_id)))


@bp.get("/<int:skp_id>/agreement")
@roles_required(*EVERYONE)
def agreement(skp_id: int):
    return render_htmx("skp/plan.html", AGREEMENT, **_plan_context(_skp(skp_id)))


def _changed_message(change) -> str:
    if change.cleared:
        return _("Saved. The plan changed after it was agreed: the officer and the appraiser must both agree again.")
    return _("Saved.")


def _results_saved(skp: Skp, change):
    db.session.expire(skp)
    return saved(
        RESULTS,
        "skp-changed",
        url_for(".plan", skp_id=skp.id, _anchor="plan-results"),
        _changed_message(change),
        **_plan_context(skp),
    )


@bp.post("/<int:skp_id>/results")
@roles_required(*EVERYONE)
def result_add(skp_id: int):
    skp = _planner(skp_id)
    form = ResultForm(id_prefix="result-new")
    if form.submit(lambda: add_result(current_user, skp, form.values)):
        return _results_saved(skp, form.result)
    return render_htmx("skp/plan.html", RESULTS, status=form.status, **_plan_context(skp, result_form=form))


@bp.get("/<int:skp_id>/results/<int:result_id>")
@roles_required(*EVERYONE)
def result_row(skp_id: int, result_id: int):
    skp = _skp(skp_id)
    result = _result(skp, result_id)
    if not wants_partial():
        return redirect(url_for(".plan", skp_id=skp.id, _anchor=f"result-{result.id}"))
    return render_template(RESULT, result=result, number=_number(skp, result), **_plan_context(skp))


def _number(skp: Skp, result: WorkResult) -> int:
    return [r.id for r in skp.results if r.kind == result.kind].index(result.id) + 1


@bp.get("/<int:skp_id>/results/<int:result_id>/edit")
@roles_required(*EVERYONE)
def result_edit(skp_id: int, result_id: int):
    skp = _planner(skp_id)
    result = _result(skp, result_id)
    context = _plan_context(skp, editing=result.id, edit_form=_edit_form(result))
    return render_htmx("skp/plan.html", RESULT, result=result, number=_number(skp, result), **context)


@bp.post("/<int:skp_id>/results/<int:result_id>")
@roles_required(*EVERYONE)
def result_update(skp_id: int, result_id: int):
    skp = _planner(skp_id)
    result = _result(skp, result_id)
    form = ResultForm(id_prefix=f"result-{result.id}")
    if form.submit(lambda: update_result(current_user, result, form.values)):
        return _results_saved(skp, form.result)
    db.session.expire(skp)
    context = _plan_context(skp, editing=result.id, edit_form=form)
    return render_htmx("skp/plan.html", RESULTS, status=form.status, **context)


def _row_change(skp: Skp, write):
    """A change of a row without fields of its own (remove, move): its refusal is shown above
    the rows (or on the page), nothing changed."""
    form = AdminForm.blank()
    if form.submit(write):
        return _results_saved(skp, form.result)
    db.session.expire(skp)
    return render_htmx("skp/plan.html", RESULTS, status=form.status, **_plan_context(skp, results_error=form.error))


@bp.post("/<int:skp_id>/results/<int:result_id>/delete")
@roles_required(*EVERYONE)
def result_delete(skp_id: int, result_id: int):
    skp = _planner(skp_id)
    result = _result(skp, result_id)
    return _row_change(skp, lambda: remove_result(current_user, result))


@bp.post("/<int:skp_id>/results/<int:result_id>/move")
@roles_required(*EVERYONE)
def result_move(skp_id: int, result_id: int):
    skp = _planner(skp_id)
    result = _result(skp, result_id)
    form = MoveForm()
    if not form.validate():
        abort(422)
    offset = -1 if form.direction.data == "up" else 1
    return _row_change(skp, lambda: move_result(current_user, result, offset))


@bp.post("/<int:skp_id>/values/<value>")
@roles_required(*EVERYONE)
def expectation(skp_id: int, value: str):
    skp = _skp(skp_id)
    if value not in BY_CODE:
        abort(404)
    if not is_plan_appraiser(current_user, skp):
        abort(403)
    form = ExpectationForm(id_prefix=f"value-{value}")
    if form.submit(lambda: set_expectation(current_user, skp, value, form.text.data)):
        db.session.expire(skp)
        context = _plan_context(skp)
        item = next(entry for entry in context["values"] if entry[0].code == value)
        return saved(
            VALUE,
            "skp-changed",
            url_for(".plan", skp_id=skp.id, _anchor=f"value-{value}"),
            _changed_message(form.result),
            item=item,
            **context,
        )
    context = _plan_context(skp, value_forms={value: form})
    item = next(entry for entry in context["values"] if entry[0].code == value)
    return render_htmx("skp/plan.html", VALUE, status=form.status, item=item, **context)


@bp.post("/<int:skp_id>/agree")
@roles_required(*EVERYONE)
def agree_plan(skp_id: int):
    skp = _planner(skp_id)
    form = AdminForm.blank()
    if form.submit(lambda: agree(current_user, skp)):
        message = (
            _("Agreed by both: the planning is done.")
            if skp.status.value == "agreed"
            else _("Your agreement is recorded.")
        )
        return saved(AGREEMENT, "skp-agreed", url_for(".plan", skp_id=skp.id), message, **_plan_context(skp))
    db.session.expire(skp)
    return render_htmx("skp/plan.html", AGREEMENT, status=form.status, **_plan_context(skp, agreement_error=form.error))
