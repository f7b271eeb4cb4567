"""The admin area's guard: every view is closed unless it says who may use it."""

from flask import abort, current_app, request
from flask_login import current_user

from core.extensions import login_manager

from .views import bp

# Endpoints open to anonymous visitors. Everything else needs a signed-in user and a role.
# An officer's set-up link is opened before they have a password (accounts.setup).
PUBLIC_ENDPOINTS = {
    "admin.accounts.login",
    "admin.accounts.setup",
    "admin.accounts.setup_link",
    "admin.accounts.setup_submit",
}


@bp.before_request
def _guard():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    # The user first: an idle or expired session ends here, on the server (accounts.sessions).
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
