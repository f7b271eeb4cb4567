"""The forms of feedback rounds: each value as typed. Whether a period is open, a peer may be
chosen or a link is the rater's is ``feedback.operations``'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange, StopValidation

from appraisal.berakhlak import VALUES
from appraisal.models import Period
from core.errors import message_for
from core.forms import (
    AdminForm,
    DateField,
    IntegerField,
    Matches,
    MaxLength,
    RecordField,
    Required,
    TextAreaField,
    TextField,
)
from org.models import Officer, Unit

from .models import MIN_RATERS_FLOOR
from .operations import COMMENT_MAX, MIN_RATERS_MAX

# The four points of the answer scale: how often the behaviours are seen.
SCALE = (
    (1, _l("Never")),
    (2, _l("Sometimes")),
    (3, _l("Often")),
    (4, _l("Always")),
)


class OpenRoundForm(AdminForm):
    id_prefix = "open-round"
    unit = RecordField(_l("Unit"), [Required("unknown_unit")], model=Unit, code="unknown_unit")
    period = RecordField(_l("Period"), [Required()], model=Period)
    min_raters = IntegerField(
        _l("Fewest peers or team members shown"),
        [Required(), NumberRange(MIN_RATERS_FLOOR, MIN_RATERS_MAX, message=_l("Enter a whole number from 3 to 20."))],
        description=_l("Their answers are shown only in aggregate, and only from this many raters on (at least 3)."),
        render_kw={"min": str(MIN_RATERS_FLOOR), "max": str(MIN_RATERS_MAX), "inputmode": "numeric"},
    )
    due_on = DateField(_l("Answers asked by (optional)"))


class PeerForm(AdminForm):
    """A peer for one officer (``id_prefix``: ``peer-<officer id>``)."""

    id_prefix = "peer"
    peer = RecordField(_l("Add a peer"), [Required()], model=Officer)


class ScoreField(TextField):
    """One of the four points (an int), or None when nothing or something else was sent."""

    input_type = "radio"

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist and isinstance(valuelist[0], str) else ""
        self.data = int(text) if text in ("1", "2", "3", "4") else None

    def pre_validate(self, form):
        if self.data is None:
            raise StopValidation(message_for("choice"))


class AnswerForm(AdminForm):
    """A rating (``score_<value>``) and an optional comment (``comment_<value>``) per BerAKHLAK
    value; the fields are added below, one pair per value."""

    id_prefix = "answer"

    def scores(self) -> dict[str, int]:
        return {value.code: self[f"score_{value.code}"].data for value in VALUES}

    def comments(self) -> dict[str, str]:
        return {value.code: self[f"comment_{value.code}"].data for value in VALUES}


for _value in VALUES:
    setattr(AnswerForm, f"score_{_value.code}", ScoreField(_l("Rating")))
    setattr(AnswerForm, f"comment_{_value.code}", TextAreaField(_l("Comment (optional)"), [MaxLength(COMMENT_MAX)]))


class ReminderEmailForm(AdminForm):
    id_prefix = "reminder"
    email = TextField(
        _l("E-mail address for reminders"),
        [MaxLength(254), Matches(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "email_format")],
        description=_l("Leave it empty to be reminded only here."),
        input_type="email",
        render_kw={"autocomplete": "email"},
    )
