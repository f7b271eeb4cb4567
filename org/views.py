"""The organisation's pages in the admin area: units with their services and desks, officers (with photo,
PIN and bulk import) and the duty roster."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_login import current_user

from core.db import db
from core.errors import AdminError, DomainError, Invalid, message_for
from core.extensions import htmx
from core.forms import Form, int_or_none, values_from
from core.htmx import render_htmx
from core.web import arg_date, paginate, refused, saved
from org import accounts
from org.officers import set_officer_pin

from .auth import ADMIN, MANAGERS, load, roles_required
from .duty import duty_query, roster_end, roster_start
from .models import Desk, ImportJob, Officer, Role, Service, Unit
from .officers import (
    IMPORT_CHUNK,
    PHOTO_MAX_BYTES,
    create_officer,
    delete_officer,
    fail_import,
    import_jobs_of,
    import_step,
    officers_query,
    remove_photo,
    set_photo,
    start_import,
    update_officer,
)
from .operations import (
    INDONESIAN_TIMEZONES,
    create_desk,
    create_service,
    create_unit,
    delete_desk,
    delete_service,
    delete_unit,
    update_desk,
    update_service,
    update_unit,
)
from .queries import desks_of, units_query

bp = Blueprint("org", __name__)



UNIT_FIELDS = ("code", "name", "address", "timezone")


def _units_page(form=None, status=200):
    search = request.args.get("q", "")
    listing = paginate(units_query(current_user, search))
    return render_htmx("org/units.html", "org/_units.html", status=status, listing=listing, q=search,
                       new_form=form or Form("unit-new", {"timezone": "Asia/Jakarta"}),
                       timezones=INDONESIAN_TIMEZONES)


@bp.get("/units")
@roles_required(*MANAGERS)
def units():
    return _units_page()


@bp.post("/units")
@roles_required(ADMIN)
def unit_create():
    form = Form("unit-new", values_from(request.form, UNIT_FIELDS))
    try:
        unit = create_unit(current_user, form.values)
    except DomainError as error:
        return refused("org/units.html", "org/_unit_new.html", error, new_form=form, listing=None, q="",
                       timezones=INDONESIAN_TIMEZONES)
    return saved("org/_unit_new.html", "unit-created", url_for("admin.org.unit", unit_id=unit.id),
                 _("Unit %(name)s added.", name=unit.name),
                 new_form=Form("unit-new", {"timezone": "Asia/Jakarta"}), timezones=INDONESIAN_TIMEZONES)


def _unit_detail(unit, status=200, **forms):
    context = dict(
        unit=unit,
        services=db.session.scalars(sa.select(Service).where(Service.unit_id == unit.id)
                                    .order_by(Service.position, Service.id)).all(),
        desks=db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id).order_by(Desk.name)).all(),
        service_form=forms.get("service_form") or Form("service-new", {"active": True}),
        desk_form=forms.get("desk_form") or Form("desk-new", {"active": True}),
    )
    return render_template("org/unit.html", **context), status


@bp.get("/units/<int:unit_id>")
@roles_required(*MANAGERS)
def unit(unit_id):
    return _unit_detail(load(Unit, unit_id, lambda u: u.id))


def _unit_context(unit):
    return dict(unit=unit, timezones=INDONESIAN_TIMEZONES, row_template="org/_unit_row.html",
                title=unit.name, back=url_for("admin.org.units"))


@bp.get("/units/<int:unit_id>/row")
@roles_required(ADMIN)
def unit_row(unit_id):
    return render_htmx("admin/row_edit.html", "org/_unit_row.html", **_unit_context(load(Unit, unit_id)))


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit_edit(unit_id):
    unit = load(Unit, unit_id)
    context = _unit_context(unit)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "org/_unit_row.html",
                           form=Form.of(f"unit-{unit.id}", unit, UNIT_FIELDS), **context)
    form = Form(f"unit-{unit.id}", values_from(request.form, UNIT_FIELDS))
    try:
        update_unit(current_user, unit, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "org/_unit_row.html", error, form=form, **context)
    return saved("org/_unit_row.html", "unit-saved", url_for("admin.org.units"),
                 _("Unit %(name)s saved.", name=unit.name), **context)


@bp.route("/units/<int:unit_id>/delete", methods=["GET", "POST"])
@roles_required(ADMIN)
def unit_delete(unit_id):
    unit = load(Unit, unit_id)
    confirm = dict(title=_("Delete unit %(name)s?", name=unit.name), action=url_for("admin.org.unit_delete", unit_id=unit.id),
                   back=url_for("admin.org.units"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = unit.name
    try:
        delete_unit(current_user, unit)
    except DomainError as error:
        db.session.rollback()
        return _refused_delete(error, "org/_unit_row.html", confirm, **_unit_context(unit))
    return saved(None, "unit-deleted", url_for("admin.org.units"), _("Unit %(name)s deleted.", name=name))


def _refused_delete(error, partial, confirm, **context):
    """A delete the domain refused (still in use): the row again with the reason, or the
    confirmation page with it."""
    if htmx:
        return render_template(partial, row_error=error.message, **context), error.status
    return render_template("admin/confirm.html", error=error.message, **confirm), error.status


SERVICE_FIELDS = ("name_id", "name_en", "position")


@bp.post("/units/<int:unit_id>/services")
@roles_required(*MANAGERS)
def service_create(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    form = Form("service-new", values_from(request.form, SERVICE_FIELDS, ["active"]))
    try:
        service = create_service(current_user, unit, form.values)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_htmx("org/unit.html", "org/_service_new.html", status=error.status, unit=unit,
                               service_form=form)
        return _unit_detail(unit, error.status, service_form=form)
    return saved("org/_service_new.html", "service-created", url_for("admin.org.unit", unit_id=unit.id),
                 _("Service %(name)s added.", name=service.name_id), unit=unit,
                 service_form=Form("service-new", {"active": True}))


@bp.get("/units/<int:unit_id>/services")
@roles_required(*MANAGERS)
def services_list(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    services = db.session.scalars(sa.select(Service).where(Service.unit_id == unit.id)
                                  .order_by(Service.position, Service.id)).all()
    return render_htmx("org/unit.html", "org/_services.html", unit=unit, services=services,
                       desks=unit.desks, service_form=Form("service-new", {"active": True}),
                       desk_form=Form("desk-new", {"active": True}))


@bp.get("/services/<int:service_id>/row")
@roles_required(*MANAGERS)
def service_row(service_id):
    service = load(Service, service_id, lambda s: s.unit_id)
    return render_htmx("admin/row_edit.html", "org/_service_row.html", service=service,
                       row_template="org/_service_row.html", title=service.name_id,
                       back=url_for("admin.org.unit", unit_id=service.unit_id))


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def service_edit(service_id):
    service = load(Service, service_id, lambda s: s.unit_id)
    context = dict(service=service, row_template="org/_service_row.html", title=service.name_id,
                   back=url_for("admin.org.unit", unit_id=service.unit_id))
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "org/_service_row.html",
                           form=Form.of(f"service-{service.id}", service, SERVICE_FIELDS + ("active",)), **context)
    form = Form(f"service-{service.id}", values_from(request.form, SERVICE_FIELDS, ["active"]))
    try:
        update_service(current_user, service, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "org/_service_row.html", error, form=form, **context)
    return saved("org/_service_row.html", "service-saved", context["back"],
                 _("Service %(name)s saved.", name=service.name_id), **context)


@bp.route("/services/<int:service_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def service_delete(service_id):
    service = load(Service, service_id, lambda s: s.unit_id)
    back = url_for("admin.org.unit", unit_id=service.unit_id)
    confirm = dict(title=_("Delete service %(name)s?", name=service.name_id),
                   action=url_for("admin.org.service_delete", service_id=service.id), back=back)
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = service.name_id
    try:
        delete_service(current_user, service)
    except DomainError as error:
        db.session.rollback()
        return _refused_delete(error, "org/_service_row.html", confirm, service=service)
    return saved(None, "service-deleted", back, _("Service %(name)s deleted.", name=name))


@bp.post("/units/<int:unit_id>/desks")
@roles_required(*MANAGERS)
def desk_create(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    form = Form("desk-new", values_from(request.form, ["name"], ["active"]))
    try:
        desk = create_desk(current_user, unit, form.values)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_htmx("org/unit.html", "org/_desk_new.html", status=error.status, unit=unit,
                               desk_form=form)
        return _unit_detail(unit, error.status, desk_form=form)
    return saved("org/_desk_new.html", "desk-created", url_for("admin.org.unit", unit_id=unit.id),
                 _("Desk %(name)s added.", name=desk.name), unit=unit, desk_form=Form("desk-new", {"active": True}))


@bp.get("/units/<int:unit_id>/desks")
@roles_required(*MANAGERS)
def desks_list(unit_id):
    unit = load(Unit, unit_id, lambda u: u.id)
    desks = db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id).order_by(Desk.name)).all()
    return render_htmx("org/unit.html", "org/_desks.html", unit=unit, desks=desks, services=unit.services,
                       service_form=Form("service-new", {"active": True}), desk_form=Form("desk-new", {"active": True}))


@bp.get("/desks/<int:desk_id>/row")
@roles_required(*MANAGERS)
def desk_row(desk_id):
    desk = load(Desk, desk_id, lambda d: d.unit_id)
    return render_htmx("admin/row_edit.html", "org/_desk_row.html", desk=desk, row_template="org/_desk_row.html",
                       title=desk.name, back=url_for("admin.org.unit", unit_id=desk.unit_id))


@bp.route("/desks/<int:desk_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def desk_edit(desk_id):
    desk = load(Desk, desk_id, lambda d: d.unit_id)
    context = dict(desk=desk, row_template="org/_desk_row.html", title=desk.name,
                   back=url_for("admin.org.unit", unit_id=desk.unit_id))
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "org/_desk_row.html",
                           form=Form.of(f"desk-{desk.id}", desk, ("name", "active")), **context)
    form = Form(f"desk-{desk.id}", values_from(request.form, ["name"], ["active"]))
    try:
        update_desk(current_user, desk, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "org/_desk_row.html", error, form=form, **context)
    return saved("org/_desk_row.html", "desk-saved", context["back"], _("Desk %(name)s saved.", name=desk.name),
                 **context)


@bp.route("/desks/<int:desk_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def desk_delete(desk_id):
    desk = load(Desk, desk_id, lambda d: d.unit_id)
    back = url_for("admin.org.unit", unit_id=desk.unit_id)
    confirm = dict(title=_("Delete desk %(name)s?", name=desk.name), action=url_for("admin.org.desk_delete", desk_id=desk.id),
                   back=back)
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = desk.name
    try:
        delete_desk(current_user, desk)
    except DomainError as error:
        db.session.rollback()
        return _refused_delete(error, "org/_desk_row.html", confirm, desk=desk)
    return saved(None, "desk-deleted", back, _("Desk %(name)s deleted.", name=name))


OFFICER_FIELDS = ("nip", "name", "position", "unit_id")


IMPORT_MAX_BYTES = 3 * 1024 * 1024


def _officer_values(prefix: str) -> Form:
    form = Form(prefix, values_from(request.form, OFFICER_FIELDS, ["active"]))
    form.values["unit_id"] = int_or_none(form.values["unit_id"])
    return form


def _officer_context(officer, **extra):
    return dict(officer=officer, units=accounts.managed_units(current_user), row_template="org/_officer_row.html",
                title=officer.name, back=url_for("admin.org.officers_list"), **extra)


def _list_args():
    return dict(q=request.args.get("q", ""), unit_id=request.args.get("unit", type=int),
                active=request.args.get("active", ""))


@bp.get("/officers")
@roles_required(*MANAGERS)
def officers_list():
    args = _list_args()
    listing = paginate(officers_query(current_user, args["q"], args["unit_id"], args["active"]))
    units = accounts.managed_units(current_user)
    new = Form("officer-new", {"active": True, "unit_id": units[0].id if len(units) == 1 else None})
    return render_htmx("org/officers.html", "org/_officers.html", listing=listing, units=units, new_form=new, **args)


@bp.post("/officers")
@roles_required(*MANAGERS)
def officer_create():
    form = _officer_values("officer-new")
    units = accounts.managed_units(current_user)
    try:
        officer = create_officer(current_user, form.values)
    except DomainError as error:
        return refused("org/officers.html", "org/_officer_new.html", error, new_form=form, units=units, listing=None,
                       q="", unit_id=None, active="")
    return saved("org/_officer_new.html", "officer-created", url_for("admin.org.officers_list"),
                 _("Officer %(name)s added.", name=officer.name), units=units,
                 new_form=Form("officer-new", {"active": True, "unit_id": form.values["unit_id"]}))


@bp.get("/officers/<int:officer_id>")
@roles_required(*MANAGERS)
def officer(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    return render_template("org/officer.html", officer=officer, photo_form=Form("photo"), pin_form=Form("pin"))


@bp.get("/officers/<int:officer_id>/row")
@roles_required(*MANAGERS)
def officer_row(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    return render_htmx("admin/row_edit.html", "org/_officer_row.html", **_officer_context(officer))


@bp.route("/officers/<int:officer_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def officer_edit(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    context = _officer_context(officer)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "org/_officer_row.html",
                           form=Form.of(f"officer-{officer.id}", officer, OFFICER_FIELDS + ("active",)), **context)
    form = _officer_values(f"officer-{officer.id}")
    try:
        update_officer(current_user, officer, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "org/_officer_row.html", error, form=form, **context)
    return saved("org/_officer_row.html", "officer-saved", url_for("admin.org.officers_list"),
                 _("Officer %(name)s saved.", name=officer.name), **context)


@bp.route("/officers/<int:officer_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def officer_delete(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    confirm = dict(title=_("Delete officer %(name)s?", name=officer.name),
                   action=url_for("admin.org.officer_delete", officer_id=officer.id), back=url_for("admin.org.officers_list"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = officer.name
    try:
        delete_officer(current_user, officer)
    except DomainError as error:
        db.session.rollback()
        if htmx:
            return render_template("org/_officer_row.html", row_error=error.message,
                                   **_officer_context(officer)), error.status
        return render_template("admin/confirm.html", error=error.message, **confirm), error.status
    return saved(None, "officer-deleted", url_for("admin.org.officers_list"), _("Officer %(name)s deleted.", name=name))


@bp.get("/officers/<int:officer_id>/photo")
@roles_required(*MANAGERS)
def officer_photo(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    if not officer.has_photo:
        abort(404)
    response = FlaskResponse(officer.photo, mimetype=officer.photo_mime)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/officers/<int:officer_id>/photo")
@roles_required(*MANAGERS)
def officer_photo_upload(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    upload = request.files.get("photo")
    data = upload.read(PHOTO_MAX_BYTES + 1) if upload else b""
    try:
        if request.form.get("remove"):
            remove_photo(current_user, officer)
        else:
            set_photo(current_user, officer, data)
    except DomainError as error:
        db.session.rollback()
        form = Form("photo").fail(error)
        return render_htmx("org/officer.html", "org/_officer_photo.html", status=error.status, officer=officer,
                           photo_form=form, pin_form=Form("pin"))
    return saved("org/_officer_photo.html", "officer-saved", url_for("admin.org.officer", officer_id=officer.id),
                 _("Photo saved."), officer=officer, photo_form=Form("photo"))


@bp.post("/officers/<int:officer_id>/pin")
@roles_required(*MANAGERS)
def officer_pin(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    try:
        set_officer_pin(current_user, officer, request.form.get("pin", ""))
    except DomainError as error:
        db.session.rollback()
        form = Form("pin").fail(error)
        return render_htmx("org/officer.html", "org/_officer_pin.html", status=error.status, officer=officer,
                           pin_form=form, photo_form=Form("photo"))
    return saved("org/_officer_pin.html", "officer-saved", url_for("admin.org.officer", officer_id=officer.id),
                 _("The kiosk PIN of %(name)s has been set.", name=officer.name), officer=officer, pin_form=Form("pin"))


def _job_errors(job: ImportJob) -> list[tuple[int, str]]:
    return [(error["line"], message_for(error["code"], error.get("params") or {})) for error in job.errors]


def _import_page(form=None, job=None, status=200):
    jobs = db.session.scalars(import_jobs_of(current_user).limit(5)).all()
    units = accounts.managed_units(current_user)
    partial = "org/_import_job.html" if job is not None else "org/_import_form.html"
    return render_htmx("org/import.html", partial, status=status, form=form or Form("import"), job=job, jobs=jobs,
                       units=units, job_errors=_job_errors(job) if job else [])


@bp.get("/officers/import")
@roles_required(*MANAGERS)
def officer_import():
    return _import_page()


@bp.post("/officers/import")
@roles_required(*MANAGERS)
def officer_import_upload():
    form = Form("import", {"unit_id": int_or_none(request.form.get("unit_id"))})
    upload = request.files.get("file")
    data = upload.read(IMPORT_MAX_BYTES + 1) if upload else b""
    try:
        if len(data) > IMPORT_MAX_BYTES:
            raise Invalid({"file": ("file_size", {"max": IMPORT_MAX_BYTES // (1024 * 1024)})})
        job = start_import(current_user, upload.filename if upload else "", data, form.values["unit_id"])
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_template("org/_import_form.html", form=form,
                                   units=accounts.managed_units(current_user)), error.status
        return _import_page(form, status=error.status)
    # A small file is checked (and imported) at once; a long one goes on in steps.
    job = _step(job)
    if htmx:
        response = _import_page(job=job)
        if job.status == "done":
            response.headers["HX-Trigger"] = "officers-imported"
        return response
    return redirect(url_for("admin.org.import_job", job_id=job.id), code=303)


def _step(job: ImportJob) -> ImportJob:
    chunk = current_app.config.get("ADMIN_IMPORT_CHUNK", IMPORT_CHUNK)
    try:
        import_step(current_user, job, chunk=chunk)
        db.session.commit()
    except AdminError as error:
        db.session.rollback()
        fail_import(job, error)
        db.session.commit()
    return job


def _load_job(job_id: int) -> ImportJob:
    job = load(ImportJob, job_id)
    if job.user_id != current_user.id and not accounts.can_manage_unit(current_user, job.unit_id):
        abort(403)
    return job


@bp.get("/officers/import/<int:job_id>")
@roles_required(*MANAGERS)
def import_job(job_id):
    return _import_page(job=_load_job(job_id))


@bp.post("/officers/import/<int:job_id>/step")
@roles_required(*MANAGERS)
def import_next(job_id):
    job = _step(_load_job(job_id))
    if htmx:
        response = _import_page(job=job)
        if job.status == "done":
            response.headers["HX-Trigger"] = "officers-imported"
        return response
    return redirect(url_for("admin.org.import_job", job_id=job.id), code=303)


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
    listing = paginate(duty_query(current_user, desk_id, officer_id, day_from, day_to, tz))
    desks = desks_of(current_user, active_only=False)
    officer_list = db.session.scalars(
        accounts.scoped(sa.select(Officer).where(Officer.active.is_(True)).order_by(Officer.name), Officer.unit_id,
                        current_user)
    ).all()
    return dict(listing=listing, desks=desks, officers=officer_list, desk_id=desk_id, officer_id=officer_id,
                day_from=day_from, day_to=day_to, zone=ZoneInfo(tz), tz=tz, **extra)


@bp.get("/duty")
@roles_required(*MANAGERS)
def duty():
    partial = "org/_duty_now.html" if request.args.get("part") == "now" else "org/_duty_history.html"
    return render_htmx("org/duty.html", partial, form=Form("duty"), **_duty_context())


def _duty_now(status=200, form=None, message=""):
    return render_template("org/_duty_now.html", form=form or Form("duty"), notice=message,
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
        roster_start(current_user, desk, officer)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return _duty_now(error.status, form)
        return render_htmx("org/duty.html", "org/_duty_now.html", status=error.status, form=form,
                           **_duty_context())
    return saved("org/_duty_now.html", "duty-changed", url_for("admin.org.duty"),
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
        duty = roster_end(current_user, desk)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return _duty_now(error.status, form)
        return render_htmx("org/duty.html", "org/_duty_now.html", status=error.status, form=form,
                           **_duty_context())
    return saved("org/_duty_now.html", "duty-changed", url_for("admin.org.duty"),
                 _("Duty of %(name)s at %(desk)s ended.", name=duty.officer.name, desk=desk.name),
                 form=Form("duty"), **_duty_context())
