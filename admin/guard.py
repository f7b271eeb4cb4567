"""The admin area's guard: every view is closed unless it says who may use it."""

import time

from flask import abort, current_app, request, session
from flask_login import current_user, logout_user

from core.extensions import login_manager

from .views import bp

# Endpoints open to anonymous visitors. Everything else needs a signed-in user and a role.
PUBLIC_ENDPOINTS = {"admin.accounts.login"}


# Uploads (an officer import, a photo) are the largest requests of the area.
MAX_REQUEST_BYTES = 4 * 1024 * 1024


# Office PCs are shared: a session left alone this long is signed out.
DEFAULT_IDLE_MINUTES = 120


def _idle_too_long() -> bool:
    limit = current_app.config.get("ADMIN_IDLE_MINUTES", DEFAULT_IDLE_MINUTES) * 60
    now = int(time.time())
    seen = session.get("seen")
    if isinstance(seen, int) and now - seen > limit:
        return True
    if not isinstance(seen, int) or now - seen >= 60:
        session["seen"] = now  # written at most once a minute
    return False


@bp.before_request
def _guard():
    request.max_content_length = MAX_REQUEST_BYTES
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated and _idle_too_long():
        logout_user()
        session.clear()
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "allowed_roles", None):
        abort(403)  # closed by default: the view forgot to say who may use it
    return None


@bp.after_request
def _no_store(response):
    # Pages about people's careers: never kept in a shared PC's cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(429)
def _too_many(error):
    """A rate limit of the area: the view's own answer when it made one (the sign-in form with
    its message), else the application's error page."""
    if getattr(error, "response", None) is not None:
        return error.response
    from flask import render_template
    from flask_babel import gettext as _

    return render_template("error.html", status=429, message=_("Too many attempts. Wait a moment and try again.")), 429
