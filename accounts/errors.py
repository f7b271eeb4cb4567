"""Errors of this feature, each with a stable code and a message in the user's language (see core.errors)."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class LoginError(DomainError):
    status = 401
    messages = {
        "bad_credentials": _l("Wrong username or password."),
        "throttled": _l("Too many failed sign-ins from here. Try again after %(until)s, or ask an administrator."),
        "inactive": _l("This account is switched off. Ask an administrator."),
    }
