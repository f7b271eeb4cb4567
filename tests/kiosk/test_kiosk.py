"""The kiosk: pairing, duty and the vote endpoint, checked through HTTP and in the database."""

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator
from core.db import db
from core.responses import Answer, Flag, Response
from kiosk.models import Kiosk, PairingCode
from kiosk.pairing import new_pairing_code, pair_kiosk
from org.duty import check_pin, end_duty, local_date, start_duty
from org.errors import DutyError
from org.models import Desk, Duty, Officer
from tests.factories import (
    COOKIE,
    answers_by_code,
    csrf_token,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    paired_client,
    vote_payload,
)

# --- Pairing ------------------------------------------------------------------------------------


def test_unpaired_tablet_gets_the_pairing_screen(client, ctx):
    response = client.get("/kiosk/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="code"' in html
    assert "Pasangkan tablet ini sebagai kios" in html  # Bahasa Indonesia by default
    assert "data-value" not in html  # no faces: an unpaired tablet cannot vote


def test_pairing_with_a_code_sets_a_secure_device_cookie(client, factories, counter):
    desk = make_desk(name="Loket 7")
    code = new_pairing_code(desk)
    db.session.commit()
    response = client.post(
        "/kiosk/pair", data={"code": code.lower().replace("-", " "), "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/kiosk/?paired=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE + "=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/kiosk/"):
        assert attribute in cookie
    token = re.match(COOKIE + r"=([^;]+)", cookie).group(1)
    assert len(token) >= 40

    kiosk = db.session.scalar(sa.select(Kiosk))
    assert kiosk.desk_id == desk.id
    assert kiosk.token_hash != token and len(kiosk.token_hash) == 64  # only the hash is kept
    assert db.session.scalar(sa.select(PairingCode)).used_at is not None

    page = client.get("/kiosk/").get_data(as_text=True)
    assert "Loket 7" in page and 'data-value="4"' in page


def test_a_browser_that_drops_the_cookie_is_told_why(client, ctx):
    # Pairing succeeded (?paired=1) yet no device cookie came back: plain http with Secure cookies.
    html = client.get("/kiosk/?paired=1").get_data(as_text=True)
    assert "COOKIE_SECURE=0" in html and 'role="alert"' in html


@pytest.mark.parametrize("state", ["unknown", "used", "expired", "missing"])
def test_bad_pairing_codes_are_refused_and_pair_nothing(client, factories, counter, state):
    desk = make_desk()
    code = new_pairing_code(desk, now=datetime.now(timezone.utc) - timedelta(days=2) if state == "expired" else None)
    db.session.commit()
    if state == "used":
        make_kiosk_from = pair_kiosk(code)
        db.session.commit()
        assert make_kiosk_from
    sent = {"unknown": "ZZZZ-ZZZZ", "used": code, "expired": code, "missing": ""}[state]
    before = counter(Kiosk)
    response = client.post("/kiosk/pair", data={"code": sent, "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or COOKIE not in response.headers["Set-Cookie"]
    html = response.get_data(as_text=True)
    expected = {
        "unknown": "tidak berlaku",
        "used": "sudah dipakai",
        "expired": "kedaluwarsa",
        "missing": "Masukkan kode pemasangan",
    }[state]
    assert expected in html
    assert counter(Kiosk) == before


def test_pairing_form_needs_a_csrf_token(client, factories, counter):
    code = new_pairing_code(make_desk())
    db.session.commit()
    response = client.post("/kiosk/pair", data={"code": code})
    assert response.status_code == 400
    assert counter(Kiosk) == 0


def test_a_revoked_kiosk_gets_the_pairing_screen_and_cannot_vote(client, setup, counter):
    kiosk = db.session.get(Kiosk, setup["kiosk_id"])
    kiosk.revoked_at = datetime.now(timezone.utc)
    db.session.commit()
    paired_client(client, setup["token"])
    assert 'name="code"' in client.get("/kiosk/").get_data(as_text=True)
    response = client.post("/kiosk/vote", json=vote_payload())
    assert response.status_code == 401
    assert response.get_json()["error"] == "not_paired"
    assert counter(Response) == 0


# --- The kiosk screen ---------------------------------------------------------------------------


def test_kiosk_screen_shows_unit_desk_and_officer_but_no_tally(client, setup):
    html = paired_client(client, setup["token"]).get("/kiosk/").get_data(as_text=True)
    assert "Siti Rahmawati" in html
    assert "Anda dilayani oleh" in html and "You were served by" in html  # both languages, one shown
    for value in (1, 2, 3, 4):
        assert f'data-value="{value}"' in html
    assert "Sangat puas" in html and "Very satisfied" in html
    for code in ("R_WAKTU", "R_RAMAH"):
        assert f'data-reason="{code}"' in html
    # No count of votes anywhere: citizens avoid the worst face when they can see a tally.
    client.post("/kiosk/vote", json=vote_payload(value=1))
    again = client.get("/kiosk/").get_data(as_text=True)
    assert re.sub(r'value="[^"]*"', "", again).count(">1<") == re.sub(r'value="[^"]*"', "", html).count(">1<")


def test_banner_is_the_heartbeat(client, setup):
    kiosk = db.session.get(Kiosk, setup["kiosk_id"])
    kiosk.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=10)
    db.session.commit()
    response = paired_client(client, setup["token"]).get("/kiosk/banner", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="banner"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert datetime.now(timezone.utc) - db.session.get(Kiosk, setup["kiosk_id"]).last_seen_at < timedelta(minutes=1)


def test_photo_is_served_only_for_the_kiosks_own_unit(client, setup, factories):
    officer = db.session.get(Officer, setup["officer_id"])
    officer.photo, officer.photo_mime = b"\x89PNG fake", "image/png"
    stranger = make_officer(photo=b"x", photo_mime="image/png")
    db.session.commit()
    paired_client(client, setup["token"])
    assert client.get(f"/kiosk/photo/{officer.id}").data == b"\x89PNG fake"
    assert client.get(f"/kiosk/photo/{stranger.id}").status_code == 404
    assert 'src="/kiosk/photo/' in client.get("/kiosk/").get_data(as_text=True)


# --- Duty ----------------------------------------------------------------------------------------


def test_officer_starts_duty_with_their_pin(client, factories, counter):
    make_period()
    desk = make_desk()
    officer = make_officer(unit=desk.unit, pin="246810", name="Budi Santoso")
    _, token = make_kiosk(desk)
    paired_client(client, token)
    panel = client.get("/kiosk/duty", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Budi Santoso" in panel and "<html" not in panel  # a partial for htmx
    response = client.post(
        "/kiosk/duty/start",
        data={"officer_id": officer.id, "pin": "246810", "csrf_token": csrf_token(client)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "duty-changed"
    assert "HX-Request" in response.headers["Vary"]
    duty = db.session.scalar(sa.select(Duty))
    assert (duty.officer_id, duty.desk_id, duty.ended_at, duty.started_via) == (officer.id, desk.id, None, "pin")
    assert "Budi Santoso" in client.get("/kiosk/banner").get_data(as_text=True)


def test_duty_start_without_htmx_redirects_back_to_the_kiosk(client, factories):
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    _, token = make_kiosk(desk)
    paired_client(client, token)
    response = client.post(
        "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "1234", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")


def test_wrong_pin_is_counted_and_locks_after_five(client, factories, counter):
    desk = make_desk()
    officer = make_officer(unit=desk.unit, pin="1234")
    _, token = make_kiosk(desk)
    paired_client(client, token)
    token_value = csrf_token(client)
    for attempt in range(1, 5):
        response = client.post(
            "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "9999", "csrf_token": token_value}
        )
        assert response.status_code == 422
        assert f"Sisa {5 - attempt} percobaan" in response.get_data(as_text=True)
    response = client.post(
        "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "9999", "csrf_token": token_value}
    )
    assert "Terlalu banyak PIN salah" in response.get_data(as_text=True)
    # Locked: even the right PIN is refused now.
    response = client.post(
        "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "1234", "csrf_token": token_value}
    )
    assert response.status_code == 422
    assert counter(Duty) == 0
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).pin_locked_until is not None


def test_a_pin_longer_than_any_pin_is_a_wrong_pin_of_the_chosen_officer(client, factories, counter):
    desk = make_desk()
    officer = make_officer(unit=desk.unit, pin="1234", name="Budi Santoso")
    _, token = make_kiosk(desk)
    paired_client(client, token)
    response = client.post(
        "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "1" * 21, "csrf_token": csrf_token(client)}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # The PIN pad for the same officer again, not the list of names.
    assert "Sisa 4 percobaan" in html and "Mulai tugas: Budi Santoso" in html
    assert "Mulai tugas: pilih nama Anda" not in html
    assert counter(Duty) == 0 and db.session.get(Officer, officer.id).pin_failures == 1


@pytest.mark.parametrize("officer_id", ["not a number", str(2**40), "0"])
def test_ending_duty_reads_only_the_pin(client, setup, counter, officer_id):
    paired_client(client, setup["token"])
    response = client.post(
        "/kiosk/duty/end", data={"officer_id": officer_id, "pin": "1234", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    assert counter(Duty, Duty.ended_at.is_(None)) == 0
    assert db.session.get(Officer, setup["officer_id"]).pin_failures == 0


def test_pin_lock_expires(ctx, factories):
    officer = make_officer(pin="1234")
    now = datetime.now(timezone.utc)
    for _ in range(5):
        with pytest.raises(DutyError):
            check_pin(officer, "0000", now)
    with pytest.raises(DutyError) as locked:
        check_pin(officer, "1234", now + timedelta(minutes=14))
    assert locked.value.code == "locked"
    check_pin(officer, "1234", now + timedelta(minutes=16))  # the clock moved on: open again
    assert officer.pin_failures == 0


def test_officer_of_another_unit_cannot_start_duty(client, factories, counter):
    desk = make_desk()
    outsider = make_officer()
    _, token = make_kiosk(desk)
    paired_client(client, token)
    response = client.post(
        "/kiosk/duty/start", data={"officer_id": outsider.id, "pin": "1234", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    assert counter(Duty) == 0


def test_end_duty_with_pin(client, setup, counter):
    paired_client(client, setup["token"])
    response = client.post(
        "/kiosk/duty/end", data={"pin": "1234", "csrf_token": csrf_token(client)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "duty-changed"
    duty = db.session.scalar(sa.select(Duty))
    assert duty.ended_at is not None and duty.ended_via == "pin"
    assert "Belum ada petugas" in client.get("/kiosk/banner").get_data(as_text=True)


def test_duty_forms_need_csrf(client, setup, counter):
    paired_client(client, setup["token"])
    response = client.post("/kiosk/duty/end", data={"pin": "1234"})
    assert response.status_code == 400
    assert counter(Duty, Duty.ended_at.is_(None)) == 1


def test_a_new_officer_relieves_the_one_at_the_desk(ctx, factories):
    desk = make_desk()
    first, second = make_officer(unit=desk.unit), make_officer(unit=desk.unit)
    t0 = datetime.now(timezone.utc)
    start_duty(desk, first, t0)
    start_duty(desk, second, t0 + timedelta(hours=2))
    db.session.commit()
    duties = db.session.scalars(sa.select(Duty).order_by(Duty.started_at)).all()
    assert [d.officer_id for d in duties] == [first.id, second.id]
    assert duties[0].ended_at == t0 + timedelta(hours=2) and duties[0].ended_via == "replaced"
    assert duties[1].ended_at is None


def test_an_officer_cannot_be_on_duty_at_two_desks(ctx, factories):
    desk = make_desk()
    other = make_desk(unit=desk.unit)
    officer = make_officer(unit=desk.unit)
    start_duty(desk, officer)
    with pytest.raises(DutyError) as error:
        start_duty(other, officer)
    assert error.value.code == "on_duty_elsewhere"


def test_the_database_itself_refuses_two_open_duties_at_one_desk(ctx, factories):
    desk = make_desk()
    a, b = make_officer(unit=desk.unit), make_officer(unit=desk.unit)
    db.session.add_all([Duty(officer=a, desk=desk), Duty(officer=b, desk=desk)])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- Votes ---------------------------------------------------------------------------------------


def test_a_vote_lands_once_attributed_to_the_officer_on_duty(client, setup, counter):
    paired_client(client, setup["token"])
    payload = vote_payload(value=3, reasons=["R_WAKTU", "R_RAMAH"], locale="en")
    response = client.post("/kiosk/vote", json=payload)
    assert response.status_code == 201
    assert response.get_json() == {"status": "recorded", "uuid": payload["uuid"], "attributed": True}

    stored = db.session.scalar(sa.select(Response))
    assert (
        stored.channel.value,
        stored.unit_id,
        stored.desk_id,
        stored.officer_id,
        stored.period_id,
        stored.kiosk_id,
    ) == ("kiosk", setup["unit_id"], setup["desk_id"], setup["officer_id"], setup["period_id"], setup["kiosk_id"])
    assert stored.cast_at == datetime.fromisoformat(payload["cast_at"])
    assert stored.locale == "en" and stored.flags == 0 and not stored.excluded
    answers = answers_by_code(stored)
    assert answers == {"KIOSK": 3, "R_WAKTU": 1, "R_RAMAH": 1}


def test_the_same_vote_sent_twice_is_stored_once_with_the_same_answer(client, setup, counter):
    paired_client(client, setup["token"])
    payload = vote_payload(value=2, reasons=["R_WAKTU"])
    first = client.post("/kiosk/vote", json=payload)
    second = client.post("/kiosk/vote", json=payload)
    assert (first.status_code, first.get_json()) == (second.status_code, second.get_json())
    assert counter(Response) == 1
    assert counter(Answer) == 2


def test_the_same_uuid_from_another_kiosk_is_a_conflict(client, setup, factories, counter):
    payload = vote_payload()
    paired_client(client, setup["token"]).post("/kiosk/vote", json=payload)
    _, other_token = make_kiosk(make_desk())
    response = paired_client(client, other_token).post("/kiosk/vote", json=payload)
    assert response.status_code == 409
    assert counter(Response) == 1


def test_a_vote_with_nobody_on_duty_is_kept_for_the_desk(client, setup, counter):
    end_duty(db.session.get(Desk, setup["desk_id"]))
    db.session.commit()
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=vote_payload(value=1))
    assert response.status_code == 201 and response.get_json()["attributed"] is False
    stored = db.session.scalar(sa.select(Response))
    assert stored.officer_id is None and stored.desk_id == setup["desk_id"]
    assert stored.flag_set & Flag.UNATTRIBUTED and not stored.excluded


def test_an_offline_vote_is_attributed_to_whoever_was_on_duty_when_it_was_cast(client, setup, factories):
    desk = db.session.get(Desk, setup["desk_id"])
    relief = make_officer(unit=desk.unit)
    start_duty(desk, relief)  # took over just now
    db.session.commit()
    cast = datetime.now(timezone.utc) - timedelta(minutes=30)  # cast while the first officer served
    paired_client(client, setup["token"]).post("/kiosk/vote", json=vote_payload(cast_at=cast.isoformat()))
    assert db.session.scalar(sa.select(Response.officer_id)) == setup["officer_id"]


def test_a_vote_from_a_clock_in_the_future_uses_the_received_time(client, setup):
    future = datetime.now(timezone.utc) + timedelta(days=3)
    paired_client(client, setup["token"]).post("/kiosk/vote", json=vote_payload(cast_at=future.isoformat()))
    stored = db.session.scalar(sa.select(Response))
    assert stored.flag_set & Flag.CLOCK_ADJUSTED
    assert abs(stored.cast_at - stored.received_at) < timedelta(seconds=1)


@pytest.mark.parametrize("cast_at", ["1970-01-01T00:00:05Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_a_vote_from_a_clock_reset_to_1970_uses_the_received_time(client, setup, counter, cast_at):
    # A tablet whose battery ran flat may come back in 1970; its votes must not be stuck forever.
    # Nor may a time at the calendar's very edge break the windows the vote is judged in.
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=vote_payload(cast_at=cast_at))
    assert response.status_code == 201
    stored = db.session.scalar(sa.select(Response))
    assert stored.flag_set & Flag.CLOCK_ADJUSTED and stored.period_id == setup["period_id"]
    assert abs(stored.cast_at - stored.received_at) < timedelta(seconds=1)


BAD_VOTES = [
    ("value 0", dict(value=0), 422, "bad_value"),
    ("value 5", dict(value=5), 422, "bad_value"),
    ("value as text", dict(value="4"), 422, "bad_value"),
    ("value true", dict(value=True), 422, "bad_value"),
    ("value float", dict(value=3.5), 422, "bad_value"),
    ("no value", dict(value=None), 422, "bad_value"),
    ("no uuid", dict(uuid=None), 422, "bad_uuid"),
    ("bad uuid", dict(uuid="not-a-uuid"), 422, "bad_uuid"),
    ("uuid as number", dict(uuid=12), 422, "bad_uuid"),
    ("unknown reason", dict(reasons=["R_WAKTU", "NOPE"]), 422, "unknown_reason"),
    ("reason that is a scale question", dict(reasons=["U1"]), 422, "unknown_reason"),
    ("reasons not a list", dict(reasons="R_WAKTU"), 422, "bad_reasons"),
    ("reasons too many", dict(reasons=["R_WAKTU"] * 11), 422, "bad_reasons"),
    ("reason not text", dict(reasons=[1]), 422, "bad_reasons"),
    ("bad cast time", dict(cast_at="yesterday"), 422, "bad_cast_at"),
    ("naive cast time", dict(cast_at="2026-11-22T10:00:00"), 422, "bad_cast_at"),
    ("cast time as number", dict(cast_at=1700000000), 422, "bad_cast_at"),
    ("bad locale", dict(locale="fr"), 422, "bad_locale"),
]


@pytest.mark.parametrize("name,change,status,code", BAD_VOTES, ids=[b[0] for b in BAD_VOTES])
def test_bad_votes_are_refused_with_a_message_and_store_nothing(client, setup, counter, name, change, status, code):
    payload = {k: v for k, v in vote_payload(**change).items() if v is not None or k in ("value",)}
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=payload)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code and body["message"]
    assert counter(Response) == 0 and counter(Answer) == 0


@pytest.mark.parametrize(
    "body,content_type",
    [
        ("value=4", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("null", "application/json"),
    ],
)
def test_votes_that_are_not_a_json_object_are_refused(client, setup, counter, body, content_type):
    response = paired_client(client, setup["token"]).post("/kiosk/vote", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.get_json()["message"]
    assert counter(Response) == 0


def test_message_follows_the_language_asked_for(client, setup):
    paired_client(client, setup["token"])
    indonesian = client.post("/kiosk/vote", json=vote_payload(value=9)).get_json()["message"]
    english = client.post("/kiosk/vote?lang=en", json=vote_payload(value=9)).get_json()["message"]
    assert indonesian.startswith("Nilai harus") and english.startswith("The rating must")


@pytest.mark.parametrize("token", [None, "", "forged-token-" + "x" * 40, "y" * 500])
def test_votes_without_a_valid_device_token_are_refused(client, setup, counter, token):
    if token is not None:
        client.set_cookie(COOKIE, token, path="/kiosk/")
    response = client.post("/kiosk/vote", json=vote_payload())
    assert response.status_code == 401
    assert counter(Response) == 0


# A vote cast while no period is open is kept outside any period: tests/kiosk/test_outside_period.py.


def test_period_boundaries_follow_the_units_time_zone(ctx, factories):
    # 23:30 UTC on the 31st is already the 1st in Jakarta (UTC+7).
    unit = factories.unit(timezone="Asia/Jakarta")
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)
    assert local_date(unit, moment).isoformat() == "2027-01-01"


def test_no_active_kiosk_question_refuses_the_vote(client, setup, counter):
    db.session.execute(sa.update(Indicator).where(Indicator.code == "KIOSK").values(active=False))
    db.session.commit()
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=vote_payload())
    assert response.status_code == 409 and response.get_json()["error"] == "no_question"
    assert counter(Response) == 0


def test_vote_endpoint_answers_get_with_405_not_500(client, setup):
    response = paired_client(client, setup["token"]).get("/kiosk/vote", headers={"Accept": "application/json"})
    assert response.status_code == 405


# --- One-time survey codes from the kiosk -------------------------------------------------------


def test_the_officer_shows_a_one_time_survey_code_from_the_staff_panel(client, setup, counter):
    from survey.models import ServiceCode

    paired_client(client, setup["token"])
    panel = client.get("/kiosk/duty", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "/kiosk/duty?action=code" in panel  # the officer's PIN first: anyone can touch a kiosk
    pad = client.get("/kiosk/duty?action=code", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-post="/kiosk/service-code"' in pad and 'name="pin"' in pad
    response = client.post(
        "/kiosk/service-code", data={"csrf_token": csrf_token(client), "pin": "1234"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    code = db.session.scalar(sa.select(ServiceCode))
    assert (code.officer_id, code.desk_id, code.used_at) == (setup["officer_id"], setup["desk_id"], None)
    assert timedelta(hours=1, minutes=59) < code.expires_at - code.created_at <= timedelta(hours=2)
    assert f"/s/{code.code}" in html and "<svg" in html and 'id="duty"' in html
    assert "Pindai untuk menilai" in html or "Scan to rate" in html


def test_no_survey_code_without_an_officer_on_duty(client, setup, counter):
    from survey.models import ServiceCode

    end_duty(db.session.get(Desk, setup["desk_id"]))
    db.session.commit()
    paired_client(client, setup["token"])
    response = client.post(
        "/kiosk/service-code", data={"csrf_token": csrf_token(client)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409 and "Tidak ada yang bertugas" in response.get_data(as_text=True)
    assert counter(ServiceCode) == 0


def test_survey_code_needs_a_paired_kiosk_and_csrf(client, setup, counter):
    from survey.models import ServiceCode

    assert client.post("/kiosk/service-code").status_code in (302, 400)
    paired_client(client, setup["token"])
    assert client.post("/kiosk/service-code").status_code == 400
    assert counter(ServiceCode) == 0


def test_a_vote_with_a_retired_reason_from_a_stale_screen_is_kept(client, setup, counter):
    # An administrator retired a reason while the tablet still shows it: the vote still counts.
    db.session.execute(sa.update(Indicator).where(Indicator.code == "R_WAKTU").values(active=False))
    db.session.commit()
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=vote_payload(reasons=["R_WAKTU"]))
    assert response.status_code == 201
    assert set(answers_by_code(db.session.scalar(sa.select(Response)))) == {"KIOSK", "R_WAKTU"}


def test_the_banner_carries_the_screen_version_so_a_stale_kiosk_reloads(client, setup):
    paired_client(client, setup["token"])
    version = re.search(r'data-config-version="(\w+)"', client.get("/kiosk/banner").get_data(as_text=True)).group(1)
    assert f'data-config-version="{version}"' in client.get("/kiosk/").get_data(as_text=True)
    db.session.execute(sa.update(Indicator).where(Indicator.code == "R_BIAYA").values(text_id="Biaya layanan"))
    db.session.commit()
    changed = re.search(r'data-config-version="(\w+)"', client.get("/kiosk/banner").get_data(as_text=True)).group(1)
    assert changed != version
