"""The SKP's refusals: a state of a plan, an evaluation, an objection or a unit result that
forbids an action (409), or a value that makes no sense for it (422). Each has a stable code and
a translated message; the SKP helpers each add their codes to ``SkpError.messages``.

Refusals of single form fields stay ``core.errors.Invalid`` (one code per field); the scope
refusals stay ``core.errors.AccessDenied`` (403).
"""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class SkpError(DomainError):
    """A state of the SKP that forbids an action. Status 409, except the codes in
    ``UNPROCESSABLE`` (a request that can never succeed as sent), which answer 422."""

    status = 409
    UNPROCESSABLE: frozenset[str] = frozenset({"unknown_value", "unknown_result", "bad_order", "year_range"})
    messages = {
        # planning (skp.planning)
        "skp_exists": _l("This officer already has an SKP for %(year)s."),
        "year_range": _l("Choose a year from 2000 to 2100."),
        "no_main_result": _l("An SKP needs at least one main (utama) work result before it can be agreed."),
        "already_agreed": _l("You have already agreed to this SKP."),
        "unknown_value": _l("This is not one of the BerAKHLAK values."),
        "bad_order": _l("A work result moves one place up or down."),
        "result_in_use": _l(
            "This work result already has realisations, feedback or ratings: it can no longer be removed."
        ),
        "result_rated": _l(
            "A signed evaluation has rated this work result, so it can no longer change. Add a new row instead."
        ),
        # realisation and feedback (skp.realisation)
        "skp_not_agreed": _l("The SKP is not agreed yet: realisation and feedback start once both have agreed to it."),
        "period_other_year": _l("This period is not part of the SKP's year."),
        "one_subject": _l("A note is about one work result or one value, not both."),
        "unknown_result": _l("This work result is not part of this SKP."),
        # evaluation, signing and objection (skp.evaluation)
        "evaluation_not_draft": _l("This evaluation is signed: the appraiser must reopen it before ratings change."),
        "evaluation_not_signed": _l(
            "Only a signed evaluation that has not been answered yet can be acknowledged or objected to."
        ),
        "evaluation_incomplete": _l(
            "Rate everything before signing: %(rows)s work result(s), %(values)s value(s) and %(overall)s overall "
            "rating(s) are still missing."
        ),
        "evaluation_skp_not_agreed": _l(
            "The SKP's targets are not agreed yet: an evaluation can be signed only after both agreed."
        ),
        "head_no_unit_result": _l(
            "This officer heads the unit: her work-result rating follows the unit's result, which is not set yet."
        ),
        "not_reopenable": _l(
            "Only a signed evaluation that the officer has not yet acknowledged or objected to can be reopened."
        ),
        "objection_decided": _l("This objection is already decided."),
        "no_objection": _l("There is no objection to decide."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        if code in self.UNPROCESSABLE:
            self.status = 422
