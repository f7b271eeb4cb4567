"""The phone survey's form, on WTForms: every field checked at once, so that the citizen sees all
that needs fixing together.

The questions are the survey's indicators of the moment (by default the nine SKM elements), so
the form class is made for them (``survey_form``); each answer's field is keyed by the
indicator's id, never by its position (questionnaires swap U8 and U9, and an office may reorder
its questions). The page renders its own markup (radio groups and large tap targets for a phone),
with the names and messages of these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from appraisal.models import Indicator
from core.responses import PROFILE_FIELDS, PROFILE_LABELS
from org.models import Service

from .errors import SurveyInvalid

COMMENT_MAX_LENGTH = 1000
ANSWERS = ("1", "2", "3", "4")


def profile_options() -> dict[str, list[tuple[str, str]]]:
    """Each optional profile field with its (code, translated label) choices."""
    return {
        field: [(code, str(PROFILE_LABELS[field][code])) for code in codes] for field, codes in PROFILE_FIELDS.items()
    }


def answer_field(indicator: Indicator) -> str:
    """The form field of an indicator: keyed by id, never by position."""
    return f"q{indicator.id}"


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


# Each refusal is a message code of SurveyError.messages, which SurveyInvalid turns into the
# citizen's language when the page shows it; the %(name)s fields of those that have any:
_MESSAGE_PARAMS = {"comment_too_long": {"max": COMMENT_MAX_LENGTH}}


def _answer(form, field: Field) -> None:
    if not field.data:
        raise StopValidation("required")
    if field.data not in ANSWERS:
        raise StopValidation("bad_value")


def _one_of(codes: Iterable[str]):
    allowed = set(codes)

    def check(form, field: Field) -> None:
        if field.data and field.data not in allowed:
            raise ValidationError("bad_choice")

    return check


class _SurveyForm(FlaskForm):
    class Meta:
        # CSRFProtect checks every post of the app; the page renders its token.
        csrf = False

    service = StringField(filters=[_stripped])
    gender = StringField(filters=[_stripped], validators=[_one_of(PROFILE_FIELDS["gender"])])
    age_band = StringField(filters=[_stripped], validators=[_one_of(PROFILE_FIELDS["age_band"])])
    education = StringField(filters=[_stripped], validators=[_one_of(PROFILE_FIELDS["education"])])
    occupation = StringField(filters=[_stripped], validators=[_one_of(PROFILE_FIELDS["occupation"])])
    comment = TextAreaField(filters=[lambda value: (value or "").replace("\r\n", "\n").strip()])

    offered: dict[str, int] = {}

    def validate_service(self, field: Field) -> None:
        if self.offered and not field.data:
            raise ValidationError("service_required")
        if field.data and field.data not in self.offered:
            raise ValidationError("unknown_service")

    def validate_comment(self, field: Field) -> None:
        if len(field.data) > COMMENT_MAX_LENGTH:
            raise ValidationError("comment_too_long")


def survey_form(indicators: Iterable[Indicator], services: Iterable[Service]) -> type[_SurveyForm]:
    """The form class for these questions and the unit's services."""
    fields = {
        answer_field(indicator): StringField(filters=[_stripped], validators=[_answer]) for indicator in indicators
    }
    fields["offered"] = {str(service.id): service.id for service in services}
    return type("SurveyForm", (_SurveyForm,), fields)


@dataclass(frozen=True)
class ParsedSurvey:
    answers: dict[int, int]
    service_id: int | None
    profile: dict[str, str | None]
    comment: str | None


def parse_survey_form(
    formdata: Mapping[str, str], indicators: Iterable[Indicator], services: Iterable[Service]
) -> ParsedSurvey:
    """The checked answers of a submitted survey. Raises SurveyInvalid with a message code per
    field."""
    indicators = list(indicators)
    form_class = survey_form(indicators, services)
    form = form_class(formdata=formdata if isinstance(formdata, MultiDict) else MultiDict(formdata))
    if not form.validate():
        raise SurveyInvalid(
            {name: (messages[0], _MESSAGE_PARAMS.get(messages[0], {})) for name, messages in form.errors.items()}
        )
    return ParsedSurvey(
        answers={indicator.id: int(form[answer_field(indicator)].data) for indicator in indicators},
        service_id=form.offered.get(form.service.data),
        profile={name: form[name].data or None for name in PROFILE_FIELDS},
        comment=form.comment.data or None,
    )
