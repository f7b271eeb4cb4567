"""An officer changes their own kiosk PIN and password; a supervisor (of the officer's unit) or an
administrator resets them, never seeing or choosing new ones: the reset ends the officer's
sessions and makes a set-up link, printed on a slip or sent by e-mail. Each refusal by role is
a 403 that changes nothing."""

import email
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from accounts.errors import LoginError
from accounts.models import SetupLink, UserSession
from accounts.operations import NO_PASSWORD, authenticate
from core.audit import AuditLog
from core.db import db
from org.duty import check_pin
from org.errors import DutyError
from org.models import Officer, Role, User
from tests.factories import PASSWORD, audit_entries, csrf, make_officer, make_unit, make_user, post, sign_in, text

CODE = re.compile(r'<p class="slip-code">([a-z0-9-]+)</p>')


def client_as(app, user, lang="en"):
    client = app.test_client()
    sign_in(client, user)
    client.set_cookie("lang", lang)
    return client


@pytest.fixture
def office(ctx):
    unit, other = make_unit(name="Kecamatan Melati"), make_unit(name="Kecamatan Mawar")
    officer = make_officer(unit=unit, name="Siti Rahmawati", pin="482915")
    account = make_user(Role.OFFICER, officer=officer, username="siti")
    return dict(
        unit=unit,
        officer=officer,
        account=account,
        supervisor=make_user(Role.SUPERVISOR, unit=unit, username="kepala"),
        stranger=make_user(Role.SUPERVISOR, unit=other, username="kepala-lain"),
        colleague=make_user(Role.OFFICER, officer=make_officer(unit=unit, pin="739164"), username="budi"),
        admin=make_user(Role.ADMIN, username="pusat"),
    )


def snapshot(office) -> tuple:
    db.session.expire_all()
    user, officer = db.session.get(User, office["account"].id), db.session.get(Officer, office["officer"].id)
    live = db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.revoked_at.is_(None))
    )
    links = db.session.scalar(sa.select(sa.func.count()).select_from(SetupLink))
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    return user.password_hash, officer.pin_hash, live, links, entries


# --- The officer's own PIN and password -------------------------------------------------------------------


@pytest.mark.parametrize("proof", ["482915", PASSWORD])
def test_an_officer_changes_their_pin_with_the_current_pin_or_password(app, office, proof):
    client = client_as(app, office["account"])
    assert "Change my kiosk PIN" in text(client.get("/admin/me"))
    response = post(client, "/admin/me/pin", {"current": proof, "new": "905172", "confirm": "905172"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/me")
    officer = db.session.get(Officer, office["officer"].id)
    check_pin(officer, "905172", datetime.now(UTC))
    with pytest.raises(DutyError):
        check_pin(officer, "482915", datetime.now(UTC))
    [entry] = audit_entries(action="pin")
    assert (entry.user_id, entry.entity_id, entry.before, entry.after) == (office["account"].id, officer.id, None, None)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"current": "111111", "new": "905172", "confirm": "905172"}, "current", "not your current PIN or password"),
        ({"current": "", "new": "905172", "confirm": "905172"}, "current", "not your current PIN or password"),
        ({"current": "482915", "new": "905172", "confirm": "905173"}, "confirm", "two PINs are not the same"),
        ({"current": "482915", "new": "5555", "confirm": "5555"}, "new", "too easy to guess"),
        ({"current": "482915", "new": "98765", "confirm": "98765"}, "new", "too easy to guess"),
        ({"current": "482915", "new": "123", "confirm": "123"}, "new", "4 to 8 digits"),
        ({"current": "482915", "new": "١٢٣٤٥", "confirm": "١٢٣٤٥"}, "new", "4 to 8 digits"),
    ],
)
def test_a_wrong_pin_change_is_refused_and_nothing_changes(app, office, data, field, message):
    client = client_as(app, office["account"])
    before = snapshot(office)
    response = post(client, "/admin/me/pin", data)
    assert response.status_code == 422 and message in text(response)
    assert re.search(rf'id="own-pin-{field}"[^>]*aria-invalid="true"', text(response))
    assert snapshot(office) == before


def test_only_an_officer_has_a_pin_to_change(app, office):
    for user in (office["supervisor"], office["admin"]):
        client = client_as(app, user)
        assert client.get("/admin/me/pin").status_code == 403
        assert (
            post(client, "/admin/me/pin", {"current": PASSWORD, "new": "905172", "confirm": "905172"}).status_code
            == 403
        )


def test_guessing_the_current_pin_is_rate_limited(app, office):
    client = client_as(app, office["account"])
    for n in range(10):
        wrong = post(client, "/admin/me/pin", {"current": f"10{n:04d}", "new": "905172", "confirm": "905172"})
        assert wrong.status_code == 422
    before = snapshot(office)
    blocked = post(client, "/admin/me/pin", {"current": "482915", "new": "905172", "confirm": "905172"})
    assert blocked.status_code == 429 and snapshot(office) == before


def test_an_officer_changes_their_own_password(app, office):
    client = client_as(app, office["account"])
    response = post(
        client,
        "/admin/password",
        {"current": PASSWORD, "new": "kopi tubruk pagi hari", "confirm": "kopi tubruk pagi hari"},
    )
    assert response.status_code == 303
    assert check_password_hash(db.session.get(User, office["account"].id).password_hash, "kopi tubruk pagi hari")


# --- Resets by a supervisor or an administrator ---------------------------------------------------------


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_a_reset_stops_the_old_pin_and_password_ends_sessions_and_makes_a_link(app, office, who):
    officer_client = client_as(app, office["account"])
    assert officer_client.get("/admin/me").status_code == 200
    manager = client_as(app, office[who])
    page = text(manager.get(f"/admin/officers/{office['officer'].id}"))
    assert "Reset the PIN and password" in page and 'name="pin"' not in page
    # Asked first: the page that asks changes nothing.
    before = snapshot(office)
    confirm = manager.get(f"/admin/officers/{office['officer'].id}/setup-link")
    assert confirm.status_code == 200 and "Reset the PIN and password of Siti Rahmawati?" in text(confirm)
    assert snapshot(office) == before

    response = post(manager, f"/admin/officers/{office['officer'].id}/setup-link")
    assert response.status_code == 200
    [code] = CODE.findall(text(response))
    assert "482915" not in text(response) and PASSWORD not in text(response)
    user = db.session.get(User, office["account"].id)
    officer = db.session.get(Officer, office["officer"].id)
    assert user.password_hash == NO_PASSWORD and officer.pin_hash is None
    with pytest.raises(LoginError):
        authenticate("siti", PASSWORD)
    with pytest.raises(DutyError):
        check_pin(officer, "482915", datetime.now(UTC))
    db.session.rollback()  # the refused sign-in was counted in this session: not kept
    # Every session of the officer ended: their browser is signed out.
    assert officer_client.get("/admin/me").status_code == 302
    [reset] = audit_entries(action="reset")
    assert (reset.user_id, reset.entity_id) == (office[who].id, user.id)
    assert reset.before == {"password": True, "pin": True} and reset.after == {"password": False, "pin": False}

    # The officer chooses new ones with the link.
    phone = app.test_client()
    data = {
        "csrf_token": csrf(phone, "/admin/setup"),
        "code": code,
        "password": "teh manis sore hari",
        "confirm": "teh manis sore hari",
        "pin": "630517",
        "pin_confirm": "630517",
    }
    assert phone.post("/admin/setup", data=data).status_code == 303
    assert authenticate("siti", "teh manis sore hari").id == user.id
    check_pin(db.session.get(Officer, officer.id), "630517", datetime.now(UTC))


def test_another_units_supervisor_an_officer_and_nobody_may_not_reset(app, office):
    url = f"/admin/officers/{office['officer'].id}/setup-link"
    clients = {who: client_as(app, office[who]) for who in ("stranger", "colleague", "account")}
    before = snapshot(office)
    for who, client in clients.items():
        assert post(client, url).status_code == 403, who
        assert client.get(url).status_code == 403, who
        assert client.get(f"/admin/officers/{office['officer'].id}").status_code == 403
    anonymous = app.test_client()
    response = anonymous.post(url, data={"csrf_token": csrf(anonymous, "/admin/login")})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert snapshot(office) == before


def test_onboarding_by_role(app, office):
    make_officer(unit=office["unit"], pin=None, name="Tanpa Akun")
    make_officer(unit=office["stranger"].unit, pin=None, name="Orang Lain")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    stranger = client_as(app, office["stranger"])
    # Another unit's supervisor: not for this unit, whatever the form says.
    assert post(stranger, "/admin/onboarding/accounts", {"unit_id": office["unit"].id}).status_code == 403
    assert stranger.get(f"/admin/onboarding?unit={office['unit'].id}").status_code == 403
    assert "Tanpa Akun" not in text(stranger.get("/admin/onboarding"))
    for who in ("account", "colleague"):
        client = client_as(app, office[who])
        assert client.get("/admin/onboarding").status_code == 403
        assert post(client, "/admin/onboarding/accounts", {}).status_code == 403
        assert post(client, "/admin/onboarding/links", {}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before
    # The supervisor makes accounts for their own unit only, even without naming it.
    supervisor = client_as(app, office["supervisor"])
    response = post(supervisor, "/admin/onboarding/accounts", {})
    assert response.status_code == 200 and "Tanpa Akun" in text(response) and "Orang Lain" not in text(response)
    made = db.session.scalars(sa.select(Officer.name).join(User, User.officer_id == Officer.id)).all()
    assert "Tanpa Akun" in made and "Orang Lain" not in made


# --- By e-mail, through an SMTP server (the smtp_sink fixture of tests/conftest.py) ----------------------


def test_a_set_up_link_sent_by_e_mail(app, office, smtp_sink):
    manager = client_as(app, office["supervisor"])
    assert 'name="email"' in text(manager.get(f"/admin/officers/{office['officer'].id}/setup-link"))
    response = post(manager, f"/admin/officers/{office['officer'].id}/setup-link", {"email": "siti@kantor.go.id"})
    assert response.status_code == 303
    assert "sent to siti@kantor.go.id" in text(manager.get(response.headers["Location"]))
    [raw] = smtp_sink.messages
    message = email.message_from_bytes(raw)
    assert message["To"] == "siti@kantor.go.id" and message["From"] == "suara@kantor.go.id"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"http://127\.0\.0\.1:8000/admin/setup/([a-z0-9-]+)", body).group(1)
    assert "siti" in body and "482915" not in body
    phone = app.test_client()
    assert phone.get(f"/admin/setup/{link}").status_code == 200
    assert audit_entries(action="setup_link")[0].after.keys() == {"expires_at"}


def test_an_e_mail_that_cannot_be_sent_makes_no_link_and_resets_nothing(app, office, smtp_sink):
    smtp_sink.refuse = True
    manager = client_as(app, office["supervisor"])
    before = snapshot(office)
    response = post(manager, f"/admin/officers/{office['officer'].id}/setup-link", {"email": "siti@kantor.go.id"})
    assert response.status_code == 303
    assert "could not be sent" in text(manager.get(response.headers["Location"]))
    assert snapshot(office) == before


def test_no_e_mail_without_a_server(app, office):
    manager = client_as(app, office["supervisor"])
    assert 'name="email"' not in text(manager.get(f"/admin/officers/{office['officer'].id}/setup-link"))
    before = snapshot(office)
    response = post(manager, f"/admin/officers/{office['officer'].id}/setup-link", {"email": "siti@kantor.go.id"})
    assert "cannot send e-mail" in text(manager.get(response.headers["Location"]))
    assert snapshot(office) == before


def test_a_bad_e_mail_address_is_refused(app, office, smtp_sink):
    manager = client_as(app, office["supervisor"])
    before = snapshot(office)
    response = post(manager, f"/admin/officers/{office['officer'].id}/setup-link", {"email": "siti at kantor"})
    assert "Enter an e-mail address" in text(manager.get(response.headers["Location"]))
    assert snapshot(office) == before and smtp_sink.messages == []


def test_the_accounts_page_does_not_set_an_officers_password(app, office):
    """An administrator editing an officer's account may change its name or switch it off, but
    not type a password for it: the officer's page resets it with a set-up link instead."""
    client = client_as(app, office["admin"])
    before = snapshot(office)
    response = post(
        client,
        f"/admin/users/{office['account'].id}/edit",
        {
            "username": "siti",
            "role": "officer",
            "officer_nip": office["officer"].nip,
            "active": "1",
            "new_password": "brand new secret",
        },
        htmx=True,
    )
    assert response.status_code == 422 and "An officer chooses their own password" in text(response)
    assert snapshot(office) == before
