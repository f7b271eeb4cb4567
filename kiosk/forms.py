"""The kiosk's forms, on WTForms: pairing a tablet, and an officer's PIN on the duty panel. The
pages render their own markup (an on-screen keypad, large targets) with these fields' names."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.db import MAX_ID
from core.forms import AdminForm, RecordField, Required
from org.errors import DutyError
from org.models import Desk

from .errors import PairingError


class _KioskForm(FlaskForm):
    class Meta:
        # CSRFProtect checks every post of the app; the pages render its token.
        csrf = False


class PairForm(_KioskForm):
    """The one-time code an administrator made for the desk (``ABCD-EFGH``, spaces and case as
    typed: ``kiosk.pairing.pair_kiosk`` reads it as the code)."""

    code = StringField(
        filters=[lambda value: (value or "").strip()[:40]],
        validators=[InputRequired(message=PairingError.messages["missing"])],
    )


class PinForm(_KioskForm):
    """An officer's PIN, and whom it is for when duty starts (a number no id can be is no officer).
    Each view validates only the field it uses."""

    officer_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    pin = StringField(validators=[Length(max=20, message=DutyError.messages["pin_format"])])


# --- The kiosks' admin page ------------------------------------------------------------------------
# A pairing code for a desk, and moving a tablet to another desk (which desk it may move to,
# ``kiosk.pairing.move_kiosk`` says).


class PairingCodeForm(AdminForm):
    id_prefix = "pair"
    desk_id = RecordField(_l("Desk"), [Required(None)], model=Desk, code="unknown_desk")


class MoveForm(AdminForm):
    desk_id = RecordField(_l("Move to desk"), model=Desk, code="unknown_desk")
