"""The admin pages: create / edit / delete with the database checked, htmx partials and their
headers, refusals with messages in place, unit scope, and the audit trail of every change."""

import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from appraisal.indicators import weighted_indicators
from appraisal.models import Indicator, Period, PeriodStatus
from core.audit import AuditLog
from core.db import db
from core.errors import AccessDenied
from core.responses import Answer, Channel, Response
from kiosk.models import Kiosk
from kiosk.pairing import pair_kiosk
from org.duty import check_pin, start_duty
from org.models import Desk, Duty, Officer, Role, Service, Unit
from reports.snapshots import close_period, reopen_period
from tests.factories import (
    audit_entries,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    sign_in,
    text,
)


@pytest.fixture
def admin(client, ctx):
    user = make_user(Role.ADMIN, username="pusat")
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return user


def response_for(unit, desk=None, officer=None, period=None, comment=None, answers=()):
    period = period or make_period()
    response = Response(uuid=str(__import__("uuid").uuid4()), channel=Channel.QR, unit_id=unit.id,
                        desk_id=desk.id if desk else None, officer_id=officer.id if officer else None,
                        period_id=period.id, cast_at=datetime.now(timezone.utc), comment=comment)
    for indicator_id, value in answers:
        response.answers.append(Answer(indicator_id=indicator_id, value=value))
    db.session.add(response)
    db.session.commit()
    return response


# --- Units, services, desks -----------------------------------------------------------------------

def test_units_page_full_and_partial(client, admin):
    make_unit(name="Kecamatan Menteng")
    page = client.get("/admin/units")
    assert page.status_code == 200 and "<html" in text(page) and "Kecamatan Menteng" in text(page)
    assert "HX-Request" in page.headers["Vary"]
    partial = client.get("/admin/units?q=menteng", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in text(partial) and text(partial).lstrip().startswith('<div id="units"')
    assert "HX-Request" in partial.headers["Vary"]
    assert "Kecamatan Menteng" not in text(client.get("/admin/units?q=zzz", headers={"HX-Request": "true"}))


def test_create_a_unit_with_htmx_and_with_a_plain_form(client, admin, counter):
    response = post(client, "/admin/units", {"code": "kec-menteng", "name": "Kecamatan Menteng",
                                             "timezone": "Asia/Jakarta"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "unit-created"
    assert "HX-Request" in response.headers["Vary"] and 'id="unit-new"' in text(response)
    response = post(client, "/admin/units", {"code": "DUKCAPIL-mks", "name": "Dukcapil Makassar",
                                             "timezone": "Asia/Makassar"})
    assert response.status_code == 303
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "dukcapil-mks"))
    assert response.headers["Location"] == f"/admin/units/{unit.id}"
    assert unit.timezone == "Asia/Makassar" and counter(Unit) == 2
    [first, second] = audit_entries(entity="unit")
    assert (second.action, second.entity_id, second.username) == ("create", unit.id, "pusat")
    assert second.after["code"] == "dukcapil-mks" and second.before is None


@pytest.mark.parametrize("form,field,message", [
    ({"code": "", "name": "X", "timezone": "Asia/Jakarta"}, "code", "This field is required."),
    ({"code": "bad code!", "name": "X", "timezone": "Asia/Jakarta"}, "code", "lowercase letters"),
    ({"code": "taken", "name": "X", "timezone": "Asia/Jakarta"}, "code", "already used"),
    ({"code": "ok-code", "name": "", "timezone": "Asia/Jakarta"}, "name", "This field is required."),
    ({"code": "ok-code", "name": "X", "timezone": "Mars/Olympus"}, "timezone", "time zone"),
])
def test_a_bad_unit_is_refused_with_its_message_in_place(client, admin, counter, form, field, message):
    make_unit(code="taken")
    before = counter(Unit)
    response = post(client, "/admin/units", form, htmx=True)
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    html = text(response)
    assert message in html
    assert 'aria-invalid="true"' in html and f'id="unit-new-{field}-error"' in html
    assert counter(Unit) == before and counter(AuditLog) == 0
    plain = post(client, "/admin/units", form)
    assert plain.status_code == 422 and "<html" in text(plain) and message in text(plain)


def test_edit_a_unit_inline(client, admin):
    unit = make_unit(code="kec-a", name="Kecamatan A")
    form = client.get(f"/admin/units/{unit.id}/edit", headers={"HX-Request": "true"})
    assert form.status_code == 200 and f'<tr id="unit-row-{unit.id}" class="editing">' in text(form)
    assert "<html" not in text(form)
    assert "<html" in text(client.get(f"/admin/units/{unit.id}/edit"))  # the same row on a page of its own
    response = post(client, f"/admin/units/{unit.id}/edit", {"code": "kec-a", "name": "Kecamatan Anggrek",
                                                             "address": "Jl. Anggrek 1", "timezone": "Asia/Jakarta"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "unit-saved"
    assert f'<tr id="unit-row-{unit.id}">' in text(response) and "Kecamatan Anggrek" in text(response)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).name == "Kecamatan Anggrek"
    [entry] = audit_entries(entity="unit", action="update")
    assert entry.before == {"name": "Kecamatan A", "address": ""}
    assert entry.after == {"name": "Kecamatan Anggrek", "address": "Jl. Anggrek 1"}
    cancel = client.get(f"/admin/units/{unit.id}/row", headers={"HX-Request": "true"})
    assert 'class="editing"' not in text(cancel)


def test_saving_without_changes_writes_no_audit_entry(client, admin):
    unit = make_unit(code="kec-b", name="B")
    post(client, f"/admin/units/{unit.id}/edit", {"code": "kec-b", "name": "B", "address": "", "timezone": "Asia/Jakarta"})
    assert audit_entries(entity="unit") == []


def test_delete_a_unit_asks_first_and_refuses_one_in_use(client, admin, counter):
    empty, used = make_unit(name="Kosong"), make_unit(name="Dipakai")
    make_desk(unit=used)
    confirm = client.get(f"/admin/units/{empty.id}/delete")
    assert confirm.status_code == 200 and "Delete unit Kosong?" in text(confirm)
    assert 'hx-confirm="Delete unit Kosong?"' in text(client.get("/admin/units"))
    response = post(client, f"/admin/units/{empty.id}/delete", htmx=True)
    assert response.status_code == 200 and text(response) == "" and response.headers["HX-Trigger"] == "unit-deleted"
    refused = post(client, f"/admin/units/{used.id}/delete", htmx=True)
    assert refused.status_code == 409 and "still has desks" in text(refused) and f'id="unit-row-{used.id}"' in text(refused)
    assert counter(Unit) == 1
    assert [e.action for e in audit_entries(entity="unit")] == ["delete"]
    plain = post(client, f"/admin/units/{used.id}/delete")
    assert plain.status_code == 409 and "still has desks" in text(plain)


def test_services_and_desks_of_a_unit(client, admin, counter):
    unit = make_unit()
    response = post(client, f"/admin/units/{unit.id}/services", {"name_id": "Akta Kelahiran", "name_en": "Birth certificate",
                                                                 "position": "2", "active": "1"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "service-created"
    service = db.session.scalar(sa.select(Service))
    assert (service.name_en, service.position, service.active) == ("Birth certificate", 2, True)
    bad = post(client, f"/admin/units/{unit.id}/services", {"name_id": "", "position": "dua"}, htmx=True)
    assert bad.status_code == 422 and "Enter a whole number." in text(bad) and counter(Service) == 1
    response = post(client, f"/admin/services/{service.id}/edit", {"name_id": "Akta Kelahiran", "position": "1"}, htmx=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Service, service.id).active is False  # the box was left unticked
    response = post(client, f"/admin/units/{unit.id}/desks", {"name": "Loket 9", "active": "1"})
    assert response.status_code == 303
    desk = db.session.scalar(sa.select(Desk))
    assert desk.name == "Loket 9" and desk.unit_id == unit.id
    response = post(client, f"/admin/desks/{desk.id}/edit", {"name": "Loket 10", "active": "1"}, htmx=True)
    assert "Loket 10" in text(response) and response.headers["HX-Trigger"] == "desk-saved"
    assert post(client, f"/admin/desks/{desk.id}/delete", htmx=True).status_code == 200
    assert post(client, f"/admin/services/{service.id}/delete", htmx=True).status_code == 200
    assert counter(Desk) == 0 and counter(Service) == 0
    page = text(client.get(f"/admin/units/{unit.id}"))
    assert "No services yet." in page and "No desks yet." in page


def test_a_desk_with_a_kiosk_cannot_be_deleted(client, admin, counter):
    desk = make_desk()
    make_kiosk(desk)
    response = post(client, f"/admin/desks/{desk.id}/delete", htmx=True)
    assert response.status_code == 409 and "switch it off instead" in text(response)
    assert counter(Desk) == 1


def test_a_supervisor_manages_their_units_desks_but_not_units(client, ctx, counter):
    own, other = make_unit(), make_unit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    assert post(client, f"/admin/units/{own.id}/desks", {"name": "Loket S", "active": "1"}, htmx=True).status_code == 200
    assert post(client, f"/admin/units/{other.id}/desks", {"name": "Loket X", "active": "1"}, htmx=True).status_code == 403
    assert post(client, "/admin/units", {"code": "baru", "name": "Baru", "timezone": "Asia/Jakarta"}).status_code == 403
    assert counter(Desk) == 1 and counter(Unit) == 2


# --- Officers -----------------------------------------------------------------------------------------

def test_officers_list_is_searchable_and_paginated(client, admin):
    unit = make_unit()
    for i in range(30):
        make_officer(unit=unit, name=f"Petugas {i:02d}", pin=None)
    make_officer(unit=unit, name="Siti Rahmawati", pin=None)
    page1 = text(client.get("/admin/officers"))
    assert "Page 1 of 2 (31 in all)" in page1 and 'rel="next"' in page1
    partial = client.get("/admin/officers?q=siti", headers={"HX-Request": "true"})
    assert "Siti Rahmawati" in text(partial) and "Petugas 01" not in text(partial) and "<html" not in text(partial)
    officer = db.session.scalar(sa.select(Officer).where(Officer.name == "Siti Rahmawati"))
    by_nip = text(client.get(f"/admin/officers?q={officer.nip[:8]} {officer.nip[8:14]}"))
    assert "Siti Rahmawati" in by_nip


def test_create_an_officer_with_a_valid_nip(client, admin, counter):
    unit = make_unit()
    response = post(client, "/admin/officers", {"nip": "19860926 201505 1 001", "name": "Budi Santoso",
                                                "position": "Analis", "unit_id": unit.id, "active": "1"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "officer-created"
    officer = db.session.scalar(sa.select(Officer))
    assert (officer.nip, officer.name, officer.unit_id, officer.active) == ("198609262015051001", "Budi Santoso", unit.id, True)
    [entry] = audit_entries(entity="officer")
    assert entry.after["nip"] == "198609262015051001" and entry.unit_id == unit.id


@pytest.mark.parametrize("nip,message", [
    ("1986092620150510", "A NIP has exactly 18 digits."),
    ("19861326201505 1001", "real date of birth"),
    ("198609262015053001", "gender code"),
    ("TAKEN", "Another officer already has this NIP."),
])
def test_a_bad_nip_is_refused_with_a_translated_reason(client, admin, counter, nip, message):
    unit = make_unit()
    taken = make_officer(unit=unit)
    nip = taken.nip if nip == "TAKEN" else nip
    response = post(client, "/admin/officers", {"nip": nip, "name": "X", "unit_id": unit.id}, htmx=True)
    assert response.status_code == 422 and message in text(response)
    assert counter(Officer) == 1
    client.set_cookie("lang", "id")
    indonesian = post(client, "/admin/officers", {"nip": nip, "name": "X", "unit_id": unit.id}, htmx=True)
    assert message not in text(indonesian) and "NIP" in text(indonesian)


def test_edit_an_officer_inline_and_switch_them_off(client, admin):
    officer = make_officer(name="Agus")
    response = post(client, f"/admin/officers/{officer.id}/edit", {"nip": officer.nip, "name": "Agus Prasetyo",
                                                                   "position": "Verifikator", "unit_id": officer.unit_id},
                    htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "officer-saved"
    assert f'<tr id="officer-row-{officer.id}">' in text(response)
    db.session.expire_all()
    officer = db.session.get(Officer, officer.id)
    assert (officer.name, officer.position, officer.active) == ("Agus Prasetyo", "Verifikator", False)
    [entry] = audit_entries(entity="officer", action="update")
    assert entry.before == {"name": "Agus", "position": "Pengadministrasi Umum", "active": True}


def test_a_supervisor_cannot_move_an_officer_to_another_unit(client, ctx):
    own, other = make_unit(), make_unit()
    officer = make_officer(unit=own)
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    response = post(client, f"/admin/officers/{officer.id}/edit", {"nip": officer.nip, "name": "X", "unit_id": other.id,
                                                                   "active": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).unit_id == own.id


def test_an_officer_with_responses_cannot_be_deleted(client, admin, counter):
    officer = make_officer()
    response_for(officer.unit, officer=officer)
    response = post(client, f"/admin/officers/{officer.id}/delete", htmx=True)
    assert response.status_code == 409 and "switch them off instead" in text(response)
    free = make_officer()
    assert post(client, f"/admin/officers/{free.id}/delete").status_code == 303
    assert counter(Officer) == 1


def _png() -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_photo_upload_checks_the_image(client, admin, monkeypatch):
    from org import officers as officer_ops
    monkeypatch.setattr(officer_ops, "PHOTO_MAX_BYTES", 4000)  # small, so the test upload stays in memory
    officer = make_officer()
    response = post(client, f"/admin/officers/{officer.id}/photo",
                    {"photo": (io.BytesIO(_png()), "me.png")}, htmx=True, content_type="multipart/form-data")
    assert response.status_code == 200 and 'id="officer-photo"' in text(response)
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).photo_mime == "image/png"
    assert client.get(f"/admin/officers/{officer.id}/photo").data == _png()
    fake = post(client, f"/admin/officers/{officer.id}/photo", {"photo": (io.BytesIO(b"<svg/>"), "me.jpg")},
                htmx=True, content_type="multipart/form-data")
    assert fake.status_code == 422 and "JPEG or PNG" in text(fake)
    big = post(client, f"/admin/officers/{officer.id}/photo", {"photo": (io.BytesIO(b"x" * 5000), "big.png")},
               htmx=True, content_type="multipart/form-data")
    assert big.status_code == 422 and "too large" in text(big)
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).photo == _png()
    assert [e.action for e in audit_entries(entity="officer")] == ["photo"]


def test_set_an_officers_pin(client, admin):
    officer = make_officer(pin=None)
    bad = post(client, f"/admin/officers/{officer.id}/pin", {"pin": "12"}, htmx=True)
    assert bad.status_code == 422 and "4 to 8 digits" in text(bad)
    response = post(client, f"/admin/officers/{officer.id}/pin", {"pin": "864200"}, htmx=True)
    assert response.status_code == 200
    check_pin(db.session.get(Officer, officer.id), "864200", datetime.now(timezone.utc))
    [entry] = audit_entries(entity="officer", action="pin")
    assert entry.after is None and "864200" not in str(entry.before)


# --- Kiosks and duty -----------------------------------------------------------------------------------

def test_kiosks_show_who_is_online(client, admin):
    desk = make_desk(name="Loket 1")
    online, _ = make_kiosk(desk)
    offline, _ = make_kiosk(desk)
    online.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=4)
    offline.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=6)
    db.session.commit()
    html = text(client.get("/admin/kiosks"))
    assert html.count('class="badge online"') == 1 and html.count('class="badge offline"') == 1
    only_offline = client.get("/admin/kiosks?status=offline", headers={"HX-Request": "true"})
    assert f'id="kiosk-row-{offline.id}"' in text(only_offline) and f'id="kiosk-row-{online.id}"' not in text(only_offline)


def test_a_pairing_code_is_shown_once_and_pairs_a_tablet(client, admin):
    desk = make_desk(name="Loket 4")
    response = post(client, "/admin/kiosks/pairing-code", {"desk_id": desk.id}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "pairing-code-made"
    import re
    code = re.search(r'class="code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', text(response)).group(1)
    kiosk, _ = pair_kiosk(code)
    assert kiosk.desk_id == desk.id
    [entry] = audit_entries(action="pairing_code")
    assert code not in str(entry.after) and code.replace("-", "") not in str(entry.after)
    assert code not in text(client.get("/admin/kiosks"))
    refused = post(client, "/admin/kiosks/pairing-code", {"desk_id": ""}, htmx=True)
    assert refused.status_code == 422 and "Choose a desk" in text(refused)


def test_revoke_and_move_a_kiosk(client, admin):
    unit = make_unit()
    desk, other_desk, foreign = make_desk(unit=unit), make_desk(unit=unit, name="Loket Baru"), make_desk()
    kiosk, token = make_kiosk(desk)
    response = post(client, f"/admin/kiosks/{kiosk.id}/move", {"desk_id": other_desk.id}, htmx=True)
    assert response.status_code == 200 and "Loket Baru" in text(response)
    refused = post(client, f"/admin/kiosks/{kiosk.id}/move", {"desk_id": foreign.id}, htmx=True)
    assert refused.status_code == 409 and "same unit" in text(refused)
    db.session.expire_all()
    assert db.session.get(Kiosk, kiosk.id).desk_id == other_desk.id
    response = post(client, f"/admin/kiosks/{kiosk.id}/revoke", htmx=True)
    assert response.status_code == 200 and "Revoked" in text(response)
    db.session.expire_all()
    assert db.session.get(Kiosk, kiosk.id).revoked_at is not None
    assert client.get("/kiosk/banner", headers={"Cookie": f"kiosk_token={token}"}).status_code == 302
    assert post(client, f"/admin/kiosks/{kiosk.id}/revoke", htmx=True).status_code == 409
    assert [e.action for e in audit_entries(entity="kiosk")] == ["move", "revoke"]


def test_put_an_officer_on_duty_and_end_it(client, admin):
    desk = make_desk(name="Loket 2")
    officer = make_officer(unit=desk.unit, name="Rina")
    response = post(client, "/admin/duty/start", {"desk_id": desk.id, "officer_id": officer.id}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "duty-changed"
    duty = db.session.scalar(sa.select(Duty))
    assert (duty.officer_id, duty.desk_id, duty.started_via, duty.ended_at) == (officer.id, desk.id, "admin", None)
    stranger = make_officer()
    refused = post(client, "/admin/duty/start", {"desk_id": desk.id, "officer_id": stranger.id}, htmx=True)
    assert refused.status_code == 400 and "does not work at this unit" in text(refused)
    assert post(client, "/admin/duty/end", {"desk_id": desk.id}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Duty, duty.id).ended_via == "admin"
    assert [e.action for e in audit_entries(entity="duty")] == ["duty_start", "duty_end"]


def test_the_roster_filters_by_desk_officer_and_dates(client, admin):
    desk_a, desk_b = make_desk(name="Loket A"), make_desk(name="Loket B")
    a, b = make_officer(unit=desk_a.unit, name="Ani"), make_officer(unit=desk_b.unit, name="Bayu")
    jakarta_morning = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB
    db.session.add_all([
        Duty(officer=a, desk=desk_a, started_at=jakarta_morning, ended_at=jakarta_morning + timedelta(hours=4)),
        Duty(officer=b, desk=desk_b, started_at=jakarta_morning + timedelta(days=5),
             ended_at=jakarta_morning + timedelta(days=5, hours=4)),
    ])
    db.session.commit()
    everything = text(client.get("/admin/duty"))
    assert "Ani" in everything and "Bayu" in everything and "2026-03-02 08:00" in everything
    by_desk = text(client.get(f"/admin/duty?desk={desk_b.id}", headers={"HX-Request": "true"}))
    assert "Bayu" in by_desk and "<td>Ani</td>" not in by_desk
    by_date = text(client.get("/admin/duty?from=2026-03-01&to=2026-03-03", headers={"HX-Request": "true"}))
    assert "<td>Ani</td>" in by_date and "<td>Bayu</td>" not in by_date
    by_officer = text(client.get(f"/admin/duty?officer={b.id}", headers={"HX-Request": "true"}))
    assert "<td>Bayu</td>" in by_officer and "<td>Ani</td>" not in by_officer


# --- Periods -------------------------------------------------------------------------------------------

def test_create_open_close_and_reopen_a_period(client, admin):
    response = post(client, "/admin/periods", {"name": "Triwulan I 2027", "starts_on": "2027-01-01",
                                               "ends_on": "2027-03-31"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "period-created"
    period = db.session.scalar(sa.select(Period))
    assert period.status == PeriodStatus.DRAFT
    assert post(client, f"/admin/periods/{period.id}/close", htmx=True).status_code == 409  # not open yet
    assert post(client, f"/admin/periods/{period.id}/open", htmx=True).status_code == 200
    response = post(client, f"/admin/periods/{period.id}/close", htmx=True)
    assert response.status_code == 200 and "Closed" in text(response)
    db.session.expire_all()
    assert db.session.get(Period, period.id).status == PeriodStatus.CLOSED
    no_reason = post(client, f"/admin/periods/{period.id}/reopen", {"reason": " "}, htmx=True)
    assert no_reason.status_code == 422 and "Say why" in text(no_reason)
    form = client.get(f"/admin/periods/{period.id}/reopen", headers={"HX-Request": "true"})
    assert 'name="reason"' in text(form)
    response = post(client, f"/admin/periods/{period.id}/reopen", {"reason": "Late kiosk uploads"}, htmx=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Period, period.id).status == PeriodStatus.OPEN
    entries = audit_entries(entity="period")
    assert [e.action for e in entries] == ["create", "open", "close", "reopen"]
    assert entries[-1].before == {"status": "closed"} and entries[-1].after == {"status": "open", "reason": "Late kiosk uploads"}


def test_periods_may_not_overlap(client, admin, counter):
    make_period(name="Triwulan I", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    response = post(client, "/admin/periods", {"name": "Maret", "starts_on": "2027-03-15", "ends_on": "2027-04-15"}, htmx=True)
    assert response.status_code == 422 and "overlaps Triwulan I" in text(response)
    backwards = post(client, "/admin/periods", {"name": "X", "starts_on": "2027-05-02", "ends_on": "2027-05-01"}, htmx=True)
    assert backwards.status_code == 422 and "must not be before" in text(backwards)
    garbage = post(client, "/admin/periods", {"name": "X", "starts_on": "1 Mei", "ends_on": ""}, htmx=True)
    assert garbage.status_code == 422 and "YYYY-MM-DD" in text(garbage)
    assert counter(Period) == 1


def test_a_period_with_responses_cannot_be_deleted_nor_moved(client, admin, counter):
    period = make_period()
    response_for(make_unit(), period=period)
    refused = post(client, f"/admin/periods/{period.id}/delete", htmx=True)
    assert refused.status_code == 409 and "cannot be deleted" in text(refused)
    moved = post(client, f"/admin/periods/{period.id}/edit", {"name": period.name, "starts_on": "2020-01-01",
                                                              "ends_on": "2020-02-01"}, htmx=True)
    assert moved.status_code == 422 and "can no longer change" in text(moved)
    renamed = post(client, f"/admin/periods/{period.id}/edit", {"name": "Renamed", "starts_on": period.starts_on.isoformat(),
                                                                "ends_on": period.ends_on.isoformat()}, htmx=True)
    assert renamed.status_code == 200
    empty = make_period(status=PeriodStatus.DRAFT, starts_on=date(2030, 1, 1), ends_on=date(2030, 3, 31))
    assert post(client, f"/admin/periods/{empty.id}/delete").status_code == 303
    assert counter(Period) == 1


def test_close_period_is_the_domain_function_issue_4_builds_on(ctx):
    admin = make_user(Role.ADMIN)
    period = make_period()
    close_period(period, admin, datetime(2026, 12, 31, 17, tzinfo=timezone.utc))
    db.session.commit()
    [entry] = audit_entries(entity="period")
    assert entry.at == datetime(2026, 12, 31, 17, tzinfo=timezone.utc) and entry.action == "close"
    supervisor = make_user(Role.SUPERVISOR)
    with pytest.raises(AccessDenied):
        reopen_period(period, supervisor, "why not")


# --- Indicators ----------------------------------------------------------------------------------------

def _indicator_form(indicator: Indicator, **changes) -> dict:
    form = {"kind": indicator.kind.value, "channel": indicator.channel.value, "text_id": indicator.text_id,
            "text_en": indicator.text_en, "skm_element": indicator.skm_element or "", "position": indicator.position,
            "weight": "" if indicator.weight is None else str(indicator.weight), "active": "1"}
    form.update(changes)
    # A checkbox left unticked is not sent at all.
    data = [(k, v) for k, v in form.items() if k not in ("labels_id", "labels_en") and not (k == "active" and not v)]
    for name in ("labels_id", "labels_en"):
        data += [(name, label) for label in changes.get(name, getattr(indicator, name))]
    return data


def test_the_nine_skm_elements_are_there_from_the_start(client, admin):
    html = text(client.get("/admin/indicators"))
    for element in range(1, 10):
        assert f"<code>U{element}</code>" in html
    assert len(weighted_indicators()) == 9


def test_editing_an_unanswered_indicator_changes_it_in_place(client, admin, counter):
    u9 = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U9"))
    before = counter(Indicator)
    from werkzeug.datastructures import MultiDict
    response = post(client, f"/admin/indicators/{u9.id}/edit",
                    MultiDict(_indicator_form(u9, text_id="Bagaimana kualitas ruang tunggu?")), htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "indicator-saved"
    db.session.expire_all()
    assert db.session.get(Indicator, u9.id).text_id == "Bagaimana kualitas ruang tunggu?" and counter(Indicator) == before


def test_editing_an_answered_indicator_makes_a_new_version_and_keeps_past_answers(client, admin, counter):
    u7 = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U7"))
    old_text, old_labels = u7.text_id, list(u7.labels_id)
    response_for(make_unit(), answers=[(u7.id, 2)])
    before = counter(Indicator)
    from werkzeug.datastructures import MultiDict
    response = post(client, f"/admin/indicators/{u7.id}/edit",
                    MultiDict(_indicator_form(u7, text_id="Apakah petugas sopan?",
                                              labels_id=["Tidak", "Kurang", "Ya", "Sangat"])), htmx=True)
    assert response.status_code == 200 and "U7-v2" in text(response)
    db.session.expire_all()
    old = db.session.get(Indicator, u7.id)
    assert (old.text_id, old.labels_id, old.active) == (old_text, old_labels, False)
    new = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U7-v2"))
    assert (new.text_id, new.labels_id, new.skm_element, new.active) == ("Apakah petugas sopan?", ["Tidak", "Kurang", "Ya", "Sangat"], "U7", True)
    assert db.session.scalar(sa.select(Answer.indicator_id)) == u7.id  # the answer still means what it meant
    assert counter(Indicator) == before + 1
    assert [e.action for e in audit_entries(entity="indicator")] == ["version", "create"]
    # Settings that do not change meaning are edited in place, even on an answered indicator.
    response = post(client, f"/admin/indicators/{u7.id}/edit", MultiDict(_indicator_form(old, position="42", active="")),
                    htmx=True)
    db.session.expire_all()
    assert db.session.get(Indicator, u7.id).position == 42 and counter(Indicator) == before + 1


def test_an_answered_indicator_cannot_be_deleted(client, admin, counter):
    reason = db.session.scalar(sa.select(Indicator).where(Indicator.code == "R_BIAYA"))
    response_for(make_unit(), answers=[(reason.id, 1)])
    refused = post(client, f"/admin/indicators/{reason.id}/delete", htmx=True)
    assert refused.status_code == 409 and "switch it off instead" in text(refused)
    assert db.session.get(Indicator, reason.id) is not None


def test_create_an_indicator_and_refuse_a_bad_one(client, admin, counter):
    from werkzeug.datastructures import MultiDict
    before = counter(Indicator)
    good = MultiDict([("code", "R_ANTRE"), ("kind", "reason"), ("channel", "kiosk"), ("text_id", "Antrean"),
                      ("text_en", "Queue"), ("skm_element", "U3"), ("position", "120"), ("active", "1")])
    response = post(client, "/admin/indicators", good, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "indicator-created"
    created = db.session.scalar(sa.select(Indicator).where(Indicator.code == "R_ANTRE"))
    assert (created.kind.value, created.channel.value, created.labels_id) == ("reason", "kiosk", [])
    bad = MultiDict([("code", "U10"), ("kind", "scale"), ("channel", "qr"), ("text_id", ""), ("skm_element", "U3"),
                     ("labels_id", "a"), ("position", "x"), ("active", "1")])
    refused = post(client, "/admin/indicators", bad, htmx=True)
    html = text(refused)
    assert refused.status_code == 422
    assert "This field is required." in html and "all four answer labels" in html and "Enter a whole number." in html
    repeated = MultiDict([("code", "U10"), ("kind", "scale"), ("channel", "qr"), ("text_id", "Lagi U3?"),
                          ("skm_element", "U3")] + [("labels_id", x) for x in "abcd"] + [("active", "1")])
    refused = post(client, "/admin/indicators", repeated, htmx=True)
    assert refused.status_code == 422 and "already measures element U3" in text(refused)
    assert counter(Indicator) == before + 1


def test_weights_are_all_empty_or_sum_to_one(client, admin):
    skm = weighted_indicators()
    thirds = {f"weight-{i.id}": "0.111" for i in skm}
    refused = post(client, "/admin/indicators/weights", thirds, htmx=True)
    assert refused.status_code == 409 and "add up to 0.999" in text(refused)
    partial = post(client, "/admin/indicators/weights", {f"weight-{skm[0].id}": "1"}, htmx=True)
    assert partial.status_code == 409 and "not for all" in text(partial)
    garbage = post(client, "/admin/indicators/weights", {f"weight-{skm[0].id}": "lots"}, htmx=True)
    assert garbage.status_code == 422 and "from 0 to 1" in text(garbage)
    db.session.expire_all()
    assert all(i.weight is None for i in weighted_indicators())
    weights = {f"weight-{i.id}": ("0.2" if n == 0 else "0.1") for n, i in enumerate(skm)}
    saved = post(client, "/admin/indicators/weights", weights, htmx=True)
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "weights-saved"
    db.session.expire_all()
    assert sum(i.weight for i in weighted_indicators()) == Decimal("1")
    assert len(audit_entries(entity="indicator", action="update")) == 9
    # Now weighted: switching one element off would break the sum, so it is refused.
    u1 = db.session.get(Indicator, skm[0].id)
    from werkzeug.datastructures import MultiDict
    off = post(client, f"/admin/indicators/{u1.id}/edit", MultiDict(_indicator_form(u1, active="")), htmx=True)
    assert off.status_code == 409 and "add up to exactly 1" in text(off)
    db.session.expire_all()
    assert db.session.get(Indicator, u1.id).active is True


# --- Comments and the audit log ---------------------------------------------------------------------------

def test_hiding_a_comment_keeps_it_and_is_audited(client, admin):
    unit = make_unit()
    response = response_for(unit, comment="Petugasnya bodoh semua!")
    make_user(Role.SUPERVISOR, unit=make_unit())
    page = text(client.get("/admin/comments"))
    assert "Petugasnya bodoh semua!" in page
    hidden = post(client, f"/admin/comments/{response.id}/hide", htmx=True)
    assert hidden.status_code == 200 and hidden.headers["HX-Trigger"] == "comment-changed" and "Hidden" in text(hidden)
    db.session.expire_all()
    row = db.session.get(Response, response.id)
    assert row.comment_hidden is True and row.comment == "Petugasnya bodoh semua!"
    assert post(client, f"/admin/comments/{response.id}/hide", htmx=True).status_code == 409
    only_hidden = text(client.get("/admin/comments?hidden=no", headers={"HX-Request": "true"}))
    assert "Petugasnya bodoh" not in only_hidden
    [entry] = audit_entries(entity="comment")
    assert (entry.action, entry.entity_id, entry.after) == ("hide", response.id, {"comment_hidden": True})


def test_a_supervisor_sees_and_hides_only_their_units_comments(client, ctx):
    own, other = make_unit(), make_unit()
    mine, theirs = response_for(own, comment="Antre lama"), response_for(other, comment="Rahasia unit lain")
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    html = text(client.get("/admin/comments"))
    assert "Antre lama" in html and "Rahasia unit lain" not in html
    assert post(client, f"/admin/comments/{theirs.id}/hide").status_code == 403
    assert post(client, f"/admin/comments/{mine.id}/hide").status_code == 303
    db.session.expire_all()
    assert db.session.get(Response, theirs.id).comment_hidden is False


def test_the_audit_log_can_be_browsed_and_filtered(client, admin):
    other = make_user(Role.ADMIN, username="cabang")
    post(client, "/admin/units", {"code": "kec-x", "name": "Kecamatan X", "timezone": "Asia/Jakarta"})
    unit = db.session.scalar(sa.select(Unit))
    sign_in(client, other)
    post(client, f"/admin/units/{unit.id}/desks", {"name": "Loket Z", "active": "1"})
    sign_in(client, admin)
    html = text(client.get("/admin/audit"))
    assert "pusat" in html and "cabang" in html and "Loket Z" in html
    by_user = text(client.get(f"/admin/audit?user={other.id}", headers={"HX-Request": "true"}))
    assert "Loket Z" in by_user and "Kecamatan X</span>" not in by_user
    by_entity = text(client.get("/admin/audit?entity=unit", headers={"HX-Request": "true"}))
    assert "Kecamatan X" in by_entity and "Loket Z" not in by_entity
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date().isoformat()
    assert "Nothing in this selection." in text(client.get(f"/admin/audit?from={tomorrow}"))


# --- The officer's own page: one-time survey codes -------------------------------------------------

def test_an_officer_shows_a_one_time_survey_code_from_their_page(client, ctx):
    from survey.models import ServiceCode

    desk = make_desk(name="Loket 3")
    officer = make_officer(unit=desk.unit, name="Dewi Lestari")
    start_duty(desk, officer)
    db.session.commit()
    sign_in(client, make_user(Role.OFFICER, officer=officer))
    page = text(client.get("/admin/me"))
    assert "/admin/me/service-code" in page
    response = post(client, "/admin/me/service-code", {}, htmx=True)
    assert response.status_code == 200
    code = db.session.scalar(sa.select(ServiceCode))
    assert (code.officer_id, code.desk_id, code.used_at) == (officer.id, desk.id, None)
    html = text(response)
    assert f"/s/{code.code}" in html and "<svg" in html and 'id="my-service-code"' in html


def test_only_officers_make_their_own_survey_codes(client, ctx):
    from survey.models import ServiceCode

    sign_in(client, make_user(Role.SUPERVISOR))
    assert post(client, "/admin/me/service-code", {}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceCode)) == 0
