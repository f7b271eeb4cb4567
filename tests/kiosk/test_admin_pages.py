"""The kiosks' admin page: which tablets are online, a pairing code shown once, moving a tablet to
another desk of its unit and revoking it."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from core.db import db
from kiosk.models import Kiosk
from kiosk.pairing import pair_kiosk
from tests.factories import audit_entries, make_desk, make_kiosk, make_unit, post, refused, text


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
    assert f'id="kiosk-row-{offline.id}"' in text(only_offline) and f'id="kiosk-row-{online.id}"' not in text(
        only_offline
    )


def test_a_pairing_code_is_shown_once_and_pairs_a_tablet(client, admin):
    desk = make_desk(name="Loket 4")
    response = post(client, "/admin/kiosks/pairing-code", {"desk_id": desk.id}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "pairing-code-made"
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


# --- The kiosks' forms, refused field by field -------------------------------------------------------------


@pytest.mark.parametrize(
    "form,status,field,english,indonesian",
    [
        ({"desk_id": ""}, 422, "pair-desk_id", "Choose a desk from the list.", "Pilih loket dari daftar."),
        ({"desk_id": "999999"}, 422, "pair-desk_id", "Choose a desk from the list.", "Pilih loket dari daftar."),
        ("switched off", 409, None, "This desk is switched off.", "Loket ini nonaktif."),
    ],
)
def test_a_pairing_code_is_refused_in_both_languages(client, admin, form, status, field, english, indonesian):
    if form == "switched off":
        form = {"desk_id": make_desk(active=False).id}
    refused(client, "/admin/kiosks/pairing-code", form, field, english, indonesian, status=status)
    assert audit_entries() == []


@pytest.mark.parametrize(
    "to,status,field,english,indonesian",
    [
        ("", 422, True, "Choose a desk from the list.", "Pilih loket dari daftar."),
        (
            "another unit",
            409,
            False,
            "A kiosk can only move to another desk of the same unit.",
            "Kios hanya dapat dipindah ke loket lain di unit yang sama.",
        ),
    ],
)
def test_a_move_is_refused_in_both_languages(client, admin, to, status, field, english, indonesian):
    kiosk, _token = make_kiosk(make_desk())
    desk_id = make_desk().id if to == "another unit" else to
    field_id = f"kiosk-{kiosk.id}-desk_id" if field else None
    refused(
        client, f"/admin/kiosks/{kiosk.id}/move", {"desk_id": desk_id}, field_id, english, indonesian, status=status
    )
    db.session.expire_all()
    assert db.session.get(Kiosk, kiosk.id).desk_id == kiosk.desk_id and audit_entries(entity="kiosk") == []
