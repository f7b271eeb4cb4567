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
from functools import lru_cache

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

from appraisal.models import Indicator, IndicatorKind
from core.responses import PROFILE_FIELDS, PROFILE_LABELS, TEXT_MAX_LENGTH, Given

from .errors import SurveyInvalid

COMMENT_MAX_LENGTH = 1000
ANSWERS = ("1", "2", "3", "4")
YES_NO_ANSWERS = ("1", "2")  # appraisal.models.NO, YES


def profile_options() -> dict[str, list[tuple[str, str]]]:
    """Each optional profile field with its (code, translated label) choices."""
    return {
        field: [(code, str(PROFILE_LABELS[field][code])) for code in codes] for field, codes in PROFILE_FIELDS.items()
    }


def answer_field(indicator: Indicator) -> str:
    """The form field of an indicator: keyed by id, never by position (``_form_class`` too)."""
    return f"q{indicator.id}"


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


# Each refusal is a message code of SurveyError.messages, which SurveyInvalid turns into the
# citizen's language when the page shows it; the %(name)s fields of those that have any:
_MESSAGE_PARAMS = {"comment_too_long": {"max": COMMENT_MAX_LENGTH}, "text_too_long": {"max": TEXT_MAX_LENGTH}}


def _answer(form, field: Field) -> None:
    if not field.data:
        raise StopValidation("required")
    if field.data not in ANSWERS:
        raise StopValidation("bad_value")


def _yes_no(form, field: Field) -> None:
    if not field.data:
        raise StopValidation("required")
    if field.data not in YES_NO_ANSWERS:
        raise StopValidation("bad_yes_no")


def _short_text(form, field: Field) -> None:
    # Optional: a citizen is never made to type. Its length is checked here, not only by the
    # page's maxlength, which a hand-made post ignores.
    if len(field.data or "") > TEXT_MAX_LENGTH:
        raise StopValidation("text_too_long")


def _text_filter(value):
    return " ".join((value or "").split())  # one line: newlines and runs of spaces become one space


def _field_for(kind: str) -> StringField:
    if kind == IndicatorKind.YES_NO:
        return StringField(filters=[_stripped], validators=[_yes_no])
    if kind == IndicatorKind.TEXT:
        return StringField(filters=[_text_filter], validators=[_short_text])
    return StringField(filters=[_stripped], validators=[_answer])


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

        def get_translations(self, form):
            # The fields' messages are codes that SurveyInvalid says in the citizen's language,
            # and the page writes its own labels: WTForms' translations would only be looked up
            # for each field of every response, and never shown.
            return None

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


def survey_form(indicators: Iterable[Indicator], service_ids: Iterable[int]) -> type[_SurveyForm]:
    """The form class for these questions and the unit's services (their ids)."""
    return _form_class(tuple((indicator.id, indicator.kind) for indicator in indicators), tuple(service_ids))


# Per process, the classes of the last few questionnaires: WTForms builds a class's fields anew
# for each new class, which costs more than checking a response.
@lru_cache(maxsize=64)
def _form_class(questions: tuple[tuple[int, str], ...], service_ids: tuple[int, ...]) -> type[_SurveyForm]:
    fields = {f"q{ident}": _field_for(kind) for ident, kind in questions}
    fields["offered"] = {str(ident): ident for ident in service_ids}
    return type("SurveyForm", (_SurveyForm,), fields)


@dataclass(frozen=True)
class ParsedSurvey:
    # By indicator id: the value 1..4 (yes/no: 1 no, 2 yes), or the words of a short-text item;
    # a short-text item left empty is not there.
    answers: dict[int, int | str]
    service_id: int | None
    profile: dict[str, str | None]
    comment: str | None


def parse_survey_form(
    formdata: Mapping[str, str], indicators: Iterable[Indicator], service_ids: Iterable[int]
) -> ParsedSurvey:
    """The checked answers of a submitted survey to these questions (``Indicator`` or
    ``queries.Question``) and the unit's services (their ids). Raises SurveyInvalid with a
    message code per field."""
    indicators = list(indicators)
    form_class = survey_form(indicators, service_ids)
    form = form_class(formdata=formdata if isinstance(formdata, MultiDict) else MultiDict(formdata))
    if not form.validate():
        raise SurveyInvalid(
            {name: (messages[0], _MESSAGE_PARAMS.get(messages[0], {})) for name, messages in form.errors.items()}
        )
    return ParsedSurvey(
        answers={
            indicator.id: _parsed(indicator, form[answer_field(indicator)].data)
            for indicator in indicators
            if form[answer_field(indicator)].data
        },
        service_id=form.offered.get(form.service.data),
        profile={name: form[name].data or None for name in PROFILE_FIELDS},
        comment=form.comment.data or None,
    )


def _parsed(indicator: Indicator, data: str) -> int | str:
    return data if indicator.kind == IndicatorKind.TEXT else int(data)


def given(indicator: Indicator, answer: int | str) -> Given:
    """An answer as the writer takes it. Only the SKM elements' 1-4 answers count for a score
    (``core.responses.score_of``); a unit's own items are kept beside them and count for none."""
    if indicator.kind == IndicatorKind.TEXT:
        return Given(indicator.id, 1, on_scale=False, text=str(answer))
    if indicator.kind == IndicatorKind.YES_NO:
        return Given(indicator.id, int(answer), on_scale=False)
    return Given(indicator.id, int(answer), element=indicator.skm_element)
