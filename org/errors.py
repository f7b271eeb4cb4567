"""Errors of this feature, each with a stable code and a message in the user's language (see core.errors)."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.i18n import Plural


class DutyError(DomainError):
    status = 400
    messages = {
        "no_officer": _l("Choose your name first."),
        "unknown_officer": _l("This officer does not work at this unit."),
        "bad_pin": Plural(
            "Wrong PIN. %(left)s attempt left before the PIN is locked.",
            "Wrong PIN. %(left)s attempts left before the PIN is locked.",
            "left",
        ),
        "locked": _l("Too many wrong PINs. Try again after %(until)s, or ask the administrator."),
        "no_pin": _l("You have no PIN yet. Choose one with your set-up link, or ask your supervisor for a new link."),
        "pin_format": _l("A PIN has 4 to 8 digits."),
        "not_on_duty": _l("Nobody is on duty at this desk."),
        "on_duty_elsewhere": _l("%(name)s is on duty at %(desk)s. End that duty first."),
        "inactive_officer": _l("This officer is not active."),
    }
