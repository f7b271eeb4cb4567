"""The officer's one-time survey code, from their own page in the admin area."""

from flask import Blueprint
from flask_login import current_user

from core.db import db, utcnow
from core.errors import DomainError
from core.extensions import limiter
from core.htmx import render_htmx
from org.auth import OFFICER, roles_required
from org.duty import desk_of_officer_at
from org.models import Desk

from .operations import issue_service_code

bp = Blueprint("survey", __name__)



@bp.post("/me/service-code")
@roles_required(OFFICER)
@limiter.limit("60 per hour", key_func=lambda: f"user:{current_user.id}")
def my_service_code():
    """An officer's one-time survey code for the citizen just served (the same as the kiosk's
    staff panel shows), tied to the desk where the officer is on duty, if any."""
    officer = current_user.officer
    desk_id = desk_of_officer_at(officer.id, utcnow())
    try:
        code = issue_service_code(officer, db.session.get(Desk, desk_id) if desk_id else None)
    except DomainError as error:
        db.session.rollback()
        return render_htmx("accounts/me.html", "survey/_my_service_code.html", status=error.status,
                           code_error=error.message)
    db.session.commit()
    return render_htmx("accounts/me.html", "survey/_my_service_code.html", service_code=code)
