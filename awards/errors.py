"""The refusals of the officer of the month: a state that forbids an action (409), or a request
that can never succeed as sent (422). Each has a stable code and a translated message. Scope
refusals stay ``core.errors.AccessDenied`` (403)."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class AwardError(DomainError):
    """Status 409, except the codes in ``UNPROCESSABLE``, which answer 422."""

    status = 409
    UNPROCESSABLE: frozenset[str] = frozenset(
        {"reason_required", "withdraw_reason_required", "not_eligible", "text_too_long"}
    )
    messages = {
        "month_not_ended": _l("This month has not ended yet: its standings are provisional."),
        "month_unknown": _l(
            "This month cannot be awarded now: only the months of the open period and of the one before it."
        ),
        "already_confirmed": _l("This month already has a confirmed officer of the month. Withdraw it first."),
        "not_eligible": _l(
            "This officer is not among the officers who may be recognised this month "
            "(enough counted responses are needed)."
        ),
        "reason_required": _l("Say why you recognise another officer than the proposed one."),
        "withdraw_reason_required": _l("Say why the award is withdrawn."),
        "not_confirmed": _l("This award has already been withdrawn."),
        "text_too_long": _l("At most %(max)s characters."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        if code in self.UNPROCESSABLE:
            self.status = 422
