"""Errors of this feature, each with a stable code and a message in the user's language (see core.errors)."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError, per_field


class SurveyError(DomainError):
    """The phone survey (``survey.operations``): a code that leads nowhere, a closed period, or
    answers that cannot be stored. The citizen sees the message in their language."""

    status = 400
    statuses = {
        "unknown_code": 404,
        "expired": 410,
        "used": 410,
        "no_open_period": 409,
        "no_question": 409,
        "uuid_conflict": 409,
        "invalid": 422,
        "off_duty": 409,
        "too_many_codes": 429,
        "own_code": 403,
    }
    messages = {
        "unknown_code": _l(
            "This survey code is not valid. Scan the QR code on the poster again, or ask the officer for a new one."
        ),
        "expired": _l("This one-time survey code has expired. Ask the officer for a new one."),
        "used": _l("This one-time survey code has already been used: each code counts once."),
        "no_open_period": _l(
            "The survey is closed at the moment: no appraisal period is open. Thank you for wanting to help."
        ),
        "no_question": _l("This survey has no questions at the moment. Please tell the officer."),
        "bad_uuid": _l("This form is incomplete. Reload the page and try again."),
        "uuid_conflict": _l("This form was already sent for another survey. Reload the page and try again."),
        "invalid": _l("Some answers are missing or not valid. Check the marked questions."),
        "inactive_officer": _l("This officer is not active."),
        "wrong_unit": _l("This officer does not work at this desk's unit."),
        "off_duty": _l(
            "A one-time survey code is made only while you are on duty at a desk. Start duty at the kiosk first."
        ),
        "too_many_codes": _l(
            "Too many survey codes in the last hour for this duty (at most %(max)s). A code is "
            "for a citizen you have just served; try again later."
        ),
        "own_code": _l(
            "This one-time code cannot be answered here: it was made on this device, or this "
            "browser is signed in as the officer who made it. The citizen who was served answers "
            "it on their own phone."
        ),
        # Messages of single fields, shown next to the field (see SurveyInvalid).
        "required": _l("Choose one answer."),
        "bad_value": _l("Choose one of the four answers."),
        "service_required": _l("Choose the service you received."),
        "unknown_service": _l("Choose a service from the list."),
        "bad_choice": _l("Choose one of the options, or leave it empty."),
        "comment_too_long": _l("The comment is too long: at most %(max)s characters."),
        "bad_yes_no": _l("Choose yes or no."),
        "text_too_long": _l("The answer is too long: at most %(max)s characters."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        self.status = self.statuses.get(code, SurveyError.status)


class SurveyInvalid(SurveyError):
    """Answers that cannot be stored, with one message code, or (code, params) pair, per form field
    (``q<indicator id>``, ``service``, ``gender``, ``age_band``, ``education``, ``occupation``,
    ``comment``)."""

    def __init__(self, fields: dict):
        super().__init__("invalid")
        self.fields = per_field(fields)

    def field_messages(self) -> dict[str, str]:
        return {name: self.text(code, params) for name, (code, params) in self.fields.items()}
