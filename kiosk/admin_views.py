"""Kiosks in the admin area: which tablets are online, pairing codes, moving and revoking."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.db import db, utcnow
from core.extensions import htmx
from core.htmx import render_htmx
from core.web import arg_id, paginate, saved
from org import access
from org.auth import MANAGERS, Records, load, roles_required
from org.models import Unit
from org.queries import desks_of

from .forms import MoveForm, PairingCodeForm
from .models import Kiosk
from .pairing import kiosk_status, kiosks_query, make_pairing_code, move_kiosk, revoke_kiosk
from .queries import kiosk_config_version, kiosk_indicators
from .refusals import refusal_counts, refusal_message, refusals_query

bp = Blueprint("kiosk", __name__)


STATUSES = ("online", "offline", "revoked")


class Kiosks(Records):
    """Tablets are paired at the kiosk (``/kiosk/``), not made here: a row is moved to another
    desk of its unit, or revoked (kept, and refused from then on)."""

    name, model, form, url = "kiosk", Kiosk, MoveForm, "/kiosks"
    blueprint = "admin.kiosk"
    list_endpoint = "kiosks"
    actions = ("list", "row", "edit", "delete")
    edit_action, delete_action = "move", "revoke"
    roles = dict.fromkeys(actions, MANAGERS)
    page, list_partial, row_partial = "kiosk/kiosks.html", "kiosk/_kiosks.html", "kiosk/_kiosk_row.html"
    new_form_key = "pair_form"
    messages = dict(deleted=_l("Kiosk %(name)s revoked."), confirm=_l("Revoke kiosk %(name)s?"))

    def unit_of(self, kiosk):
        return kiosk.desk.unit_id

    def list_context(self, parent=None):
        now = utcnow()
        unit_id = arg_id("unit")
        status = request.args.get("status", "")
        listing = paginate(kiosks_query(current_user, unit_id, status, now))
        return dict(
            listing=listing,
            now=now,
            unit_id=unit_id,
            state_filter=status,
            statuses=STATUSES,
            units=access.managed_units(current_user),
            desks=desks_of(current_user),
            kiosk_status=kiosk_status,
            refused=refusal_counts([kiosk.id for kiosk in listing.items]),
        )

    def row_context(self, kiosk):
        return dict(
            now=utcnow(),
            kiosk_status=kiosk_status,
            refused=refusal_counts([kiosk.id]),
            desks=[d for d in desks_of(current_user) if d.unit_id == kiosk.desk.unit_id],
        )

    def blank(self, parent=None, made=None):
        return PairingCodeForm.blank()

    def update(self, actor, kiosk, form):
        move_kiosk(actor, kiosk, form.desk_id.data)
        return form.desk_id.data

    def edited(self, kiosk, desk):
        return saved(
            self.row_partial,
            "kiosk-saved",
            self.back(kiosk),
            _("Kiosk %(name)s moved to %(desk)s.", name=kiosk.name, desk=desk.name),
            **self.row(kiosk),
        )

    def confirm(self, kiosk):
        return dict(
            super().confirm(kiosk),
            button=_("Revoke"),
            text=_("The tablet stops taking votes at once and must be paired again."),
        )

    def delete(self, actor, kiosk):
        revoke_kiosk(actor, kiosk)

    def deleted(self, kiosk, title, back):
        # A revoked kiosk stays in the list, marked so.
        return saved(self.row_partial, "kiosk-saved", back, self.message("deleted", kiosk), **self.row(kiosk))


kiosks = Kiosks()
kiosks.register(bp)


@bp.post("/kiosks/pairing-code")
@roles_required(*MANAGERS)
def pairing_code():
    form = PairingCodeForm()
    desks = desks_of(current_user)
    if not form.submit(lambda: make_pairing_code(current_user, form.desk_id.data)):
        if htmx:
            return render_template("kiosk/_pairing.html", form=form, desks=desks), form.status
        return render_template("kiosk/kiosks.html", **kiosks.page_context(form=form)), form.status
    db.session.commit()
    # Shown once, in this answer, and never again: only the code's hash is kept. So no redirect.
    shown = dict(code=form.result, desk=form.desk_id.data)
    if htmx:
        response = render_htmx("kiosk/kiosks.html", "kiosk/_pairing.html", form=form, desks=desks, **shown)
        response.headers["HX-Trigger"] = "pairing-code-made"
        return response
    return render_template("kiosk/kiosks.html", **kiosks.page_context(form=form), **shown)


@bp.get("/kiosks/<int:kiosk_id>/refusals")
@roles_required(*MANAGERS)
def kiosk_refusals(kiosk_id: int):
    """The votes this kiosk's tablet sent that the server refused for good, newest first: what
    was sent and why it was refused (the tablet dropped them from its queue)."""
    kiosk = load(Kiosk, kiosk_id, lambda k: k.desk.unit_id)
    return render_htmx(
        "kiosk/refusals.html",
        "kiosk/_refusals.html",
        kiosk=kiosk,
        unit=kiosk.desk.unit,
        listing=paginate(refusals_query(kiosk.id), 50),
        refusal_message=refusal_message,
    )


@bp.get("/units/<int:unit_id>/questions/preview/kiosk")
@roles_required(*MANAGERS)
def question_preview(unit_id: int):
    """The kiosk screen of a unit as its citizens will see it (its own question and reasons, or
    the national ones), for its staff: the real page, in preview mode, which sends no vote."""
    unit = load(Unit, unit_id, unit_of=lambda u: u.id)
    question, reasons = kiosk_indicators(unit.id)
    return render_template(
        "kiosk/kiosk.html",
        preview=True,
        back_url=url_for("admin.appraisal.unit_questions_page", unit_id=unit.id),
        unit=unit,
        desk={"name": _("Preview")},
        question=question,
        reasons=reasons,
        config_version=kiosk_config_version(question, reasons),
    )
