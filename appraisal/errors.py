"""Errors the domain raises for bad input or a state that forbids an action.

Each carries a stable ``code`` (for clients and tests), an HTTP status the areas answer with,
and a message marked for translation: areas show ``str(error.message)`` in the user's language.
"""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    messages: dict = {}

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        template = self.messages.get(self.code, self.code)
        return str(template) % self.params if self.params else str(template)

    def as_json(self) -> dict:
        return {"error": self.code, "message": self.message}


class PairingError(DomainError):
    status = 400
    messages = {
        "missing": _l("Enter the pairing code shown in the admin area."),
        "unknown": _l("This pairing code is not valid. Check it, or ask the administrator for a new one."),
        "expired": _l("This pairing code has expired. Ask the administrator for a new one."),
        "used": _l("This pairing code has already been used. Ask the administrator for a new one."),
        "desk_inactive": _l("The desk for this code is no longer active."),
    }


class DutyError(DomainError):
    status = 400
    messages = {
        "no_officer": _l("Choose your name first."),
        "unknown_officer": _l("This officer does not work at this unit."),
        "bad_pin": _l("Wrong PIN. %(left)s attempts left before the PIN is locked."),
        "locked": _l("Too many wrong PINs. Try again after %(until)s, or ask the administrator."),
        "no_pin": _l("You have no PIN yet. Ask the administrator to set one."),
        "pin_format": _l("A PIN has 4 to 8 digits."),
        "not_on_duty": _l("Nobody is on duty at this desk."),
        "on_duty_elsewhere": _l("%(name)s is on duty at %(desk)s. End that duty first."),
        "inactive_officer": _l("This officer is not active."),
    }


class VoteError(DomainError):
    status = 422
    messages = {
        "not_json": _l("Send the vote as a JSON object."),
        "bad_uuid": _l("The vote needs an id (a UUID) made by the kiosk."),
        "bad_value": _l("The rating must be a whole number from 1 to 4."),
        "bad_reasons": _l("The reasons must be a list of the reasons this kiosk offers."),
        "unknown_reason": _l("Unknown reason: %(reason)s."),
        "bad_cast_at": _l("The time of the vote is not a valid ISO 8601 time."),
        "bad_locale": _l("Unknown language."),
        "no_open_period": _l("No appraisal period is open for this date, so votes cannot be received."),
        "no_question": _l("This kiosk has no active question. Ask the administrator."),
        "uuid_conflict": _l("This vote id was already used by another device."),
    }

    def __init__(self, code: str, status: int | None = None, **params):
        super().__init__(code, **params)
        if status:
            self.status = status


class SurveyError(DomainError):
    """The phone survey (``appraisal.surveys``): a code that leads nowhere, a closed period, or
    answers that cannot be stored. The citizen sees the message in their language."""

    status = 400
    statuses = {
        "unknown_code": 404, "expired": 410, "used": 410, "no_open_period": 409, "no_question": 409,
        "uuid_conflict": 409, "invalid": 422,
    }
    messages = {
        "unknown_code": _l("This survey code is not valid. Scan the QR code on the poster again, or ask the "
                           "officer for a new one."),
        "expired": _l("This one-time survey code has expired. Ask the officer for a new one."),
        "used": _l("This one-time survey code has already been used: each code counts once."),
        "no_open_period": _l("The survey is closed at the moment: no appraisal period is open. "
                             "Thank you for wanting to help."),
        "no_question": _l("This survey has no questions at the moment. Please tell the officer."),
        "bad_uuid": _l("This form is incomplete. Reload the page and try again."),
        "uuid_conflict": _l("This form was already sent for another survey. Reload the page and try again."),
        "invalid": _l("Some answers are missing or not valid. Check the marked questions."),
        "inactive_officer": _l("This officer is not active."),
        "wrong_unit": _l("This officer does not work at this desk's unit."),
        # Messages of single fields, shown next to the field (see SurveyInvalid).
        "required": _l("Choose one answer."),
        "bad_value": _l("Choose one of the four answers."),
        "service_required": _l("Choose the service you received."),
        "unknown_service": _l("Choose a service from the list."),
        "bad_choice": _l("Choose one of the options, or leave it empty."),
        "comment_too_long": _l("The comment is too long: at most %(max)s characters."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        self.status = self.statuses.get(code, SurveyError.status)


class SurveyInvalid(SurveyError):
    """Answers that cannot be stored, with one message code per form field (``q<indicator id>``,
    ``service``, ``gender``, ``age_band``, ``education``, ``occupation``, ``comment``)."""

    def __init__(self, fields: dict[str, str], **params):
        super().__init__("invalid")
        self.fields = fields
        self.field_params = params

    def field_messages(self) -> dict[str, str]:
        # A mapping on the right of % fills the named placeholders and ignores the others.
        return {name: str(self.messages[code]) % self.field_params for name, code in self.fields.items()}
