"""One-time codes prove a service only if nobody but the citizen served can answer them: the
attacks of an officer who rates himself "verified" (issue 13), and what ends up in his score."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from core.db import db
from core.responses import Response
from org.duty import end_duty, start_duty
from org.models import Desk, Officer, Role, User
from survey.codes import SERVICE_CODES_PER_HOUR
from survey.devices import DEVICE_COOKIE
from survey.models import ServiceCode
from tests.factories import csrf_token, make_kiosk, make_user, post, sign_in
from tests.survey.test_survey import full_answers, open_form

CODE_PATH = "/admin/me/service-code"


def officer_browser(app, office):
    """A browser signed in as Siti (an officer account)."""
    user = db.session.scalar(sa.select(User).where(User.officer_id == office["siti_id"]))
    if user is None:
        user = make_user(Role.OFFICER, officer=db.session.get(Officer, office["siti_id"]))
    return sign_in(app.test_client(), user)


def minted() -> list[ServiceCode]:
    db.session.expire_all()
    return db.session.scalars(sa.select(ServiceCode).order_by(ServiceCode.id)).all()


def verified_responses() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(Response.verified.is_(True)))


def send(client, code: str, office):
    """A citizen's browser would GET the form first; the officer's gets no form, so its answer
    is sent with a form taken from another page (the desk's), as an attacker would."""
    _, fields = open_form(client, office["desk_code"])
    return client.post(f"/s/{code}", data={**fields, **full_answers(office)})


# --- Minting ----------------------------------------------------------------------------------------


def test_off_duty_the_officers_page_mints_no_code(app, office, counter):
    end_duty(db.session.get(Desk, office["desk_id"]))
    db.session.commit()
    browser = officer_browser(app, office)
    response = post(browser, CODE_PATH, htmx=True)
    assert response.status_code == 409
    assert "hanya dibuat selama Anda bertugas" in response.get_data(as_text=True)
    assert counter(ServiceCode) == 0


def test_on_duty_the_code_is_bound_to_the_duty_and_to_the_browser_that_made_it(app, office):
    browser = officer_browser(app, office)
    response = post(browser, CODE_PATH, htmx=True)
    assert response.status_code == 200 and 'class="service-code"' in response.get_data(as_text=True)
    [code] = minted()
    assert code.duty.officer_id == office["siti_id"] and code.duty.ended_at is None
    assert code.desk_id == office["desk_id"] and code.minted_kiosk_id is None
    device = browser.get_cookie(DEVICE_COOKIE)
    assert device is not None and device.path == "/" and device.http_only
    assert code.minted_device and device.value not in code.minted_device  # a keyed hash, never the id
    # The same browser keeps its id: the next code carries the same hash.
    post(browser, CODE_PATH, htmx=True)
    assert minted()[1].minted_device == code.minted_device


def test_a_duty_mints_at_most_so_many_codes_an_hour(app, office, counter):
    browser = officer_browser(app, office)
    statuses = [post(browser, CODE_PATH, htmx=True).status_code for _ in range(SERVICE_CODES_PER_HOUR + 1)]
    assert statuses == [200] * SERVICE_CODES_PER_HOUR + [429]
    refused = post(browser, CODE_PATH, htmx=True)
    assert refused.status_code == 429 and f"paling banyak {SERVICE_CODES_PER_HOUR}" in refused.get_data(as_text=True)
    assert counter(ServiceCode) == SERVICE_CODES_PER_HOUR


def test_the_kiosk_mints_a_code_only_with_the_pin_of_the_officer_on_duty(app, office, counter):
    kiosk, token = make_kiosk(db.session.get(Desk, office["desk_id"]))
    tablet = app.test_client()
    tablet.set_cookie("kiosk_token", token, path="/kiosk/")
    csrf = csrf_token(tablet)
    # The staff panel asks for the PIN first.
    pad = tablet.get("/kiosk/duty?action=code", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'action="/kiosk/service-code"' in pad and 'name="pin"' in pad
    for pin in ("", "9999"):  # no PIN, a wrong one: refused, and counted against the officer
        response = tablet.post(
            "/kiosk/service-code", data={"csrf_token": csrf, "pin": pin}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 422 and "PIN" in response.get_data(as_text=True)
    assert counter(ServiceCode) == 0
    db.session.expire_all()
    assert db.session.get(Officer, office["siti_id"]).pin_failures == 2
    response = tablet.post(
        "/kiosk/service-code", data={"csrf_token": csrf, "pin": "1234"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    [code] = minted()
    assert (code.officer_id, code.minted_kiosk_id, code.duty.desk_id) == (
        office["siti_id"],
        kiosk.id,
        office["desk_id"],
    )
    assert tablet.get_cookie(DEVICE_COOKIE) is not None and code.minted_device


# --- Answering ---------------------------------------------------------------------------------------


def test_the_officer_cannot_answer_his_own_code_from_a_signed_in_browser(app, office):
    """The attack: mint a code, answer it on one's own phone. Neither the browser that made it
    nor any browser signed in as the officer gets through, and each refusal is counted."""
    browser = officer_browser(app, office)
    post(browser, CODE_PATH, htmx=True)
    [code] = minted()
    page = browser.get(f"/s/{code.code}")
    assert page.status_code == 403 and 'id="survey-form"' not in page.get_data(as_text=True)
    assert "tidak dapat dijawab di sini" in page.get_data(as_text=True)
    refused = send(browser, code.code, office)
    assert refused.status_code == 403
    # His phone: signed in as him, another device id.
    phone = officer_browser(app, office)
    assert send(phone, code.code, office).status_code == 403
    [code] = minted()
    assert code.used_at is None and code.response_id is None and code.refused_answers == 2
    assert verified_responses() == 0
    # The citizen's own phone answers it, once: the one verified response of the officer.
    citizen = app.test_client()
    assert send(citizen, code.code, office).status_code == 303
    assert verified_responses() == 1 and minted()[0].used_at is not None


def test_the_kiosk_that_made_a_code_cannot_answer_it(app, office):
    _, token = make_kiosk(db.session.get(Desk, office["desk_id"]))
    tablet = app.test_client()
    tablet.set_cookie("kiosk_token", token, path="/kiosk/")
    tablet.post("/kiosk/service-code", data={"csrf_token": csrf_token(tablet), "pin": "1234"})
    [code] = minted()
    response = send(tablet, code.code, office)
    assert response.status_code == 403
    assert minted()[0].refused_answers == 1 and verified_responses() == 0


def test_a_tablet_that_minted_a_code_answers_no_code_minted_elsewhere(app, office):
    """Found replaying the attack on a running instance: the officer mints a code on her own page
    and answers it at the kiosk tablet. A device that has minted any code is staff's."""
    _, token = make_kiosk(db.session.get(Desk, office["desk_id"]))
    tablet = app.test_client()
    tablet.set_cookie("kiosk_token", token, path="/kiosk/")
    tablet.post("/kiosk/service-code", data={"csrf_token": csrf_token(tablet), "pin": "1234"})
    browser = officer_browser(app, office)
    post(browser, CODE_PATH, htmx=True)
    at_kiosk, on_her_page = minted()
    assert at_kiosk.minted_kiosk_id is not None and on_her_page.minted_kiosk_id is None
    assert send(tablet, on_her_page.code, office).status_code == 403
    assert minted()[1].refused_answers == 1 and verified_responses() == 0
    # A citizen's phone, which never minted a code, still answers it.
    assert send(app.test_client(), on_her_page.code, office).status_code == 303
    assert verified_responses() == 1


def test_the_self_verified_attack_leaves_the_officers_score_alone(app, office):
    """153 codes answered on his own phone in the attack on a running instance: here every way
    in is tried at once, and not one response counts as verified."""
    browser = officer_browser(app, office)
    phone = officer_browser(app, office)
    # Off duty: no code.
    desk = db.session.get(Desk, office["desk_id"])
    end_duty(desk)
    db.session.commit()
    assert post(browser, CODE_PATH, htmx=True).status_code == 409
    # Back on duty, ten codes, each answered from his own browsers.
    start_duty(desk, db.session.get(Officer, office["siti_id"]), datetime.now(timezone.utc) - timedelta(minutes=1))
    db.session.commit()
    for _ in range(5):
        post(browser, CODE_PATH, htmx=True)
    codes = [c.code for c in minted()]
    statuses = [send(client, code, office).status_code for code in codes for client in (browser, phone)]
    assert statuses == [403] * 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    assert sum(c.refused_answers for c in minted()) == 10 and all(c.used_at is None for c in minted())
