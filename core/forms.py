"""Forms of the admin area, on WTForms (through Flask-WTF).

Where each check lives:
- the form checks each value as it was typed (required, length, format, choice) and turns it
  into its type (a number, a date, a record chosen from a list); its messages are the domain's
  own (``core.errors.Invalid``), so that there is one catalogue of messages to translate;
- the operation checks what needs the database or other records (a code already used, periods
  that overlap, weights that must add up, a record still in use) and raises ``Invalid``; the
  view hands that error to ``form.fail``, which puts each message on its field.

A form keeps its field names as they are (``code``, not ``unit-12-code``) and gives each field
an id of its own from ``id_prefix``, so that several forms can share a page (one per table row):
field ``name`` of form ``officer-12`` has the id ``officer-12-name``.
"""

from __future__ import annotations

import enum
import re
from datetime import date

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import Field
from wtforms.validators import Length, StopValidation, ValidationError

from .db import MAX_ID, db, id_from
from .errors import DomainError, Invalid, message_for


def refusal(code: str, **params) -> ValidationError:
    """A field's message, by its code in ``Invalid.messages``, in the user's language."""
    return ValidationError(message_for(code, params))


class AdminForm(FlaskForm):
    """A form of the admin area: the values of its fields, their messages, and one message about
    the whole form (``error``) for a refusal that belongs to no field."""

    class Meta:
        # CSRFProtect already checks the token of every write in the app (htmx sends it as a
        # header, which a form's own check would not see); the pages render it with csrf().
        csrf = False

    id_prefix = "form"

    def __init__(self, *args, id_prefix: str | None = None, **kwargs):
        if not args and "formdata" not in kwargs and request.method == "POST":
            # A post with no fields at all is still a post: its fields are empty, not defaults.
            kwargs["formdata"] = CombinedMultiDict((request.files, request.form))
        super().__init__(*args, **kwargs)
        if id_prefix is not None:
            self.id_prefix = id_prefix
        self.error: str | None = None
        self.status = 200
        self.result = None
        for field in self:
            field.id = self.field_id(field.name)

    @classmethod
    def blank(cls, id_prefix: str | None = None, **data) -> AdminForm:
        """A new form with its defaults (and ``data``), even while answering a post."""
        return cls(formdata=None, id_prefix=id_prefix, data=data)

    @property
    def id(self) -> str:
        return f"{self.id_prefix}-form"

    def field_id(self, name: str) -> str:
        return f"{self.id_prefix}-{name}"

    @property
    def values(self) -> dict:
        """Each field's checked value, by its name: what an operation is given."""
        return {field.name: field.data for field in self}

    def fail(self, error: DomainError) -> AdminForm:
        """Show an error of the domain: each message of ``Invalid`` beside its field (or above the
        form, for a field this form does not have), any other error above the form."""
        if not isinstance(error, Invalid):
            self.error = error.message
            return self
        stray = []
        for name, message in error.field_messages().items():
            if name in self:
                self[name].errors = [*self[name].errors, message]
            else:
                stray.append(message)
        self.error = "; ".join(stray) or None
        return self

    def submit(self, write) -> bool:
        """Check the form, then make its write (``write()``, which calls an operation; its result
        is kept in ``result``). True when both went through; else nothing is kept (the session is
        rolled back), the form carries its messages, and ``status`` is the answer's: 422 for a bad
        value, or the status of the operation's refusal."""
        if not self.validate():
            self.status = 422
        else:
            try:
                self.result = write()
                return True
            except DomainError as error:
                self.fail(error)
                self.status = error.status
        db.session.rollback()
        return False


# --- Validators: each refuses with a message of Invalid ------------------------------------------


class Required:
    """A value must be given (``code``: the message to show when it is not; None: the field's own
    check, in the form or in the operation, says what is wrong with an empty value)."""

    field_flags = {"required": True}

    def __init__(self, code: str | None = "required"):
        self.code = code

    def __call__(self, form, field):
        if self.code is None:
            return
        if field.process_errors:
            raise StopValidation()  # something was typed, and its message is already there
        if field.data is None or field.data == "" or field.data == []:
            raise StopValidation(message_for(self.code))


def MaxLength(maximum: int) -> Length:
    return Length(max=maximum, message=Invalid.messages["too_long"])


class Matches:
    """An empty value passes (``Required`` says whether one is needed)."""

    def __init__(self, pattern: str, code: str):
        self.pattern, self.code = re.compile(pattern), code

    def __call__(self, form, field):
        if field.data and not self.pattern.match(field.data):
            raise refusal(self.code)


class OneOf:
    """The value is one of ``values`` (read when the form is checked, so it may be a function)."""

    def __init__(self, values, code: str = "choice"):
        self.values, self.code = values, code

    def __call__(self, form, field):
        values = self.values() if callable(self.values) else self.values
        if field.data not in values:
            raise StopValidation(message_for(self.code))


class Checked:
    """The domain's own check of one value (a NIP, a password, a webhook address): ``check(value)``
    raises Invalid, or another DomainError, whose message is the field's; it may return the value
    in its clean form."""

    def __init__(self, check):
        self.check = check

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        try:
            clean = self.check(field.data)
        except Invalid as error:
            raise StopValidation(next(iter(error.field_messages().values()))) from None
        except DomainError as error:
            raise StopValidation(error.message) from None
        if clean is not None:
            field.data = clean


# --- Fields --------------------------------------------------------------------------------------


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


def sent_text(valuelist) -> str:
    """The text sent for a field, without surrounding spaces: '' when nothing (or a file) was sent.
    (A NUL never gets this far: ``core.security`` refuses the request.)"""
    value = valuelist[0] if valuelist else ""
    return value.strip() if isinstance(value, str) else ""


class TextField(Field):
    """Text as typed, without surrounding spaces ('' when not sent); an enum is its value.
    ``input_type``: the kind of input it is shown as (text, number, date...)."""

    input_type = "text"

    def __init__(self, label=None, validators=None, input_type: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        if input_type:
            self.input_type = input_type

    def process_data(self, value):
        self.data = _plain(value)

    def process_formdata(self, valuelist):
        self.data = sent_text(valuelist)

    def _value(self) -> str:
        if self.raw_data is not None:  # sent: shown again as it was typed
            return self.raw_data[0] if self.raw_data else ""
        return "" if self.data is None else str(self.data)


class PasswordField(TextField):
    """Never shown again, and kept exactly as typed (spaces are part of a password)."""

    input_type = "password"

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist and isinstance(valuelist[0], str) else ""

    def _value(self) -> str:
        return ""


class TextAreaField(TextField):
    input_type = "textarea"


class DateField(TextField):
    """A day, typed as YYYY-MM-DD (what a date input sends)."""

    input_type = "date"

    def process_formdata(self, valuelist):
        text = sent_text(valuelist)
        self.data = None
        if text:
            try:
                self.data = date.fromisoformat(text)
            except ValueError:
                raise ValueError(message_for("date_format")) from None

    def _value(self) -> str:
        if self.raw_data is not None:
            return self.raw_data[0] if self.raw_data else ""
        return self.data.isoformat() if self.data else ""


class IntegerField(TextField):
    """A whole number that a 32-bit column holds; ``empty`` when nothing is typed."""

    input_type = "number"

    def __init__(self, label=None, validators=None, empty=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.empty = empty

    def process_formdata(self, valuelist):
        text = sent_text(valuelist)
        self.data = self.empty
        if text:
            try:
                self.data = int(text)
            except ValueError:
                self.data = None
            if self.data is None or not -MAX_ID - 1 <= self.data <= MAX_ID:
                self.data = None
                raise ValueError(message_for("number_format"))


class BooleanField(Field):
    """A checkbox: ticked is sent, unticked is not sent at all."""

    input_type = "checkbox"

    def process_data(self, value):
        self.data = bool(value)

    def process_formdata(self, valuelist):
        self.data = bool(valuelist) and valuelist[0] not in ("", "0", "false")


class IdField(TextField):
    """The id of a record chosen from a list (None when none or not a number): whether it
    exists, and may be chosen, is for the operation to say."""

    input_type = "select"

    def process_formdata(self, valuelist):
        self.data = id_from(sent_text(valuelist))


class RecordField(TextField):
    """A record chosen from a list by its id; ``data`` is the record, and a choice that is no
    record refuses with ``code``."""

    input_type = "select"

    def __init__(self, label=None, validators=None, model=None, code: str = "choice", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.model, self.code = model, code

    def _load(self, record_id: int | None):
        return db.session.get(self.model, record_id) if record_id is not None else None

    def process_data(self, value):
        self.data = value if value is None or isinstance(value, self.model) else self._load(value)

    def process_formdata(self, valuelist):
        self.data = self._load(id_from(sent_text(valuelist)))

    def pre_validate(self, form):
        if self.data is None:
            raise StopValidation(message_for(self.code))

    def _value(self) -> str:
        if self.data is not None:
            return str(self.data.id)
        return self.raw_data[0] if self.raw_data else ""


class UploadField(Field):
    """An uploaded file: ``data`` is its bytes (read up to one byte more than ``max_bytes()``,
    enough to tell that it is too large), ``filename`` its name as sent."""

    input_type = "file"

    def __init__(self, label=None, validators=None, max_bytes=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_bytes = max_bytes
        self.filename = ""

    def process_formdata(self, valuelist):
        upload = valuelist[0] if valuelist else None
        self.filename = getattr(upload, "filename", "") or ""
        limit = self.max_bytes() if callable(self.max_bytes) else self.max_bytes
        self.data = upload.read(limit + 1) if hasattr(upload, "read") else b""

    def _value(self) -> str:
        return ""
