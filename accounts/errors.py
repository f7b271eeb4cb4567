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


class SetupError(DomainError):
    """A set-up link that cannot be used (``accounts.setup``): each says what to do instead."""

    status = 404
    statuses = {
        "used": 410,
        "revoked": 410,
        "expired": 410,
        "inactive": 403,
        "not_officer": 409,
        "mail_failed": 503,
        "no_mail": 409,
        "made_meanwhile": 409,
    }
    messages = {
        "unknown": _l(
            "This set-up code is not valid. Check it against your slip, or ask your supervisor for a new one."
        ),
        "used": _l(
            "This set-up link has already been used. Sign in with your password, or ask your supervisor to reset it."
        ),
        "revoked": _l("This set-up link was replaced by a newer one. Use the newest link, or ask your supervisor."),
        "expired": _l("This set-up link has expired. Ask your supervisor for a new one."),
        "inactive": _l("This account is switched off. Ask your supervisor."),
        "not_officer": _l("Only an officer's account is set up with a link."),
        "mail_failed": _l("The e-mail could not be sent, so no new link was made. Print a slip instead."),
        "no_mail": _l("This server cannot send e-mail. Leave the address empty to print a slip."),
        "made_meanwhile": _l("Someone made these accounts at the same moment. Reload the page to see them."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        self.status = self.statuses.get(code, type(self).status)
