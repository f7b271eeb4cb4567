"""Forms of the evaluation page: the appraiser's ratings (one field per work-result row and per
BerAKHLAK value, so the form is made for the SKP it rates), the officer's objection and the
superior's decision. Each checks a value as typed (a rating is one of the three, a reason has a
length); the rules that need the SKP (the "di atas" rule, the unit head's rating, a reason when
Berorientasi Pelayanan departs from the citizens' suggestion) are ``skp.evaluation``'s."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from appraisal.berakhlak import SERVICE_VALUE
from appraisal.scoring import Rating
from core.forms import AdminForm, MaxLength, OneOf, Required, TextAreaField, TextField

from .evaluation import MAX_REASON, OTHER_VALUES

RATINGS = [rating.value for rating in Rating]
OPTIONAL_RATING = ["", *RATINGS]


def _rating_field(label=None, required: bool = False) -> TextField:
    if required:
        return TextField(label, [Required("choice"), OneOf(RATINGS)])
    return TextField(label, [OneOf(OPTIONAL_RATING)])


class RatingsBase(AdminForm):
    id_prefix = "ratings"
    service_rating = _rating_field(_l("Berorientasi Pelayanan"))
    service_reason = TextAreaField(_l("Reason (required when you depart from the suggestion)"), [MaxLength(1000)])
    results_rating = _rating_field(_l("Work results as a whole"))
    results_reason = TextAreaField(_l("Notes on the work results"), [MaxLength(MAX_REASON)])
    behaviour_rating = _rating_field(_l("Behaviour as a whole"))
    behaviour_reason = TextAreaField(_l("Notes on the behaviour"), [MaxLength(MAX_REASON)])

    def row_field(self, result_id: int):
        return self[f"row_{result_id}"]

    def value_field(self, code: str):
        """The field of a value: Berorientasi Pelayanan's is the service rating."""
        return self.service_rating if code == SERVICE_VALUE else self[f"value_{code}"]

    def row_ratings(self) -> dict[int, str]:
        return {int(f.name.removeprefix("row_")): f.data for f in self if f.name.startswith("row_")}

    def value_ratings(self) -> dict[str, str]:
        return {f.name.removeprefix("value_"): f.data for f in self if f.name.startswith("value_")}


def ratings_form(result_ids, **kwargs) -> RatingsBase:
    """The ratings form of an SKP with these work-result rows."""
    fields = {f"row_{result_id}": _rating_field() for result_id in result_ids}
    fields.update({f"value_{code}": _rating_field() for code in OTHER_VALUES})
    return type("RatingsForm", (RatingsBase,), fields)(**kwargs)


class ObjectionForm(AdminForm):
    id_prefix = "objection"
    reason = TextAreaField(
        _l("Why do you object to this evaluation?"), [Required("objection_reason"), MaxLength(MAX_REASON)]
    )


class DecisionForm(AdminForm):
    id_prefix = "objection-decision"
    decision = TextField(_l("Your decision"), [Required("choice"), OneOf(("grant", "reject"))])
    results_rating = _rating_field(_l("Work results as a whole"))
    behaviour_rating = _rating_field(_l("Behaviour as a whole"))
    reason = TextAreaField(_l("Reason for your decision"), [Required("ruling_reason"), MaxLength(MAX_REASON)])
