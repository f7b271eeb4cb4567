"""Admin views: signing in and out, the account pages, and units with their services and desks.

The other pages live beside this module (people, devices, settings, review); all attach to
``bp``. Views parse the request, call one domain function, and render a page or a partial.
"""

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from appraisal import accounts, admin_services, services, surveys
from appraisal.errors import DomainError, LoginError
from appraisal.db import db, utcnow
from appraisal.models import Desk, Service, Unit
from extensions import htmx, limiter, render_htmx

from . import bp
from .auth import ADMIN, EVERYONE, MANAGERS, OFFICER, roles_required, safe_next
from .forms import Form, values_from
from .helpers import load, paginate, refused, saved

LOGIN_LIMIT_PER_CLIENT = "5 per minute"
LOGIN_LIMIT_PER_USERNAME = "10 per 15 minutes"


# --- Signing in and out -------------------------------------------------------------------------

def _hashed_username() -> str:
    """Rate-limit key of the username tried, from any address (a keyed hash: no name is stored)."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    name = request.form.get("username", "").strip().lower()[:80]
    return hmac.new(secret, name.encode(), hashlib.sha256).hexdigest()[:32]


def _login_failed(response) -> bool:
    # Only failed attempts count against the limits; signing in successfully costs nothing.
    return response.status_code == 422


def _login_breach(_limit):
    page = render_template("admin/login.html", form=Form("login", {"username": request.form.get("username", "")[:80]}),
                           error=_("Too many sign-in attempts. Wait a few minutes and try again."),
                           next=safe_next(request.form.get("next")))
    return make_response(page, 429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_CLIENT, methods=["POST"], deduct_when=_login_failed, on_breach=_login_breach)
@limiter.limit(LOGIN_LIMIT_PER_USERNAME, methods=["POST"], key_func=lambda: "login-user:" + _hashed_username(),
               deduct_when=_login_failed, on_breach=_login_breach)
def login():
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("admin.index"))
    form = Form("login", values_from(request.form, ["username"]))
    if request.method == "GET":
        return render_template("admin/login.html", form=form, next=target)
    try:
        user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""))
    except LoginError as error:
        db.session.commit()  # keep the count of failures
        return render_template("admin/login.html", form=form, error=error.message, next=target), 422
    db.session.commit()
    session.clear()  # nothing from before signing in carries over
    login_user(user)
    return redirect(target or url_for("admin.index"), code=303)


@bp.post("/logout")
@roles_required(*EVERYONE)
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("admin.login"), code=303)


# --- The start page and the user's own account ---------------------------------------------------

@bp.get("/")
@roles_required(*EVERYONE)
def index():
    if current_user.role == OFFICER:
        return redirect(url_for("admin.me"))
    return render_template("admin/index.html", units=accounts.managed_units(current_user))


@bp.get("/me")
@roles_required(*EVERYONE)
def me():
    return render_template("admin/me.html")


@bp.post("/me/service-code")
@roles_required(OFFICER)
@limiter.limit("60 per hour", key_func=lambda: f"user:{current_user.id}")
def my_service_code():
    """An officer's one-time survey code for the citizen just served (the same as the kiosk's
    staff panel shows), tied to the desk where the officer is on duty, if any."""
    officer = current_user.officer
    desk_id = services.desk_of_officer_at(officer.id, utcnow())
    try:
        code = surveys.issue_service_code(officer, db.session.get(Desk, desk_id) if desk_id else None)
    except DomainError as error:
        db.session.rollback()
        return render_htmx("admin/me.html", "admin/_my_service_code.html", status=error.status,
                           code_error=error.message)
    db.session.commit()
    return render_htmx("admin/me.html", "admin/_my_service_code.html", service_code=code)


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def password():
    form = Form("password")
    if request.method == "POST":
        try:
            accounts.change_password(current_user, request.form.get("current", ""), request.form.get("new", ""),
                                     request.form.get("confirm", ""))
        except DomainError as error:
            db.session.rollback()
            form.fail(error)
            return render_template("admin/password.html", form=form), error.status
        db.session.commit()
        login_user(current_user._get_current_object())  # the session's id changed with the password: keep this one
        flash(_("Your password has been changed. Other sessions of this account are signed out."), "success")
        return redirect(url_for("admin.me"), code=303)
    return render_template("admin/password.html", form=form)


# --- Units ---------------------------------------------------------------------------------------

UNIT_FIELDS = ("code", "name", "address", "timezone")


def _units_page(form=None, status=200):
    search = request.args.get("q", "")
    listing = paginate(admin_services.units_query(current_user, search))
    return render_htmx("admin/units.html", "admin/_units.html", status=status, listing=listing, q=search,
                       new_form=form or Form("unit-new", {"timezone": "Asia/Jakarta"}),
                       timezones=admin_services.INDONESIAN_TIMEZONES)


@bp.get("/units")
@roles_required(*MANAGERS)
def units():
    return _units_page()


@bp.post("/units")
@roles_required(ADMIN)
def unit_create():
    form = Form("unit-new", values_from(request.form, UNIT_FIELDS))
    try:
        unit = admin_services.create_unit(current_user, form.values)
    except DomainError as error:
        return refused("admin/units.html", "admin/_unit_new.html", error, new_form=form, listing=None, q="",
                       timezones=admin_services.INDONESIAN_TIMEZONES)
    return saved("admin/_unit_new.html", "unit-created", url_for("admin.unit", unit_id=unit.id),
                 _("Unit %(name)s added.", name=unit.name),
                 new_form=Form("unit-new", {"timezone": "Asia/Jakarta"}), timezones=admin_services.INDONESIAN_TIMEZONES)


def _unit_detail(unit, status=200, **forms):
    context = dict(
        unit=unit,
        services=db.session.scalars(sa.select(Service).where(Service.unit_id == unit.id)
                                    .order_by(Service.position, Service.id)).all(),
        desks=db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id).order_by(Desk.name)).all(),
        service_form=forms.get("service_form") or Form("service-new", {"active": True}),
        desk_form=forms.get("desk_form") or Form("desk-new", {"active": True}),
    )
    return render_template("admin/unit.html", **context), status


@bp.get("/units/<int:unit_id>")
@roles_required(*MANAGERS)
def unit(unit_id):
    return _unit_detail(load(Unit, unit_id, lambda u: u.id))


def _unit_context(unit):
    return dict(unit=unit, timezones=admin_services.INDONESIAN_TIMEZONES, row_template="admin/_unit_row.html",
                title=unit.name, back=url_for("admin.units"))


@bp.get("/units/<int:unit_id>/row")
@roles_required(ADMIN)
def unit_row(unit_id):
    return render_htmx("admin/row_edit.html", "admin/_unit_row.html", **_unit_context(load(Unit, unit_id)))


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit_edit(unit_id):
    unit = load(Unit, unit_id)
    context = _unit_context(unit)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "admin/_unit_row.html",
                           form=Form.of(f"unit-{unit.id}", unit, UNIT_FIELDS), **context)
    form = Form(f"unit-{unit.id}", values_from(request.form, UNIT_FIELDS))
    try:
        admin_services.update_unit(current_user, unit, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "admin/_unit_row.html", error, form=form, **context)
    return saved("admin/_unit_row.html", "unit-saved", url_for("admin.units"),
                 _("Unit %(name)s saved.", name=unit.name), **context)


@bp.route("/units/<int:unit_id>/delete", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit_delete(unit_id):
    unit = load(Unit, unit_id)
    confirm = dict(title=_("Delete unit %(name)s?", name=unit.name), action=url_for("admin.unit_delete", unit_id=unit.id),
                   back=url_for("admin.units"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = unit.name
    try:
        admin_services.delete_unit(current_user, unit)
    except DomainError as error:
        db.session.rollback()
        return _refused_delete(error, "admin/_unit_row.html", confirm, **_unit_context(unit))
    return saved(None, "unit-deleted", url_for("admin.units"), _("Unit %(name)s deleted.", name=name))


def _refused_delete(error, partial, confirm, **context):
    """A delete the domain refused (still in use): the row again with the reason, or the
    confirmation page with it."""
    if htmx:
        return render_template(partial, row_error=error.message, **context), error.status
    return render_template("admin/confirm.html", error=error.message, **confirm), error.status


# --- Services of a unit --------------------------------------------------------------------------

SERVICE_FIELDS = ("name_id", "name_en", "position")


@bp.post("/units/<int:unit_id>/services")
@roles_required(*MANAGERS)
def service_create(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    form = Form("service-new", values_from(request.form, SERVICE_FIELDS, ["active"]))
    try:
        service = admin_services.create_service(current_user, unit, form.values)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_htmx("admin/unit.html", "admin/_service_new.html", status=error.status, unit=unit,
                               service_form=form)
        return _unit_detail(unit, error.status, service_form=form)
    return saved("admin/_service_new.html", "service-created", url_for("admin.unit", unit_id=unit.id),
                 _("Service %(name)s added.", name=service.name_id), unit=unit,
                 service_form=Form("service-new", {"active": True}))


@bp.get("/units/<int:unit_id>/services")
@roles_required(*MANAGERS)
def services_list(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    services = db.session.scalars(sa.select(Service).where(Service.unit_id == unit.id)
                                  .order_by(Service.position, Service.id)).all()
    return render_htmx("admin/unit.html", "admin/_services.html", unit=unit, services=services,
                       desks=unit.desks, service_form=Form("service-new", {"active": True}),
                       desk_form=Form("desk-new", {"active": True}))


@bp.get("/services/<int:service_id>/row")
@roles_required(*MANAGERS)
def service_row(service_id):
    service = load(Service, service_id, lambda s: s.unit_id)
    return render_htmx("admin/row_edit.html", "admin/_service_row.html", service=service,
                       row_template="admin/_service_row.html", title=service.name_id,
                       back=url_for("admin.unit", unit_id=service.unit_id))


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def service_edit(service_id):
    service = load(Service, service_id, lambda s: s.unit_id)
    context = dict(service=service, row_template="admin/_service_row.html", title=service.name_id,
                   back=url_for("admin.unit", unit_id=service.unit_id))
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "admin/_service_row.html",
                           form=Form.of(f"service-{service.id}", service, SERVICE_FIELDS + ("active",)), **context)
    form = Form(f"service-{service.id}", values_from(request.form, SERVICE_FIELDS, ["active"]))
    try:
        admin_services.update_service(current_user, service, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "admin/_service_row.html", error, form=form, **context)
    return saved("admin/_service_row.html", "service-saved", context["back"],
                 _("Service %(name)s saved.", name=service.name_id), **context)


@bp.route("/services/<int:service_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def service_delete(service_id):
    service = load(Service, service_id, lambda s: s.unit_id)
    back = url_for("admin.unit", unit_id=service.unit_id)
    confirm = dict(title=_("Delete service %(name)s?", name=service.name_id),
                   action=url_for("admin.service_delete", service_id=service.id), back=back)
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = service.name_id
    try:
        admin_services.delete_service(current_user, service)
    except DomainError as error:
        db.session.rollback()
        return _refused_delete(error, "admin/_service_row.html", confirm, service=service)
    return saved(None, "service-deleted", back, _("Service %(name)s deleted.", name=name))


# --- Desks of a unit ------------------------------------------------------------------------------

@bp.post("/units/<int:unit_id>/desks")
@roles_required(*MANAGERS)
def desk_create(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    form = Form("desk-new", values_from(request.form, ["name"], ["active"]))
    try:
        desk = admin_services.create_desk(current_user, unit, form.values)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_htmx("admin/unit.html", "admin/_desk_new.html", status=error.status, unit=unit,
                               desk_form=form)
        return _unit_detail(unit, error.status, desk_form=form)
    return saved("admin/_desk_new.html", "desk-created", url_for("admin.unit", unit_id=unit.id),
                 _("Desk %(name)s added.", name=desk.name), unit=unit, desk_form=Form("desk-new", {"active": True}))


@bp.get("/units/<int:unit_id>/desks")
@roles_required(*MANAGERS)
def desks_list(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    desks = db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id).order_by(Desk.name)).all()
    return render_htmx("admin/unit.html", "admin/_desks.html", unit=unit, desks=desks, services=unit.services,
                       service_form=Form("service-new", {"active": True}), desk_form=Form("desk-new", {"active": True}))


@bp.get("/desks/<int:desk_id>/row")
@roles_required(*MANAGERS)
def desk_row(desk_id):
    desk = load(Desk, desk_id, lambda d: d.unit_id)
    return render_htmx("admin/row_edit.html", "admin/_desk_row.html", desk=desk, row_template="admin/_desk_row.html",
                       title=desk.name, back=url_for("admin.unit", unit_id=desk.unit_id))


@bp.route("/desks/<int:desk_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def desk_edit(desk_id):
    desk = load(Desk, desk_id, lambda d: d.unit_id)
    context = dict(desk=desk, row_template="admin/_desk_row.html", title=desk.name,
                   back=url_for("admin.unit", unit_id=desk.unit_id))
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "admin/_desk_row.html",
                           form=Form.of(f"desk-{desk.id}", desk, ("name", "active")), **context)
    form = Form(f"desk-{desk.id}", values_from(request.form, ["name"], ["active"]))
    try:
        admin_services.update_desk(current_user, desk, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "admin/_desk_row.html", error, form=form, **context)
    return saved("admin/_desk_row.html", "desk-saved", context["back"], _("Desk %(name)s saved.", name=desk.name),
                 **context)


@bp.route("/desks/<int:desk_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def desk_delete(desk_id):
    desk = load(Desk, desk_id, lambda d: d.unit_id)
    back = url_for("admin.unit", unit_id=desk.unit_id)
    confirm = dict(title=_("Delete desk %(name)s?", name=desk.name), action=url_for("admin.desk_delete", desk_id=desk.id),
                   back=back)
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = desk.name
    try:
        admin_services.delete_desk(current_user, desk)
    except DomainError as error:
        db.session.rollback()
        return _refused_delete(error, "admin/_desk_row.html", confirm, desk=desk)
    return saved(None, "desk-deleted", back, _("Desk %(name)s deleted.", name=name))


from . import devices, people, review, settings  # noqa: E402,F401  (the other pages)
