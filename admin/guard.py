"""The admin area's guard: every view is closed unless it says who may use it."""

import time

from flask import abort, current_app, request, session
from flask_login import current_user, logout_user

from core.extensions import login_manager

from .views import bp

# Endpoints open to anonymous visitors. Everything else needs a signed-in user and a role.
PUBLIC_ENDPOINTS = {"admin.accounts.login"}


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
