"""The reads of alerts: the open ones of some units and their count (the badge, the home pages),
the list page, and a person's sentence for each alert in either language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from core.db import db
from org.access import scoped
from org.models import Unit, User, local_clock
from reports.provenance import WARNING_TEXTS

from .models import Alert, AlertStatus
from .rules import RULES

STATUSES = ("open", "acknowledged")


def _unit_ids(units: Sequence[Unit]) -> list[int]:
    return [unit.id for unit in units]


def open_alerts(units: Sequence[Unit], limit: int | None = None) -> list[Alert]:
    """The open alerts of ``units``, newest first (at most ``limit``)."""
    ids = _unit_ids(units)
    if not ids:
        return []
    query = (
        sa.select(Alert)
        .where(Alert.unit_id.in_(ids), Alert.status == AlertStatus.OPEN)
        .order_by(Alert.raised_at.desc(), Alert.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def open_count(units: Sequence[Unit]) -> int:
    """How many alerts of ``units`` are open."""
    ids = _unit_ids(units)
    if not ids:
        return 0
    count = db.session.scalar(
        sa.select(sa.func.count(Alert.id)).where(Alert.unit_id.in_(ids), Alert.status == AlertStatus.OPEN)
    )
    return int(count or 0)


def alerts_query(user: User, *, status: str = "", unit_id: int | None = None, rule: str = "", after: int = 0):
    """The alerts ``user`` may see (their units'; an administrator's, all), open first, newest
    first; filtered by status, unit and rule, and to those numbered above ``after``."""
    query = scoped(sa.select(Alert).join(Unit, Unit.id == Alert.unit_id), Alert.unit_id, user)
    if after:
        query = query.where(Alert.id > after)
    if status in STATUSES:
        query = query.where(Alert.status == AlertStatus(status))
    if unit_id is not None:
        query = query.where(Alert.unit_id == unit_id)
    if rule in RULES:
        query = query.where(Alert.rule == rule)
    return query.order_by(Alert.status.desc(), Alert.raised_at.desc(), Alert.id.desc())


def newest_id(user: User) -> int:
    """The number of the newest alert ``user`` may see (0: none yet)."""
    return db.session.scalar(scoped(sa.select(sa.func.max(Alert.id)), Alert.unit_id, user)) or 0


# --- A person's sentence for an alert ------------------------------------------------------------


def _when(text: str | None, timezone: str) -> str:
    """A stored ISO moment (UTC) as the unit's local time with its zone."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    return local_clock(moment, timezone, "%Y-%m-%d %H:%M")


def _sentence(alert: Alert) -> str:
    detail, tz = alert.detail or {}, alert.unit.timezone
    if alert.rule == "unhappy_desk":
        return gettext(
            "%(desk)s: %(unhappy)s of the %(votes)s kiosk votes in the %(minutes)s minutes up to %(at)s were unhappy "
            "faces.",
            desk=detail.get("desk", ""),
            unhappy=detail.get("unhappy", 0),
            votes=detail.get("votes", 0),
            minutes=detail.get("minutes", 0),
            at=_when(detail.get("at"), tz),
        )
    if alert.rule == "kiosk_silent":
        return gettext(
            "The kiosk %(kiosk)s at %(desk)s has been silent since %(since)s (last heard from).",
            kiosk=detail.get("kiosk") or f"#{detail.get('kiosk_id', '')}",
            desk=detail.get("desk", ""),
            since=_when(detail.get("last_heard"), tz),
        )
    if alert.rule == "dispute_waiting":
        return gettext(
            "%(officer)s disputes a response of %(period)s (since %(at)s): it waits for your ruling.",
            officer=detail.get("officer", ""),
            period=detail.get("period", ""),
            at=_when(detail.get("filed_at"), tz),
        )
    if alert.rule == "objection_waiting":
        return gettext(
            "%(officer)s objects to her SKP evaluation of %(period)s (since %(at)s): it waits for the superior's "
            "decision.",
            officer=detail.get("officer", ""),
            period=detail.get("period", ""),
            at=_when(detail.get("filed_at"), tz),
        )
    if alert.rule == "integrity_warning":
        warning = dict(detail.get("warning") or {})
        if "at" in warning:
            warning["at"] = _when(warning["at"], tz)
        text = WARNING_TEXTS.get(warning.get("code", ""))
        what = text.format(warning) if text is not None else str(warning.get("code", ""))
        return gettext(
            "Integrity warning for %(officer)s in %(period)s: %(warning)s",
            officer=detail.get("officer", ""),
            period=detail.get("period", ""),
            warning=what,
        )
    return alert.rule


def describe(alert: Alert, locale: str | None = None) -> str:
    """What the alert says, in ``locale`` ("id" or "en"; the request's language when None), its
    times in the unit's local time with the zone."""
    if locale is None:
        return _sentence(alert)
    with force_locale(locale):
        return _sentence(alert)


def rule_label(rule: str, locale: str | None = None) -> str:
    if rule not in RULES:
        return rule
    if locale is None:
        return str(RULES[rule].label)
    with force_locale(locale):
        return str(RULES[rule].label)


def acknowledgers(alerts: Sequence[Alert]) -> dict[int, str]:
    """Who acknowledged each of ``alerts``, by account id: the name they go by."""
    ids = {alert.acknowledged_by for alert in alerts if alert.acknowledged_by is not None}
    if not ids:
        return {}
    return {user.id: user.display_name for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
