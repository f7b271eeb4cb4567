"""A kiosk PIN is its officer's alone: once set (through a set-up link, or changed on My account),
it is in no page anyone else reads, no export, no log record and no audit entry; only its hash
is stored. The same holds for the password chosen with it."""

import csv
import io
import logging
from datetime import UTC, datetime

import openpyxl
import sqlalchemy as sa

from accounts.setup import create_accounts
from core.audit import AuditLog
from core.db import db
from org.duty import check_pin, start_duty
from org.models import Officer, Role, User
from tests.factories import add_vote, csrf, make_desk, make_officer, make_period, make_unit, make_user, post, sign_in

# Digits no NIP, id, date or count of this test holds (NIPs begin with a 19xx birth year).
PIN = "846271"
NEW_PIN = "953186"
PASSWORD = "wedang jahe malam minggu"


def everything_audited() -> str:
    db.session.expire_all()
    return " ".join(
        f"{entry.label} {entry.username} {entry.before} {entry.after}"
        for entry in db.session.scalars(sa.select(AuditLog))
    )


def test_the_pin_is_in_no_page_export_log_or_audit_entry(app, ctx, caplog):
    caplog.set_level(logging.DEBUG)
    period = make_period()
    unit = make_unit(code="kec-rahasia", name="Kecamatan Rahasia")
    desk = make_desk(unit=unit, name="Loket 1")
    officer = make_officer(unit=unit, name="Siti Rahmawati", pin=None)
    make_officer(unit=unit, name="Budi Santoso", pin=None)
    admin = make_user(Role.ADMIN, username="pusat")
    supervisor = make_user(Role.SUPERVISOR, unit=unit, username="kepala")
    issued = {link.officer.id: link for link in create_accounts(admin, unit.id)}[officer.id]
    db.session.commit()

    # The officer sets up, with a mistake first (the PIN is not shown back), then changes the PIN.
    phone = app.test_client()
    data = {"csrf_token": csrf(phone, "/admin/setup"), "code": issued.code, "password": PASSWORD}
    refused = phone.post("/admin/setup", data={**data, "confirm": PASSWORD, "pin": PIN, "pin_confirm": "846272"})
    assert refused.status_code == 422 and PIN not in refused.get_data(as_text=True)
    assert PASSWORD not in refused.get_data(as_text=True)
    done = phone.post("/admin/setup", data={**data, "confirm": PASSWORD, "pin": PIN, "pin_confirm": PIN})
    assert done.status_code == 303
    changed = post(phone, "/admin/me/pin", {"current": PIN, "new": NEW_PIN, "confirm": NEW_PIN})
    assert changed.status_code == 303
    wrong = post(phone, "/admin/me/pin", {"current": PIN, "new": PIN, "confirm": PIN})  # the old one is wrong now
    assert wrong.status_code == 422 and PIN not in wrong.get_data(as_text=True)

    # Stored as a hash only; the officer at work, so that reports and exports have rows.
    stored = db.session.get(Officer, officer.id)
    assert stored.pin_hash and PIN not in stored.pin_hash and NEW_PIN not in stored.pin_hash
    check_pin(stored, NEW_PIN, datetime.now(UTC))
    start_duty(desk, stored, datetime.now(UTC))
    add_vote(period, desk, stored, 4)
    db.session.commit()
    account = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))

    pages = [
        "/admin/",
        "/admin/officers",
        f"/admin/officers/{officer.id}",
        "/admin/onboarding",
        "/admin/users",
        f"/admin/users/{account.id}/edit",
        "/admin/duty",
        "/admin/officers/import",
        f"/admin/reports/{period.id}/units/{unit.id}",
        f"/admin/reports/{period.id}/officers/{officer.id}",
    ]
    for who, user in (("admin", admin), ("supervisor", supervisor)):
        client = app.test_client()
        sign_in(client, user)
        for lang in ("id", "en"):
            client.set_cookie("lang", lang)
            for url in pages + ["/admin/audit"] * (who == "admin"):
                if url.startswith("/admin/users") and who != "admin":
                    continue
                response = client.get(url)
                assert response.status_code == 200, (who, url, response.status_code)
                body = response.get_data(as_text=True)
                assert PIN not in body and NEW_PIN not in body and PASSWORD not in body, (who, url)
        # Exports: the cells of every sheet and the CSV's text.
        exports = [f"/admin/reports/{period.id}/units/{unit.id}/appraisals.{fmt}" for fmt in ("csv", "xlsx")]
        exports += [f"/admin/reports/{period.id}/units/{unit.id}/skm.xlsx"]
        if who == "admin":
            exports += [f"/admin/reports/{period.id}/appraisals.{fmt}" for fmt in ("csv", "xlsx")]
        for fmt in exports:
            response = client.get(fmt)
            assert response.status_code == 200, fmt
            if fmt.endswith("csv"):
                cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row]
            else:
                book = openpyxl.load_workbook(io.BytesIO(response.data))
                cells = [
                    str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
                ]
            assert cells and not any(secret in cell for cell in cells for secret in (PIN, NEW_PIN, PASSWORD)), fmt
    # The officer's own pages do not show it either.
    assert all(NEW_PIN not in phone.get(url).get_data(as_text=True) for url in ("/admin/me", "/admin/me/pin"))

    audited = everything_audited()
    assert "pin" in [entry.action for entry in db.session.scalars(sa.select(AuditLog))]
    assert PIN not in audited and NEW_PIN not in audited and PASSWORD not in audited
    logged = " ".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert PIN not in logged and NEW_PIN not in logged and PASSWORD not in logged


def test_the_pin_of_the_kiosk_is_in_no_log_or_audit_entry(app, ctx, caplog):
    """Starting duty at the kiosk with the PIN, right or wrong: neither PIN is logged."""
    from tests.factories import COOKIE, make_kiosk

    caplog.set_level(logging.DEBUG)
    make_period()
    unit = make_unit()
    desk = make_desk(unit=unit)
    officer = make_officer(unit=unit, pin=PIN)
    _kiosk, token = make_kiosk(desk)
    tablet = app.test_client()
    tablet.set_cookie(COOKIE, token, path="/kiosk/")
    token_field = csrf(tablet, "/kiosk/")
    for pin in ("846270", PIN):
        tablet.post(
            "/kiosk/duty/start",
            data={"csrf_token": token_field, "officer_id": officer.id, "pin": pin},
            headers={"HX-Request": "true"},
        )
    assert desk.current_duty() is not None and desk.current_duty().officer_id == officer.id
    audited = everything_audited()
    logged = " ".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert PIN not in audited and "846270" not in audited
    assert PIN not in logged and "846270" not in logged
