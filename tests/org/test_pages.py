"""The organisation's admin pages: units, their services and desks, officers (photo, PIN) and the
duty roster. Create / edit / delete with the database checked, htmx partials and their headers,
refusals with messages in place, unit scope, and the audit trail of every change."""

import io
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from core.audit import AuditLog
from core.db import db
from org import forms as org_forms
from org.duty import check_pin
from org.models import Desk, Duty, ImportJob, Officer, Role, Service, Unit
from tests.factories import (
    add_vote,
    audit_entries,
    csrf,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
    text,
)

# --- Units, services, desks -----------------------------------------------------------------------


def test_units_page_full_and_partial(client, admin):
    make_unit(name="Kecamatan Menteng")
    page = client.get("/admin/units")
    assert page.status_code == 200 and "<html" in text(page) and "Kecamatan Menteng" in text(page)
    assert "HX-Request" in page.headers["Vary"]
    partial = client.get("/admin/units?q=menteng", headers={"HX-Request": "true"})
    assert (
        partial.status_code == 200
        and "<html" not in text(partial)
        and text(partial).lstrip().startswith('<div id="units"')
    )
    assert "HX-Request" in partial.headers["Vary"]
    assert "Kecamatan Menteng" not in text(client.get("/admin/units?q=zzz", headers={"HX-Request": "true"}))


def test_create_a_unit_with_htmx_and_with_a_plain_form(client, admin, counter):
    response = post(
        client,
        "/admin/units",
        {"code": "kec-menteng", "name": "Kecamatan Menteng", "timezone": "Asia/Jakarta"},
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "unit-created"
    assert "HX-Request" in response.headers["Vary"] and 'id="unit-new"' in text(response)
    response = post(
        client, "/admin/units", {"code": "DUKCAPIL-mks", "name": "Dukcapil Makassar", "timezone": "Asia/Makassar"}
    )
    assert response.status_code == 303
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "dukcapil-mks"))
    assert response.headers["Location"] == f"/admin/units/{unit.id}"
    assert unit.timezone == "Asia/Makassar" and counter(Unit) == 2
    [_first, second] = audit_entries(entity="unit")
    assert (second.action, second.entity_id, second.username) == ("create", unit.id, "pusat")
    assert second.after["code"] == "dukcapil-mks" and second.before is None


@pytest.mark.parametrize(
    "form,field,message",
    [
        ({"code": "", "name": "X", "timezone": "Asia/Jakarta"}, "code", "This field is required."),
        ({"code": "bad code!", "name": "X", "timezone": "Asia/Jakarta"}, "code", "lowercase letters"),
        ({"code": "taken", "name": "X", "timezone": "Asia/Jakarta"}, "code", "already used"),
        ({"code": "ok-code", "name": "", "timezone": "Asia/Jakarta"}, "name", "This field is required."),
        ({"code": "ok-code", "name": "X", "timezone": "Mars/Olympus"}, "timezone", "time zone"),
    ],
)
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
    response = post(
        client,
        f"/admin/units/{unit.id}/edit",
        {"code": "kec-a", "name": "Kecamatan Anggrek", "address": "Jl. Anggrek 1", "timezone": "Asia/Jakarta"},
        htmx=True,
    )
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
    post(
        client,
        f"/admin/units/{unit.id}/edit",
        {"code": "kec-b", "name": "B", "address": "", "timezone": "Asia/Jakarta"},
    )
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
    assert (
        refused.status_code == 409
        and "still has desks" in text(refused)
        and f'id="unit-row-{used.id}"' in text(refused)
    )
    assert counter(Unit) == 1
    assert [e.action for e in audit_entries(entity="unit")] == ["delete"]
    plain = post(client, f"/admin/units/{used.id}/delete")
    assert plain.status_code == 409 and "still has desks" in text(plain)


def test_services_and_desks_of_a_unit(client, admin, counter):
    unit = make_unit()
    response = post(
        client,
        f"/admin/units/{unit.id}/services",
        {"name_id": "Akta Kelahiran", "name_en": "Birth certificate", "position": "2", "active": "1"},
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "service-created"
    service = db.session.scalar(sa.select(Service))
    assert (service.name_en, service.position, service.active) == ("Birth certificate", 2, True)
    bad = post(client, f"/admin/units/{unit.id}/services", {"name_id": "", "position": "dua"}, htmx=True)
    assert bad.status_code == 422 and "Enter a whole number." in text(bad) and counter(Service) == 1
    response = post(
        client, f"/admin/services/{service.id}/edit", {"name_id": "Akta Kelahiran", "position": "1"}, htmx=True
    )
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
    assert (
        post(client, f"/admin/units/{own.id}/desks", {"name": "Loket S", "active": "1"}, htmx=True).status_code == 200
    )
    assert (
        post(client, f"/admin/units/{other.id}/desks", {"name": "Loket X", "active": "1"}, htmx=True).status_code == 403
    )
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
    response = post(
        client,
        "/admin/officers",
        {
            "nip": "19860926 201505 1 001",
            "name": "Budi Santoso",
            "position": "Analis",
            "unit_id": unit.id,
            "active": "1",
        },
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "officer-created"
    officer = db.session.scalar(sa.select(Officer))
    assert (officer.nip, officer.name, officer.unit_id, officer.active) == (
        "198609262015051001",
        "Budi Santoso",
        unit.id,
        True,
    )
    [entry] = audit_entries(entity="officer")
    assert entry.after["nip"] == "198609262015051001" and entry.unit_id == unit.id


@pytest.mark.parametrize(
    "nip,message",
    [
        ("1986092620150510", "A NIP has exactly 18 digits."),
        ("19861326201505 1001", "real date of birth"),
        ("198609262015053001", "gender code"),
        ("TAKEN", "Another officer already has this NIP."),
    ],
)
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
    response = post(
        client,
        f"/admin/officers/{officer.id}/edit",
        {"nip": officer.nip, "name": "Agus Prasetyo", "position": "Verifikator", "unit_id": officer.unit_id},
        htmx=True,
    )
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
    response = post(
        client,
        f"/admin/officers/{officer.id}/edit",
        {"nip": officer.nip, "name": "X", "unit_id": other.id, "active": "1"},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).unit_id == own.id


def test_an_officer_with_responses_cannot_be_deleted(client, admin, counter):
    officer = make_officer()
    add_vote(make_period(), make_desk(unit=officer.unit), officer, 3)
    db.session.commit()
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
    monkeypatch.setattr(org_forms, "PHOTO_MAX_BYTES", 4000)  # small, so the test upload stays in memory
    officer = make_officer()
    response = post(
        client,
        f"/admin/officers/{officer.id}/photo",
        {"photo": (io.BytesIO(_png()), "me.png")},
        htmx=True,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and 'id="officer-photo"' in text(response)
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).photo_mime == "image/png"
    assert client.get(f"/admin/officers/{officer.id}/photo").data == _png()
    fake = post(
        client,
        f"/admin/officers/{officer.id}/photo",
        {"photo": (io.BytesIO(b"<svg/>"), "me.jpg")},
        htmx=True,
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422 and "JPEG or PNG" in text(fake)
    big = post(
        client,
        f"/admin/officers/{officer.id}/photo",
        {"photo": (io.BytesIO(b"x" * 5000), "big.png")},
        htmx=True,
        content_type="multipart/form-data",
    )
    assert big.status_code == 422 and "too large" in text(big)
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).photo == _png()
    assert [e.action for e in audit_entries(entity="officer")] == ["photo"]


def test_nobody_types_an_officers_pin_on_the_admin_pages(client, admin):
    """The officer's page offers a set-up link (``accounts.setup``), never a PIN field; the old
    address that set a PIN is gone, and the PIN stays as it was."""
    officer = make_officer(pin="1234")
    page = text(client.get(f"/admin/officers/{officer.id}"))
    assert 'name="pin"' not in page and f"/admin/officers/{officer.id}/setup-link" in page
    assert post(client, f"/admin/officers/{officer.id}/pin", {"pin": "864200"}).status_code == 404
    check_pin(db.session.get(Officer, officer.id), "1234", datetime.now(timezone.utc))
    assert audit_entries(entity="officer", action="pin") == []


# --- The duty roster ----------------------------------------------------------------------------------


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
    unit = make_unit()  # the roster shows one unit at a time: its desks are filtered
    desk_a, desk_b = make_desk(unit=unit, name="Loket A"), make_desk(unit=unit, name="Loket B")
    a, b = make_officer(unit=unit, name="Ani"), make_officer(unit=unit, name="Bayu")
    jakarta_morning = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB
    db.session.add_all(
        [
            Duty(officer=a, desk=desk_a, started_at=jakarta_morning, ended_at=jakarta_morning + timedelta(hours=4)),
            Duty(
                officer=b,
                desk=desk_b,
                started_at=jakarta_morning + timedelta(days=5),
                ended_at=jakarta_morning + timedelta(days=5, hours=4),
            ),
        ]
    )
    db.session.commit()
    everything = text(client.get("/admin/duty"))
    assert "Ani" in everything and "Bayu" in everything and "2026-03-02 08:00" in everything
    by_desk = text(client.get(f"/admin/duty?desk={desk_b.id}", headers={"HX-Request": "true"}))
    assert "Bayu" in by_desk and "<td>Ani</td>" not in by_desk
    by_date = text(client.get("/admin/duty?from=2026-03-01&to=2026-03-03", headers={"HX-Request": "true"}))
    assert "<td>Ani</td>" in by_date and "<td>Bayu</td>" not in by_date
    by_officer = text(client.get(f"/admin/duty?officer={b.id}", headers={"HX-Request": "true"}))
    assert "<td>Bayu</td>" in by_officer and "<td>Ani</td>" not in by_officer


# --- Every form of the organisation, refused field by field ----------------------------------------------


def _unit(**values):
    return {"code": "kec-baru", "name": "Kecamatan Baru", "address": "", "timezone": "Asia/Jakarta", **values}


def _officer(unit, **values):
    return {"nip": "19860926 201505 1 001", "name": "Siti", "position": "", "unit_id": unit.id, "active": "1", **values}


TOO_LONG = ("At most {} characters.", "Paling banyak {} karakter.")
REQUIRED = ("This field is required.", "Kolom ini wajib diisi.")
BAD_NIP = ("A NIP has exactly 18 digits.", "NIP terdiri atas tepat 18 digit.")
BAD_INPUT = [
    # (what is sent: (unit, officer, desk) -> url, form, field id; the messages; the rows that must not change)
    (lambda u, o, d: ("/admin/units", _unit(code=""), "unit-new-code"), REQUIRED, Unit),
    (
        lambda u, o, d: ("/admin/units", _unit(code="Kec Baru!"), "unit-new-code"),
        ("Use lowercase letters, digits and dashes only.", "Gunakan huruf kecil, angka, dan tanda hubung saja."),
        Unit,
    ),
    (
        lambda u, o, d: ("/admin/units", _unit(code=u.code), "unit-new-code"),
        ("This code is already used.", "Kode ini sudah dipakai."),
        Unit,
    ),
    (lambda u, o, d: ("/admin/units", _unit(code="k" * 41), "unit-new-code"), TOO_LONG, Unit, 40),
    (lambda u, o, d: ("/admin/units", _unit(name="n" * 201), "unit-new-name"), TOO_LONG, Unit, 200),
    (lambda u, o, d: ("/admin/units", _unit(address="a" * 301), "unit-new-address"), TOO_LONG, Unit, 300),
    (
        lambda u, o, d: ("/admin/units", _unit(timezone="Mars/Olympus"), "unit-new-timezone"),
        ("Choose a time zone from the list.", "Pilih zona waktu dari daftar."),
        Unit,
    ),
    (lambda u, o, d: (f"/admin/units/{u.id}/edit", _unit(code=u.code, name=""), f"unit-{u.id}-name"), REQUIRED, Unit),
    (
        lambda u, o, d: (f"/admin/units/{u.id}/services", {"name_id": "s" * 201, "active": "1"}, "service-new-name_id"),
        TOO_LONG,
        Service,
        200,
    ),
    (
        lambda u, o, d: (
            f"/admin/units/{u.id}/services",
            {"name_id": "Akta", "position": "dua"},
            "service-new-position",
        ),
        ("Enter a whole number.", "Tulis bilangan bulat."),
        Service,
    ),
    (lambda u, o, d: (f"/admin/units/{u.id}/desks", {"name": "", "active": "1"}, "desk-new-name"), REQUIRED, Desk),
    (lambda u, o, d: (f"/admin/desks/{d.id}/edit", {"name": "", "active": "1"}, f"desk-{d.id}-name"), REQUIRED, Desk),
    (lambda u, o, d: ("/admin/officers", _officer(u, nip=""), "officer-new-nip"), BAD_NIP, Officer),
    (lambda u, o, d: ("/admin/officers", _officer(u, nip="1986092620150510"), "officer-new-nip"), BAD_NIP, Officer),
    (
        lambda u, o, d: ("/admin/officers", _officer(u, nip="19861326 201505 1 001"), "officer-new-nip"),
        (
            "The first 8 digits of a NIP must be a real date of birth (YYYYMMDD).",
            "8 digit pertama NIP harus tanggal lahir yang benar (TTTTBBHH).",
        ),
        Officer,
    ),
    (
        lambda u, o, d: ("/admin/officers", _officer(u, nip="198609262015053001"), "officer-new-nip"),
        ("Digit 15 of a NIP is the gender code: 1 or 2.", "Digit ke-15 NIP adalah kode jenis kelamin: 1 atau 2."),
        Officer,
    ),
    (
        lambda u, o, d: ("/admin/officers", _officer(u, nip=o.nip), "officer-new-nip"),
        ("Another officer already has this NIP.", "NIP ini sudah dimiliki pegawai lain."),
        Officer,
    ),
    (lambda u, o, d: ("/admin/officers", _officer(u, name=""), "officer-new-name"), REQUIRED, Officer),
    (
        lambda u, o, d: ("/admin/officers", _officer(u, position="p" * 201), "officer-new-position"),
        TOO_LONG,
        Officer,
        200,
    ),
    (
        lambda u, o, d: ("/admin/officers", _officer(u, unit_id="999999"), "officer-new-unit_id"),
        ("Choose a unit from the list.", "Pilih unit dari daftar."),
        Officer,
    ),
    (
        lambda u, o, d: (f"/admin/officers/{o.id}/edit", _officer(u, nip="12345"), f"officer-{o.id}-nip"),
        BAD_NIP,
        Officer,
    ),
    (
        lambda u, o, d: ("/admin/duty/start", {"desk_id": d.id, "officer_id": ""}, f"duty-officer-{d.id}"),
        ("No officer has this NIP.", "Tidak ada pegawai dengan NIP ini."),
        Duty,
    ),
    (
        lambda u, o, d: ("/admin/duty/start", {"desk_id": "", "officer_id": o.id}, None),
        ("Choose a desk from the list.", "Pilih loket dari daftar."),
        Duty,
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT, ids=[f"{i}" for i in range(len(BAD_INPUT))])
def test_each_bad_value_is_refused_in_both_languages_and_nothing_changes(client, admin, counter, case):
    make_input, (english, indonesian), model, *limit = case
    unit = make_unit(code="kec-lama")
    make_unit()  # two units: the forms let an administrator choose
    desk, officer = make_desk(unit=unit), make_officer(unit=unit, pin="1234")
    url, data, field_id = make_input(unit, officer, desk)
    if limit:
        english, indonesian = english.format(limit[0]), indonesian.format(limit[0])
    rows, entries, pin = counter(model), counter(AuditLog), officer.pin_hash
    refused(client, url, data, field_id, english, indonesian)
    assert counter(model) == rows and counter(AuditLog) == entries
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).code == "kec-lama" and db.session.get(Officer, officer.id).pin_hash == pin


@pytest.mark.parametrize(
    "upload,english,indonesian",
    [
        (dict, "Choose a photo to upload.", "Pilih foto untuk diunggah."),
        (
            lambda: {"photo": (io.BytesIO(b"GIF89a"), "me.gif")},
            "The photo must be a JPEG or PNG image.",
            "Foto harus berupa gambar JPEG atau PNG.",
        ),
    ],
)
def test_a_bad_photo_is_refused_in_both_languages(client, admin, upload, english, indonesian):
    officer = make_officer()
    refused(
        client,
        f"/admin/officers/{officer.id}/photo",
        upload,
        "photo-photo",
        english,
        indonesian,
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).photo is None and audit_entries() == []


def test_a_file_too_large_to_import_is_refused_before_it_is_read(client, admin, counter):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    big = b"nip,name\n" + b"x" * org_forms.IMPORT_MAX_BYTES
    # Encoded here, in memory: the test client would spool a body this large to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(big), "pegawai.csv")})
    token = csrf(client)
    for lang, headers, message in (
        ("en", {"HX-Request": "true"}, "The file is too large: at most 3 MB."),
        ("id", {}, "Berkas terlalu besar: paling besar 3 MB."),
    ):
        client.set_cookie("lang", lang)
        response = client.post(
            "/admin/officers/import",
            data=body,
            headers={"X-CSRFToken": token, **headers},
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code == 422 and message in text(response)
        assert 'id="import-file-error"' in text(response)
    assert counter(ImportJob) == 0 and counter(Officer) == 0
