"""Forms of the organisation's admin pages: units, services, desks, officers (photo, import)
and the duty roster. Each checks what a person typed; what needs the database (a code or NIP
already used) the operation checks."""

import functools
import io
import zoneinfo
from datetime import time

from flask_babel import lazy_gettext as _l

from core.errors import Invalid
from core.forms import (
    AdminForm,
    BooleanField,
    Checked,
    DateField,
    IdField,
    IntegerField,
    Matches,
    MaxLength,
    OneOf,
    RecordField,
    Required,
    TextField,
    UploadField,
    refusal,
    sent_text,
)

from .models import Desk, Officer
from .nip import InvalidNIP, normalize_nip

UNIT_CODE = r"^[a-z0-9][a-z0-9-]{1,39}$"
# A desk's ceiling of counted kiosk votes an hour: at least one citizen, at most one every six
# seconds (beyond that, no ceiling at all).
MAX_VOTES_PER_HOUR = 600


def check_votes_per_hour(value: int) -> None:
    if not 1 <= value <= MAX_VOTES_PER_HOUR:
        raise Invalid({"max_votes_per_hour": "votes_per_hour_format"})


PHOTO_MAX_BYTES = 512 * 1024
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
IMPORT_MAX_BYTES = 3 * 1024 * 1024


# Every name of the time zone database: reading them walks its files, so once per process.
_timezone_names = functools.cache(zoneinfo.available_timezones)


def clean_nip(raw: str) -> str:
    """The 18 digits of a NIP as typed (with spaces, dots or dashes), or Invalid."""
    try:
        return normalize_nip(raw)
    except InvalidNIP as error:
        raise Invalid({"nip": error.code}) from None


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class UnitForm(AdminForm):
    code = TextField(
        _l("Code"),
        [Required(), MaxLength(40), Matches(UNIT_CODE, "code_format")],
        filters=[_lower],
        description=_l("Short, for addresses: lowercase letters, digits, dashes."),
    )
    name = TextField(_l("Name"), [Required(), MaxLength(200)])
    address = TextField(_l("Address"), [MaxLength(300)])
    timezone = TextField(
        _l("Time zone"),
        [Required("unknown_timezone"), OneOf(_timezone_names, "unknown_timezone")],
        default="Asia/Jakarta",
    )
    # Empty: the default, one citizen every two minutes.
    max_votes_per_hour = IntegerField(
        _l("Citizens a desk serves in an hour, at most"),
        [Checked(check_votes_per_hour)],
        empty=30,
        default=30,
        description=_l(
            "Kiosk votes beyond this many in an hour at one desk are kept but not counted "
            "(30: one citizen every two minutes)."
        ),
    )
    lobby_shows_award = BooleanField(_l("Show the officer of the month on the lobby screen"))


class ServiceForm(AdminForm):
    name_id = TextField(_l("Name (Bahasa Indonesia)"), [Required(), MaxLength(200)])
    name_en = TextField(_l("Name (English)"), [MaxLength(200)])
    position = IntegerField(_l("Order"), empty=0)
    active = BooleanField(_l("Active"), default=True)


class DeskForm(AdminForm):
    name = TextField(
        _l("Name"), [Required(), MaxLength(100)], description=_l("As written above the counter, e.g. Loket 3.")
    )
    active = BooleanField(_l("Active"), default=True)


class OfficerForm(AdminForm):
    # An empty NIP gets the NIP's own message: it says what a NIP is.
    nip = TextField(
        "NIP",
        [Required("nip_length"), Checked(clean_nip)],
        description=_l("18 digits; spaces are fine."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    name = TextField(_l("Name"), [Required(), MaxLength(200)])
    position = TextField(_l("Position (jabatan)"), [MaxLength(200)])
    # None: the officer stays in their unit (a new one goes to the supervisor's own).
    unit_id = IdField(_l("Unit"), [Required(None)])
    active = BooleanField(_l("Active"), default=True)


def _photo_limit() -> int:
    return PHOTO_MAX_BYTES


class PhotoForm(AdminForm):
    """A JPEG or PNG photo, checked by decoding it (not by its name or declared type); or, with
    ``remove``, no photo."""

    id_prefix = "photo"
    photo = UploadField(
        _l("New photo"),
        max_bytes=_photo_limit,
        description=_l("JPEG or PNG, at most 512 KB. A square picture looks best."),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    remove = BooleanField()
    mime = None

    def validate_photo(self, field):
        from PIL import Image, UnidentifiedImageError

        if self.remove.data:
            return
        if not field.data:
            raise refusal("photo_required")
        if len(field.data) > PHOTO_MAX_BYTES:
            raise refusal("photo_size", max=PHOTO_MAX_BYTES // 1024)
        try:
            with Image.open(io.BytesIO(field.data)) as image:
                kind = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise refusal("photo_type") from None
        if kind not in PHOTO_TYPES:
            raise refusal("photo_type")
        self.mime = PHOTO_TYPES[kind]


def _import_limit() -> int:
    return IMPORT_MAX_BYTES


class ImportForm(AdminForm):
    """The file is read by the import itself (``org.officers.read_rows``); here only its size."""

    id_prefix = "import"
    file = UploadField(
        _l("File (CSV or XLSX)"),
        [Required(None)],
        max_bytes=_import_limit,
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    unit_id = IdField(_l("Unit of rows without a unit code"))

    def validate_file(self, field):
        if len(field.data or b"") > IMPORT_MAX_BYTES:
            raise refusal("file_size", max=IMPORT_MAX_BYTES // (1024 * 1024))


class DutyStartForm(AdminForm):
    id_prefix = "duty"
    desk_id = RecordField(model=Desk, code="unknown_desk")
    officer_id = RecordField(model=Officer, code="unknown_officer")


class DutyEndForm(AdminForm):
    id_prefix = "duty"
    desk_id = RecordField(model=Desk, code="unknown_desk")


# --- The planned roster (org.roster) --------------------------------------------------------------


class TimeField(TextField):
    """A wall-clock time of the unit, typed as HH:MM (what a time input sends); None when empty."""

    input_type = "time"

    def process_formdata(self, valuelist):
        text = sent_text(valuelist)
        self.data = None
        if text:
            try:
                self.data = time.fromisoformat(text).replace(second=0, microsecond=0, tzinfo=None)
            except ValueError:
                raise ValueError(str(_l("Enter a time as HH:MM, e.g. 08:00."))) from None

    def _value(self) -> str:
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return self.data.strftime("%H:%M") if self.data else ""


class ShiftForm(AdminForm):
    """A shift as typed on the week view: a desk, an officer, a local day and two local times."""

    id_prefix = "shift"
    desk_id = RecordField(_l("Desk"), model=Desk, code="unknown_desk")
    officer_id = RecordField(_l("Officer"), model=Officer, code="choice")
    day = DateField(_l("Day"), [Required()])
    starts = TimeField(_l("From"), [Required()])
    ends = TimeField(_l("Until"), [Required()])


class CopyWeekForm(AdminForm):
    id_prefix = "copy"
    week = DateField(_l("Week"), [Required()])


class HoursForm(AdminForm):
    """The unit's weekly opening hours: an opening and a closing time per weekday, both empty for
    a closed day (``org.roster.check_hours`` checks them together)."""

    id_prefix = "hours"

    def weekly(self) -> dict[int, tuple[time | None, time | None]]:
        return {day: (self[f"opens_{day}"].data, self[f"closes_{day}"].data) for day in range(7)}

    @classmethod
    def of(cls, hours: dict) -> "HoursForm":
        data = {}
        for day, (opens, closes) in hours.items():
            data[f"opens_{day}"], data[f"closes_{day}"] = opens, closes
        return cls.blank(**data)


for _day in range(7):
    setattr(HoursForm, f"opens_{_day}", TimeField(_l("Opens")))
    setattr(HoursForm, f"closes_{_day}", TimeField(_l("Closes")))
