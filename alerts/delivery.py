"""Sending alerts beyond the product: by e-mail (``core.mail.send_mail``) and to a webhook (an
HTTP POST of JSON), as each unit's setting of the rule says.

When: only by ``flask alerts check`` (the timer), never by a page, so that no request of a
person waits on another server. Each alert is sent once, at the first check in the unit's opening
hours after it was raised: one raised in the night is shown in the product at once and sent
when the office opens; one acknowledged before then is not sent at all.

How: the alert is claimed first (``delivered_at``, a conditional update committed at once), so
that two checks at the same moment never send it twice; then sent with no transaction open (a
slow server must not hold the database); then what arrived (``mailed_at``, ``webhook_at``) and
what failed (``delivery_error``) are stored. A failed delivery is not retried: the alert stays
open in the product, which is where it is acknowledged, and the list shows what failed.
Which webhook addresses are allowed: ``alerts.webhooks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from core.db import db, utcnow
from core.mail import MailFailed, mail_configured, send_mail
from org.models import Unit
from org.roster import is_open

from .models import Alert, AlertStatus
from .operations import settings_of
from .queries import describe, rule_label
from .webhooks import WebhookFailed, post_webhook


def _link() -> str:
    path = current_app.url_map.bind("localhost").build("admin.alerts.index")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def payload_of(alert: Alert) -> dict:
    """What a webhook receives: the alert's facts, and its sentence in both languages."""
    unit = alert.unit
    return {
        "id": alert.id,
        "unit": {"code": unit.code, "name": unit.name, "timezone": unit.timezone},
        "rule": alert.rule,
        "subject": alert.subject,
        "raised_at": alert.raised_at.isoformat(),
        "detail": alert.detail,
        "text": {"id": describe(alert, "id"), "en": describe(alert, "en")},
        "url": _link(),
    }


def mail_of(alert: Alert) -> tuple[str, str]:
    """The subject and body of the alert's e-mail: Bahasa Indonesia first, then English."""
    unit = alert.unit
    with force_locale("id"):
        subject = gettext("Alert: %(rule)s · %(unit)s", rule=rule_label(alert.rule, "id"), unit=unit.name)
        closing = gettext("Acknowledge it with a comment in Suara Layanan: %(url)s", url=_link())
    with force_locale("en"):
        closing_en = gettext("Acknowledge it with a comment in Suara Layanan: %(url)s", url=_link())
    body = "\n\n".join(
        [
            f"{rule_label(alert.rule, 'id')} · {unit.name}\n{describe(alert, 'id')}",
            closing,
            "---",
            f"{rule_label(alert.rule, 'en')} · {unit.name}\n{describe(alert, 'en')}",
            closing_en,
        ]
    )
    return subject, body


@dataclass
class Delivered:
    mailed: int = 0
    posted: int = 0
    failed: int = 0
    held: int = 0  # waiting for the unit's opening hours


def deliver_pending(unit: Unit, now: datetime | None = None) -> Delivered:
    """Send the unit's open alerts not yet sent, if the unit is open at ``now``. Commits (each
    claim, then each result): call it with no work of your own in the session."""
    now = now or utcnow()
    result = Delivered()
    pending = db.session.execute(
        sa.select(Alert.id, Alert.rule)
        .where(Alert.unit_id == unit.id, Alert.status == AlertStatus.OPEN, Alert.delivered_at.is_(None))
        .order_by(Alert.raised_at, Alert.id)
    ).all()
    if not pending:
        return result
    if not is_open(unit, now):
        result.held = len(pending)
        return result
    settings = settings_of(unit)
    loopback = bool(current_app.config.get("ALERTS_WEBHOOK_LOOPBACK", False))
    for alert_id, rule in pending:
        result_of_claim = db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert_id, Alert.delivered_at.is_(None), Alert.status == AlertStatus.OPEN)
            .values(delivered_at=now)
            .execution_options(synchronize_session=False)
        )
        claimed = cast(sa.CursorResult, result_of_claim).rowcount
        db.session.commit()
        setting = settings.get(rule)
        if not claimed or setting is None:
            continue
        alert = db.session.get_one(Alert, alert_id)
        mail = mail_of(alert) if setting.emails and mail_configured() else None
        payload = payload_of(alert) if setting.webhook_url else None
        db.session.rollback()  # no transaction open while another server answers
        errors: list[str] = []
        mailed_at = webhook_at = None
        if setting.emails and mail is None:
            errors.append("e-mail: no mail server configured")
        elif mail is not None:
            try:
                for address in setting.emails:
                    send_mail(address, *mail, what="alert e-mail")
                mailed_at = utcnow()
                result.mailed += 1
            except MailFailed as error:
                errors.append(f"e-mail: {error}")
        if payload is not None:
            try:
                post_webhook(setting.webhook_url, payload, loopback)
                webhook_at = utcnow()
                result.posted += 1
            except WebhookFailed as error:
                errors.append(f"webhook: {error}")
        if errors:
            result.failed += 1
        db.session.execute(
            sa.update(Alert)
            .where(Alert.id == alert_id)
            .values(mailed_at=mailed_at, webhook_at=webhook_at, delivery_error="; ".join(errors)[:200])
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return result
