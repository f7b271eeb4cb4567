"""The officer's one-time survey code, from their own page in the admin area; the phone survey of
a unit as its citizens will see it, for its staff (a preview)."""

from types import SimpleNamespace

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from core.db import db, utcnow
from core.errors import DomainError
from core.extensions import limiter
from core.htmx import render_htmx
from core.i18n import current_locale
from core.responses import TEXT_MAX_LENGTH
from org.auth import MANAGERS, OFFICER, load, roles_required
from org.models import Unit

from .devices import minting_device, remember_device
from .forms import COMMENT_MAX_LENGTH, profile_options
from .operations import issue_service_code
from .queries import survey_indicators, unit_services

bp = Blueprint("survey", __name__)


@bp.post("/me/service-code")
@roles_required(OFFICER)
@limiter.limit("60 per hour", key_func=lambda: f"user:{current_user.id}")
def my_service_code():
    """An officer's one-time survey code for the citizen just served (the same as the kiosk's
    staff panel shows), bound to the duty the officer is on: off duty, none. This browser is
    marked as the code's maker, so that it cannot answer the code."""
    device, fresh = minting_device()
    try:
        code = issue_service_code(current_user.officer, now=utcnow(), minted_device=device)
    except DomainError as error:
        db.session.rollback()
        return render_htmx(
            "accounts/me.html", "survey/_my_service_code.html", status=error.status, code_error=error.message
        )
    db.session.commit()
    response = render_htmx("accounts/me.html", "survey/_my_service_code.html", service_code=code)
    return remember_device(response, fresh)


@bp.get("/units/<int:unit_id>/questions/preview/phone")
@roles_required(*MANAGERS)
def question_preview(unit_id: int):
    """The phone survey of a unit as its citizens see it (the nine SKM elements, then the unit's
    own items), in the language asked (``?lang=``): the real page, in preview mode, sending
    nothing."""
    unit = load(Unit, unit_id, unit_of=lambda u: u.id)
    return render_template(
        "survey/form.html",
        preview=True,
        back_url=url_for("admin.appraisal.unit_questions_page", unit_id=unit.id),
        target=SimpleNamespace(code="preview", verified=False),
        unit=unit,
        desk=None,
        officer=None,
        indicators=survey_indicators(unit),
        services=unit_services(unit),
        profile=profile_options(),
        values={},
        errors={},
        error_items=[],
        summary="",
        uuid="",
        locale=current_locale(),
        comment_max=COMMENT_MAX_LENGTH,
        text_max=TEXT_MAX_LENGTH,
        unavailable="",
    )
