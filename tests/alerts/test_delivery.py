"""Sending alerts: by e-mail to a local SMTP server (``smtp_sink``) and to a webhook on a local
HTTP server, once, in opening hours only; failures recorded and the alert kept; the timer's
command."""

import email
import json
import threading
from datetime import timedelta
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from alerts import cli
from alerts.delivery import deliver_pending
from alerts.models import Alert, AlertSetting, AlertStatus
from alerts.webhooks import WebhookFailed, post_webhook
from core.db import db
from tests.alerts.world import EVENING, NOW, dispute, period_now


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((self.path, dict(self.headers), body))
        status = self.server.answer
        self.send_response(status)
        if status in (301, 302, 307):
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(app):
    """A local HTTP server that keeps what is posted to it; ``answer``: the status it answers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.daemon_threads = True
    server.received, server.answer = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["ALERTS_WEBHOOK_LOOPBACK"] = True
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/suara"
    yield server
    app.config.pop("ALERTS_WEBHOOK_LOOPBACK", None)
    server.shutdown()
    server.server_close()


def setting(unit, rule="dispute_waiting", emails="", webhook_url=""):
    row = AlertSetting(unit_id=unit.id, rule=rule, enabled=True, params={}, emails=emails, webhook_url=webhook_url)
    db.session.add(row)
    db.session.commit()
    return row


def an_alert(unit, **values):
    values = {
        "rule": "dispute_waiting",
        "subject": "dispute:7",
        "detail": {"officer": "Sari Dewi", "period": "Triwulan IV", "filed_at": (NOW - timedelta(hours=1)).isoformat()},
        "raised_at": NOW - timedelta(minutes=1),
        **values,
    }
    alert = Alert(unit_id=unit.id, **values)
    db.session.add(alert)
    db.session.commit()
    return alert


def stored(alert_id):
    db.session.expire_all()
    return db.session.get(Alert, alert_id)


def test_an_alert_is_mailed_once_in_both_languages(factories, smtp_sink):
    unit = factories.unit(name="Kantor Samsat")
    setting(unit, emails="kepala@kantor.go.id, wakil@kantor.go.id")
    alert = an_alert(unit)
    done = deliver_pending(unit, NOW)
    assert (done.mailed, done.failed) == (1, 0)
    messages = [email.message_from_bytes(raw, policy=email_policy) for raw in smtp_sink.messages]
    assert sorted(message["To"] for message in messages) == ["kepala@kantor.go.id", "wakil@kantor.go.id"]
    message = messages[0]
    assert message["Subject"] == "Peringatan: Sanggahan menunggu · Kantor Samsat"
    body = message.get_content()
    assert "Sari Dewi menyanggah sebuah tanggapan pada Triwulan IV (sejak 2026-12-07 09:00 WIB)" in body
    assert "Sari Dewi disputes a response of Triwulan IV (since 2026-12-07 09:00 WIB)" in body
    assert "http://127.0.0.1:8000/admin/alerts/" in body
    after = stored(alert.id)
    assert after.mailed_at is not None
    assert after.delivered_at == NOW and after.delivery_error == "" and after.webhook_at is None
    assert after.status == AlertStatus.OPEN  # sending is not acknowledging
    # Sent once: the next check sends nothing.
    assert deliver_pending(unit, NOW + timedelta(minutes=1)).mailed == 0
    assert len(smtp_sink.messages) == 2


def test_an_alert_is_posted_to_the_webhook_as_json(factories, webhook):
    unit = factories.unit(code="samsat", name="Kantor Samsat")
    setting(unit, webhook_url=webhook.url)
    alert = an_alert(unit)
    assert deliver_pending(unit, NOW).posted == 1
    [(path, headers, body)] = webhook.received
    assert path == "/hooks/suara" and headers["Content-Type"] == "application/json; charset=utf-8"
    payload = json.loads(body)
    assert payload["id"] == alert.id and payload["rule"] == "dispute_waiting" and payload["subject"] == "dispute:7"
    assert payload["unit"] == {"code": "samsat", "name": "Kantor Samsat", "timezone": "Asia/Jakarta"}
    assert payload["text"]["en"].startswith("Sari Dewi disputes a response of Triwulan IV")
    assert payload["text"]["id"].startswith("Sari Dewi menyanggah")
    assert payload["url"] == "http://127.0.0.1:8000/admin/alerts/"
    assert stored(alert.id).webhook_at is not None and stored(alert.id).delivery_error == ""


def test_deliveries_wait_for_opening_hours_and_skip_what_was_acknowledged(factories, smtp_sink, webhook):
    unit = factories.unit()
    setting(unit, emails="kepala@kantor.go.id", webhook_url=webhook.url)
    waiting = an_alert(unit)
    seen = an_alert(unit, subject="dispute:8")
    held = deliver_pending(unit, EVENING)
    assert held.held == 2 and smtp_sink.messages == [] and webhook.received == []
    assert stored(waiting.id).delivered_at is None
    seen.status = AlertStatus.ACKNOWLEDGED
    db.session.commit()
    next_morning = NOW + timedelta(days=1)
    done = deliver_pending(unit, next_morning)
    assert (done.mailed, done.posted) == (1, 1)
    assert len(smtp_sink.messages) == 1 and len(webhook.received) == 1
    assert json.loads(webhook.received[0][2])["id"] == waiting.id
    assert stored(seen.id).delivered_at is None and stored(seen.id).mailed_at is None


def test_a_refused_e_mail_and_a_failing_webhook_are_recorded_and_the_alert_stays(factories, smtp_sink, webhook):
    unit = factories.unit()
    setting(unit, emails="tidak.ada@kantor.go.id", webhook_url=webhook.url)
    smtp_sink.refuse, webhook.answer = True, 500
    alert = an_alert(unit)
    done = deliver_pending(unit, NOW)
    assert (done.mailed, done.posted, done.failed) == (0, 0, 1)
    after = stored(alert.id)
    assert after.delivery_error == "e-mail: SMTPRecipientsRefused; webhook: HTTP 500"
    assert after.mailed_at is None and after.webhook_at is None and after.status == AlertStatus.OPEN
    # Not retried every minute: the list shows what failed, the alert waits there.
    smtp_sink.refuse, webhook.answer = False, 200
    assert deliver_pending(unit, NOW + timedelta(minutes=1)).mailed == 0
    assert smtp_sink.messages == []


def test_without_a_mail_server_the_failure_is_recorded(factories, app):
    unit = factories.unit()
    setting(unit, emails="kepala@kantor.go.id")
    alert = an_alert(unit)
    assert app.config.get("SMTP_HOST") in (None, "")
    assert deliver_pending(unit, NOW).failed == 1
    assert stored(alert.id).delivery_error == "e-mail: no mail server configured"


def test_a_webhook_that_does_not_answer_or_redirects_fails(factories, webhook):
    unit = factories.unit()
    webhook.answer = 302
    with pytest.raises(WebhookFailed, match="HTTP 302"):
        post_webhook(webhook.url, {"a": 1}, allow_loopback=True)
    assert len(webhook.received) == 1  # the redirect was not followed
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    port = closed.server_address[1]
    closed.server_close()
    setting(unit, webhook_url=f"http://127.0.0.1:{port}/gone")
    alert = an_alert(unit)
    assert deliver_pending(unit, NOW).failed == 1
    assert stored(alert.id).delivery_error == "webhook: ConnectionRefusedError"


def test_a_webhook_on_this_machine_is_refused_when_sent_unless_allowed(factories, webhook, app):
    with pytest.raises(WebhookFailed, match="address refused"):
        post_webhook(webhook.url, {"a": 1})
    with pytest.raises(WebhookFailed, match="address refused"):
        post_webhook("http://[::ffff:127.0.0.1]:1/x", {"a": 1})
    assert webhook.received == []
    assert post_webhook(webhook.url, {"a": 1}, allow_loopback=True) == 200


def test_the_timers_command_raises_and_sends(factories, runner, smtp_sink, monkeypatch):
    unit = factories.unit()
    quiet = factories.unit()
    setting(unit, emails="kepala@kantor.go.id")
    desk, officer, period = factories.desk(unit), factories.officer(unit), period_now()
    dispute(officer, period, desk, at=NOW - timedelta(hours=1))
    monkeypatch.setattr(cli, "utcnow", lambda: NOW)
    result = runner.invoke(cli.alerts, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "alerts raised: 1; e-mailed: 1; webhooks: 0; failed: 0; held: 0"
    assert len(smtp_sink.messages) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert).where(Alert.unit_id == quiet.id)) == 0
    again = runner.invoke(cli.alerts, ["check"])
    assert again.output.strip() == "alerts raised: 0; e-mailed: 0; webhooks: 0; failed: 0; held: 0"
    # In the evening a new dispute is raised (shown at once) and its e-mail held till morning.
    dispute(officer, period, desk, at=EVENING - timedelta(minutes=5))
    monkeypatch.setattr(cli, "utcnow", lambda: EVENING)
    evening = runner.invoke(cli.alerts, ["check"])
    assert evening.output.strip() == "alerts raised: 1; e-mailed: 0; webhooks: 0; failed: 0; held: 1"
    assert len(smtp_sink.messages) == 1
