"""The organisation's pages in the admin area: units with their services and desks, officers (with photo,
PIN and bulk import) and the duty roster."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.crud import ACTIONS
from core.db import db
from core.errors import AdminError, message_for
from core.extensions import htmx
from core.htmx import render_htmx, wants_partial
from core.web import arg_date, arg_id, paginate, saved
from org import access

from .auth import ADMIN, MANAGERS, Records, load, roles_required
from .duty import PIN_MAX_FAILURES, duty_query, roster_end, roster_start
from .forms import (
    DeskForm,
    DutyEndForm,
    DutyStartForm,
    ImportForm,
    OfficerForm,
    PhotoForm,
    ServiceForm,
    UnitForm,
)
from .locks import account_of, clear_sign_in, pin_locked, sign_in_blocks, unlock_pin
from .models import INDONESIAN_TIMEZONES, Desk, ImportJob, Officer, Service, Unit
from .officers import (
    IMPORT_CHUNK,
    create_officer,
    delete_officer,
    fail_import,
    import_jobs_of,
    import_step,
    import_template,
    officers_query,
    remove_photo,
    set_photo,
    start_import,
    update_officer,
)
from .operations import (
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
from .queries import active_officers, desks_of, first_unit, managed_unit, open_duties, unit_of_record, units_query
from .roster_views import bp as roster_pages

bp = Blueprint("org", __name__)
bp.register_blueprint(roster_pages)  # the planned roster and opening hours (org.roster_views)


# --- Units, and each unit's services and desks --------------------------------------------------


class Units(Records):
    name, model, form, url = "unit", Unit, UnitForm, "/units"
    blueprint = "admin.org"
    list_endpoint = "units"
    # Every manager sees the units they manage; only an administrator adds, changes or removes one.
    roles = dict(list=MANAGERS, create=[ADMIN], row=[ADMIN], edit=[ADMIN], delete=[ADMIN])
    page, list_partial = "org/units.html", "org/_units.html"
    new_partial, row_partial = "org/_unit_new.html", "org/_unit_row.html"
    messages = dict(
        created=_l("Unit %(name)s added."),
        saved=_l("Unit %(name)s saved."),
        deleted=_l("Unit %(name)s deleted."),
        confirm=_l("Delete unit %(name)s?"),
    )

    def list_context(self, parent=None):
        search = request.args.get("q", "")
        return dict(listing=paginate(units_query(current_user, search)), q=search)

    def form_context(self, parent=None):
        return dict(timezones=INDONESIAN_TIMEZONES)

    def row_context(self, unit):
        return dict(timezones=INDONESIAN_TIMEZONES)

    def created_url(self, unit):
        return url_for("admin.org.unit", unit_id=unit.id)

    def create(self, actor, form, parent=None):
        return create_unit(actor, form.values)

    def update(self, actor, unit, form):
        return update_unit(actor, unit, form.values)

    def delete(self, actor, unit):
        delete_unit(actor, unit)


def unit_page(unit: Unit) -> dict:
    """The unit's page: its services and desks (with who is on duty at each), each with the form
    that adds one."""
    unit_desks = db.session.scalars(sa.select(Desk).where(Desk.unit_id == unit.id).order_by(Desk.name)).all()
    return dict(
        unit=unit,
        services=db.session.scalars(
            sa.select(Service).where(Service.unit_id == unit.id).order_by(Service.position, Service.id)
        ).all(),
        desks=unit_desks,
        open_duties=open_duties(desk.id for desk in unit_desks),
        service_form=services.blank(unit),
        desk_form=desks.blank(unit),
    )


class UnitPart(Records):
    """A record of one unit, listed on the unit's page and added under its address."""

    blueprint = "admin.org"
    parent, parent_arg = Unit, "unit_id"
    roles = dict.fromkeys(ACTIONS, MANAGERS)
    page = "org/unit.html"

    def unit_of(self, obj):
        return obj.unit_id

    def list_context(self, unit=None):
        return unit_page(unit)

    def form_context(self, unit=None):
        return dict(unit=unit)

    def back(self, obj):
        return url_for("admin.org.unit", unit_id=obj.unit_id)


class Services(UnitPart):
    name, model, form, url = "service", Service, ServiceForm, "/services"
    collection_url, list_endpoint = "/units/<int:unit_id>/services", "services_list"
    list_partial, new_partial, row_partial = "org/_services.html", "org/_service_new.html", "org/_service_row.html"
    new_form_key = "service_form"
    title_attribute = "name_id"
    messages = dict(
        created=_l("Service %(name)s added."),
        saved=_l("Service %(name)s saved."),
        deleted=_l("Service %(name)s deleted."),
        confirm=_l("Delete service %(name)s?"),
    )

    def create(self, actor, form, unit=None):
        return create_service(actor, unit, form.values)

    def update(self, actor, service, form):
        return update_service(actor, service, form.values)

    def delete(self, actor, service):
        delete_service(actor, service)


class Desks(UnitPart):
    name, model, form, url = "desk", Desk, DeskForm, "/desks"
    collection_url, list_endpoint = "/units/<int:unit_id>/desks", "desks_list"
    list_partial, new_partial, row_partial = "org/_desks.html", "org/_desk_new.html", "org/_desk_row.html"
    new_form_key = "desk_form"
    # A desk's name already says it is one ("Loket A"): the messages do not say "desk" again.
    messages = dict(
        created=_l("%(name)s added."),
        saved=_l("%(name)s saved."),
        deleted=_l("%(name)s deleted."),
        confirm=_l("Delete %(name)s?"),
    )

    def row_context(self, desk):
        return dict(open_duties=open_duties([desk.id]))

    def create(self, actor, form, unit=None):
        return create_desk(actor, unit, form.values)

    def update(self, actor, desk, form):
        return update_desk(actor, desk, form.values)

    def delete(self, actor, desk):
        delete_desk(actor, desk)


units, services, desks = Units(), Services(), Desks()
for records in (units, services, desks):
    records.register(bp)


@bp.get("/units/<int:unit_id>")
@roles_required(*MANAGERS)
def unit(unit_id):
    return render_template("org/unit.html", **unit_page(load(Unit, unit_id, lambda u: u.id)))


# --- Officers ---------------------------------------------------------------------------------------


class Officers(Records):
    name, model, form, url = "officer", Officer, OfficerForm, "/officers"
    blueprint = "admin.org"
    list_endpoint = "officers_list"
    roles = dict.fromkeys(ACTIONS, MANAGERS)
    page, list_partial = "org/officers.html", "org/_officers.html"
    new_partial, row_partial = "org/_officer_new.html", "org/_officer_row.html"
    messages = dict(
        created=_l("Officer %(name)s added."),
        saved=_l("Officer %(name)s saved."),
        deleted=_l("Officer %(name)s deleted."),
        confirm=_l("Delete officer %(name)s?"),
    )

    def unit_of(self, officer):
        return officer.unit_id

    def list_context(self, parent=None):
        args = dict(q=request.args.get("q", ""), unit_id=arg_id("unit"), active=request.args.get("active", ""))
        return dict(listing=paginate(officers_query(current_user, args["q"], args["unit_id"], args["active"])), **args)

    def form_context(self, parent=None):
        return dict(units=access.managed_units(current_user))

    def row_context(self, officer):
        return dict(units=access.managed_units(current_user))

    def blank(self, parent=None, made=None):
        # The next officer is most likely of the same unit as the last one (or of the only one).
        managed = access.managed_units(current_user)
        unit_id = made.unit_id if made else (managed[0].id if len(managed) == 1 else None)
        return OfficerForm.blank("officer-new", unit_id=unit_id)

    def create(self, actor, form, parent=None):
        return create_officer(actor, form.values)

    def update(self, actor, officer, form):
        return update_officer(actor, officer, form.values)

    def delete(self, actor, officer):
        delete_officer(actor, officer)


officers = Officers()
officers.register(bp)


def _officer_context(officer: Officer, **forms) -> dict:
    """The officer's page: their facts, photo and account, and what keeps them out for a while (a
    PIN locked by wrong PINs, their account's sign-ins slowed), each with the way to clear it.
    Nobody sets an officer's PIN here: a reset makes a set-up link (``accounts.setup``)."""
    account = account_of(officer)
    return dict(
        officer=officer,
        photo_form=forms.get("photo_form") or PhotoForm.blank(),
        pin_locked=pin_locked(officer),
        pin_max_failures=PIN_MAX_FAILURES,
        account=account,
        sign_in_blocks=sign_in_blocks([account.username] if account else []),
    )


@bp.get("/officers/<int:officer_id>")
@roles_required(*MANAGERS)
def officer(officer_id):
    return render_template("org/officer.html", **_officer_context(load(Officer, officer_id, lambda o: o.unit_id)))


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
    form = PhotoForm()

    def write():
        if form.remove.data:
            remove_photo(current_user, officer)
        else:
            set_photo(current_user, officer, form.photo.data, form.mime)

    if form.submit(write):
        return saved(
            "org/_officer_photo.html",
            "officer-saved",
            url_for("admin.org.officer", officer_id=officer.id),
            _("Photo saved."),
            officer=officer,
            photo_form=PhotoForm.blank(),
        )
    return render_htmx(
        "org/officer.html", "org/_officer_photo.html", status=form.status, **_officer_context(officer, photo_form=form)
    )


@bp.post("/officers/<int:officer_id>/pin/unlock")
@roles_required(*MANAGERS)
def officer_pin_unlock(officer_id):
    """Clear the wrong PINs typed for the officer, and the lock they caused (audited)."""
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    unlock_pin(current_user, officer)
    return saved(
        "org/_officer_pin.html",
        "officer-saved",
        url_for("admin.org.officer", officer_id=officer.id),
        _("%(name)s may use their PIN again.", name=officer.name),
        **_officer_context(officer),
    )


@bp.post("/officers/<int:officer_id>/sign-in/unlock")
@roles_required(*MANAGERS)
def officer_sign_in_unlock(officer_id):
    """Let the officer's account sign in again from every source its failures slowed (audited)."""
    officer = load(Officer, officer_id, lambda o: o.unit_id)
    account = account_of(officer)
    if account is None:
        abort(404)
    clear_sign_in(current_user, account)
    return saved(
        "org/_officer_sign_in.html",
        "officer-saved",
        url_for("admin.org.officer", officer_id=officer.id),
        _("%(name)s may sign in again.", name=account.username),
        **_officer_context(officer),
    )


# --- Importing officers from a file -------------------------------------------------------------------


def _job_errors(job: ImportJob) -> list[tuple[int, str]]:
    return [(error["line"], message_for(error["code"], error.get("params") or {})) for error in job.errors]


def _import_page(form=None, job=None, status=200):
    jobs = db.session.scalars(import_jobs_of(current_user).limit(5)).all()
    units = access.managed_units(current_user)
    partial = "org/_import_job.html" if job is not None else "org/_import_form.html"
    return render_htmx(
        "org/import.html",
        partial,
        status=status,
        form=form or ImportForm.blank(),
        job=job,
        jobs=jobs,
        units=units,
        job_errors=_job_errors(job) if job else [],
    )


@bp.get("/officers/import")
@roles_required(*MANAGERS)
def officer_import():
    return _import_page()


@bp.post("/officers/import")
@roles_required(*MANAGERS)
def officer_import_upload():
    form = ImportForm()
    if form.submit(lambda: start_import(current_user, form.file.filename, form.file.data, form.unit_id.data)):
        db.session.commit()
        # A small file is checked (and imported) at once; a long one goes on in steps.
        return _job_answer(_step(form.result))
    return _import_page(form, status=form.status)


def _job_answer(job: ImportJob):
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
    if not access.can_manage_import(current_user, job):
        abort(403)
    return job


TEMPLATE_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/officers/import/template.<fmt>")
@roles_required(*MANAGERS)
def import_template_file(fmt):
    """The file to fill in, with the header the import reads and an example row of one's unit."""
    if fmt not in TEMPLATE_TYPES:
        abort(404)
    units = access.managed_units(current_user)
    response = FlaskResponse(
        import_template(fmt, units[0].code if units else "kode-unit"), mimetype=TEMPLATE_TYPES[fmt]
    )
    response.headers["Content-Disposition"] = f'attachment; filename="petugas-template.{fmt}"'
    return response


@bp.get("/officers/import/<int:job_id>")
@roles_required(*MANAGERS)
def import_job(job_id):
    return _import_page(job=_load_job(job_id))


@bp.post("/officers/import/<int:job_id>/step")
@roles_required(*MANAGERS)
def import_next(job_id):
    return _job_answer(_step(_load_job(job_id)))


# --- The duty roster ------------------------------------------------------------------------------
# One unit at a time: every desk of every unit, each with a list of its unit's officers, made a page
# of two megabytes in a large organisation, and its "Now" part is polled every minute.

DUTY_NOW, DUTY_HISTORY = "org/_duty_now.html", "org/_duty_history.html"


def _roster_unit() -> Unit | None:
    """The unit the roster shows: the one asked for (``unit``: a 404 unless it is one of the
    user's), else the unit of the desk or the officer the history is filtered on (the officer's
    page links there), else the first of the user's units by name; None when they manage none."""
    if request.args.get("unit"):
        unit_id = arg_id("unit")
        unit = managed_unit(current_user, unit_id) if unit_id else None
        if unit is None:
            abort(404)
        return unit
    for model, name in ((Desk, "desk"), (Officer, "officer")):
        record_id = arg_id(name)
        unit = unit_of_record(current_user, model, record_id) if record_id else None
        if unit is not None:
            return unit
    return first_unit(current_user)


def _desks_now(unit: Unit | None, form=None) -> dict:
    """The unit's desks as they are now: who is on duty at each, and whom it could be (the
    officers also fill the history's filter)."""
    unit_id = unit.id if unit else None
    desks = desks_of(current_user, active_only=False, unit_id=unit_id)
    return dict(
        unit=unit,
        desks=desks,
        officers=active_officers(current_user, unit_id),
        open_duties=open_duties(desk.id for desk in desks if desk.active),
        form=form or DutyStartForm.blank(),
    )


def _history(unit: Unit | None) -> dict:
    """Who was on duty at the unit's desks, filtered as the query string asks, a page at a time.
    Days are the unit's local days."""
    desk_id, officer_id = arg_id("desk"), arg_id("officer")
    day_from, day_to = arg_date("from"), arg_date("to")
    zone, unit_id = (unit.timezone, unit.id) if unit else ("Asia/Jakarta", None)
    listing = paginate(duty_query(current_user, desk_id, officer_id, day_from, day_to, zone, unit_id))
    return dict(unit=unit, listing=listing, desk_id=desk_id, officer_id=officer_id, day_from=day_from, day_to=day_to)


def _roster(partial: str, unit: Unit | None, status: int = 200, form=None):
    """The roster page of the unit, or one part of it for htmx, built with only what that part
    shows: the desks-now part is polled every minute and answers every change."""
    if not wants_partial():
        context = {**_desks_now(unit, form), **_history(unit), "units": access.managed_units(current_user)}
    else:
        context = _desks_now(unit, form) if partial == DUTY_NOW else _history(unit)
    return render_htmx("org/duty.html", partial, status=status, **context)


@bp.get("/duty")
@roles_required(*MANAGERS)
def duty():
    return _roster(DUTY_NOW if request.args.get("part") == "now" else DUTY_HISTORY, _roster_unit())


def _roster_change(form, change):
    """Put someone on duty or end a duty (``change(desk)`` returns the message), then show the
    desk's unit (whatever unit the page showed); refused, the desks again with the reason."""
    if form.submit(lambda: change(form.desk_id.data)):
        unit = form.desk_id.data.unit
        return saved(DUTY_NOW, "duty-changed", url_for("admin.org.duty", unit=unit.id), form.result, **_desks_now(unit))
    desk = form.desk_id.data
    in_scope = desk is not None and access.can_manage_unit(current_user, desk.unit_id)
    return _roster(DUTY_NOW, desk.unit if in_scope else first_unit(current_user), status=form.status, form=form)


@bp.post("/duty/start")
@roles_required(*MANAGERS)
def duty_start():
    form = DutyStartForm()

    def start(desk):
        officer = form.officer_id.data
        roster_start(current_user, desk, officer)
        return _("%(name)s is now on duty at %(desk)s.", name=officer.name, desk=desk.name)

    return _roster_change(form, start)


@bp.post("/duty/end")
@roles_required(*MANAGERS)
def duty_end():
    def end(desk):
        duty = roster_end(current_user, desk)
        return _("Duty of %(name)s at %(desk)s ended.", name=duty.officer.name, desk=desk.name)

    return _roster_change(DutyEndForm(), end)
