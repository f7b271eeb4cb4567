"""The form of a unit's result (hasil kerja organisasi) for a period."""

from flask_babel import lazy_gettext as _l

from core.forms import AdminForm, MaxLength, OneOf, Required, TextAreaField, TextField

from .distribution import MAX_REASON
from .rules import OrgResult


class UnitResultForm(AdminForm):
    id_prefix = "unit-result"
    org_result = TextField(_l("The unit's result"), [Required("choice"), OneOf([r.value for r in OrgResult])])
    reason = TextAreaField(
        _l("Reason"),
        [Required("unit_result_reason"), MaxLength(MAX_REASON)],
        description=_l("What the unit achieved in this period. Kept in the audit log with every change."),
    )
