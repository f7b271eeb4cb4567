"""The officer's one-time survey code, from their own page in the admin area."""

from flask import Blueprint
from flask_login import current_user

from core.db import db, utcnow
from core.errors import DomainError
from core.extensions import limiter
from core.htmx import render_htmx
from org.auth import OFFICER, roles_required

from .devices import minting_device, remember_device
from .operations import issue_service_code

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
