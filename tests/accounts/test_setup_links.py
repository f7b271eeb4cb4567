"""Set-up links (accounts.setup): accounts for officers in one step, with no password anyone
chose; the officer's own password and kiosk PIN through a link that is single use, expires,
is revoked by the next one, and whose guessing is rate limited. A refused link changes nothing."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from accounts.errors import LoginError, SetupError
from accounts.models import SetupLink, UserSession
from accounts.operations import NO_PASSWORD, authenticate
from accounts.setup import SETUP_LIFETIME, clean_code, code_hash, create_accounts, find_link, issue_link
from core.audit import AuditLog
from core.db import db
from org.duty import check_pin
from org.models import Officer, Role, User
from tests.factories import PASSWORD, audit_entries, csrf, make_officer, make_unit, make_user, sign_in, text

NEW_PASSWORD = "kopi tubruk pagi hari"
CODE = re.compile(r'<p class="slip-code">([a-z0-9-]+)</p>')


def codes_of(response) -> list[str]:
    return CODE.findall(text(response))


def make_office():
    unit = make_unit(code="kec-melati", name="Kecamatan Melati")
    siti = make_officer(unit=unit, name="Siti Rahmawati", pin=None)
    budi = make_officer(unit=unit, name="Budi Santoso", pin=None)
    rina = make_officer(unit=unit, name="Rina Wulandari", pin=None)
    make_user(Role.OFFICER, officer=rina, username="rina")  # already has an account
    return unit, siti, budi, rina


def english(app):
    """A browser reading the pages in English (the messages below are the English ones)."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


def submit_setup(client, code, password=NEW_PASSWORD, pin="482915", **overrides):
    data = {
        "csrf_token": csrf(client, "/admin/setup"),
        "code": code,
        "password": password,
        "confirm": password,
        "pin": pin,
        "pin_confirm": pin,
        **overrides,
    }
    return client.post("/admin/setup", data=data)


def state(user_id: int) -> tuple:
    """What a refused set-up must leave as it was."""
    db.session.expire_all()
    user = db.session.get(User, user_id)
    links = db.session.execute(sa.select(SetupLink.id, SetupLink.used_at, SetupLink.revoked_at)).all()
    audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    sessions = db.session.scalar(sa.select(sa.func.count()).select_from(UserSession))
    return user.password_hash, user.officer.pin_hash, tuple(links), audit, sessions


def test_accounts_for_every_officer_without_one_in_one_step(client, admin):
    unit, siti, budi, rina = make_office()
    page = text(client.get(f"/admin/onboarding?unit={unit.id}"))
    assert "Siti Rahmawati" in page and "Budi Santoso" in page and "Rina Wulandari" not in page

    response = client.post(
        "/admin/onboarding/accounts", data={"csrf_token": csrf(client, "/admin/onboarding"), "unit_id": unit.id}
    )
    assert response.status_code == 200
    codes = codes_of(response)
    assert len(codes) == 2 and len(set(codes)) == 2
    for officer in (siti, budi):
        user = db.session.scalar(sa.select(User).where(User.officer_id == officer.id))
        # Usernames from the NIP; no password anybody chose; nothing signs in with it.
        assert (user.username, user.role, user.unit_id, user.password_hash) == (
            officer.nip,
            Role.OFFICER,
            unit.id,
            NO_PASSWORD,
        )
        assert officer.nip in text(response) or officer.nip[:8] in text(response)
        with pytest.raises(LoginError):
            authenticate(user.username, "")
        with pytest.raises(LoginError):
            authenticate(user.username, NO_PASSWORD)
    db.session.rollback()
    # Only keyed hashes of the codes are kept: no column of any link holds a code.
    stored = {value for row in db.session.execute(sa.select(SetupLink)).scalars() for value in vars(row).values()}
    assert not {clean_code(code) for code in codes} & {str(value) for value in stored}
    assert {link.token_hash for link in db.session.scalars(sa.select(SetupLink))} == {
        code_hash(clean_code(code)) for code in codes
    }
    # Each slip has the address to type the code at, and a QR code of the officer's own link.
    assert text(response).count('class="qr"') == 2 and "http://127.0.0.1:8000/admin/setup" in text(response)
    assert 'aria-label="Set-up link of Siti Rahmawati"' in text(response)
    actions = [(entry.entity, entry.action) for entry in audit_entries()]
    assert actions.count(("user", "create")) == 2 and actions.count(("user", "setup_link")) == 2
    assert not any(clean_code(code) in str(entry.after) for entry in audit_entries() for code in codes)
    # Again: nobody left without an account.
    again = client.post("/admin/onboarding/accounts", data={"csrf_token": csrf(client, "/admin/onboarding")})
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.role == Role.OFFICER)) == 3


def test_a_predictable_username_when_the_nip_is_taken(ctx):
    admin = make_user(Role.ADMIN)
    unit = make_unit()
    officer = make_officer(unit=unit, pin=None)
    make_user(Role.ADMIN, username=officer.nip)
    make_user(Role.ADMIN, username=f"{officer.nip}-2")
    [issued] = create_accounts(admin, unit.id)
    assert issued.user.username == f"{officer.nip}-3"


def test_the_officer_sets_their_own_password_and_pin_and_is_signed_in(app, ctx):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    issued = {link.officer.id: link for link in create_accounts(admin, unit.id)}[siti.id]
    db.session.commit()
    client = english(app)
    page = client.get(f"/admin/setup/{issued.shown_code}")
    assert page.status_code == 200 and "Siti Rahmawati" in text(page) and siti.nip in text(page)

    response = submit_setup(client, issued.shown_code.upper())  # as typed from the slip: case does not matter
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/me")
    me = client.get("/admin/me")
    assert me.status_code == 200 and "Siti Rahmawati" in text(me)
    db.session.expire_all()
    user = db.session.get(User, issued.user.id)
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    check_pin(db.session.get(Officer, siti.id), "482915", datetime.now(UTC))
    assert authenticate(user.username, NEW_PASSWORD).id == user.id
    link = db.session.scalar(sa.select(SetupLink).where(SetupLink.user_id == user.id))
    assert link.used_at is not None
    [setup] = audit_entries(action="setup")
    assert setup.user_id == user.id and setup.after == {"password": True}
    [pin] = audit_entries(action="pin")
    assert (pin.entity_id, pin.before, pin.after) == (siti.id, None, None)


def test_a_link_works_once(app, ctx):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    [issued, _] = create_accounts(admin, unit.id)
    db.session.commit()
    client = english(app)
    assert submit_setup(client, issued.code).status_code == 303
    before = state(issued.user.id)
    other = english(app)
    again = submit_setup(other, issued.code, password="teh manis sore hari", pin="739164")
    assert again.status_code == 410 and "already been used" in text(again)
    assert state(issued.user.id) == before
    opened = other.get(f"/admin/setup/{issued.code}")
    assert opened.status_code == 410 and "already been used" in text(opened)


def test_a_link_expires(app, ctx):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    [issued, _] = create_accounts(admin, unit.id, now=eight_days_ago)
    db.session.commit()
    # The clock is injected: the same link the day it was made, and a second past its end.
    made = issued.expires_at - SETUP_LIFETIME
    assert find_link(issued.code, now=made + timedelta(days=6)).user_id == issued.user.id
    with pytest.raises(SetupError) as error:
        find_link(issued.code, now=issued.expires_at)
    assert error.value.code == "expired"
    before = state(issued.user.id)
    client = app.test_client()
    client.set_cookie("lang", "id")
    response = submit_setup(client, issued.code)
    assert response.status_code == 410 and "Tautan penyiapan ini sudah kedaluwarsa" in text(response)
    assert state(issued.user.id) == before


def test_a_new_link_revokes_the_old_one(app, ctx):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    [first, _] = create_accounts(admin, unit.id)
    second = issue_link(admin, first.user)
    db.session.commit()
    client = english(app)
    before = state(first.user.id)
    refused = submit_setup(client, first.code)
    assert refused.status_code == 410 and "replaced by a newer one" in text(refused)
    assert state(first.user.id) == before
    assert submit_setup(client, second.code).status_code == 303


@pytest.mark.parametrize(
    "code",
    ["abcd-efgh-jkmn", "x", "", "1" * 5000, "abcd-efgh-jkm", "ABCD EFGH JKMN", "<script>", "abcd-efgh-jkm0"],
)
def test_a_wrong_code_is_refused_with_a_message_and_nothing_changes(app, ctx, code):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    [issued, _] = create_accounts(admin, unit.id)
    db.session.commit()
    before = state(issued.user.id)
    client = english(app)
    response = submit_setup(client, code)
    assert response.status_code == 404 and "This set-up code is not valid" in text(response)
    if code:
        page = client.get(f"/admin/setup/{code[:3000]}")
        assert page.status_code == 404 and "This set-up code is not valid" in text(page)
    assert state(issued.user.id) == before


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"pin": "1234", "pin_confirm": "1234"}, "pin", "too easy to guess"),
        ({"pin": "0000", "pin_confirm": "0000"}, "pin", "too easy to guess"),
        ({"pin": "12a4", "pin_confirm": "12a4"}, "pin", "4 to 8 digits"),
        ({"pin_confirm": "482916"}, "pin_confirm", "two PINs are not the same"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10 characters"),
        ({"password": "password123", "confirm": "password123"}, "password", "too common"),
        ({"confirm": "something else"}, "confirm", "not the same"),
    ],
)
def test_a_bad_password_or_pin_keeps_the_link(app, ctx, changes, field, message):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    [issued, _] = create_accounts(admin, unit.id)
    db.session.commit()
    before = state(issued.user.id)
    client = english(app)
    response = submit_setup(client, issued.code, **changes)
    assert response.status_code == 422 and message in text(response)
    assert re.search(rf'id="setup-{field}"[^>]*aria-invalid="true"', text(response))
    assert state(issued.user.id) == before
    assert submit_setup(client, issued.code).status_code == 303  # the link still works


def test_guessing_codes_is_rate_limited(app, ctx):
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    [issued, _] = create_accounts(admin, unit.id)
    db.session.commit()
    client = english(app)
    statuses = [submit_setup(client, f"abcd-efgh-jk{n:02d}").status_code for n in range(10)]
    assert statuses == [404] * 10
    before = state(issued.user.id)
    blocked = submit_setup(client, issued.code)  # even the right code, from a client that guessed
    assert blocked.status_code == 429
    assert state(issued.user.id) == before


def test_a_successful_set_up_does_not_count_against_the_office(app, ctx):
    """Only refusals count: thirty officers behind one office address all set up."""
    admin = make_user(Role.ADMIN)
    unit = make_unit()
    for _ in range(12):
        make_officer(unit=unit, pin=None)
    issued = create_accounts(admin, unit.id)
    db.session.commit()
    client = english(app)
    for n, link in enumerate(issued):
        assert client.get(f"/admin/setup/{link.code}").status_code == 200
        response = submit_setup(client, link.code, pin=f"{482915 + 7 * n}")
        assert response.status_code == 303, n
        client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/me")})


def test_an_account_waiting_for_its_set_up_cannot_sign_in(client, ctx):
    client.set_cookie("lang", "en")
    admin = make_user(Role.ADMIN)
    unit, siti, *_ = make_office()
    [issued, _] = create_accounts(admin, unit.id)
    db.session.commit()
    response = client.post(
        "/admin/login",
        data={"csrf_token": csrf(client, "/admin/login"), "username": issued.user.username, "password": PASSWORD},
    )
    assert response.status_code == 422 and "Wrong username or password" in text(response)


def test_a_signed_in_visitor_is_sent_to_their_account(client, ctx):
    sign_in(client, make_user(Role.ADMIN))
    response = client.get("/admin/setup")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/me")


def test_two_managers_making_the_same_accounts_at_once(client, admin, monkeypatch):
    """The second finds the accounts made meanwhile: a 409 that says so, and nothing changes."""
    import accounts.setup

    unit, siti, budi, rina = make_office()
    seen = accounts.setup.officers_without_account(admin, unit.id)
    create_accounts(make_user(Role.ADMIN), unit.id)  # the other manager, first
    db.session.commit()
    monkeypatch.setattr(accounts.setup, "officers_without_account", lambda actor, unit_id=None: seen)
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))
    response = client.post(
        "/admin/onboarding/accounts", data={"csrf_token": csrf(client, "/admin/onboarding"), "unit_id": unit.id}
    )
    assert response.status_code == 409 and "Someone made these accounts at the same moment" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == entries
