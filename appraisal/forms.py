"""Forms of what every unit shares: periods (and the reason a period is reopened), survey
indicators and their weights, and a period's scoring policy. Each checks what an administrator
typed; what needs the database (periods that overlap, weights that must add up, a code already
used) the operations check."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from core.errors import message_for
from core.forms import (
    AdminForm,
    BooleanField,
    Checked,
    DateField,
    IntegerField,
    Matches,
    MaxLength,
    OneOf,
    Required,
    TextAreaField,
    TextField,
    refusal,
    sent_text,
)

from . import scoring
from .models import IndicatorChannel, IndicatorKind
from .periods import MAX_REOPEN_REASON
from .policy import check_min_n, check_percent, check_score, check_thresholds, check_verified_weight

CODE = r"^[A-Za-z0-9_]{1,16}$"
ELEMENT = r"^U[0-9]{1,2}$"


class PeriodForm(AdminForm):
    name = TextField(_l("Name"), [Required(), MaxLength(100)], description=_l("e.g. Triwulan I 2027"))
    starts_on = DateField(_l("First day"), [Required()])
    ends_on = DateField(_l("Last day"), [Required()])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise refusal("dates_order")


class ReopenForm(AdminForm):
    reason = TextField(_l("Reason"), [Required("reason_required"), MaxLength(MAX_REOPEN_REASON)])


class WeightField(TextField):
    """The weight of an SKM element: a number from 0 to 1 with at most six decimals (a comma
    for the decimal point is fine), or nothing for an equal share."""

    def process_formdata(self, valuelist):
        text = sent_text(valuelist).replace(",", ".")
        self.data = None
        if not text:
            return
        try:
            weight = Decimal(text)
        except InvalidOperation:
            weight = None
        if (
            weight is None
            or not weight.is_finite()
            or not 0 <= weight <= 1
            or weight.normalize().as_tuple().exponent < -6
        ):
            raise ValueError(message_for("weight_format"))
        self.data = weight

    def _value(self) -> str:
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return "" if self.data is None else format(self.data.normalize(), "f")


class LabelsField(TextField):
    """The four answer labels of a scale question, from worst to best (four inputs of one name)."""

    def process_data(self, value):
        self.data = self._four(value or [])

    def process_formdata(self, valuelist):
        self.data = self._four(valuelist)

    @staticmethod
    def _four(labels) -> list[str]:
        labels = [str(label).strip()[:100] for label in labels][:4]
        return labels + [""] * (4 - len(labels))


class IndicatorForm(AdminForm):
    """An indicator as it is edited (its code never changes: answers are exported by it)."""

    # Yes/no and short-text items are a unit's own (UnitQuestionForm), never national.
    kind = TextField(_l("Kind"), [Required("choice"), OneOf([IndicatorKind.SCALE.value, IndicatorKind.REASON.value])])
    channel = TextField(_l("Channel"), [Required("choice"), OneOf([channel.value for channel in IndicatorChannel])])
    skm_element = TextField(
        _l("SKM element"),
        [Matches(ELEMENT, "element_format")],
        filters=[lambda text: text.upper() if text else text],
        description=_l("U1 to U9, or U10 and on for an element the office adds; empty if none."),
    )
    weight = WeightField(
        _l("Weight"),
        render_kw={"inputmode": "decimal"},
        description=_l("Empty for an equal share; else all SKM questions need a weight, summing to 1."),
    )
    position = IntegerField(_l("Order"), empty=0)
    text_id = TextAreaField(_l("Text (Bahasa Indonesia)"), [Required(), MaxLength(300)])
    text_en = TextAreaField(
        _l("Text (English)"), [MaxLength(300)], description=_l("Empty: the Indonesian text is shown.")
    )
    labels_id = LabelsField(_l("Answer labels (Bahasa Indonesia), from worst to best"))
    labels_en = LabelsField(_l("Answer labels (English), from worst to best"))
    active = BooleanField(_l("Active"), default=True)

    def validate_labels_id(self, field):
        # A scale question is answered on its four labels; in English they may be left out.
        if self.kind.data == IndicatorKind.SCALE.value and not all(field.data):
            raise refusal("labels_required")

    def validate_labels_en(self, field):
        if self.kind.data == IndicatorKind.SCALE.value and any(field.data) and not all(field.data):
            raise refusal("labels_required")


class NewIndicatorForm(IndicatorForm):
    code = TextField(
        _l("Code"),
        [Required("code_format"), Matches(CODE, "code_format")],
        filters=[lambda text: text.upper() if text else text],
        description=_l("Up to 16 letters, digits or _, e.g. U10 or R_ANTRE."),
    )


def weights_form(indicators, formdata=True) -> AdminForm:
    """One weight per SKM question (``weight-<id>``): they only add up to 1 together. Without
    ``formdata``, the weights as they are."""

    class WeightsForm(AdminForm):
        id_prefix = "weights"

    for indicator in indicators:
        field = WeightField(render_kw={"inputmode": "decimal", "class": "short"})
        setattr(WeightsForm, f"weight-{indicator.id}", field)
    if formdata:
        return WeightsForm()
    return WeightsForm.blank(**{f"weight-{i.id}": i.weight for i in indicators})


class PolicyForm(AdminForm):
    """The period's policy, checked by the same rules as ``appraisal.policy.set_policy``."""

    id_prefix = "policy"
    min_n = TextField(
        _l("Minimum number of responses for a score"),
        [Required("min_n_format"), Checked(check_min_n)],
        input_type="number",
        description=_l(
            "Below this, a score is shown as “not enough data”, never as a grade. Default %(default)s.",
            default=scoring.DEFAULT_MIN_N,
        ),
        render_kw={"min": "1", "inputmode": "numeric"},
    )
    qr_weight_pct = TextField(
        _l("Weight of the phone survey in the combined score (%%)"),
        [Required("percent_format"), Checked(check_percent)],
        input_type="number",
        description=_l(
            "The kiosk gets the rest. Default %(qr)s (survey %(qr)s%%, kiosk %(kiosk)s%%).",
            qr=scoring.DEFAULT_QR_WEIGHT_PCT,
            kiosk=100 - scoring.DEFAULT_QR_WEIGHT_PCT,
        ),
        render_kw={"min": "0", "max": "100", "inputmode": "numeric"},
    )
    rating_above = TextField(
        _l("“Above expectations” from this score"),
        [Required("score_format"), Checked(lambda raw: check_score(raw, "rating_above"))],
        description=_l(
            "On the 25–100 scale. Default %(default)s, the lower bound of grade A.", default=scoring.RATING_ABOVE
        ),
        render_kw={"inputmode": "decimal"},
    )
    rating_below = TextField(
        _l("“Below expectations” under this score"),
        [Required("score_format"), Checked(lambda raw: check_score(raw, "rating_below"))],
        description=_l("Default %(default)s, the lower bound of grade B.", default=scoring.RATING_BELOW),
        render_kw={"inputmode": "decimal"},
    )

    verified_weight = TextField(
        _l("Weight of a verified survey response"),
        [Required("verified_weight_format"), Checked(check_verified_weight)],
        description=_l(
            "A response through a one-time code the officer showed right after "
            "serving (verified) weighs this many other survey responses: 1 to "
            "%(max)s. Default 1.",
            max=scoring.MAX_VERIFIED_WEIGHT,
        ),
        render_kw={"inputmode": "decimal"},
    )

    def validate_rating_below(self, field):
        # Only once both are scores: a bad one has its own message already.
        if isinstance(self.rating_above.data, Decimal):
            Checked(lambda below: check_thresholds(self.rating_above.data, below))(self, field)


# What a unit may add of its own (issue #17), and how each is stored: (kind, channel).
UNIT_QUESTION_TYPES = {
    "kiosk_question": (IndicatorKind.SCALE, IndicatorChannel.KIOSK),
    "kiosk_reason": (IndicatorKind.REASON, IndicatorChannel.KIOSK),
    "survey_scale": (IndicatorKind.SCALE, IndicatorChannel.QR),
    "survey_yes_no": (IndicatorKind.YES_NO, IndicatorChannel.QR),
    "survey_text": (IndicatorKind.TEXT, IndicatorChannel.QR),
}


class UnitQuestionForm(AdminForm):
    """A unit's own question as it is edited: its texts and, for a four-point one, its labels
    (left empty: the standard satisfaction labels). Its type is chosen when it is added."""

    id_prefix = "question"
    text_id = TextAreaField(_l("Text (Bahasa Indonesia)"), [Required(), MaxLength(300)])
    text_en = TextAreaField(
        _l("Text (English)"), [MaxLength(300)], description=_l("Empty: the Indonesian text is shown.")
    )
    labels_id = LabelsField(_l("Answer labels (Bahasa Indonesia), from worst to best"))
    labels_en = LabelsField(_l("Answer labels (English), from worst to best"))

    def validate_labels_id(self, field):
        # All four or none (none: the standard labels).
        if any(field.data) and not all(field.data):
            raise refusal("labels_required")

    validate_labels_en = validate_labels_id


class NewUnitQuestionForm(UnitQuestionForm):
    type = TextField(_l("Type"), [Required("choice"), OneOf(list(UNIT_QUESTION_TYPES))])
