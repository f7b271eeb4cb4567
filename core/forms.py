"""Forms of the admin area. The domain checks every value (``appraisal.admin_errors.Invalid``
names the bad fields); a form here only carries what the user typed and the messages to show
beside each field, so that a bad form is shown again as it was sent."""

from __future__ import annotations

import enum

from .errors import DomainError, Invalid


class Form:
    """Values and errors of one form. ``prefix`` keeps ids unique when several forms share a
    page (one per table row): field ``name`` of form ``officer-12`` has the id ``officer-12-name``."""

    def __init__(self, prefix: str, values: dict | None = None):
        self.prefix = prefix
        self.values = dict(values or {})
        self.errors: dict[str, str] = {}
        self.error: str | None = None  # a message about the whole form

    @classmethod
    def of(cls, prefix: str, obj, fields) -> "Form":
        values = {}
        for name in fields:
            value = getattr(obj, name)
            values[name] = value.value if isinstance(value, enum.Enum) else value
        return cls(prefix, values)

    @property
    def id(self) -> str:
        return f"{self.prefix}-form"

    def field_id(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def value(self, name: str, default=""):
        value = self.values.get(name)
        return default if value is None else value

    def checked(self, name: str) -> bool:
        return bool(self.values.get(name))

    def fail(self, error: DomainError) -> "Form":
        if isinstance(error, Invalid):
            self.errors.update(error.field_messages())
        else:
            self.error = error.message
        return self

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.error)


def values_from(form, fields=(), checkboxes=(), lists=()) -> dict:
    """The submitted values of ``fields`` (text), ``checkboxes`` (present = on) and ``lists``."""
    values = {name: form.get(name, "") for name in fields}
    values.update({name: name in form for name in checkboxes})
    values.update({name: form.getlist(name) for name in lists})
    return values


def int_or_none(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
