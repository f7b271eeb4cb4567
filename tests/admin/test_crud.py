"""The one create / edit / delete of the admin area (``core.crud``), for every kind of record it
serves: the full page and the htmx partial of each address, the headers each answer sends, the
plain form's redirect, and each refusal: its status, its message in Bahasa Indonesia and in
English, and the database as it was."""

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind, Period, PeriodStatus
from core.audit import AuditLog
from core.db import db
from kiosk.models import Kiosk
from org.models import Desk, Officer, Role, Service, Unit, User
from tests.factories import make_desk, make_kiosk, make_officer, make_period, make_unit, make_user, post, sign_in


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@dataclass
class Kind:
    """One kind of record, as the tests below drive it."""

    name: str
    model: type
    make: Callable  # () -> a stored record
    list_url: Callable  # (record) -> the list it is in
    list_id: str  # the list's region: <div id="...">
    edit: Callable  # (record) -> a good edit
    bad_edit: Callable  # (record) -> (form, field, message in English, message in Bahasa Indonesia)
    stored: Callable  # (record) -> what the edit changes, as stored
    create: Callable | None = None  # (record) -> (url, good form, bad form, field, English, Indonesian)
    edit_action: str = "edit"
    delete_action: str | None = "delete"
    events: dict = field(default_factory=dict)
    unit_page: bool = False  # listed on its unit's page, where a plain form goes back to

    def back(self, obj) -> str:
        return f"/admin/units/{obj.unit_id}" if self.unit_page else self.list_url(obj)


def _service():
    service = Service(unit=make_unit(), name_id="Akta Kelahiran", name_en="Birth certificate", position=1)
    db.session.add(service)
    db.session.commit()
    return service


def _indicator():
    indicator = Indicator(
        code="R_UJI",
        kind=IndicatorKind.REASON,
        channel=IndicatorChannel.KIOSK,
        text_id="Uji coba",
        text_en="Trial",
        position=200,
        active=True,
        labels_id=[],
        labels_en=[],
    )
    db.session.add(indicator)
    db.session.commit()
    return indicator


REQUIRED = ("This field is required.", "Kolom ini wajib diisi.")

KINDS = [
    Kind(
        "unit",
        Unit,
        lambda: make_unit(code="kec-a", name="Kecamatan A"),
        lambda u: "/admin/units",
        "units",
        edit=lambda u: {
            "code": u.code,
            "name": "Kecamatan Anggrek",
            "address": "Jl. Anggrek",
            "timezone": "Asia/Jakarta",
        },
        bad_edit=lambda u: ({"code": u.code, "name": "", "timezone": "Asia/Jakarta"}, "name", *REQUIRED),
        stored=lambda u: u.name,
        create=lambda u: (
            "/admin/units",
            {"code": "kec-baru", "name": "Kecamatan Baru", "timezone": "Asia/Makassar"},
            {"code": "kec baru", "name": "Kecamatan Baru", "timezone": "Asia/Makassar"},
            "code",
            "Use lowercase letters, digits and dashes only.",
            "Gunakan huruf kecil, angka, dan tanda hubung saja.",
        ),
    ),
    Kind(
        "service",
        Service,
        _service,
        lambda s: f"/admin/units/{s.unit_id}/services",
        "services",
        edit=lambda s: {"name_id": "Akta Kematian", "name_en": "Death certificate", "position": "2", "active": "1"},
        bad_edit=lambda s: (
            {"name_id": "Akta", "position": "dua", "active": "1"},
            "position",
            "Enter a whole number.",
            "Tulis bilangan bulat.",
        ),
        stored=lambda s: s.name_id,
        create=lambda s: (
            f"/admin/units/{s.unit_id}/services",
            {"name_id": "Kartu Keluarga", "active": "1"},
            {"name_id": "", "active": "1"},
            "name_id",
            *REQUIRED,
        ),
        unit_page=True,
    ),
    Kind(
        "desk",
        Desk,
        lambda: make_desk(name="Loket 1"),
        lambda d: f"/admin/units/{d.unit_id}/desks",
        "desks",
        edit=lambda d: {"name": "Loket 9", "active": "1"},
        bad_edit=lambda d: (
            {"name": "L" * 101, "active": "1"},
            "name",
            "At most 100 characters.",
            "Paling banyak 100 karakter.",
        ),
        stored=lambda d: d.name,
        create=lambda d: (
            f"/admin/units/{d.unit_id}/desks",
            {"name": "Loket 2", "active": "1"},
            {"active": "1"},
            "name",
            *REQUIRED,
        ),
        unit_page=True,
    ),
    Kind(
        "officer",
        Officer,
        lambda: make_officer(name="Budi Santoso", pin=None),
        lambda o: "/admin/officers",
        "officers",
        edit=lambda o: {
            "nip": o.nip,
            "name": "Budi Santoso, S.Kom.",
            "position": "Analis",
            "unit_id": o.unit_id,
            "active": "1",
        },
        bad_edit=lambda o: (
            {"nip": "12345", "name": o.name, "unit_id": o.unit_id, "active": "1"},
            "nip",
            "A NIP has exactly 18 digits.",
            "NIP terdiri atas tepat 18 digit.",
        ),
        stored=lambda o: o.name,
        create=lambda o: (
            "/admin/officers",
            {"nip": "19860926 201505 1 001", "name": "Siti", "unit_id": o.unit_id, "active": "1"},
            {"nip": o.nip, "name": "Siti", "unit_id": o.unit_id, "active": "1"},
            "nip",
            "Another officer already has this NIP.",
            "NIP ini sudah dimiliki pegawai lain.",
        ),
    ),
    Kind(
        "user",
        User,
        lambda: make_user(Role.SUPERVISOR, unit=make_unit(), username="kepala"),
        lambda u: "/admin/users",
        "users",
        edit=lambda u: {
            "username": "kepala",
            "name": "Kepala Unit",
            "role": "supervisor",
            "unit_id": u.unit_id,
            "active": "1",
        },
        bad_edit=lambda u: (
            {"username": "k", "role": "supervisor", "unit_id": u.unit_id, "active": "1"},
            "username",
            "Use 3 to 80 letters, digits, dots, dashes or underscores.",
            "Gunakan 3 sampai 80 huruf, angka, titik, tanda hubung, atau garis bawah.",
        ),
        stored=lambda u: u.name,
        create=lambda u: (
            "/admin/users",
            {"username": "baru", "role": "admin", "password": "kata sandi panjang", "active": "1"},
            {"username": "baru", "role": "raja", "password": "kata sandi panjang", "active": "1"},
            "role",
            "Choose one of the options.",
            "Pilih salah satu pilihan.",
        ),
        delete_action=None,
    ),
    Kind(
        "period",
        Period,
        lambda: make_period(
            name="Triwulan I 2030", status=PeriodStatus.DRAFT, starts_on=date(2030, 1, 1), ends_on=date(2030, 3, 31)
        ),
        lambda p: "/admin/periods",
        "periods",
        edit=lambda p: {"name": "Triwulan Satu 2030", "starts_on": "2030-01-01", "ends_on": "2030-03-31"},
        bad_edit=lambda p: (
            {"name": p.name, "starts_on": "1 Januari", "ends_on": "2030-03-31"},
            "starts_on",
            "Enter a date as YYYY-MM-DD.",
            "Tulis tanggal sebagai TTTT-BB-HH.",
        ),
        stored=lambda p: p.name,
        create=lambda p: (
            "/admin/periods",
            {"name": "Triwulan II 2030", "starts_on": "2030-04-01", "ends_on": "2030-06-30"},
            {"name": "Triwulan II 2030", "starts_on": "2030-06-30", "ends_on": "2030-04-01"},
            "ends_on",
            "The end date must not be before the start date.",
            "Tanggal akhir tidak boleh sebelum tanggal mulai.",
        ),
    ),
    Kind(
        "indicator",
        Indicator,
        _indicator,
        lambda i: "/admin/indicators",
        "indicators",
        edit=lambda i: {
            "kind": "reason",
            "channel": "kiosk",
            "text_id": "Uji coba",
            "text_en": "Trial",
            "position": "201",
            "active": "1",
        },
        bad_edit=lambda i: (
            {"kind": "reason", "channel": "kiosk", "text_id": "", "position": "201", "active": "1"},
            "text_id",
            *REQUIRED,
        ),
        stored=lambda i: i.position,
        create=lambda i: (
            "/admin/indicators",
            {
                "code": "R_ANTRE",
                "kind": "reason",
                "channel": "kiosk",
                "text_id": "Antrean",
                "position": "202",
                "active": "1",
            },
            {"code": "R ANTRE", "kind": "reason", "channel": "kiosk", "text_id": "Antrean", "active": "1"},
            "code",
            "Use lowercase letters, digits and dashes only.",
            "Gunakan huruf kecil, angka, dan tanda hubung saja.",
        ),
    ),
    Kind(
        "kiosk",
        Kiosk,
        lambda: make_kiosk(make_desk(name="Loket 1"))[0],
        lambda k: "/admin/kiosks",
        "kiosks",
        edit=lambda k: {"desk_id": make_desk(unit=k.desk.unit, name="Loket 2").id},
        bad_edit=lambda k: ({"desk_id": ""}, "desk_id", "Choose a desk from the list.", "Pilih loket dari daftar."),
        stored=lambda k: k.desk_id,
        edit_action="move",
        delete_action="revoke",
        events={"deleted": "kiosk-saved"},
    ),
]
IDS = [kind.name for kind in KINDS]


HX = {"HX-Request": "true"}


def fresh(obj):
    """The record as stored now (None when deleted)."""
    key = sa.inspect(obj).identity
    db.session.expire_all()
    return db.session.get(type(obj), key)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_the_list_is_a_page_and_a_partial(client, admin, kind):
    obj = kind.make()
    page = client.get(kind.list_url(obj))
    assert page.status_code == 200 and "<html" in text(page) and f'id="{kind.name}-row-{obj.id}"' in text(page)
    partial = client.get(kind.list_url(obj), headers=HX)
    assert partial.status_code == 200 and "<html" not in text(partial)
    assert text(partial).lstrip().startswith(f'<div id="{kind.list_id}"')
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in partial.headers["Vary"]


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_a_row_alone_is_a_partial_and_a_page_of_its_own(client, admin, kind):
    obj = kind.make()
    row = client.get(f"/admin/{kind.name}s/{obj.id}/row", headers=HX)
    assert row.status_code == 200 and text(row).lstrip().startswith(f'<tr id="{kind.name}-row-{obj.id}"')
    assert 'class="editing"' not in text(row) and "HX-Request" in row.headers["Vary"]
    page = client.get(f"/admin/{kind.name}s/{obj.id}/row")
    assert "<html" in text(page) and f'id="{kind.name}-row-{obj.id}"' in text(page)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_the_edit_form_opens_in_place_or_on_a_page_of_its_own(client, admin, kind):
    obj = kind.make()
    url = f"/admin/{kind.name}s/{obj.id}/{kind.edit_action}"
    form = client.get(url, headers=HX)
    assert form.status_code == 200 and "<html" not in text(form) and "HX-Request" in form.headers["Vary"]
    assert f'<tr id="{kind.name}-row-{obj.id}" class="editing">' in text(form)
    assert f'id="{kind.name}-{obj.id}-' in text(form)  # each field's id is the form's; its name is its own
    page = client.get(url)
    assert "<html" in text(page) and 'class="editing"' in text(page)


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_a_saved_edit_answers_htmx_with_the_row_and_a_form_with_a_redirect(client, admin, kind):
    obj = kind.make()
    url, good = f"/admin/{kind.name}s/{obj.id}/{kind.edit_action}", kind.edit(obj)
    response = post(client, url, good, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == f"{kind.name}-saved"
    assert "HX-Request" in response.headers["Vary"]
    assert f'<tr id="{kind.name}-row-{obj.id}"' in text(response) and 'class="editing"' not in text(response)
    assert 'role="status"' in text(response)
    changed = kind.stored(fresh(obj))
    plain = post(client, url, good)
    assert plain.status_code == 303 and plain.headers["Location"] == kind.back(obj)
    assert kind.stored(fresh(obj)) == changed


@pytest.mark.parametrize("kind", KINDS, ids=IDS)
def test_a_refused_edit_says_why_in_both_languages_and_keeps_nothing(client, admin, kind):
    obj = kind.make()
    url = f"/admin/{kind.name}s/{obj.id}/{kind.edit_action}"
    bad, name, english, indonesian = kind.bad_edit(obj)
    before, entries = kind.stored(obj), db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    response = post(client, url, bad, htmx=True)
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    page = text(response)
    assert english in page and f'id="{kind.name}-{obj.id}-{name}-error"' in page and 'aria-invalid="true"' in page
    assert "HX-Request" in response.headers["Vary"]
    client.set_cookie("lang", "id")
    plain = post(client, url, bad)
    assert plain.status_code == 422 and "<html" in text(plain) and indonesian in text(plain)
    assert kind.stored(fresh(obj)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == entries


@pytest.mark.parametrize("kind", [k for k in KINDS if k.create], ids=[k.name for k in KINDS if k.create])
def test_create_answers_htmx_with_a_fresh_form_and_a_form_with_a_redirect(client, admin, kind, counter):
    obj = kind.make()
    url, good, *_ = kind.create(obj)
    before = counter(kind.model)
    response = post(client, url, good, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == f"{kind.name}-created"
    assert "HX-Request" in response.headers["Vary"] and 'role="status"' in text(response)
    assert f'<form id="{kind.name}-new"' in text(response) and "aria-invalid" not in text(response)
    assert counter(kind.model) == before + 1


@pytest.mark.parametrize("kind", [k for k in KINDS if k.create], ids=[k.name for k in KINDS if k.create])
def test_a_refused_create_says_why_in_both_languages_and_keeps_nothing(client, admin, kind, counter):
    obj = kind.make()
    url, _good, bad, name, english, indonesian = kind.create(obj)
    before = counter(kind.model)
    response = post(client, url, bad, htmx=True)
    assert response.status_code == 422 and "HX-Trigger" not in response.headers
    page = text(response)
    assert page.lstrip().startswith(f'<form id="{kind.name}-new"')
    assert english in page and f'id="{kind.name}-new-{name}-error"' in page
    client.set_cookie("lang", "id")
    plain = post(client, url, bad)
    assert plain.status_code == 422 and "<html" in text(plain) and indonesian in text(plain)
    assert counter(kind.model) == before and counter(AuditLog) == 0


@pytest.mark.parametrize("kind", [k for k in KINDS if k.delete_action], ids=[k.name for k in KINDS if k.delete_action])
def test_delete_asks_first_then_answers_htmx_and_a_plain_form(client, admin, kind):
    first = kind.make()
    url = f"/admin/{kind.name}s/{first.id}/{kind.delete_action}"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "<html" in text(confirm) and f'action="{url}"' in text(confirm)
    response = post(client, url, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == kind.events.get("deleted", f"{kind.name}-deleted")
    if kind.name == "kiosk":  # revoked, not deleted: the row stays, marked so
        assert "Revoked" in text(response) and fresh(first).revoked_at is not None
        return
    assert text(response) == "" and fresh(first) is None
    second = kind.make()
    back = kind.back(second)
    plain = post(client, f"/admin/{kind.name}s/{second.id}/{kind.delete_action}")
    assert plain.status_code == 303 and plain.headers["Location"] == back
    assert fresh(second) is None


def test_a_refused_delete_shows_the_row_again_or_the_question_with_the_reason(client, admin, counter):
    desk = make_desk()
    make_kiosk(desk)
    response = post(client, f"/admin/desks/{desk.id}/delete", htmx=True)
    assert response.status_code == 409 and "HX-Request" in response.headers["Vary"]
    assert text(response).lstrip().startswith(f'<tr id="desk-row-{desk.id}"') and 'role="alert"' in text(response)
    assert "This desk has kiosks, duty or responses: switch it off instead." in text(response)
    client.set_cookie("lang", "id")
    plain = post(client, f"/admin/desks/{desk.id}/delete")
    assert plain.status_code == 409 and "<html" in text(plain)
    assert "Loket ini memiliki kios, tugas, atau tanggapan: nonaktifkan saja." in text(plain)
    assert counter(Desk) == 1


def test_another_units_record_is_out_of_reach_at_every_address(client, ctx, counter):
    own, other = make_unit(), make_unit()
    desk = make_desk(unit=other, name="Loket Lain")
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    for method, url in [
        ("GET", f"/admin/desks/{desk.id}/row"),
        ("GET", f"/admin/desks/{desk.id}/edit"),
        ("POST", f"/admin/desks/{desk.id}/edit"),
        ("GET", f"/admin/desks/{desk.id}/delete"),
        ("POST", f"/admin/desks/{desk.id}/delete"),
        ("GET", f"/admin/units/{other.id}/desks"),
        ("POST", f"/admin/units/{other.id}/desks"),
    ]:
        data = {"name": "Diambil", "active": "1"}
        response = post(client, url, data) if method == "POST" else client.get(url)
        assert response.status_code == 403, (method, url)
    assert fresh(desk).name == "Loket Lain" and counter(Desk) == 1
