"""Rough edges of the kiosk (issue 20), each held by a test: a duty started or ended with a PIN at
the kiosk is in the audit log, as the roster's own changes are: the officer as who did it (they
have no account), the desk, the time and the tablet; never the PIN. (The kiosk's return to Bahasa
Indonesia at its idle reset is a browser test: tests/browser/test_rough_edges_browser.py.)"""

import json

import sqlalchemy as sa

from core.audit import AuditLog
from core.db import db
from org.models import Duty, Role
from tests.factories import (
    audit_entries,
    csrf_token,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_user,
    paired_client,
    sign_in,
)

PIN = "246810"


def kiosk_with_officer(client):
    make_period()
    desk = make_desk(name="Loket 2")
    officer = make_officer(unit=desk.unit, pin=PIN, name="Budi Santoso")
    kiosk, token = make_kiosk(desk)
    paired_client(client, token)
    return desk, officer, kiosk


def test_a_duty_started_and_ended_with_a_pin_is_in_the_audit_log(client, factories):
    desk, officer, kiosk = kiosk_with_officer(client)
    started = client.post(
        "/kiosk/duty/start", data={"officer_id": officer.id, "pin": PIN, "csrf_token": csrf_token(client)}
    )
    assert started.status_code == 303
    duty = db.session.scalar(sa.select(Duty))
    [entry] = audit_entries(action="duty_start")
    assert (entry.user_id, entry.entity, entry.entity_id, entry.unit_id) == (None, "duty", duty.id, desk.unit_id)
    assert entry.username == f"Budi Santoso ({officer.nip})"
    assert entry.label == "Budi Santoso @ Loket 2"
    assert entry.after["desk_id"] == desk.id and entry.after["desk"] == "Loket 2"
    assert entry.after["officer_id"] == officer.id and entry.after["kiosk_id"] == kiosk.id
    assert entry.after["started_at"] == duty.started_at.isoformat() and entry.at == duty.started_at

    ended = client.post("/kiosk/duty/end", data={"pin": PIN, "csrf_token": csrf_token(client)})
    assert ended.status_code == 303
    db.session.expire_all()
    [entry] = audit_entries(action="duty_end")
    duty = db.session.get(Duty, duty.id)
    assert entry.username == f"Budi Santoso ({officer.nip})" and entry.entity_id == duty.id
    assert entry.after["ended_at"] == duty.ended_at.isoformat() and entry.after["kiosk_id"] == kiosk.id
    # The PIN is nowhere in the log.
    for entry in audit_entries():
        assert PIN not in json.dumps([entry.username, entry.label, entry.before, entry.after])


def test_the_audit_page_shows_the_kiosk_duty_with_the_officer_as_who(client, factories):
    _desk, officer, _ = kiosk_with_officer(client)
    client.post("/kiosk/duty/start", data={"officer_id": officer.id, "pin": PIN, "csrf_token": csrf_token(client)})
    sign_in(client, make_user(Role.ADMIN))  # the audit log is the administrators'
    client.set_cookie("lang", "en")
    page = client.get("/admin/audit?entity=duty").get_data(as_text=True)
    assert f"Budi Santoso ({officer.nip})" in page and "duty started" in page and "Loket 2" in page
    assert "Kiosk ID" in page and PIN not in page


def test_a_wrong_pin_and_a_repeated_start_log_no_duty(client, factories):
    _desk, officer, _ = kiosk_with_officer(client)
    token = csrf_token(client)
    wrong = client.post("/kiosk/duty/start", data={"officer_id": officer.id, "pin": "000000", "csrf_token": token})
    assert wrong.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0
    client.post("/kiosk/duty/start", data={"officer_id": officer.id, "pin": PIN, "csrf_token": token})
    client.post("/kiosk/duty/start", data={"officer_id": officer.id, "pin": PIN, "csrf_token": token})
    # Already on duty here: nothing changed the second time, so one entry.
    assert len(audit_entries(action="duty_start")) == 1


def test_relieving_a_colleague_with_a_pin_logs_whom_it_replaced(client, factories):
    desk, officer, _ = kiosk_with_officer(client)
    colleague = make_officer(unit=desk.unit, pin="135790", name="Siti Rahmawati")
    token = csrf_token(client)
    client.post("/kiosk/duty/start", data={"officer_id": colleague.id, "pin": "135790", "csrf_token": token})
    client.post("/kiosk/duty/start", data={"officer_id": officer.id, "pin": PIN, "csrf_token": token})
    first, second = audit_entries(action="duty_start")
    assert first.before is None
    assert second.before == {"officer_id": colleague.id, "officer": "Siti Rahmawati"}
