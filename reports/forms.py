"""Forms of an officer's appraisal sheet: the supervisor's rating, the officer's dispute of a
response, and the supervisor's ruling on it; and the tag and answer of a citizen's comment. Whether a reason is needed for a rating (when it
departs from the suggestion) only the sheet's numbers tell: ``appraisal.ratings`` checks it."""

from flask_babel import lazy_gettext as _l

from appraisal.disputes import MAX_REASON
from appraisal.scoring import Rating
from core.forms import AdminForm, MaxLength, OneOf, Required, TextAreaField, TextField

from .comments import MAX_ANSWER
from .models import CommentTag


class DecisionForm(AdminForm):
    id_prefix = "decision"
    rating = TextField(_l("Your rating"), [Required("choice"), OneOf([rating.value for rating in Rating])])
    reason = TextAreaField(_l("Reason (required when you depart from the suggestion)"), [MaxLength(MAX_REASON)])


class DisputeForm(AdminForm):
    reason = TextAreaField(
        _l("Why should this response not count?"), [Required("dispute_reason"), MaxLength(MAX_REASON)]
    )


class RulingForm(AdminForm):
    resolution = TextAreaField(_l("Reason for your ruling"), [Required("ruling_reason"), MaxLength(MAX_REASON)])
    ruling = TextField(validators=[Required("choice"), OneOf(("uphold", "reject"))])


class CommentTagForm(AdminForm):
    tag = TextField(_l("Tag"), [Required("choice"), OneOf([tag.value for tag in CommentTag])])


class CommentAnswerForm(AdminForm):
    answer = TextAreaField(_l("Answer given to the citizen"), [Required("required"), MaxLength(MAX_ANSWER)])
