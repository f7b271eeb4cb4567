"""What every unit shares, in the admin area (administrators only): appraisal periods, survey
indicators and their weights, and each period's scoring policy."""

from typing import cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.crud import ACTIONS
from core.db import MAX_ID, db
from core.errors import DomainError
from core.htmx import render_htmx
from core.web import paginate, saved
from org import access
from org.auth import ADMIN, MANAGERS, Records, load, roles_required
from org.models import Unit

from .forms import (
    UNIT_QUESTION_TYPES,
    IndicatorForm,
    NewIndicatorForm,
    NewUnitQuestionForm,
    PeriodForm,
    PolicyForm,
    UnitQuestionForm,
    weights_form,
)
from .indicators import (
    create_indicator,
    delete_indicator,
    has_answers,
    indicators_query,
    set_weights,
    update_indicator,
    weighted_indicators,
)
from .models import Indicator, IndicatorChannel, IndicatorKind, Period
from .periods import create_period, delete_period, open_period, periods_query, response_counts, update_period
from .policy import set_policy
from .unit_questions import (
    create_unit_question,
    move_unit_question,
    national_questions,
    set_unit_question_active,
    type_of,
    unit_questions,
    update_unit_question,
)

bp = Blueprint("appraisal", __name__)


class Periods(Records):
    name, model, form, url = "period", Period, PeriodForm, "/periods"
    blueprint = "admin.appraisal"
    list_endpoint = "periods_list"
    roles = dict.fromkeys(ACTIONS, (ADMIN,))
    page, list_partial = "appraisal/periods.html", "appraisal/_periods.html"
    new_partial, row_partial = "appraisal/_period_new.html", "appraisal/_period_row.html"
    messages = dict(
        created=_l("Period %(name)s added as a draft."),
        saved=_l("Period %(name)s saved."),
        deleted=_l("Period %(name)s deleted."),
        confirm=_l("Delete period %(name)s?"),
    )

    def list_context(self, parent=None):
        search = request.args.get("q", "")
        listing = paginate(periods_query(search))
        return dict(listing=listing, q=search, counts=response_counts([p.id for p in listing.items]))

    def row_context(self, period):
        return dict(counts=response_counts([period.id]))

    def create(self, actor, form, parent=None):
        return create_period(actor, form.values)

    def update(self, actor, period, form):
        return update_period(actor, period, form.values)

    def delete(self, actor, period):
        delete_period(actor, period)

    def refused(self, error, period):
        """A change of the period's state refused: its row again, with the reason."""
        db.session.rollback()
        return render_htmx(
            "admin/row_edit.html", self.row_partial, status=error.status, row_error=error.message, **self.row(period)
        )

    def changed(self, period, message):
        """A change of the period's state made: its row again, with what happened."""
        return saved(
            self.row_partial, "period-saved", self.back(period), message % {"name": period.name}, **self.row(period)
        )

    def change_state(self, period_id, change, message):
        """Open or close a period from its row (``change(period, actor)``, an operation that raises
        a DomainError when the period's state does not allow it)."""
        period = load(Period, period_id)
        try:
            change(period, current_user)
        except DomainError as error:
            return self.refused(error, period)
        return self.changed(period, message)


periods = Periods()
periods.register(bp)


@bp.post("/periods/<int:period_id>/open")
@roles_required(ADMIN)
def period_open(period_id):
    return periods.change_state(period_id, open_period, _l("Period %(name)s is open."))


class Indicators(Records):
    name, model, url = "indicator", Indicator, "/indicators"
    blueprint = "admin.appraisal"
    form, create_form = IndicatorForm, NewIndicatorForm
    list_endpoint = "indicators_list"
    roles = dict.fromkeys(ACTIONS, (ADMIN,))
    page, list_partial = "appraisal/indicators.html", "appraisal/_indicators.html"
    new_partial, row_partial = "appraisal/_indicator_new.html", "appraisal/_indicator_row.html"
    title_attribute = title_param = "code"
    messages = dict(
        created=_l("Indicator %(code)s added."),
        saved=_l("Indicator %(code)s saved."),
        deleted=_l("Indicator %(code)s deleted."),
        confirm=_l("Delete indicator %(code)s?"),
    )

    def list_context(self, parent=None):
        search, active, channel = (
            request.args.get("q", ""),
            request.args.get("active", ""),
            request.args.get("channel", ""),
        )
        weighted = weighted_indicators()
        return dict(
            listing=paginate(indicators_query(search, active, channel), per_page=50),
            q=search,
            active=active,
            channel=channel,
            weighted=weighted,
            weights_form=weights_form(weighted, formdata=False),
        )

    def form_context(self, parent=None):
        # The national kinds: yes/no and short text are a unit's own items (its questions page).
        return dict(kinds=[IndicatorKind.SCALE, IndicatorKind.REASON], channels=list(IndicatorChannel))

    def row_context(self, indicator):
        return dict(answered=has_answers(indicator), **self.form_context())

    def blank(self, parent=None, made=None):
        return NewIndicatorForm.blank("indicator-new", kind="scale", channel="qr")

    def create(self, actor, form, parent=None):
        return create_indicator(actor, form.values)

    def update(self, actor, indicator, form):
        return update_indicator(actor, indicator, form.values)

    def edited(self, indicator, result):
        if result is indicator:
            return super().edited(indicator, result)
        message = _(
            "Citizens have answered %(old)s, so it was kept as it was and switched off; the new text is "
            "version %(new)s.",
            old=indicator.code,
            new=result.code,
        )
        # A new row joined the table: the whole list is redrawn.
        return saved(self.list_partial, "indicator-saved", self.back(indicator), message, **self.page_context())

    def delete(self, actor, indicator):
        delete_indicator(actor, indicator)


indicators = Indicators()
indicators.register(bp)


@bp.route("/indicators/weights", methods=["GET", "POST"])
@roles_required(ADMIN)
def indicator_weights():
    if request.method == "GET":  # the weights again, when an indicator changed
        return render_htmx("appraisal/indicators.html", "appraisal/_weights.html", **indicators.page_context())
    weighted = weighted_indicators()
    form = weights_form(weighted)

    def write():
        set_weights(current_user, {indicator.id: form[f"weight-{indicator.id}"].data for indicator in weighted})

    if form.submit(write):
        return saved(
            "appraisal/_weights.html",
            "weights-saved",
            indicators.back(None),
            _("Weights saved."),
            **indicators.page_context(),
        )
    return render_htmx(
        "appraisal/indicators.html",
        "appraisal/_weights.html",
        status=form.status,
        **{**indicators.page_context(), "weights_form": form},
    )


@bp.route("/periods/<int:period_id>/policy", methods=["GET", "POST"])
@roles_required(ADMIN)
def period_policy(period_id: int):
    period = load(Period, period_id)
    if request.method == "GET":
        return render_template("appraisal/policy.html", period=period, form=PolicyForm(obj=period))
    form = PolicyForm()
    if form.submit(lambda: set_policy(current_user, period, form.values)):
        db.session.commit()
        flash(_("The scoring policy of %(name)s is saved.", name=period.name), "success")
        return redirect(url_for("admin.appraisal.period_policy", period_id=period.id), code=303)
    return render_template("appraisal/policy.html", period=period, form=form), form.status


# --- A unit's own questions (issue #17) -------------------------------------------------------------
# Supervisors change their own unit's, administrators any unit's; the national questions are
# shown beside them, read-only (they are changed on the indicators page above, by administrators).


def _own_unit(unit_id: int) -> Unit:
    return load(Unit, unit_id, unit_of=lambda unit: unit.id)


def _own_question(question_id: int) -> Indicator:
    """A unit's question the user may change: 404 unknown, 403 another unit's or a national one."""
    question = load(Indicator, question_id)
    if question.unit_id is None or not access.can_manage_unit(current_user, question.unit_id):
        abort(403)
    return question


def _unit_of(question: Indicator) -> Unit:
    return cast(Unit, db.session.get(Unit, question.unit_id))


def _questions_context(unit: Unit, form=None, **extra) -> dict:
    questions = unit_questions(unit)
    return dict(
        unit=unit,
        questions=questions,
        types={q.id: type_of(q) for q in questions},
        national=national_questions(),
        form=form or NewUnitQuestionForm.blank("question-new", type="survey_yes_no"),
        type_names=UNIT_QUESTION_TYPES,
        units=access.managed_units(current_user),
        **extra,
    )


def _questions_page(unit: Unit, status: int = 200, **context):
    return render_htmx(
        "appraisal/unit_questions.html",
        "appraisal/_unit_questions.html",
        status=status,
        **_questions_context(unit, **context),
    )


@bp.get("/questions")
@roles_required(*MANAGERS)
def questions_home():
    """Where the navigation leads: a supervisor's own unit, or the first unit for an administrator."""
    asked = request.args.get("unit", type=int)
    if asked is not None:
        if not 0 < asked <= MAX_ID:
            abort(404)
        return redirect(url_for("admin.appraisal.unit_questions_page", unit_id=_own_unit(asked).id))
    units = access.managed_units(current_user)
    if not units:
        abort(404)
    return redirect(url_for("admin.appraisal.unit_questions_page", unit_id=units[0].id))


@bp.get("/units/<int:unit_id>/questions")
@roles_required(*MANAGERS)
def unit_questions_page(unit_id: int):
    return _questions_page(_own_unit(unit_id))


@bp.post("/units/<int:unit_id>/questions")
@roles_required(*MANAGERS)
def unit_question_add(unit_id: int):
    unit = _own_unit(unit_id)
    form = NewUnitQuestionForm(id_prefix="question-new")
    if form.submit(lambda: create_unit_question(current_user, unit, form.values)):
        message = _("Question %(code)s added.", code=cast(Indicator, form.result).code)
        return saved(
            "appraisal/_unit_questions.html",
            "unit-questions-changed",
            url_for("admin.appraisal.unit_questions_page", unit_id=unit.id),
            message,
            **_questions_context(unit),
        )
    return render_template("appraisal/unit_questions.html", **_questions_context(unit, form=form)), form.status


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def unit_question_edit(question_id: int):
    question = _own_question(question_id)
    unit = _unit_of(question)
    context = dict(question=question, unit=unit, question_type=type_of(question), type_names=UNIT_QUESTION_TYPES)
    if request.method == "GET":
        return render_template("appraisal/unit_question_edit.html", form=UnitQuestionForm(obj=question), **context)
    form = UnitQuestionForm()
    if form.submit(lambda: update_unit_question(current_user, question, form.values)):
        result = cast(Indicator, form.result)
        if result is question:
            message = _("Question %(code)s saved.", code=question.code)
        else:
            message = _(
                "Citizens have answered %(old)s, so it was kept as it was and switched off; the new text is "
                "version %(new)s.",
                old=question.code,
                new=result.code,
            )
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("admin.appraisal.unit_questions_page", unit_id=unit.id), code=303)
    return render_template("appraisal/unit_question_edit.html", form=form, **context), form.status


def _question_change(question_id: int, change):
    """Switch a question on or off, or move it: the list again (htmx) or back to the page."""
    question = _own_question(question_id)
    unit = _unit_of(question)
    try:
        change(question)
    except DomainError as error:
        db.session.rollback()
        return _questions_page(unit, status=error.status, list_error=error.message)
    return saved(
        "appraisal/_unit_questions.html",
        "unit-questions-changed",
        url_for("admin.appraisal.unit_questions_page", unit_id=unit.id),
        _("Question %(code)s saved.", code=question.code),
        **_questions_context(unit),
    )


@bp.post("/questions/<int:question_id>/active")
@roles_required(*MANAGERS)
def unit_question_active(question_id: int):
    active = request.form.get("active")
    if active not in ("0", "1"):
        abort(400)
    return _question_change(
        question_id, lambda question: set_unit_question_active(current_user, question, active == "1")
    )


@bp.post("/questions/<int:question_id>/move")
@roles_required(*MANAGERS)
def unit_question_move(question_id: int):
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""), 0)
    return _question_change(question_id, lambda question: move_unit_question(current_user, question, step))
