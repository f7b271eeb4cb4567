"""The phone survey's form: every field checked at once, so that the citizen sees all that needs
fixing together."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from appraisal.models import Indicator
from core.responses import PROFILE_FIELDS, PROFILE_LABELS
from org.models import Service

from .errors import SurveyInvalid

COMMENT_MAX_LENGTH = 1000


def profile_options() -> dict[str, list[tuple[str, str]]]:
    """Each optional profile field with its (code, translated label) choices."""
    return {field: [(code, str(PROFILE_LABELS[field][code])) for code in codes]
            for field, codes in PROFILE_FIELDS.items()}


def answer_field(indicator: Indicator) -> str:
    """The form field of an indicator: keyed by id, never by position (questionnaires swap U8
    and U9, and an office may reorder its questions)."""
    return f"q{indicator.id}"


@dataclass(frozen=True)
class ParsedSurvey:
    answers: dict[int, int]
    service_id: int | None
    profile: dict[str, str | None]
    comment: str | None


def parse_survey_form(form: Mapping[str, str], indicators: Iterable[Indicator],
                      services: Iterable[Service]) -> ParsedSurvey:
    """Check every field at once, so that the citizen sees all that needs fixing together.
    Raises SurveyInvalid with a message code per field."""
    errors: dict[str, str] = {}
    answers: dict[int, int] = {}
    for indicator in indicators:
        field = answer_field(indicator)
        raw = (form.get(field) or "").strip()
        if not raw:
            errors[field] = "required"
        elif raw not in ("1", "2", "3", "4"):
            errors[field] = "bad_value"
        else:
            answers[indicator.id] = int(raw)

    service_id = None
    offered = {str(s.id): s.id for s in services}
    raw_service = (form.get("service") or "").strip()
    if offered:
        if not raw_service:
            errors["service"] = "service_required"
        elif raw_service not in offered:
            errors["service"] = "unknown_service"
        else:
            service_id = offered[raw_service]
    elif raw_service:
        errors["service"] = "unknown_service"

    profile: dict[str, str | None] = {}
    for field, codes in PROFILE_FIELDS.items():
        raw = (form.get(field) or "").strip()
        if raw and raw not in codes:
            errors[field] = "bad_choice"
        profile[field] = raw or None

    comment = (form.get("comment") or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = "comment_too_long"

    if errors:
        raise SurveyInvalid(errors, max=COMMENT_MAX_LENGTH)
    return ParsedSurvey(answers, service_id, profile, comment or None)
