"""The refusals of 360° feedback rounds: each with a stable code, an HTTP status and a message in
the user's language. Refusals of single form fields stay ``core.errors.Invalid``; a manager out
of scope gets ``core.errors.AccessDenied``."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class FeedbackError(DomainError):
    """A state of a round or an invitation that forbids an action: 409 unless ``STATUS`` says
    otherwise (403 a link that is someone else's, 410 a link that can never be answered again,
    422 a choice that can never succeed as sent)."""

    status = 409
    STATUS = {
        "not_your_invitation": 403,
        "invitation_withdrawn": 410,
        "round_closed_answer": 410,
        "peer_self": 422,
        "peer_other_unit": 422,
        "subject_not_in_round": 422,
        "min_raters_range": 422,
        "due_past": 422,
    }
    messages = {
        "round_exists": _l("This unit already has a feedback round for this period."),
        "period_not_open": _l("A feedback round opens only in an open period."),
        "round_closed": _l("This round is closed: its answers are final and its raters can no longer change."),
        "round_closed_answer": _l("This feedback round is closed: answers are no longer accepted."),
        "not_your_invitation": _l(
            "This link belongs to another rater. Your own requests are on your Feedback requests page."
        ),
        "invitation_withdrawn": _l("This request was withdrawn: you are no longer asked for this feedback."),
        "already_answered": _l("You have already answered this request. Answers are final."),
        "peer_self": _l("An officer cannot rate herself as a peer."),
        "peer_other_unit": _l("A peer is an active officer of the same unit."),
        "already_rater": _l("%(name)s is already asked to rate this officer."),
        "subject_not_in_round": _l("This officer is not part of this round."),
        "peers_answered": _l(
            "A peer or team member of this officer has already answered, so no rater of that kind can be "
            "removed any more: removing one now would tell who answered."
        ),
        "answered_final": _l("This rater has already answered; answers are final."),
        "min_raters_range": _l("The fewest raters of a kind shown is a whole number from %(min)s to %(max)s."),
        "due_past": _l("The day answers are asked by cannot be in the past."),
        "nothing_to_remind": _l("Nobody is waiting to be reminded: every open request was reminded in the last day."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        self.status = self.STATUS.get(code, 409)
