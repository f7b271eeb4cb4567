"""Errors of this feature, each with a stable code and a message in the user's language (see core.errors)."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class PairingError(DomainError):
    status = 400
    messages = {
        "missing": _l("Enter the pairing code shown in the admin area."),
        "unknown": _l("This pairing code is not valid. Check it, or ask the administrator for a new one."),
        "expired": _l("This pairing code has expired. Ask the administrator for a new one."),
        "used": _l("This pairing code has already been used. Ask the administrator for a new one."),
        "desk_inactive": _l("The desk for this code is no longer active."),
    }


class VoteError(DomainError):
    """Why the vote endpoint did not store a vote.

    ``final``: the same vote will never be stored, however often it is sent (it is malformed, or
    its id belongs to another device). The answer says so (``"final": true``); the tablet then
    drops the vote from its queue and the server records it (``kiosk.refusals``), so that one
    such vote never holds up the votes queued behind it. Every other refusal is a state that
    changes (no active question until an administrator adds one; a tablet not paired, 401; over
    the rate limit, 429; a server error, 5xx): the tablet keeps the vote and sends it again later.
    """

    status = 422
    FINAL = frozenset(
        {
            "not_json",
            "bad_uuid",
            "bad_value",
            "bad_reasons",
            "unknown_reason",
            "bad_cast_at",
            "bad_locale",
            "uuid_conflict",
        }
    )
    messages = {
        "not_json": _l("Send the vote as a JSON object."),
        "bad_uuid": _l("The vote needs an id (a UUID) made by the kiosk."),
        "bad_value": _l("The rating must be a whole number from 1 to 4."),
        "bad_reasons": _l("The reasons must be a list of the reasons this kiosk offers."),
        "unknown_reason": _l("Unknown reason: %(reason)s."),
        "bad_cast_at": _l("The time of the vote is not a valid ISO 8601 time."),
        "bad_locale": _l("Unknown language."),
        "no_question": _l("This kiosk has no active question. Ask the administrator."),
        "uuid_conflict": _l("This vote id was already used by another device."),
        "not_paired": _l("This tablet is not paired as a kiosk."),
    }

    def __init__(self, code: str, status: int | None = None, **params):
        super().__init__(code, **params)
        if status:
            self.status = status

    @property
    def final(self) -> bool:
        return self.code in self.FINAL

    def as_json(self) -> dict:
        return {**super().as_json(), "final": self.final}
