"""Create, change and delete one record, audited in the same transaction: the three writes that
the admin area's records share. An operation checks its own scope and values first, then hands
the record to one of these with its ``Kind``: what the log calls it and keeps of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import audit
from .audit import Actor
from .db import db, referenced
from .errors import AdminError


@dataclass(frozen=True)
class Kind:
    entity: str  # the log's name for it ("desk"); a refused delete is the AdminError "<entity>_in_use"
    fields: tuple[str, ...]  # the attributes the log keeps, before and after
    label: str = "name"  # the attribute that names one record in the log
    unit: str = "unit_id"  # the attribute that holds its unit ("id" for a unit itself)

    def values(self, obj) -> dict:
        return audit.snapshot(obj, self.fields)


def created(actor: Actor | None, kind: Kind, obj, now: datetime | None = None):
    """Add ``obj`` and log it, with its values."""
    db.session.add(obj)
    db.session.flush()
    audit.record(
        actor,
        "create",
        kind.entity,
        obj.id,
        getattr(obj, kind.label),
        after=kind.values(obj),
        unit_id=getattr(obj, kind.unit),
        now=now,
    )
    return obj


def updated(actor: Actor | None, kind: Kind, obj, values: dict, now: datetime | None = None):
    """Set ``values`` on ``obj`` and log the fields that changed (nothing when none did)."""
    before = kind.values(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    audit.record_changes(
        actor, kind.entity, obj, before, getattr(obj, kind.label), unit_id=getattr(obj, kind.unit), now=now
    )
    return obj


def deleted(actor: Actor | None, kind: Kind, obj, now: datetime | None = None) -> None:
    """Delete ``obj`` and log what it was; refused while any row still refers to it."""
    if referenced(obj):
        raise AdminError(f"{kind.entity}_in_use")
    audit.record(
        actor,
        "delete",
        kind.entity,
        obj.id,
        getattr(obj, kind.label),
        before=kind.values(obj),
        unit_id=getattr(obj, kind.unit),
        now=now,
    )
    db.session.delete(obj)
    db.session.flush()
