"""The forms of the realisation and the feedback: each value as typed. What needs the SKP, the
period or the row (a bound row takes no figure, the file's real type, the link's scheme) is
checked by ``skp.realisation``."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from core.errors import message_for
from core.forms import (
    AdminForm,
    BooleanField,
    IdField,
    MaxLength,
    RecordField,
    Required,
    TextAreaField,
    TextField,
    UploadField,
    sent_text,
)
from org.models import Officer

from .realisation import EVIDENCE_MAX_BYTES, NOTE_MAX, URL_MAX

# At most twelve digits before the point and two after (Numeric(14, 2)); a comma is the decimal
# mark in Indonesian. "1.000" (a thousand, written the Indonesian way) has three decimals and is
# refused rather than read as one.
_NUMBER = re.compile(r"^[0-9]{1,12}(?:[.,][0-9]{1,2})?$")


class AmountField(TextField):
    """A figure of at least 0 with at most two decimals: a Decimal, or None when empty."""

    def process_formdata(self, valuelist):
        text = sent_text(valuelist)
        self.data = None
        if text:
            if not _NUMBER.match(text):
                raise ValueError(message_for("achieved_format"))
            self.data = Decimal(text.replace(",", "."))


def _evidence_limit() -> int:
    return EVIDENCE_MAX_BYTES


class RealisationForm(AdminForm):
    """One row's realisation in a period (``id_prefix``: ``realisation-<row id>``)."""

    id_prefix = "realisation"
    achieved = AmountField(
        _l("Achieved"),
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    note = TextAreaField(_l("Note"), [MaxLength(NOTE_MAX)])
    evidence_url = TextField(
        _l("Evidence link"),
        input_type="url",
        description=_l("A link starting with https:// (e.g. a shared document)."),
        render_kw={"maxlength": str(URL_MAX), "autocomplete": "off"},
    )
    upload = UploadField(
        _l("Evidence file"),
        max_bytes=_evidence_limit,
        description=_l("PDF, JPEG, PNG, Excel (.xlsx) or Word (.docx), at most 5 MB."),
        render_kw={
            "accept": ".pdf,.jpg,.jpeg,.png,.xlsx,.docx,application/pdf,image/jpeg,image/png,"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        },
    )
    remove_file = BooleanField(_l("Remove the current file"))


class FeedbackForm(AdminForm):
    """A feedback note on a row (``result_id``), a BerAKHLAK value (``value``) or the SKP as a
    whole (neither); ``id_prefix`` names the subject, e.g. ``feedback-result-12``."""

    id_prefix = "feedback"
    text = TextAreaField(_l("Feedback"), [Required(), MaxLength(NOTE_MAX)])
    result_id = IdField()
    value = TextField()


class PraiseForm(AdminForm):
    """A colleague's praise: whom (one of the colleagues offered), on which value (none: the work
    as a whole; a code that is none of the seven is refused by ``skp.realisation.add_praise``),
    and the words."""

    id_prefix = "praise"
    colleague = RecordField(_l("Colleague"), [Required()], model=Officer)
    value = TextField(_l("On a value (optional)"))
    text = TextAreaField(
        _l("Your praise"),
        [Required(), MaxLength(NOTE_MAX)],
        description=_l("Your name is shown with it, to your colleague and to her appraiser."),
    )
