"""Admin views for the counters' devices and people on duty: kiosks and the duty roster."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal import accounts, admin_services
from appraisal.errors import DomainError, Invalid
from appraisal.db import db, utcnow
from appraisal.models import Desk, Kiosk, Officer, Role
from extensions import htmx, render_htmx

from . import bp
from .auth import MANAGERS, roles_required
from .forms import Form, int_or_none
from .helpers import arg_date, load, paginate, saved

STATUSES = ("online", "offline", "revoked")


# --- Kiosks ----------------------------------------------------------------------------------------

def _kiosks_context(**extra):
    now = utcnow()
    unit_id = request.args.get("unit", type=int)
    status = request.args.get("status", "")
    listing = paginate(admin_services.kiosks_query(current_user, unit_id, status, now))
    return dict(listing=listing, now=now, unit_id=unit_id, state_filter=status, statuses=STATUSES,
                units=accounts.managed_units(current_user), desks=admin_services.desks_of(current_user),
                kiosk_status=admin_services.kiosk_status, **extra)


@bp.get("/kiosks")
@roles_required(*MANAGERS)
def kiosks():
    return render_htmx("admin/kiosks.html", "admin/_kiosks.html", **_kiosks_context(pair_form=Form("pair")))


@bp.post("/kiosks/pairing-code")
@roles_required(*MANAGERS)
def pairing_code():
    form = Form("pair", {"desk_id": int_or_none(request.form.get("desk_id"))})
    desk = db.session.get(Desk, form.values["desk_id"] or 0)
    desks = admin_services.desks_of(current_user)
    try:
        if desk is None:
            raise Invalid({"desk_id": "unknown_desk"})
        code = admin_services.make_pairing_code(current_user, desk)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_template("admin/_pairing.html", form=form, desks=desks), error.status
        return render_template("admin/kiosks.html", **_kiosks_context(pair_form=form)), error.status
    db.session.commit()
    # Shown once, in this answer, and never again: only the code's hash is kept. So no redirect.
    context = dict(form=form, desks=desks, code=code, desk=desk)
    if htmx:
        response = render_htmx("admin/kiosks.html", "admin/_pairing.html", **context)
        response.headers["HX-Trigger"] = "pairing-code-made"
        return response
    return render_template("admin/kiosks.html", **_kiosks_context(pair_form=form, code=code, desk=desk))


def _kiosk_context(kiosk, **extra):
    return dict(kiosk=kiosk, now=utcnow(), kiosk_status=admin_services.kiosk_status,
                desks=[d for d in admin_services.desks_of(current_user) if d.unit_id == kiosk.desk.unit_id],
                row_template="admin/_kiosk_row.html", title=kiosk.name, back=url_for("admin.kiosks"), **extra)


@bp.get("/kiosks/<int:kiosk_id>/row")
@roles_required(*MANAGERS)
def kiosk_row(kiosk_id):
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    return render_htmx("admin/row_edit.html", "admin/_kiosk_row.html", **_kiosk_context(kiosk))


@bp.route("/kiosks/<int:kiosk_id>/move", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def kiosk_move(kiosk_id):
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    if request.method == "GET":
        form = Form(f"kiosk-{kiosk.id}", {"desk_id": kiosk.desk_id})
        return render_htmx("admin/row_edit.html", "admin/_kiosk_row.html", form=form, **_kiosk_context(kiosk))
    form = Form(f"kiosk-{kiosk.id}", {"desk_id": int_or_none(request.form.get("desk_id"))})
    desk = db.session.get(Desk, form.values["desk_id"] or 0)
    try:
        if desk is None:
            raise Invalid({"desk_id": "unknown_desk"})
        admin_services.move_kiosk(current_user, kiosk, desk)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        return render_htmx("admin/row_edit.html", "admin/_kiosk_row.html", status=error.status, form=form,
                           **_kiosk_context(kiosk))
    return saved("admin/_kiosk_row.html", "kiosk-saved", url_for("admin.kiosks"),
                 _("Kiosk %(name)s moved to %(desk)s.", name=kiosk.name, desk=desk.name), **_kiosk_context(kiosk))


@bp.route("/kiosks/<int:kiosk_id>/revoke", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def kiosk_revoke(kiosk_id):
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    confirm = dict(title=_("Revoke kiosk %(name)s?", name=kiosk.name),
                   text=_("The tablet stops taking votes at once and must be paired again."),
                   action=url_for("admin.kiosk_revoke", kiosk_id=kiosk.id), back=url_for("admin.kiosks"),
                   button=_("Revoke"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    try:
        admin_services.revoke_kiosk(current_user, kiosk)
    except DomainError as error:
        db.session.rollback()
        if htmx:
            return render_template("admin/_kiosk_row.html", row_error=error.message,
                                   **_kiosk_context(kiosk)), error.status
        return render_template("admin/confirm.html", error=error.message, **confirm), error.status
    return saved("admin/_kiosk_row.html", "kiosk-saved", url_for("admin.kiosks"),
                 _("Kiosk %(name)s revoked.", name=kiosk.name), **_kiosk_context(kiosk))


# --- Duty roster ---------------------------------------------------------------------------------------

def _roster_timezone(desk_id: int | None) -> str:
    """Days of the filter are local days: of the desk's unit, the supervisor's unit, or WIB."""
    desk = db.session.get(Desk, desk_id) if desk_id else None
    if desk is not None:
        return desk.unit.timezone
    if current_user.role == Role.SUPERVISOR and current_user.unit is not None:
        return current_user.unit.timezone
    return "Asia/Jakarta"


def _duty_context(**extra):
    desk_id = request.args.get("desk", type=int)
    officer_id = request.args.get("officer", type=int)
    day_from, day_to = arg_date("from"), arg_date("to")
    tz = _roster_timezone(desk_id)
    listing = paginate(admin_services.duty_query(current_user, desk_id, officer_id, day_from, day_to, tz))
    desks = admin_services.desks_of(current_user, active_only=False)
    officer_list = db.session.scalars(
        accounts.scoped(sa.select(Officer).where(Officer.active.is_(True)).order_by(Officer.name), Officer.unit_id,
                        current_user)
    ).all()
    return dict(listing=listing, desks=desks, officers=officer_list, desk_id=desk_id, officer_id=officer_id,
                day_from=day_from, day_to=day_to, zone=ZoneInfo(tz), tz=tz, **extra)


@bp.get("/duty")
@roles_required(*MANAGERS)
def duty():
    partial = "admin/_duty_now.html" if request.args.get("part") == "now" else "admin/_duty_history.html"
    return render_htmx("admin/duty.html", partial, form=Form("duty"), **_duty_context())


def _duty_now(status=200, form=None, message=""):
    return render_template("admin/_duty_now.html", form=form or Form("duty"), notice=message,
                           **_duty_context()), status


@bp.post("/duty/start")
@roles_required(*MANAGERS)
def duty_start():
    form = Form("duty", {"desk_id": int_or_none(request.form.get("desk_id")),
                         "officer_id": int_or_none(request.form.get("officer_id"))})
    desk = db.session.get(Desk, form.values["desk_id"] or 0)
    officer = db.session.get(Officer, form.values["officer_id"] or 0)
    try:
        if desk is None:
            raise Invalid({"desk_id": "unknown_desk"})
        if officer is None:
            raise Invalid({f"officer-{desk.id}": "unknown_officer"})
        admin_services.start_duty(current_user, desk, officer)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return _duty_now(error.status, form)
        return render_htmx("admin/duty.html", "admin/_duty_now.html", status=error.status, form=form,
                           **_duty_context())
    return saved("admin/_duty_now.html", "duty-changed", url_for("admin.duty"),
                 _("%(name)s is now on duty at %(desk)s.", name=officer.name, desk=desk.name),
                 form=Form("duty"), **_duty_context())


@bp.post("/duty/end")
@roles_required(*MANAGERS)
def duty_end():
    form = Form("duty")
    desk = db.session.get(Desk, int_or_none(request.form.get("desk_id")) or 0)
    try:
        if desk is None:
            raise Invalid({"desk_id": "unknown_desk"})
        duty = admin_services.end_duty(current_user, desk)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return _duty_now(error.status, form)
        return render_htmx("admin/duty.html", "admin/_duty_now.html", status=error.status, form=form,
                           **_duty_context())
    return saved("admin/_duty_now.html", "duty-changed", url_for("admin.duty"),
                 _("Duty of %(name)s at %(desk)s ended.", name=duty.officer.name, desk=desk.name),
                 form=Form("duty"), **_duty_context())
