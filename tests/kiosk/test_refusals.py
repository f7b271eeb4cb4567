"""A vote refused for good is recorded where staff see it (the tablet drops it from its queue and
goes on with the others); a refusal that may pass later is not final and not recorded."""

import json
import uuid
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator
from core.db import db
from core.responses import Response
from kiosk.errors import VoteError
from kiosk.models import KioskRefusal
from kiosk.refusals import PAYLOAD_KEPT
from org.models import Role, Unit
from tests.factories import (
    COOKIE,
    make_desk,
    make_kiosk,
    make_unit,
    make_user,
    paired_client,
    sign_in,
    text,
    vote_payload,
)


def refusals() -> list[KioskRefusal]:
    db.session.expire_all()
    return db.session.scalars(sa.select(KioskRefusal).order_by(KioskRefusal.id)).all()


@pytest.mark.parametrize(
    "change, code",
    [
        (dict(value=7), "bad_value"),
        (dict(reasons=["R_DIHAPUS"]), "unknown_reason"),
        (dict(cast_at="kemarin"), "bad_cast_at"),
        (dict(locale="fr"), "bad_locale"),
        (dict(reasons="R_LAMBAT"), "bad_reasons"),
    ],
)
def test_a_vote_refused_for_good_is_recorded_once(client, setup, counter, change, code):
    payload = vote_payload(**change)
    kiosk = paired_client(client, setup["token"])
    response = kiosk.post("/kiosk/vote", json=payload)
    assert response.status_code == 422
    answer = response.get_json()
    assert (answer["error"], answer["final"]) == (code, True)
    assert answer["message"] == VoteError(code, reason="R_DIHAPUS").message  # in Bahasa Indonesia

    [refusal] = refusals()
    assert (refusal.kiosk_id, refusal.code, refusal.vote_uuid) == (setup["kiosk_id"], code, payload["uuid"])
    assert json.loads(refusal.payload) == payload  # what the tablet sent, as it sent it
    assert counter(Response) == 0

    # The answer was lost and the tablet sends the vote again: refused again, recorded once.
    assert kiosk.post("/kiosk/vote", json=payload).status_code == 422
    assert len(refusals()) == 1


def test_a_vote_id_of_another_device_is_final(client, setup, counter):
    _other, other_token = make_kiosk(make_desk(unit=db.session.get(Unit, setup["unit_id"])))
    payload = vote_payload()
    assert paired_client(client, other_token).post("/kiosk/vote", json=payload).status_code == 201
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=payload)
    assert (response.status_code, response.get_json()["error"], response.get_json()["final"]) == (
        409,
        "uuid_conflict",
        True,
    )
    [refusal] = refusals()
    assert (refusal.kiosk_id, refusal.code) == (setup["kiosk_id"], "uuid_conflict")
    assert counter(Response) == 1  # the other device's vote, untouched


def test_a_body_that_is_no_vote_is_kept_as_clean_text(client, setup, counter):
    kiosk = paired_client(client, setup["token"])
    body = b'{"uuid": "\x00\x01' + "é".encode() + b"\xff" + b"x" * 5000
    response = kiosk.post("/kiosk/vote", data=body, content_type="application/json")
    assert (response.status_code, response.get_json()["error"], response.get_json()["final"]) == (422, "not_json", True)
    response = kiosk.post("/kiosk/vote", data="value=4", content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.get_json()["error"], response.get_json()["final"]) == (415, "not_json", True)

    first, second = refusals()
    assert first.vote_uuid is None and first.code == "not_json"
    assert "\x00" not in first.payload and "\x01" not in first.payload
    assert first.payload.startswith('{"uuid": "é\ufffdxxx') and first.payload.endswith("…")
    assert len(first.payload) == PAYLOAD_KEPT + 1
    assert second.payload == "value=4"
    assert counter(Response) == 0


def test_refusals_that_may_pass_later_are_not_final_and_not_recorded(client, setup, counter):
    kiosk = paired_client(client, setup["token"])
    # No active question until an administrator switches it on again: kept and sent again.
    db.session.execute(sa.update(Indicator).where(Indicator.code == "KIOSK").values(active=False))
    db.session.commit()
    payload = vote_payload()
    response = kiosk.post("/kiosk/vote", json=payload)
    assert (response.status_code, response.get_json()["error"], response.get_json()["final"]) == (
        409,
        "no_question",
        False,
    )
    # A tablet that is not (or no longer) paired: nothing to record it against.
    client.set_cookie(COOKIE, "not-a-token", path="/kiosk/")
    response = client.post("/kiosk/vote", json=vote_payload(value=9))
    assert (response.status_code, response.get_json()["final"]) == (401, False)
    assert refusals() == [] and counter(Response) == 0

    # The question back: the same vote, sent again, is stored.
    db.session.execute(sa.update(Indicator).where(Indicator.code == "KIOSK").values(active=True))
    db.session.commit()
    assert paired_client(client, setup["token"]).post("/kiosk/vote", json=payload).status_code == 201
    assert counter(Response) == 1


def test_the_staff_panel_counts_the_votes_the_tablet_dropped(client, setup):
    kiosk = paired_client(client, setup["token"])
    panel = kiosk.get("/kiosk/duty", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ditolak server" not in panel
    for value in (0, 5, 6):
        assert kiosk.post("/kiosk/vote", json=vote_payload(value=value)).status_code == 422
    last = max(r.received_at for r in refusals())
    panel = kiosk.get("/kiosk/duty", headers={"HX-Request": "true"}).get_data(as_text=True)
    local = last.astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%d %H:%M")  # the unit is in WIB
    assert (
        f"Suara yang ditolak server secara permanen dan dikeluarkan tablet ini dari antreannya: 3 "
        f"(terakhir pada {local} WIB)"
    ) in panel
    assert "Votes the server refused for good and this tablet dropped from its queue: 3" in panel


def test_the_kiosk_list_and_page_show_the_refused_votes(client, setup, admin):
    kiosk = paired_client(client, setup["token"])
    bad = vote_payload(reasons=["R_DIHAPUS"])
    assert kiosk.post("/kiosk/vote", json=bad).status_code == 422
    [refusal] = refusals()
    local = refusal.received_at.astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%d %H:%M")

    listing = text(client.get("/admin/kiosks"))
    assert f'href="/admin/kiosks/{setup["kiosk_id"]}/refusals">1' in listing
    assert f"last {local} WIB" in listing

    page = client.get(f"/admin/kiosks/{setup['kiosk_id']}/refusals")
    assert page.status_code == 200
    html = text(page)
    assert f"{local} WIB" in html and "Received (WIB)" in html
    assert "Unknown reason: R_DIHAPUS." in html and "(unknown_reason)" in html
    assert "R_DIHAPUS" in html and bad["uuid"] in html
    partial = client.get(f"/admin/kiosks/{setup['kiosk_id']}/refusals", headers={"HX-Request": "true"})
    assert "HX-Request" in partial.headers["Vary"] and text(partial).lstrip().startswith('<div id="refusals">')

    client.set_cookie("lang", "id")
    assert "Alasan tidak dikenal: R_DIHAPUS." in text(client.get(f"/admin/kiosks/{setup['kiosk_id']}/refusals"))


def test_another_units_supervisor_may_not_see_the_refusals(client, setup):
    sign_in(client, make_user(Role.SUPERVISOR, unit=make_unit()))
    assert client.get(f"/admin/kiosks/{setup['kiosk_id']}/refusals").status_code == 403
    assert client.get("/admin/kiosks/2147483647/refusals").status_code == 404
    sign_in(client, make_user(Role.SUPERVISOR, unit=db.session.get(Unit, setup["unit_id"])))
    assert client.get(f"/admin/kiosks/{setup['kiosk_id']}/refusals").status_code == 200


def test_a_refused_vote_is_never_a_response(client, setup, counter):
    """Nothing refused is half-stored: no response, no answer."""
    payload = vote_payload(uuid=str(uuid.uuid4()), value=True)
    assert paired_client(client, setup["token"]).post("/kiosk/vote", json=payload).status_code == 422
    assert counter(Response) == 0 and refusals()[0].code == "bad_value"
