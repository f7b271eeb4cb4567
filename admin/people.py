"""Admin views for people: officers (with photo, PIN and bulk import) and user accounts."""

from flask import Response as FlaskResponse
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal import accounts, officers
from appraisal.errors import AdminError, DomainError, Invalid, message_for
from appraisal.db import db
from appraisal.models import ImportJob, Officer, Role, User
from extensions import htmx, render_htmx

from . import bp
from .auth import ADMIN, MANAGERS, roles_required
from .forms import Form, int_or_none, values_from
from .helpers import load, paginate, refused, saved

OFFICER_FIELDS = ("nip", "name", "position", "unit_id")
IMPORT_MAX_BYTES = 3 * 1024 * 1024


def _officer_values(prefix: str) -> Form:
    form = Form(prefix, values_from(request.form, OFFICER_FIELDS, ["active"]))
    form.values["unit_id"] = int_or_none(form.values["unit_id"])
    return form


def _officer_context(officer, **extra):
    return dict(officer=officer, units=accounts.managed_units(current_user), row_template="admin/_officer_row.html",
                title=officer.name, back=url_for("admin.officers_list"), **extra)


def _list_args():
    return dict(q=request.args.get("q", ""), unit_id=request.args.get("unit", type=int),
                active=request.args.get("active", ""))


@bp.get("/officers")
@roles_required(*MANAGERS)
def officers_list():
    args = _list_args()
    listing = paginate(officers.officers_query(current_user, args["q"], args["unit_id"], args["active"]))
    units = accounts.managed_units(current_user)
    new = Form("officer-new", {"active": True, "unit_id": units[0].id if len(units) == 1 else None})
    return render_htmx("admin/officers.html", "admin/_officers.html", listing=listing, units=units, new_form=new, **args)


@bp.post("/officers")
@roles_required(*MANAGERS)
def officer_create():
    form = _officer_values("officer-new")
    units = accounts.managed_units(current_user)
    try:
        officer = officers.create_officer(current_user, form.values)
    except DomainError as error:
        return refused("admin/officers.html", "admin/_officer_new.html", error, new_form=form, units=units, listing=None,
                       q="", unit_id=None, active="")
    return saved("admin/_officer_new.html", "officer-created", url_for("admin.officers_list"),
                 _("Officer %(name)s added.", name=officer.name), units=units,
                 new_form=Form("officer-new", {"active": True, "unit_id": form.values["unit_id"]}))


@bp.get("/officers/<int:officer_id>")
@roles_required(*MANAGERS)
def officer(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    return render_template("admin/officer.html", officer=officer, photo_form=Form("photo"), pin_form=Form("pin"))


@bp.get("/officers/<int:officer_id>/row")
@roles_required(*MANAGERS)
def officer_row(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    return render_htmx("admin/row_edit.html", "admin/_officer_row.html", **_officer_context(officer))


@bp.route("/officers/<int:officer_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def officer_edit(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    context = _officer_context(officer)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "admin/_officer_row.html",
                           form=Form.of(f"officer-{officer.id}", officer, OFFICER_FIELDS + ("active",)), **context)
    form = _officer_values(f"officer-{officer.id}")
    try:
        officers.update_officer(current_user, officer, form.values)
    except DomainError as error:
        return refused("admin/row_edit.html", "admin/_officer_row.html", error, form=form, **context)
    return saved("admin/_officer_row.html", "officer-saved", url_for("admin.officers_list"),
                 _("Officer %(name)s saved.", name=officer.name), **context)


@bp.route("/officers/<int:officer_id>/delete", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def officer_delete(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    confirm = dict(title=_("Delete officer %(name)s?", name=officer.name),
                   action=url_for("admin.officer_delete", officer_id=officer.id), back=url_for("admin.officers_list"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    name = officer.name
    try:
        officers.delete_officer(current_user, officer)
    except DomainError as error:
        db.session.rollback()
        if htmx:
            return render_template("admin/_officer_row.html", row_error=error.message,
                                   **_officer_context(officer)), error.status
        return render_template("admin/confirm.html", error=error.message, **confirm), error.status
    return saved(None, "officer-deleted", url_for("admin.officers_list"), _("Officer %(name)s deleted.", name=name))


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
    data = upload.read(officers.PHOTO_MAX_BYTES + 1) if upload else b""
    try:
        if request.form.get("remove"):
            officers.remove_photo(current_user, officer)
        else:
            officers.set_photo(current_user, officer, data)
    except DomainError as error:
        db.session.rollback()
        form = Form("photo").fail(error)
        return render_htmx("admin/officer.html", "admin/_officer_photo.html", status=error.status, officer=officer,
                           photo_form=form, pin_form=Form("pin"))
    return saved("admin/_officer_photo.html", "officer-saved", url_for("admin.officer", officer_id=officer.id),
                 _("Photo saved."), officer=officer, photo_form=Form("photo"))


@bp.post("/officers/<int:officer_id>/pin")
@roles_required(*MANAGERS)
def officer_pin(officer_id):
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    try:
        officers.set_officer_pin(current_user, officer, request.form.get("pin", ""))
    except DomainError as error:
        db.session.rollback()
        form = Form("pin").fail(error)
        return render_htmx("admin/officer.html", "admin/_officer_pin.html", status=error.status, officer=officer,
                           pin_form=form, photo_form=Form("photo"))
    return saved("admin/_officer_pin.html", "officer-saved", url_for("admin.officer", officer_id=officer.id),
                 _("The kiosk PIN of %(name)s has been set.", name=officer.name), officer=officer, pin_form=Form("pin"))


# --- Import ----------------------------------------------------------------------------------------

def _job_errors(job: ImportJob) -> list[tuple[int, str]]:
    return [(error["line"], message_for(error["code"], error.get("params") or {})) for error in job.errors]


def _import_page(form=None, job=None, status=200):
    jobs = db.session.scalars(officers.import_jobs_of(current_user).limit(5)).all()
    units = accounts.managed_units(current_user)
    partial = "admin/_import_job.html" if job is not None else "admin/_import_form.html"
    return render_htmx("admin/import.html", partial, status=status, form=form or Form("import"), job=job, jobs=jobs,
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
        job = officers.start_import(current_user, upload.filename if upload else "", data, form.values["unit_id"])
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_template("admin/_import_form.html", form=form,
                                   units=accounts.managed_units(current_user)), error.status
        return _import_page(form, status=error.status)
    # A small file is checked (and imported) at once; a long one goes on in steps.
    job = _step(job)
    if htmx:
        response = _import_page(job=job)
        if job.status == "done":
            response.headers["HX-Trigger"] = "officers-imported"
        return response
    return redirect(url_for("admin.import_job", job_id=job.id), code=303)


def _step(job: ImportJob) -> ImportJob:
    chunk = current_app.config.get("ADMIN_IMPORT_CHUNK", officers.IMPORT_CHUNK)
    try:
        officers.import_step(current_user, job, chunk=chunk)
        db.session.commit()
    except AdminError as error:
        db.session.rollback()
        officers.fail_import(job, error)
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
def import_step(job_id):
    job = _step(_load_job(job_id))
    if htmx:
        response = _import_page(job=job)
        if job.status == "done":
            response.headers["HX-Trigger"] = "officers-imported"
        return response
    return redirect(url_for("admin.import_job", job_id=job.id), code=303)


# --- User accounts (administrators only) --------------------------------------------------------------

USER_FIELDS = ("username", "name", "role", "unit_id", "officer_nip")


def _user_form(prefix: str) -> Form:
    form = Form(prefix, values_from(request.form, USER_FIELDS, ["active"]))
    form.values["unit_id"] = int_or_none(form.values["unit_id"])
    return form


def _user_form_of(user: User) -> Form:
    form = Form.of(f"user-{user.id}", user, ("username", "name", "role", "unit_id", "active"))
    form.values["officer_nip"] = user.officer.nip if user.officer else ""
    return form


def _user_context(user, **extra):
    return dict(user=user, units=accounts.managed_units(current_user), roles=list(Role),
                row_template="admin/_user_row.html", title=user.username, back=url_for("admin.users"), **extra)


@bp.get("/users")
@roles_required(ADMIN)
def users():
    search = request.args.get("q", "")
    listing = paginate(accounts.users_query(search))
    return render_htmx("admin/users.html", "admin/_users.html", listing=listing, q=search, roles=list(Role),
                       units=accounts.managed_units(current_user), new_form=Form("user-new", {"active": True}))


@bp.post("/users")
@roles_required(ADMIN)
def user_create():
    form = _user_form("user-new")
    context = dict(roles=list(Role), units=accounts.managed_units(current_user))
    try:
        user = accounts.create_user(current_user, form.values, request.form.get("password", ""))
    except DomainError as error:
        return refused("admin/users.html", "admin/_user_new.html", error, new_form=form, listing=None, q="", **context)
    return saved("admin/_user_new.html", "user-created", url_for("admin.users"),
                 _("Account %(name)s created.", name=user.username), new_form=Form("user-new", {"active": True}),
                 **context)


@bp.get("/users/<int:user_id>/row")
@roles_required(ADMIN)
def user_row(user_id):
    return render_htmx("admin/row_edit.html", "admin/_user_row.html", **_user_context(load(User, user_id)))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def user_edit(user_id):
    user = load(User, user_id)
    context = _user_context(user)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "admin/_user_row.html", form=_user_form_of(user), **context)
    form = _user_form(f"user-{user.id}")
    try:
        accounts.update_user(current_user, user, form.values, request.form.get("new_password", ""))
    except DomainError as error:
        return refused("admin/row_edit.html", "admin/_user_row.html", error, form=form, **context)
    return saved("admin/_user_row.html", "user-saved", url_for("admin.users"),
                 _("Account %(name)s saved.", name=user.username), **context)

