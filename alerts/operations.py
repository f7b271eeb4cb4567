"""The writes of alerts: checking a unit's rules (raising what is new), a unit's settings of a
rule, and acknowledging an alert with a comment. Each flushes; the caller commits.

``check_unit`` is the system's own act (the timer's ``flask alerts check``, or the badge of a
page, throttled): it is not audited, as it changes nothing anyone did. Settings and
acknowledgements are a person's acts: scoped to the units they manage and audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from limits import parse as parse_limit
from sqlalchemy.exc import IntegrityError

from appraisal.models import Dispute, DisputeStatus, Period, PeriodStatus
from core import audit
from core.db import db, utcnow
from core.extensions import limiter
from core.responses import Channel, Flag, Response
from kiosk.models import Kiosk
from org.access import period_unit_sql, require_unit
from org.models import Desk, Officer, Unit, User
from org.roster import hours_of
from reports.provenance import evidence_by_officer, warnings_of
from skp.models import Evaluation, Objection, ObjectionStatus, Skp

from . import rules
from .errors import AlertError
from .models import Alert, AlertSetting, AlertStatus
from .webhooks import check_webhook_url

MAX_COMMENT = 1000
MAX_EMAILS = 10
# Votes the kiosk's misuse rules flagged (a burst, a script, a repeat...) are no citizen's mood.
# Votes cast while no period was open, or disputed since, are still citizens: they count here.
MISUSE = Flag.REPEAT | Flag.BURST | Flag.DUTY_START | Flag.RATE_LIMITED | Flag.LATE | Flag.OVER_RATE | Flag.REGULAR
EMAIL = re.compile(r"^[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"']+$")


# --- Settings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """A unit's setting of one rule, as used: stored, or the defaults."""

    rule: str
    enabled: bool
    params: dict
    emails: tuple[str, ...]
    webhook_url: str


def emails_of(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def settings_of(unit: Unit) -> dict[str, Setting]:
    """Every rule's setting at ``unit``: what the unit stored, else on with the defaults and sent
    nowhere but the product."""
    stored = {
        row.rule: row for row in db.session.scalars(sa.select(AlertSetting).where(AlertSetting.unit_id == unit.id))
    }
    found = {}
    for code in rules.RULES:
        row = stored.get(code)
        if row is None:
            found[code] = Setting(code, True, rules.params_of(code), (), "")
        else:
            found[code] = Setting(
                code, row.enabled, rules.params_of(code, row.params), emails_of(row.emails), row.webhook_url or ""
            )
    return found


def check_emails(text: str) -> str:
    """A comma-separated list of e-mail addresses, cleaned; AlertError when one is not."""
    addresses = emails_of(text)
    if len(addresses) > MAX_EMAILS:
        raise AlertError("emails_many", max=MAX_EMAILS)
    if any(len(address) > 254 or not EMAIL.match(address) for address in addresses):
        raise AlertError("emails_format")
    cleaned = ", ".join(addresses)
    if len(cleaned) > 1000:
        raise AlertError("emails_many", max=MAX_EMAILS)
    return cleaned


def save_setting(
    actor: User,
    unit: Unit,
    rule: str,
    *,
    enabled: bool,
    params: Mapping[str, int],
    emails: str = "",
    webhook_url: str = "",
    allow_loopback: bool = False,
) -> AlertSetting:
    """Set a unit's rule: on or off, its thresholds (each within its bounds), the e-mail addresses
    and the webhook it is also sent to. Audited with the values before and after."""
    require_unit(actor, unit.id)
    if rule not in rules.RULES:
        raise AlertError("unknown_rule")
    values = {}
    for param in rules.RULES[rule].params:
        value = params.get(param.name)
        if not isinstance(value, int) or isinstance(value, bool) or not param.minimum <= value <= param.maximum:
            raise AlertError("param_range", min=param.minimum, max=param.maximum)
        values[param.name] = value
    emails = check_emails(emails)
    webhook_url = check_webhook_url(webhook_url, allow_loopback) if webhook_url.strip() else ""
    setting = db.session.scalar(
        sa.select(AlertSetting).where(AlertSetting.unit_id == unit.id, AlertSetting.rule == rule)
    )
    fields = ("enabled", "params", "emails", "webhook_url")
    label = f"{unit.name} · {rules.RULES[rule].label}"
    if setting is None:
        setting = AlertSetting(unit_id=unit.id, rule=rule)
        setting.enabled, setting.params, setting.emails, setting.webhook_url = enabled, values, emails, webhook_url
        db.session.add(setting)
        db.session.flush()
        audit.record(
            actor, "create", "alert_setting", setting.id, label, after=audit.snapshot(setting, fields), unit_id=unit.id
        )
        return setting
    before = audit.snapshot(setting, fields)
    setting.enabled, setting.params, setting.emails, setting.webhook_url = enabled, values, emails, webhook_url
    audit.record_changes(actor, "alert_setting", setting, before, label, unit_id=unit.id)
    return setting


# --- Checking a unit -----------------------------------------------------------------------------


def _unhappy_findings(unit: Unit, now: datetime, params: dict) -> list[rules.Finding]:
    since = now - timedelta(minutes=params["window_minutes"])
    rows = db.session.execute(
        sa.select(Response.desk_id, Response.cast_at, Response.score_sum)
        .join(Desk, Desk.id == Response.desk_id)
        .where(
            Desk.unit_id == unit.id,
            Desk.active.is_(True),
            Response.channel == Channel.KIOSK,
            Response.score_n == 1,
            Response.cast_at > since,
            Response.cast_at <= now,
            Response.flags.op("&")(int(MISUSE)) == 0,
        )
    ).all()
    by_desk: dict[int, list[tuple[datetime, int]]] = {}
    for desk_id, cast_at, face in rows:
        if desk_id is not None:  # joined to a desk: never None
            by_desk.setdefault(desk_id, []).append((cast_at, face))
    names = dict(db.session.execute(sa.select(Desk.id, Desk.name).where(Desk.id.in_(list(by_desk)))).all())
    found = []
    for desk_id, votes in by_desk.items():
        finding = rules.unhappy_desk(desk_id, votes, now, params)
        if finding is not None:
            finding.detail["desk"] = names.get(desk_id, "")
            found.append(finding)
    return found


def _silent_findings(unit: Unit, now: datetime, params: dict, opened: datetime | None) -> list[rules.Finding]:
    rows = db.session.execute(
        sa.select(Kiosk.id, Kiosk.name, Kiosk.last_seen_at, Kiosk.paired_at, Desk.name)
        .join(Desk, Desk.id == Kiosk.desk_id)
        .where(Desk.unit_id == unit.id, Desk.active.is_(True), Kiosk.revoked_at.is_(None))
    ).all()
    found = []
    for kiosk_id, name, last_seen_at, paired_at, desk in rows:
        finding = rules.kiosk_silent(kiosk_id, last_seen_at or paired_at, opened, now, params)
        if finding is not None:
            finding.detail.update(kiosk=name or "", desk=desk)
            found.append(finding)
    return found


def _dispute_findings(unit: Unit, now: datetime, params: dict) -> list[rules.Finding]:
    rows = db.session.execute(
        sa.select(Dispute.id, Dispute.created_at, Officer.name, Period.name)
        .join(Officer, Officer.id == Dispute.officer_id)
        .join(Period, Period.id == Dispute.period_id)
        .where(
            Dispute.status == DisputeStatus.OPEN,
            Period.status == PeriodStatus.OPEN,  # a closed period's rulings wait for its reopening
            period_unit_sql(Dispute.period_id, Dispute.officer_id) == unit.id,
        )
    ).all()
    found = []
    for dispute_id, created_at, officer, period in rows:
        finding = rules.dispute_waiting(dispute_id, created_at, now, params, {"officer": officer, "period": period})
        if finding is not None:
            found.append(finding)
    return found


def _objection_findings(unit: Unit, now: datetime, params: dict) -> list[rules.Finding]:
    rows = db.session.execute(
        sa.select(Objection.id, Objection.filed_at, Officer.name, Period.name)
        .join(Evaluation, Evaluation.id == Objection.evaluation_id)
        .join(Skp, Skp.id == Evaluation.skp_id)
        .join(Officer, Officer.id == Skp.officer_id)
        .join(Period, Period.id == Evaluation.period_id)
        .where(
            Objection.status == ObjectionStatus.OPEN,
            Period.status == PeriodStatus.OPEN,
            period_unit_sql(Evaluation.period_id, Skp.officer_id) == unit.id,
        )
    ).all()
    found = []
    for objection_id, filed_at, officer, period in rows:
        finding = rules.objection_waiting(objection_id, filed_at, now, params, {"officer": officer, "period": period})
        if finding is not None:
            found.append(finding)
    return found


def _integrity_findings(unit: Unit) -> list[rules.Finding]:
    found: list[rules.Finding] = []
    officers = dict(db.session.execute(sa.select(Officer.id, Officer.name).where(Officer.unit_id == unit.id)).all())
    if not officers:
        return found
    for period in db.session.scalars(sa.select(Period).where(Period.status == PeriodStatus.OPEN)):
        evidence = evidence_by_officer(period, list(officers), unit.timezone)
        for officer_id, shown in evidence.items():
            detail = {"officer": officers.get(officer_id, ""), "period": period.name}
            found.extend(rules.integrity_warning(period.id, officer_id, warnings_of(shown), detail))
    return found


def findings_of(unit: Unit, now: datetime, settings: Mapping[str, Setting] | None = None) -> list[rules.Finding]:
    """What every rule switched on at ``unit`` finds at ``now``; the rules about votes and kiosks
    only while the unit is open."""
    settings = settings or settings_of(unit)
    opened = rules.opened_at(now, unit.timezone, hours_of(unit))
    found: list[rules.Finding] = []
    if settings["unhappy_desk"].enabled and opened is not None:
        found += _unhappy_findings(unit, now, settings["unhappy_desk"].params)
    if settings["kiosk_silent"].enabled and opened is not None:
        found += _silent_findings(unit, now, settings["kiosk_silent"].params, opened)
    if settings["dispute_waiting"].enabled:
        found += _dispute_findings(unit, now, settings["dispute_waiting"].params)
    if settings["objection_waiting"].enabled:
        found += _objection_findings(unit, now, settings["objection_waiting"].params)
    if settings["integrity_warning"].enabled:
        found += _integrity_findings(unit)
    return found


def check_unit(unit: Unit, now: datetime | None = None) -> list[Alert]:
    """Judge the unit's rules at ``now`` and raise the alerts that are news (``rules.should_raise``):
    one open alert per rule and subject, however often it is checked and by however many
    processes at once (a unique index of open alerts; a raise that loses the race is dropped).
    Returns the alerts raised."""
    now = now or utcnow()
    return raise_findings(unit, findings_of(unit, now), now)


def raise_findings(unit: Unit, findings: list[rules.Finding], now: datetime) -> list[Alert]:
    """Raise those of ``findings`` (at ``unit``) that are news; the alerts raised."""
    if not findings:
        return []
    previous: dict[tuple[str, str], list[tuple[bool, datetime]]] = {}
    for rule, subject, status, raised_at in db.session.execute(
        sa.select(Alert.rule, Alert.subject, Alert.status, Alert.raised_at).where(
            Alert.unit_id == unit.id, Alert.subject.in_({finding.subject for finding in findings})
        )
    ).all():
        previous.setdefault((rule, subject), []).append((status == AlertStatus.OPEN, raised_at))
    raised = []
    for finding in findings:
        if not rules.should_raise(finding, previous.get((finding.rule, finding.subject), [])):
            continue
        alert = Alert(
            unit_id=unit.id,
            rule=finding.rule,
            subject=finding.subject,
            detail=finding.detail,
            raised_at=now,
            status=AlertStatus.OPEN,
        )
        try:
            with db.session.begin_nested():
                db.session.add(alert)
        except IntegrityError:  # another process raised it a moment ago
            continue
        raised.append(alert)
    return raised


# --- Acknowledging -------------------------------------------------------------------------------


def acknowledge(actor: User, alert: Alert, comment: str, now: datetime | None = None) -> Alert:
    """Someone saw the alert and says what was done: required, at most MAX_COMMENT characters.
    Audited."""
    require_unit(actor, alert.unit_id)
    if alert.status != AlertStatus.OPEN:
        raise AlertError("already_acknowledged")
    text = (comment or "").strip()
    if not text:
        raise AlertError("comment_required")
    if len(text) > MAX_COMMENT:
        raise AlertError("comment_long", max=MAX_COMMENT)
    now = now or utcnow()
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by = actor.id
    alert.comment = text
    db.session.flush()
    audit.record(
        actor,
        "acknowledge",
        "alert",
        alert.id,
        f"{alert.unit.name} · {rules.RULES[alert.rule].label if alert.rule in rules.RULES else alert.rule}",
        before={"status": AlertStatus.OPEN.value},
        after={"status": alert.status.value, "comment": text},
        unit_id=alert.unit_id,
        now=now,
    )
    return alert


# --- Checking from a page --------------------------------------------------------------------------

# The badge of every open admin page asks every 20 seconds; each unit is checked at most this
# often whoever asks, counted in the rate-limit storage that every worker and server shares
# (core.ratelimits). The timer checks every unit every minute in any case.
CHECK_EVERY = "1 per 30 seconds"
# A page checks at most this many units at once (an administrator's badge covers every unit):
# the rest wait for the next poll or the timer.
CHECK_AT_ONCE = 5


def check_due(units, now: datetime | None = None) -> list[Alert]:
    """``check_unit`` for those of ``units`` not checked in the last 30 seconds by anyone. Never
    fails the page: a rate-limit store that does not answer skips the check (logged)."""
    raised: list[Alert] = []
    checked = 0
    for unit in units:
        if checked >= CHECK_AT_ONCE:
            break
        try:
            due = limiter.limiter.hit(parse_limit(CHECK_EVERY), "alerts-check", str(unit.id))
        except Exception as error:  # any storage failure (Redis down, ...): the timer still checks
            current_app.logger.warning("alerts not checked: %s", error)
            return raised
        if due:
            checked += 1
            raised += check_unit(unit, now)
    return raised
