"""Forms of the SKP's planning stage (a work-result row, an expectation, a new SKP) and of the
reporting-lines page (a line, its end, the unit's head, an officer's rank). Each checks what
was typed; what needs the database (who may, the lines around) the operations check."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from core.errors import message_for
from core.forms import (
    AdminForm,
    BooleanField,
    DateField,
    MaxLength,
    OneOf,
    RecordField,
    Required,
    TextAreaField,
    TextField,
    sent_text,
)
from org.models import Officer

from .models import Aspect, Measure, ResultKind
from .queries import officer_by_nip
from .ranks import CODES as RANK_CODES

KIND_LABELS = {ResultKind.UTAMA.value: _l("Main (utama)"), ResultKind.TAMBAHAN.value: _l("Additional (tambahan)")}
ASPECT_LABELS = {
    Aspect.KUANTITAS.value: _l("Quantity (kuantitas)"),
    Aspect.KUALITAS.value: _l("Quality (kualitas)"),
    Aspect.WAKTU.value: _l("Time (waktu)"),
    Aspect.BIAYA.value: _l("Cost (biaya)"),
}
MAX_TARGET = Decimal("999999999999.99")  # what Numeric(14, 2) holds


class DecimalTextField(TextField):
    """A number of at least 0 with at most two decimals (a comma is read as the decimal mark,
    as an Indonesian office writes it)."""

    input_type = "text"

    def process_formdata(self, valuelist):
        text = sent_text(valuelist).replace(" ", "")
        self.data = None
        if not text:
            return
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or value > MAX_TARGET or value != round(value, 2):
            raise ValueError(message_for("target_format"))
        self.data = value

    def _value(self) -> str:
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return "" if self.data is None else format(Decimal(self.data).normalize(), "f")


class ResultForm(AdminForm):
    kind = TextField(_l("Kind"), [Required(), OneOf(KIND_LABELS)], default=ResultKind.UTAMA.value)
    leader_result = TextAreaField(
        _l("Leader's result it supports"),
        [MaxLength(500)],
        description=_l("The result of your appraiser's own SKP that this row helps to reach (optional)."),
    )
    description = TextAreaField(_l("Work result"), [Required(), MaxLength(500)])
    aspect = TextField(_l("Aspect"), [Required(), OneOf(ASPECT_LABELS)], default=Aspect.KUANTITAS.value)
    indicator = TextAreaField(
        _l("Indicator (IKI)"),
        [Required(), MaxLength(500)],
        description=_l("How achievement is measured, e.g. “number of applications completed”."),
    )
    target = DecimalTextField(_l("Target"), [Required()], description=_l("A number, e.g. 600 or 85.5."))
    target_unit = TextField(_l("Unit of the target"), [MaxLength(60)], description=_l("e.g. layanan, %, hari."))
    lower_is_better = BooleanField(_l("Lower is better (e.g. days to finish, cost)"))
    measure = TextField(
        _l("Filled from a figure the product measures"),
        [OneOf(lambda: {"", *(measure.value for measure in Measure)})],
        description=_l("Optional: the realisation then comes from the same numbers the reports show."),
    )


class ExpectationForm(AdminForm):
    text = TextAreaField(
        _l("Special expectation"),
        [MaxLength(1000)],
        description=_l("Optional. Leave it empty for none."),
    )


class MoveForm(AdminForm):
    direction = TextField(_l("Direction"), [Required(), OneOf(("up", "down"))])


# --- Reporting lines ------------------------------------------------------------------------------


class OfficerByNipField(TextField):
    """An officer of any unit, typed (or picked from the search) by NIP; ``data`` is the officer,
    or None when the field is empty."""

    def process_formdata(self, valuelist):
        text = sent_text(valuelist)
        self.data = None
        if text:
            self.data = officer_by_nip(text)
            if self.data is None:
                raise ValueError(message_for("unknown_officer"))

    def _value(self) -> str:
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return self.data.nip if isinstance(self.data, Officer) else ""


class LineForm(AdminForm):
    appraiser = OfficerByNipField(_l("Appraiser (pejabat penilai)"), [Required()])
    superior = OfficerByNipField(_l("Appraiser's superior (atasan pejabat penilai), optional"))
    valid_from = DateField(_l("From"), [Required()])


class EndLineForm(AdminForm):
    valid_to = DateField(_l("Last day"), [Required()])


class OptionalRecordField(RecordField):
    """A record chosen from a list, or none (nothing chosen); a choice that is no record refuses."""

    def pre_validate(self, form):
        if self.data is None and self.raw_data and sent_text(self.raw_data):
            super().pre_validate(form)


class HeadForm(AdminForm):
    head = OptionalRecordField(_l("Head of the unit"), model=Officer, code="choice")


class RankForm(AdminForm):
    rank = TextField(_l("Rank (golongan)"), [OneOf(lambda: {"", *RANK_CODES})])
