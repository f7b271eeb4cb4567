"""Forms of the officer of the month: confirming the month's award and withdrawing it. Whether a
reason is needed (when the officer chosen is not the proposal) only the standings tell: the
operation checks it, and ``fail`` shows its refusal beside the field it is about."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError
from core.forms import AdminForm, IdField, MaxLength, Required, TextAreaField

from .errors import AwardError
from .operations import MAX_TEXT

# The field each refusal of the operation is about.
FIELD_OF = {
    "not_eligible": "officer",
    "reason_required": "reason",
    "withdraw_reason_required": "reason",
}


class AwardForm(AdminForm):
    """An AdminForm that puts the awards' refusals beside their fields."""

    def fail(self, error: DomainError) -> AdminForm:
        name = FIELD_OF.get(error.code) if isinstance(error, AwardError) else None
        if name is not None and name in self:
            self[name].errors = [*self[name].errors, error.message]
            return self
        return super().fail(error)


class ConfirmForm(AwardForm):
    id_prefix = "confirm"
    officer = IdField(_l("Officer of the month"), [Required("choice")])
    citation = TextAreaField(_l("Citation (printed on the certificate)"), [MaxLength(MAX_TEXT)])
    reason = TextAreaField(
        _l("Reason (required when you choose another officer than the proposal)"), [MaxLength(MAX_TEXT)]
    )


class WithdrawForm(AwardForm):
    id_prefix = "withdraw"
    reason = TextAreaField(_l("Why is the award withdrawn?"), [MaxLength(MAX_TEXT)])
