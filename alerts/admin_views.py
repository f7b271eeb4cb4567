"""The admin-area pages of alerts (nested under /admin by the admin shell): the list (open and
acknowledged, filtered; acknowledging with a comment), the navigation's badge (polled by htmx;
it also checks the user's units, throttled), and a unit's settings of each rule.

Supervisors see their unit's alerts, administrators every unit's; officers none."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from core.db import db
from core.htmx import render_htmx, wants_partial
from core.web import arg_id, paginate, saved
from org.access import can_manage_unit, managed_units
from org.auth import MANAGERS, load, roles_required
from org.models import Unit

from . import models  # noqa: F401  (the tables)
from .forms import AcknowledgeForm, setting_form
from .models import Alert
from .operations import acknowledge, check_due, save_setting, settings_of
from .queries import STATUSES, acknowledgers, alerts_query, describe, newest_id, open_count
from .rules import RULES

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


def _row_context(alerts: list[Alert]) -> dict:
    return {
        "names": acknowledgers(alerts),
        "describe": describe,
        "rules": RULES,
        "ack_form": lambda alert: AcknowledgeForm.blank(id_prefix=f"alert-{alert.id}"),
    }


def _list_context() -> dict:
    status = request.args.get("status", "open")
    status = status if status in (*STATUSES, "all") else "open"
    rule = request.args.get("rule", "")
    units = managed_units(current_user)
    unit_id = arg_id("unit")
    if unit_id is not None and not can_manage_unit(current_user, unit_id):
        unit_id = None
    listing = paginate(alerts_query(current_user, status="" if status == "all" else status, unit_id=unit_id, rule=rule))
    live = status == "open" and listing.page == 1
    return {
        "listing": listing,
        "live": live,
        "after": newest_id(current_user) if live else 0,
        "shown": status,
        "rule": rule if rule in RULES else "",
        "unit_id": unit_id,
        "units": units,
        **_row_context(list(listing.items)),
    }


@bp.get("/", endpoint="index")
@roles_required(*MANAGERS)
def index():
    return render_htmx("alerts/index.html", "alerts/_alerts.html", **_list_context())


@bp.post("/<int:alert_id>/acknowledge")
@roles_required(*MANAGERS)
def acknowledge_alert(alert_id: int):
    alert = load(Alert, alert_id, lambda found: found.unit_id)
    form = AcknowledgeForm(id_prefix=f"alert-{alert.id}")
    if form.submit(lambda: acknowledge(current_user, alert, form.comment.data)):
        return saved(
            "alerts/_alert.html",
            "alert-acknowledged",
            url_for("admin.alerts.index"),
            _("Alert acknowledged."),
            alert=alert,
            **_row_context([alert]),
        )
    if wants_partial():
        return render_template("alerts/_alert.html", alert=alert, form=form, **_row_context([alert])), form.status
    return render_template("alerts/acknowledge.html", alert=alert, form=form, **_row_context([alert])), form.status


@bp.get("/fresh")
@roles_required(*MANAGERS)
def fresh():
    """The open alerts raised since the one numbered ``after`` (with the list's filters), for the
    list to put on top (templates/alerts/_fresh.html); the poller again, with the newest number."""
    if not wants_partial():
        return redirect(url_for("admin.alerts.index"), code=303)
    after = arg_id("after") or 0
    rule = request.args.get("rule", "")
    rule = rule if rule in RULES else ""
    unit_id = arg_id("unit")
    if unit_id is not None and not can_manage_unit(current_user, unit_id):
        unit_id = None
    found = list(db.session.scalars(alerts_query(current_user, status="open", unit_id=unit_id, rule=rule, after=after)))
    context = {"after": max([after, *(alert.id for alert in found)]), "unit_id": unit_id, "rule": rule}
    response = make_response(render_template("alerts/_fresh.html", fresh=found, **context, **_row_context(found)))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


@bp.get("/badge")
@roles_required(*MANAGERS)
def badge():
    """The count of open alerts in the navigation; each poll also checks the user's units that no
    one checked in the last 30 seconds, so that alerts appear without the timer too."""
    if not wants_partial():
        return redirect(url_for("admin.alerts.index"), code=303)
    units = managed_units(current_user)
    try:
        if check_due(units):
            db.session.commit()
    except SQLAlchemyError:  # the count still answers; the timer checks again within a minute
        db.session.rollback()
        current_app.logger.exception("alerts not checked from the badge")
    response = make_response(render_template("alerts/_badge.html", count=open_count(units)))
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


def _settings_unit() -> Unit:
    unit_id = arg_id("unit")
    if unit_id is None:
        units = managed_units(current_user)
        if not units:
            abort(404)
        return units[0]
    return load(Unit, unit_id, lambda unit: unit.id)


@bp.get("/settings")
@roles_required(*MANAGERS)
def settings():
    unit = _settings_unit()
    current = settings_of(unit)
    forms = {code: setting_form(code, current[code]) for code in RULES}
    return render_template(
        "alerts/settings.html", unit=unit, units=managed_units(current_user), forms=forms, rules=RULES
    )


@bp.post("/settings/<int:unit_id>/<rule>")
@roles_required(*MANAGERS)
def setting_save(unit_id: int, rule: str):
    unit = load(Unit, unit_id, lambda found: found.id)
    if rule not in RULES:
        abort(404)
    form = setting_form(rule)
    if form.submit(
        lambda: save_setting(
            current_user,
            unit,
            rule,
            enabled=form.enabled.data,
            params=form.params,
            emails=form.emails.data,
            webhook_url=form.webhook_url.data,
            allow_loopback=bool(current_app.config.get("ALERTS_WEBHOOK_LOOPBACK", False)),
        )
    ):
        shown = setting_form(rule, settings_of(unit)[rule])
        return saved(
            "alerts/_setting.html",
            "alert-setting-saved",
            url_for("admin.alerts.settings", unit=unit.id),
            _("Saved."),
            unit=unit,
            form=shown,
            rule=RULES[rule],
        )
    if wants_partial():
        return render_template("alerts/_setting.html", unit=unit, form=form, rule=RULES[rule]), form.status
    current = settings_of(unit)
    forms = {code: setting_form(code, current[code]) for code in RULES}
    forms[rule] = form
    return render_template(
        "alerts/settings.html", unit=unit, units=managed_units(current_user), forms=forms, rules=RULES
    ), form.status
