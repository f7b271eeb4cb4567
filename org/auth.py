"""Who may use the admin area: ``roles_required`` and the scoped ``load``. Roles are checked on
the server for every request; hiding a link is only a courtesy. The admin area's blueprint guard
(``admin.guard``) refuses any of its views that does not declare its roles. Signing in, and where
an anonymous visitor is sent, is the accounts' (``accounts.admin_views``)."""

from functools import wraps

from flask import abort
from flask_login import current_user

from core import crud
from core.db import db
from core.extensions import login_manager
from core.web import local_target
from org import access

from .models import Role


def load(model, object_id: int, unit_of=None):
    """The object, or 404; 403 when it belongs to a unit the user does not manage."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if unit_of is not None and not access.can_manage_unit(current_user, unit_of(obj)):
        abort(403)
    return obj


ADMIN, SUPERVISOR, OFFICER = Role.ADMIN, Role.SUPERVISOR, Role.OFFICER


EVERYONE = (ADMIN, SUPERVISOR, OFFICER)


MANAGERS = (ADMIN, SUPERVISOR)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in, never another site (``core.web.local_target``)."""
    return local_target(target)


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


class Records(crud.Records):
    """A kind of record in the admin area (``core.crud``), under its roles and unit scope."""

    def guard(self, roles):
        return roles_required(*roles)

    def load(self, model, object_id: int, unit_of=None):
        return load(model, object_id, unit_of)
