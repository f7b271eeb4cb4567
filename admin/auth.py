"""Who may use the admin area: the login manager's hooks, the blueprint's guard, and
``roles_required``. Roles are checked on the server for every request; hiding a link is only
a courtesy."""

import time
from functools import wraps

from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from appraisal import accounts
from appraisal.models import Role
from extensions import htmx, login_manager

from . import bp

ADMIN, SUPERVISOR, OFFICER = Role.ADMIN, Role.SUPERVISOR, Role.OFFICER
EVERYONE = (ADMIN, SUPERVISOR, OFFICER)
MANAGERS = (ADMIN, SUPERVISOR)
# Endpoints open to anonymous visitors. Everything else needs a signed-in user and a role.
PUBLIC_ENDPOINTS = {"admin.login"}
# Uploads (an officer import, a photo) are the largest requests of the area.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
# Office PCs are shared: a session left alone this long is signed out.
DEFAULT_IDLE_MINUTES = 120

login_manager.login_view = "admin.login"
login_manager.login_message = _l("Sign in to continue.")
login_manager.login_message_category = "info"
# No "remember me": a shared office PC must not keep anyone signed in after the browser closes.
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(user_id: str):
    return accounts.load_user(user_id)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@login_manager.unauthorized_handler
def _unauthorized():
    login = url_for("admin.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if htmx:
        # htmx would swap the login page into a table cell: make it load the whole page instead.
        response = Response(status=401)
        response.headers["HX-Redirect"] = login
        return response
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login)


def roles_required(*roles: Role):
    """Let in only signed-in users with one of ``roles``; others get 403 (anonymous users go to
    the sign-in page). The guard below refuses any admin view without this decorator."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)
        return wrapper

    return decorator


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
