"""What every unit shares, in the admin area (administrators only): appraisal periods, survey
indicators and their weights, and each period's scoring policy."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.db import db
from core.errors import DomainError
from core.extensions import htmx
from core.forms import Form, values_from
from core.htmx import render_htmx
from core.web import paginate, refused, saved
from org.auth import ADMIN, load, roles_required

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

bp = Blueprint("appraisal", __name__)



PERIOD_FIELDS = ("name", "starts_on", "ends_on")


def _period_context(period, **extra):
    return dict(period=period, counts=response_counts([period.id]), row_template="appraisal/_period_row.html",
                title=period.name, back=url_for("admin.appraisal.periods_list"), **extra)


@bp.get("/periods")
@roles_required(ADMIN)
def periods_list():
    search = request.args.get("q", "")
    listing = paginate(periods_query(search))
    counts = response_counts([p.id for p in listing.items])
    return render_htmx("appraisal/periods.html", "appraisal/_periods.html", listing=listing, q=search, counts=counts,
                       new_form=Form("period-new"))


@bp.post("/periods")
@roles_required(ADMIN)
def period_create():
    form = Form("period-new", values_from(request.form, PERIOD_FIELDS))
    try:
        period = create_period(current_user, form.values)
    except DomainError as error:
        return refused("appraisal/periods.html", "appraisal/_period_new.html", error, new_form=form, listing=None, q="",
                       counts={})
    return saved("appraisal/_period_new.html", "period-created", url_for("admin.appraisal.periods_list"),
                 _("Period %(name)s added as a draft.", name=period.name), new_form=Form("period-new"))


@bp.get("/periods/<int:period_id>/row")
@roles_required(ADMIN)
def period_row(period_id):
    return render_htmx("admin/row_edit.html", "appraisal/_period_row.html", **_period_context(load(Period, period_id)))


@bp.route("/periods/<int:period_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def period_edit(period_id):
    period = load(Period, period_id)
    context = _period_context(period)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "appraisal/_period_row.html",
                           form=Form.of(f"period-{period.id}", period, PERIOD_FIELDS), **context)
    form = Form(f"period-{period.id}", values_from(request.form, PERIOD_FIELDS))
    try:
        update_period(current_user, period, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "appraisal/_period_row.html", error, form=form, **context)
    return saved("appraisal/_period_row.html", "period-saved", url_for("admin.appraisal.periods_list"),
                 _("Period %(name)s saved.", name=period.name), **context)


def _period_refused(error, period, confirm=None):
    db.session.rollback()
    if htmx or confirm is None:
        return render_htmx("admin/row_edit.html", "appraisal/_period_row.html", status=error.status,
                           row_error=error.message, **_period_context(period))
    return render_template("admin/confirm.html", error=error.message, **confirm), error.status


@bp.route("/periods/<int:period_id>/delete", methods=["GET", "POST"])
@roles_required(ADMIN)
def period_delete(period_id):
    period = load(Period, period_id)
    confirm = dict(title=_("Delete period %(name)s?", name=period.name),
                   action=url_for("admin.appraisal.period_delete", period_id=period.id), back=url_for("admin.appraisal.periods_list"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = period.name
    try:
        delete_period(current_user, period)
    except DomainError as error:
        return _period_refused(error, period, confirm)
    return saved(None, "period-deleted", url_for("admin.appraisal.periods_list"), _("Period %(name)s deleted.", name=name))


@bp.post("/periods/<int:period_id>/open")
@roles_required(ADMIN)
def period_open(period_id):
    period = load(Period, period_id)
    try:
        open_period(period, current_user)
    except DomainError as error:
        return _period_refused(error, period)
    return saved("appraisal/_period_row.html", "period-saved", url_for("admin.appraisal.periods_list"),
                 _("Period %(name)s is open.", name=period.name), **_period_context(period))


INDICATOR_FIELDS = ("code", "kind", "text_id", "text_en", "skm_element", "weight", "channel", "position")


def _indicator_form(prefix: str) -> Form:
    return Form(prefix, values_from(request.form, INDICATOR_FIELDS, ["active"], ["labels_id", "labels_en"]))


def _indicator_form_of(indicator: Indicator) -> Form:
    form = Form.of(f"indicator-{indicator.id}", indicator, INDICATOR_FIELDS + ("labels_id", "labels_en", "active"))
    if indicator.weight is not None:
        form.values["weight"] = format(indicator.weight.normalize(), "f")
    return form


CHOICES = dict(kinds=list(IndicatorKind), channels=list(IndicatorChannel))


def _indicator_context(indicator, **extra):
    return dict(indicator=indicator, answered=has_answers(indicator), row_template="appraisal/_indicator_row.html",
                title=indicator.code, back=url_for("admin.appraisal.indicators_list"), **CHOICES, **extra)


def _indicators_context(**extra):
    search, active, channel = request.args.get("q", ""), request.args.get("active", ""), request.args.get("channel", "")
    listing = paginate(indicators_query(search, active, channel), per_page=50)
    weighted = weighted_indicators()
    context = dict(listing=listing, q=search, active=active, channel=channel, weighted=weighted,
                   weights_form=Form("weights", {f"weight-{i.id}": format(i.weight.normalize(), "f")
                                                 if i.weight is not None else "" for i in weighted}),
                   new_form=Form("indicator-new", {"kind": "scale", "channel": "qr", "active": True,
                                               "labels_id": ["", "", "", ""], "labels_en": ["", "", "", ""]}),
                   **CHOICES)
    context.update(extra)
    return context


@bp.get("/indicators")
@roles_required(ADMIN)
def indicators_list():
    partial = "appraisal/_weights.html" if request.args.get("part") == "weights" else "appraisal/_indicators.html"
    return render_htmx("appraisal/indicators.html", partial, **_indicators_context())


@bp.post("/indicators")
@roles_required(ADMIN)
def indicator_create():
    form = _indicator_form("indicator-new")
    try:
        indicator = create_indicator(current_user, form.values)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        return render_htmx("appraisal/indicators.html", "appraisal/_indicator_new.html", status=error.status,
                           **_indicators_context(new_form=form))
    return saved("appraisal/_indicator_new.html", "indicator-created", url_for("admin.appraisal.indicators_list"),
                 _("Indicator %(code)s added.", code=indicator.code), **_indicators_context())


@bp.get("/indicators/<int:indicator_id>/row")
@roles_required(ADMIN)
def indicator_row(indicator_id):
    indicator = load(Indicator, indicator_id)
    return render_htmx("admin/row_edit.html", "appraisal/_indicator_row.html", **_indicator_context(indicator))


@bp.route("/indicators/<int:indicator_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def indicator_edit(indicator_id):
    indicator = load(Indicator, indicator_id)
    context = _indicator_context(indicator)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "appraisal/_indicator_row.html", form=_indicator_form_of(indicator),
                           **context)
    form = _indicator_form(f"indicator-{indicator.id}")
    try:
        result = update_indicator(current_user, indicator, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "appraisal/_indicator_row.html", error, form=form, **context)
    if result is not indicator:
        message = _("Citizens have answered %(old)s, so it was kept as it was and switched off; the new text is "
                    "version %(new)s.", old=indicator.code, new=result.code)
        # A new row joined the table: the whole list is redrawn.
        return saved("appraisal/_indicators.html", "indicator-saved", url_for("admin.appraisal.indicators_list"), message,
                     **_indicators_context())
    return saved("appraisal/_indicator_row.html", "indicator-saved", url_for("admin.appraisal.indicators_list"),
                 _("Indicator %(code)s saved.", code=indicator.code), **context)


@bp.route("/indicators/<int:indicator_id>/delete", methods=["GET", "POST"])
@roles_required(ADMIN)
def indicator_delete(indicator_id):
    indicator = load(Indicator, indicator_id)
    confirm = dict(title=_("Delete indicator %(code)s?", code=indicator.code),
                   action=url_for("admin.appraisal.indicator_delete", indicator_id=indicator.id),
                   back=url_for("admin.appraisal.indicators_list"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    code = indicator.code
    try:
        delete_indicator(current_user, indicator)
    except DomainError as error:
        db.session.rollback()
        if htmx:
            return render_template("appraisal/_indicator_row.html", row_error=error.message,
                                   **_indicator_context(indicator)), error.status
        return render_template("admin/confirm.html", error=error.message, **confirm), error.status
    return saved(None, "indicator-deleted", url_for("admin.appraisal.indicators_list"),
                 _("Indicator %(code)s deleted.", code=code))


@bp.post("/indicators/weights")
@roles_required(ADMIN)
def indicator_weights():
    raw = {i.id: request.form.get(f"weight-{i.id}", "") for i in weighted_indicators()}
    form = Form("weights", {f"weight-{key}": value for key, value in raw.items()})
    try:
        set_weights(current_user, raw)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        return render_htmx("appraisal/indicators.html", "appraisal/_weights.html", status=error.status,
                           **_indicators_context(weights_form=form))
    return saved("appraisal/_weights.html", "weights-saved", url_for("admin.appraisal.indicators_list"),
                 _("Weights saved."), **_indicators_context())


@bp.route("/periods/<int:period_id>/policy", methods=["GET", "POST"])
@roles_required(ADMIN)
def period_policy(period_id: int):
    period = load(Period, period_id)
    fields = ["min_n", "qr_weight_pct", "rating_above", "rating_below"]
    if request.method == "POST":
        form = Form("policy", values_from(request.form, fields))
        try:
            set_policy(current_user, period, form.values)
        except DomainError as error:
            db.session.rollback()
            form.fail(error)
            return render_template("appraisal/policy.html", period=period, form=form), error.status
        db.session.commit()
        flash(_("The scoring policy of %(name)s is saved.", name=period.name), "success")
        return redirect(url_for("admin.appraisal.period_policy", period_id=period.id), code=303)
    form = Form("policy", {"min_n": str(period.min_n), "qr_weight_pct": str(period.qr_weight_pct),
                           "rating_above": str(period.rating_above), "rating_below": str(period.rating_below)})
    return render_template("appraisal/policy.html", period=period, form=form)
