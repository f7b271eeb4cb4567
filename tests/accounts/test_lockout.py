"""Lock-outs that cannot be used against someone: failed sign-ins slow down the source they come
from, not the account; wrong PINs are counted atomically however many arrive at once; a
supervisor or an administrator sees each lock, in the unit's local time, and clears it (audited)."""

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from accounts.errors import LoginError
from accounts.operations import PAIR_FREE, SOURCE_FREE, authenticate, sign_in_source
from core.db import db
from org import duty as duty_module
from org.duty import PIN_MAX_FAILURES, check_pin
from org.errors import DutyError
from org.models import Duty, Officer, Role, SignInFailure, User
from tests.factories import (
    PASSWORD,
    audit_entries,
    csrf,
    csrf_token,
    make_desk,
    make_kiosk,
    make_officer,
    make_unit,
    make_user,
    paired_client,
    post,
    sign_in,
    text,
)

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
ZONE_JAKARTA, ZONE_JAYAPURA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")


def client_at(app, address, lang="en"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.set_cookie("lang", lang)
    return client


def login(client, username, password):
    token = csrf(client, "/admin/login")
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})


def failures(**where):
    db.session.expire_all()
    return db.session.scalars(sa.select(SignInFailure).filter_by(**where)).all()


# --- Signing in ---------------------------------------------------------------------------------


def test_an_attackers_wrong_passwords_do_not_keep_the_owner_out_from_elsewhere(app, ctx):
    admin = make_user(Role.ADMIN, username="admin")
    attacker = client_at(app, ATTACKER)
    for attempt in range(1, PAIR_FREE):
        assert login(attacker, "admin", f"guess number {attempt}").status_code == 422
    response = login(attacker, "admin", "guess number five")
    assert response.status_code == 429
    assert "Too many failed sign-ins from here" in text(response) and 'name="username"' in text(response)
    # Refused before the password is even compared: the right one from there must wait too.
    assert login(attacker, "admin", PASSWORD).status_code == 429
    assert attacker.get("/admin/").status_code == 302

    owner = client_at(app, OWNER)
    assert login(owner, "admin", PASSWORD).status_code == 303
    assert owner.get("/admin/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, admin.id).last_login_at is not None
    # The attacker's count is theirs, and stays after the owner signed in.
    [row] = failures(username="admin")
    assert row.source == ATTACKER and row.failures == PAIR_FREE and row.blocked_until is not None


def test_a_browser_that_signed_in_before_is_not_held_back_by_its_offices_address(app, ctx):
    """Behind one NAT: a colleague (the attacker) fails on the owner's name and on many others;
    the owner's own browser still gets in, and only new browsers at that address wait."""
    make_user(Role.SUPERVISOR, username="rina")
    owner = client_at(app, ATTACKER)
    assert login(owner, "rina", PASSWORD).status_code == 303
    assert owner.get_cookie("signin_device", path="/admin/") is not None
    owner.post("/admin/logout", data={"csrf_token": csrf(owner)})

    attacker = client_at(app, ATTACKER)
    for attempt in range(SOURCE_FREE + 2):
        login(attacker, "rina" if attempt % 2 else f"someone{attempt}", f"wrong {attempt}")
    assert login(attacker, "rina", PASSWORD).status_code == 429
    assert login(client_at(app, ATTACKER), "rina", PASSWORD).status_code == 429  # a new browser there waits
    assert login(owner, "rina", PASSWORD).status_code == 303  # the owner's browser does not


def test_one_source_trying_many_names_is_slowed_whatever_the_name(app, ctx):
    user = make_user(Role.ADMIN)
    sprayer = client_at(app, ATTACKER)
    for attempt in range(SOURCE_FREE - 1):
        assert login(sprayer, f"name{attempt}", "Password123!").status_code == 422
    assert login(sprayer, "name-last", "Password123!").status_code == 429
    assert login(sprayer, user.username, PASSWORD).status_code == 429
    assert login(client_at(app, OWNER), user.username, PASSWORD).status_code == 303
    [source] = failures(key=f"source:{ATTACKER}")
    assert source.failures == SOURCE_FREE and source.username is None


def test_each_further_failure_waits_longer_and_the_wait_ends(ctx):
    user = make_user(Role.ADMIN)
    now = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)
    for _ in range(PAIR_FREE - 1):
        with pytest.raises(LoginError) as error:
            authenticate(user.username, "wrong", now, address=ATTACKER)
        assert error.value.code == "bad_credentials"
    waits = []
    for _ in range(3):
        with pytest.raises(LoginError) as error:
            authenticate(user.username, "wrong", now, address=ATTACKER)
        assert error.value.code == "throttled"
        [row] = failures(username=user.username)
        waits.append(row.blocked_until - now)
        with pytest.raises(LoginError) as error:  # while it waits, not even the right password
            authenticate(user.username, PASSWORD, now + waits[-1] - timedelta(seconds=1), address=ATTACKER)
        assert error.value.code == "throttled"
        now += waits[-1]
    assert waits == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert authenticate(user.username, PASSWORD, now, address=ATTACKER) is user
    assert failures(username=user.username) == []  # the source proved itself for this account


def test_an_unknown_name_is_slowed_like_a_known_one(ctx):
    now = datetime.now(timezone.utc)
    codes = []
    for _ in range(PAIR_FREE + 1):
        with pytest.raises(LoginError) as error:
            authenticate("nobody-at-all", "wrong", now, address=ATTACKER)
        codes.append(error.value.code)
    assert codes == ["bad_credentials"] * (PAIR_FREE - 1) + ["throttled", "throttled"]


def test_failures_are_forgotten_an_hour_after_the_last(ctx):
    user = make_user(Role.ADMIN)
    now = datetime.now(timezone.utc)
    for _ in range(PAIR_FREE - 1):
        with pytest.raises(LoginError):
            authenticate(user.username, "wrong", now, address=ATTACKER)
    with pytest.raises(LoginError) as error:
        authenticate(user.username, "wrong", now + timedelta(hours=1, seconds=1), address=ATTACKER)
    assert error.value.code == "bad_credentials"
    assert failures(username=user.username)[0].failures == 1


def test_the_wait_is_told_in_the_units_local_time(app, ctx):
    unit = make_unit(timezone="Asia/Makassar")
    user = make_user(Role.SUPERVISOR, unit=unit)
    now = datetime(2026, 12, 6, 6, 0, tzinfo=timezone.utc)
    for _ in range(PAIR_FREE - 1):
        with pytest.raises(LoginError):
            authenticate(user.username, "wrong", now, address=ATTACKER)
    with pytest.raises(LoginError) as error:
        authenticate(user.username, "wrong", now, address=ATTACKER)
    assert error.value.params["until"] == "14:01 WITA"
    assert "14:01 WITA" in error.value.message
    # Through the page as well, in Bahasa Indonesia, and never in UTC.
    db.session.query(SignInFailure).delete()
    db.session.commit()
    client = client_at(app, ATTACKER, lang="id")
    for _ in range(PAIR_FREE):
        response = login(client, user.username, "wrong")
    assert response.status_code == 429
    assert "WITA" in text(response) and "UTC" not in text(response)
    assert "Terlalu banyak" in text(response)


@pytest.mark.parametrize(
    "address,source",
    [
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.66", "203.0.113.66"),
        ("203.0.113.66", "203.0.113.66"),
        ("not an address", "unknown"),
    ],
)
def test_an_ipv6_client_is_one_source_for_its_whole_64(address, source):
    assert sign_in_source(address) == source


def test_parallel_failures_each_count(app, ctx):
    username = make_user(Role.ADMIN).username  # each thread has a session of its own; none shares this one
    now = datetime.now(timezone.utc)
    barrier = threading.Barrier(8)

    def fail():
        with app.app_context():
            barrier.wait()
            try:
                authenticate(username, "wrong", now, address=ATTACKER)
            except LoginError:
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [row] = failures(username=username)
    assert row.failures == 8


def test_an_administrator_sees_and_clears_an_accounts_slowed_sign_ins(app, ctx):
    unit = make_unit(timezone="Asia/Jayapura")
    user = make_user(Role.SUPERVISOR, unit=unit, username="budi")
    attacker = client_at(app, ATTACKER)
    for _ in range(PAIR_FREE):
        login(attacker, "budi", "wrong")
    admin = sign_in(client_at(app, OWNER), make_user(Role.ADMIN))
    page = text(admin.get("/admin/users"))
    assert "Sign-in slowed" in page and ATTACKER in page and "WIT (Asia/Jayapura)" in page
    response = post(admin, f"/admin/users/{user.id}/unlock", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "user-saved"
    assert "budi may sign in again." in text(response)
    assert failures(username="budi") == []
    [entry] = [e for e in audit_entries(entity="user", entity_id=user.id) if e.action == "sign_in_unlock"]
    assert entry.before == {"sources": [ATTACKER]} and entry.after == {"sources": []}
    assert login(attacker, "budi", PASSWORD).status_code == 303


def test_only_an_administrator_clears_sign_ins_in_the_accounts_list(app, ctx):
    supervisor = make_user(Role.SUPERVISOR)
    other = make_user(Role.SUPERVISOR, unit=supervisor.unit)
    client = sign_in(app.test_client(), supervisor)
    assert post(client, f"/admin/users/{other.id}/unlock").status_code == 403
    assert [e for e in audit_entries(entity="user") if e.action == "sign_in_unlock"] == []


def test_a_supervisor_clears_the_sign_ins_of_an_officer_of_their_unit(app, ctx):
    unit = make_unit()
    officer = make_officer(unit=unit)
    account = make_user(Role.OFFICER, officer=officer, username="siti")
    supervisor = make_user(Role.SUPERVISOR, unit=unit)
    attacker = client_at(app, ATTACKER)
    for _ in range(PAIR_FREE):
        login(attacker, "siti", "wrong")
    client = sign_in(client_at(app, OWNER), supervisor)
    page = text(client.get(f"/admin/officers/{officer.id}"))
    assert "Too many failed sign-ins to the account siti" in page and "WIB (Asia/Jakarta)" in page
    response = post(client, f"/admin/officers/{officer.id}/sign-in/unlock")
    assert response.status_code == 303
    assert failures(username="siti") == []
    assert [e.action for e in audit_entries(entity="user", entity_id=account.id)] == ["sign_in_unlock"]
    # Another unit's supervisor may not.
    stranger = sign_in(app.test_client(), make_user(Role.SUPERVISOR))
    assert post(stranger, f"/admin/officers/{officer.id}/sign-in/unlock").status_code == 403


# --- Kiosk PINs ---------------------------------------------------------------------------------


class CountingHash:
    """check_password_hash, counting how many PINs were actually compared."""

    def __init__(self, real):
        self.real, self.calls, self.lock = real, 0, threading.Lock()

    def __call__(self, *args):
        with self.lock:
            self.calls += 1
        return self.real(*args)


def test_forty_parallel_wrong_pins_compare_exactly_five(app, ctx, monkeypatch):
    officer = make_officer(pin="1234")
    officer_id = officer.id
    counting = CountingHash(duty_module.check_password_hash)
    monkeypatch.setattr(duty_module, "check_password_hash", counting)
    now = datetime.now(timezone.utc)
    barrier = threading.Barrier(40)
    codes, lock = [], threading.Lock()

    def guess(n):
        with app.app_context():
            barrier.wait()
            try:
                check_pin(db.session.get(Officer, officer_id), f"{n:04d}" if n != 1234 else "0000", now)
                code = "ok"
            except DutyError as error:
                code = error.code
            db.session.commit()
            db.session.remove()
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.calls == PIN_MAX_FAILURES
    assert codes.count("bad_pin") == PIN_MAX_FAILURES - 1 and codes.count("locked") == 40 - (PIN_MAX_FAILURES - 1)
    db.session.expire_all()
    officer = db.session.get(Officer, officer_id)
    assert officer.pin_locked_until is not None and officer.pin_locked_until > now and officer.pin_failures == 0


def test_the_kiosk_tells_when_the_pin_opens_again_in_the_units_time(client, ctx):
    desk = make_desk(unit=make_unit(timezone="Asia/Jayapura"))
    officer = make_officer(unit=desk.unit, pin="1234")
    _, token = make_kiosk(desk)
    paired_client(client, token)
    token_value = csrf_token(client)
    for _ in range(PIN_MAX_FAILURES):
        response = client.post(
            "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "9999", "csrf_token": token_value}
        )
    page = text(response)
    assert response.status_code == 422 and "Terlalu banyak PIN salah" in page
    assert " WIT" in page and "UTC" not in page
    db.session.expire_all()
    until = db.session.get(Officer, officer.id).pin_locked_until.astimezone(ZONE_JAYAPURA)
    assert f"{until:%H:%M} WIT" in page


def test_a_supervisor_sees_and_clears_a_pin_lock_and_the_officer_starts_duty(app, client, ctx):
    desk = make_desk()
    officer = make_officer(unit=desk.unit, pin="1234")
    _, token = make_kiosk(desk)
    paired_client(client, token)
    token_value = csrf_token(client)
    for _ in range(PIN_MAX_FAILURES):
        client.post("/kiosk/duty/start", data={"officer_id": officer.id, "pin": "9999", "csrf_token": token_value})
    supervisor = sign_in(app.test_client(), make_user(Role.SUPERVISOR, unit=desk.unit))
    supervisor.set_cookie("lang", "en")
    page = text(supervisor.get(f"/admin/officers/{officer.id}"))
    db.session.expire_all()
    until = db.session.get(Officer, officer.id).pin_locked_until.astimezone(ZONE_JAKARTA)
    assert f"Locked after too many wrong PINs, until {until:%Y-%m-%d %H:%M} WIB (Asia/Jakarta)." in page
    response = post(supervisor, f"/admin/officers/{officer.id}/pin/unlock", htmx=True)
    assert response.status_code == 200 and "may use their PIN again" in text(response)
    db.session.expire_all()
    cleared = db.session.get(Officer, officer.id)
    assert cleared.pin_locked_until is None and cleared.pin_failures == 0
    [entry] = [e for e in audit_entries(entity="officer", entity_id=officer.id) if e.action == "pin_unlock"]
    assert entry.before["pin_failures"] == 0 and entry.before["pin_locked_until"] is not None
    response = client.post(
        "/kiosk/duty/start", data={"officer_id": officer.id, "pin": "1234", "csrf_token": token_value}
    )
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Duty)) == 1
    # Another unit's supervisor may not clear it.
    stranger = sign_in(app.test_client(), make_user(Role.SUPERVISOR))
    assert post(stranger, f"/admin/officers/{officer.id}/pin/unlock").status_code == 403


def test_wrong_pins_short_of_a_lock_are_shown_and_can_be_cleared(app, ctx):
    officer = make_officer(pin="1234")
    now = datetime.now(timezone.utc)
    for _ in range(2):
        with pytest.raises(DutyError):
            check_pin(officer, "0000", now)
    db.session.commit()
    admin = sign_in(app.test_client(), make_user(Role.ADMIN))
    admin.set_cookie("lang", "en")
    assert "Wrong PINs since the last right one: 2 of 5." in text(admin.get(f"/admin/officers/{officer.id}"))
    assert post(admin, f"/admin/officers/{officer.id}/pin/unlock").status_code == 303
    db.session.expire_all()
    assert db.session.get(Officer, officer.id).pin_failures == 0
