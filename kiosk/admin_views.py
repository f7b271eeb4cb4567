"""Kiosks in the admin area: which tablets are online, pairing codes, moving and revoking."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.db import db, utcnow
from core.errors import DomainError, Invalid
from core.extensions import htmx
from core.forms import Form, int_or_none
from core.htmx import render_htmx
from core.web import paginate, saved
from org import accounts
from org.auth import MANAGERS, load, roles_required
from org.models import Desk
from org.queries import desks_of

from .models import Kiosk
from .pairing import kiosk_status, kiosks_query, make_pairing_code, move_kiosk, revoke_kiosk

bp = Blueprint("kiosk", __name__)



STATUSES = ("online", "offline", "revoked")


def _kiosks_context(**extra):
    now = utcnow()
    unit_id = request.args.get("unit", type=int)
    status = request.args.get("status", "")
    listing = paginate(kiosks_query(current_user, unit_id, status, now))
    return dict(listing=listing, now=now, unit_id=unit_id, state_filter=status, statuses=STATUSES,
                units=accounts.managed_units(current_user), desks=desks_of(current_user),
                kiosk_status=kiosk_status, **extra)


@bp.get("/kiosks")
@roles_required(*MANAGERS)
def kiosks():
    return render_htmx("kiosk/kiosks.html", "kiosk/_kiosks.html", **_kiosks_context(pair_form=Form("pair")))


@bp.post("/kiosks/pairing-code")
@roles_required(*MANAGERS)
def pairing_code():
    form = Form("pair", {"desk_id": int_or_none(request.form.get("desk_id"))})
    desk = db.session.get(Desk, form.values["desk_id"] or 0)
    desks = desks_of(current_user)
    try:
        if desk is None:
            raise Invalid({"desk_id": "unknown_desk"})
        code = make_pairing_code(current_user, desk)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        if htmx:
            return render_template("kiosk/_pairing.html", form=form, desks=desks), error.status
        return render_template("kiosk/kiosks.html", **_kiosks_context(pair_form=form)), error.status
    db.session.commit()
    # Shown once, in this answer, and never again: only the code's hash is kept. So no redirect.
    context = dict(form=form, desks=desks, code=code, desk=desk)
    if htmx:
        response = render_htmx("kiosk/kiosks.html", "kiosk/_pairing.html", **context)
        response.headers["HX-Trigger"] = "pairing-code-made"
        return response
    return render_template("kiosk/kiosks.html", **_kiosks_context(pair_form=form, code=code, desk=desk))


def _kiosk_context(kiosk, **extra):
    return dict(kiosk=kiosk, now=utcnow(), kiosk_status=kiosk_status,
                desks=[d for d in desks_of(current_user) if d.unit_id == kiosk.desk.unit_id],
                row_template="kiosk/_kiosk_row.html", title=kiosk.name, back=url_for("admin.kiosk.kiosks"), **extra)


@bp.get("/kiosks/<int:kiosk_id>/row")
@roles_required(*MANAGERS)
def kiosk_row(kiosk_id):
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    return render_htmx("admin/row_edit.html", "kiosk/_kiosk_row.html", **_kiosk_context(kiosk))


@bp.route("/kiosks/<int:kiosk_id>/move", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def kiosk_move(kiosk_id):
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    if request.method == "GET":
        form = Form(f"kiosk-{kiosk.id}", {"desk_id": kiosk.desk_id})
        return render_htmx("admin/row_edit.html", "kiosk/_kiosk_row.html", form=form, **_kiosk_context(kiosk))
    form = Form(f"kiosk-{kiosk.id}", {"desk_id": int_or_none(request.form.get("desk_id"))})
    desk = db.session.get(Desk, form.values["desk_id"] or 0)
    try:
        if desk is None:
            raise Invalid({"desk_id": "unknown_desk"})
        move_kiosk(current_user, kiosk, desk)
    except DomainError as error:
        db.session.rollback()
        form.fail(error)
        return render_htmx("admin/row_edit.html", "kiosk/_kiosk_row.html", status=error.status, form=form,
                           **_kiosk_context(kiosk))
    return saved("kiosk/_kiosk_row.html", "kiosk-saved", url_for("admin.kiosk.kiosks"),
                 _("Kiosk %(name)s moved to %(desk)s.", name=kiosk.name, desk=desk.name), **_kiosk_context(kiosk))


@bp.route("/kiosks/<int:kiosk_id>/revoke", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def kiosk_revoke(kiosk_id):
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    confirm = dict(title=_("Revoke kiosk %(name)s?", name=kiosk.name),
                   text=_("The tablet stops taking votes at once and must be paired again."),
                   action=url_for("admin.kiosk.kiosk_revoke", kiosk_id=kiosk.id), back=url_for("admin.kiosk.kiosks"),
                   button=_("Revoke"))
    if request.method == "GET":
        return render_template("admin/confirm.html", **confirm)
    try:
        revoke_kiosk(current_user, kiosk)
    except DomainError as error:
        db.session.rollback()
        if htmx:
            return render_template("kiosk/_kiosk_row.html", row_error=error.message,
                                   **_kiosk_context(kiosk)), error.status
        return render_template("admin/confirm.html", error=error.message, **confirm), error.status
    return saved("kiosk/_kiosk_row.html", "kiosk-saved", url_for("admin.kiosk.kiosks"),
                 _("Kiosk %(name)s revoked.", name=kiosk.name), **_kiosk_context(kiosk))
