"""What every unit shares, in the admin area (administrators only): appraisal periods, survey
indicators and their weights, and each period's scoring policy."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.crud import ACTIONS
from core.db import db
from core.errors import DomainError
from core.htmx import render_htmx
from core.web import paginate, saved
from org.auth import ADMIN, Records, load, roles_required

from .forms import IndicatorForm, NewIndicatorForm, PeriodForm, PolicyForm, weights_form
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
        return dict(kinds=list(IndicatorKind), channels=list(IndicatorChannel))

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
