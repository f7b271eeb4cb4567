"""The appraisal's refusals that belong to no single form field: for now, those of a unit's own
questions (``appraisal.unit_questions``). Each has a stable code and a translated message.

Refusals of single fields stay ``core.errors.Invalid``; scope refusals ``core.errors.AccessDenied``.
"""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class QuestionError(DomainError):
    """A unit's question cannot be added or changed as asked (409)."""

    status = 409
    messages = {
        "national_read_only": _l(
            "This is a national question, asked by every unit: it is changed on the survey indicators page."
        ),
        "kiosk_question_exists": _l(
            "The unit already has an active kiosk question of its own: switch it off first, or edit it."
        ),
        "too_many": _l("A unit may have at most %(max)s active questions of this type."),
        "bad_move": _l("A question moves one place up or down."),
    }
