"""Accounts: signing in and out, rate limits and locks, passwords, roles and unit scope, the
create-admin command and the demo's accounts."""

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from accounts.errors import LoginError
from accounts.operations import (
    PAIR_FREE,
    authenticate,
    check_password_rules,
    create_admin,
    create_user,
    update_user,
)
from core.db import db
from core.errors import AccessDenied, Invalid
from org import access
from org.duty import start_duty
from org.models import Desk, Officer, Role, SignInFailure, User
from tests.factories import (
    PASSWORD,
    audit_entries,
    csrf,
    make_desk,
    make_officer,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
    text,
)


def login(client, username, password, **kwargs):
    token = csrf(client, "/admin/login")
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token, **kwargs})


@pytest.fixture
def english(client):
    client.set_cookie("lang", "en")
    return client


# --- Signing in ----------------------------------------------------------------------------------


def test_the_sign_in_page_is_in_indonesian_by_default(client):
    html = text(client.get("/admin/login"))
    assert 'lang="id"' in html and "Masuk" in html
    assert 'autocomplete="current-password"' in html and 'for="login-username"' in html


def test_signing_in_sets_a_locked_down_session_cookie(client, ctx):
    user = make_user(Role.ADMIN, username="Rina")
    response = login(client, "rina", PASSWORD)  # usernames are not case-sensitive
    assert response.status_code == 303 and response.headers["Location"] == "/admin/"
    [cookie] = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert attribute in cookie
    assert "Expires" not in cookie  # gone when the browser closes: no "remember me" on a shared PC
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None
    assert client.get("/admin/").status_code == 200


def test_a_wrong_password_is_refused_and_counted(english, ctx):
    user = make_user(Role.ADMIN)
    response = login(english, user.username, "not the password")
    assert response.status_code == 422
    assert "Wrong username or password." in text(response)
    assert english.get("/admin/").status_code == 302  # not signed in
    # Counted where it came from (tests/accounts/test_lockout.py), not on the account.
    assert [
        (row.username, row.failures)
        for row in db.session.scalars(sa.select(SignInFailure).where(SignInFailure.username.is_not(None)))
    ] == [(user.username.lower(), 1)]


def test_an_unknown_username_gets_the_same_answer(english, ctx):
    response = login(english, "nobody", "whatever-it-is")
    assert response.status_code == 422 and "Wrong username or password." in text(response)


def test_a_switched_off_account_cannot_sign_in(english, ctx):
    user = make_user(Role.ADMIN, active=False)
    response = login(english, user.username, PASSWORD)
    assert response.status_code == 422 and "switched off" in text(response)


def test_failed_sign_ins_from_one_client_are_slowed_with_a_clear_message(english, ctx):
    user = make_user(Role.ADMIN)
    for _ in range(PAIR_FREE - 1):
        assert login(english, user.username, "wrong password!").status_code == 422
    response = login(english, user.username, "wrong password!")
    assert response.status_code == 429
    assert "Too many failed sign-ins from here. Try again after" in text(response)
    assert 'name="username"' in text(response)  # the form itself, not a bare error page
    assert login(english, user.username, PASSWORD).status_code == 429  # even the right password must wait now
    assert english.get("/admin/").status_code == 302


def test_successful_sign_ins_do_not_use_up_the_limit(app, ctx):
    user = make_user(Role.ADMIN)
    for _ in range(PAIR_FREE + 2):
        client = app.test_client()
        assert login(client, user.username, PASSWORD).status_code == 303


def test_failed_sign_ins_from_many_addresses_do_not_lock_the_account(app, ctx):
    """Ten wrong passwords from ten addresses used to lock the account for everybody."""
    user = make_user(Role.ADMIN)
    for attempt in range(2 * PAIR_FREE):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{attempt}"
        assert login(client, user.username, "wrong password!").status_code == 422
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert login(client, user.username, PASSWORD).status_code == 303


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/admin/officers", "/admin/officers"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("/\\evil.example", "/admin/"),
    ],
)
def test_after_signing_in_only_a_local_page_is_opened(client, ctx, target, expected):
    user = make_user(Role.ADMIN)
    response = login(client, user.username, PASSWORD, next=target)
    assert response.headers["Location"] == expected


def test_an_anonymous_visit_goes_to_sign_in_and_back(client, ctx):
    response = client.get("/admin/officers?q=siti")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")
    assert "Masuk untuk melanjutkan" in text(client.get(response.headers["Location"]))


def test_signing_out(client, ctx):
    sign_in(client, make_user(Role.SUPERVISOR))
    response = post(client, "/admin/logout")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login"
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/logout").status_code == 405  # never by a link: a page could sign you out


def test_the_header_links_to_sign_in_and_out(client, ctx):
    assert 'href="/admin/login"' in text(client.get("/"))
    sign_in(client, make_user(Role.ADMIN, name="Ibu Ani"))
    html = text(client.get("/"))
    assert "Ibu Ani" in html and 'action="/admin/logout"' in html


# --- Passwords ---------------------------------------------------------------------------------------


def test_changing_the_password_signs_out_other_sessions(app, ctx):
    user = make_user(Role.SUPERVISOR)
    here, elsewhere = sign_in(app.test_client(), user), sign_in(app.test_client(), user)
    response = post(
        here, "/admin/password", {"current": PASSWORD, "new": "a much longer secret", "confirm": "a much longer secret"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/me"
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, user.id).password_hash, "a much longer secret")
    assert here.get("/admin/me").status_code == 200
    assert elsewhere.get("/admin/me").status_code == 302
    [entry] = audit_entries(action="password")
    assert entry.user_id == user.id and entry.before is None and entry.after is None  # never the password


@pytest.mark.parametrize(
    "form,field,english,indonesian",
    [
        (
            {"current": "wrong", "new": "a much longer secret", "confirm": "a much longer secret"},
            "current",
            "This is not your current password.",
            "Ini bukan kata sandi Anda sekarang.",
        ),
        (
            {"current": PASSWORD, "new": "a much longer secret", "confirm": "another secret here"},
            "confirm",
            "The two new passwords are not the same.",
            "Kedua kata sandi baru tidak sama.",
        ),
        (
            {"current": PASSWORD, "new": "short", "confirm": "short"},
            "new",
            "A password has at least 10 characters.",
            "Kata sandi paling sedikit 10 karakter.",
        ),
        (
            {"current": PASSWORD, "new": "x" * 201, "confirm": "x" * 201},
            "new",
            "A password has at most 200 characters.",
            "Kata sandi paling banyak 200 karakter.",
        ),
        (
            {"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD},
            "new",
            "Choose a password different from the current one.",
            "Pilih kata sandi yang berbeda dari yang sekarang.",
        ),
    ],
)
def test_a_bad_new_password_is_refused_in_place(client, ctx, form, field, english, indonesian):
    user = make_user(Role.OFFICER)
    sign_in(client, user)
    [page, _] = refused(client, "/admin/password", form, f"password-{field}", english, indonesian)
    assert re.search(rf'aria-describedby="[^"]*password-{field}-error"', text(page))
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, user.id).password_hash, PASSWORD)
    assert audit_entries() == []


def test_a_new_password_must_not_contain_the_username(client, ctx):
    user = make_user(Role.OFFICER, username="budi")
    sign_in(client, user)
    form = {"current": PASSWORD, "new": "budi-budi-2026-xyz", "confirm": "budi-budi-2026-xyz"}
    refused(
        client,
        "/admin/password",
        form,
        "password-new",
        "The password must not contain the username.",
        "Kata sandi tidak boleh memuat nama pengguna.",
    )
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, user.id).password_hash, PASSWORD)


def test_password_rules():
    with pytest.raises(Invalid):
        check_password_rules("short")
    with pytest.raises(Invalid):
        check_password_rules("budi-budi-budi-2026", "budi")
    check_password_rules("budi-budi-budi-2026", "siti")


def test_passwords_are_hashed_with_scrypt(ctx):
    user = make_user(Role.ADMIN)
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash


# --- Roles and scope --------------------------------------------------------------------------------


def test_unit_scope_of_each_role(ctx):
    own, other = make_unit(), make_unit()
    admin = make_user(Role.ADMIN)
    supervisor = make_user(Role.SUPERVISOR, unit=own)
    officer = make_user(Role.OFFICER, officer=make_officer(unit=own))
    assert access.can_manage_unit(admin, other.id)
    assert access.can_manage_unit(supervisor, own.id) and not access.can_manage_unit(supervisor, other.id)
    assert not access.can_manage_unit(officer, own.id)
    supervisor.active = False
    assert not access.can_manage_unit(supervisor, own.id)
    desks = [make_desk(unit=own), make_desk(unit=other)]
    query = sa.select(Desk.id).order_by(Desk.id)
    assert db.session.scalars(access.scoped(query, Desk.unit_id, admin)).all() == [d.id for d in desks]
    supervisor.active = True
    assert db.session.scalars(access.scoped(query, Desk.unit_id, supervisor)).all() == [desks[0].id]
    assert db.session.scalars(access.scoped(query, Desk.unit_id, officer)).all() == []


def test_an_officer_sees_only_their_own_account(client, ctx):
    officer = make_officer(name="Dewi Lestari", position="Analis Pelayanan")
    sign_in(client, make_user(Role.OFFICER, officer=officer))
    home = client.get("/admin/")  # their own home: their figures and what needs them
    assert home.status_code == 200 and "Yang menunggu Anda" in text(home)
    assert "/admin/officers" not in text(home) and "/admin/kiosks" not in text(home)
    html = text(client.get("/admin/me"))
    assert "Dewi Lestari" in html and officer.unit.name in html and "/admin/password" in html
    assert "/admin/officers" not in html and "/admin/kiosks" not in html  # no links to what they may not use
    assert client.get("/admin/officers").status_code == 403


def test_a_supervisor_sees_only_their_unit(client, ctx):
    own, other = make_unit(name="Kecamatan Satu"), make_unit(name="Kecamatan Dua")
    make_officer(unit=own, name="Agus Milik"), make_officer(unit=other, name="Budi Lain")
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    html = text(client.get("/admin/officers"))
    assert "Agus Milik" in html and "Budi Lain" not in html
    units = text(client.get("/admin/units"))
    assert "Kecamatan Satu" in units and "Kecamatan Dua" not in units
    assert "/admin/periods" not in text(client.get("/admin/"))


# --- Managing accounts ------------------------------------------------------------------------------


def test_an_administrator_creates_accounts_for_each_role(client, ctx, counter):
    unit = make_unit()
    officer = make_officer(unit=unit)
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    response = post(
        client,
        "/admin/users",
        {
            "username": "kepala",
            "role": "supervisor",
            "unit_id": unit.id,
            "password": "long enough secret",
            "active": "1",
        },
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "user-created"
    response = post(
        client,
        "/admin/users",
        {
            "username": "petugas1",
            "role": "officer",
            "officer_nip": officer.nip,
            "password": "long enough secret",
            "active": "1",
        },
    )
    assert response.status_code == 303
    supervisor = db.session.scalar(sa.select(User).where(User.username == "kepala"))
    assert (supervisor.role, supervisor.unit_id) == (Role.SUPERVISOR, unit.id)
    account = db.session.scalar(sa.select(User).where(User.username == "petugas1"))
    assert (account.officer_id, account.unit_id) == (officer.id, unit.id)
    created = audit_entries(entity="user", action="create")
    assert [e.label for e in created] == ["kepala", "petugas1"] and all("password_hash" not in e.after for e in created)


@pytest.mark.parametrize(
    "form,field,english,indonesian",
    [
        (
            {"username": "a", "role": "admin"},
            "username",
            "Use 3 to 80 letters, digits, dots, dashes or underscores.",
            "Gunakan 3 sampai 80 huruf, angka, titik, tanda hubung, atau garis bawah.",
        ),
        (
            {"username": "TAKEN", "role": "admin"},
            "username",
            "This username is already used.",
            "Nama pengguna ini sudah dipakai.",
        ),
        (
            {"username": "kepala2", "role": "supervisor"},
            "unit_id",
            "Choose the unit of this supervisor.",
            "Pilih unit atasan ini.",
        ),
        (
            {"username": "kepala3", "role": "supervisor", "unit_id": "999999"},
            "unit_id",
            "Choose a unit from the list.",
            "Pilih unit dari daftar.",
        ),
        (
            {"username": "petugas2", "role": "officer", "officer_nip": "198001012005011999"},
            "officer_nip",
            "No officer has this NIP.",
            "Tidak ada pegawai dengan NIP ini.",
        ),
        (
            {"username": "petugas3", "role": "officer"},
            "officer_nip",
            "Enter the NIP of the officer this account belongs to.",
            "Tulis NIP pegawai pemilik akun ini.",
        ),
        ({"username": "someone", "role": "emperor"}, "role", "Choose one of the options.", "Pilih salah satu pilihan."),
        (
            {"username": "shortpw", "role": "admin", "password": "abc"},
            "password",
            "A password has at least 10 characters.",
            "Kata sandi paling sedikit 10 karakter.",
        ),
        (
            {"username": "rahasia", "role": "admin", "password": "rahasia-sekali-123"},
            "password",
            "The password must not contain the username.",
            "Kata sandi tidak boleh memuat nama pengguna.",
        ),
    ],
)
def test_bad_accounts_are_refused_in_place(client, ctx, counter, form, field, english, indonesian):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    form = {"password": "long enough secret", **form}
    if form["username"] == "TAKEN":
        form["username"] = admin.username.upper()  # usernames are not case-sensitive
    before = counter(User)
    refused(client, "/admin/users", form, f"user-new-{field}", english, indonesian)
    assert counter(User) == before and audit_entries() == []


def test_an_officers_nip_has_one_account_only(client, ctx, counter):
    officer = make_officer()
    make_user(Role.OFFICER, officer=officer)
    sign_in(client, make_user(Role.ADMIN))
    before = counter(User)
    refused(
        client,
        "/admin/users",
        {
            "username": "kedua",
            "role": "officer",
            "officer_nip": officer.nip,
            "password": "long enough secret",
            "active": "1",
        },
        "user-new-officer_nip",
        "This officer already has an account.",
        "Pegawai ini sudah memiliki akun.",
    )
    assert counter(User) == before


def test_resetting_a_password_signs_the_account_out_and_unlocks_it(app, ctx):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.SUPERVISOR)
    now = datetime.now(timezone.utc)
    for _ in range(PAIR_FREE):
        with pytest.raises(LoginError):
            authenticate(user.username, "wrong", now, address="203.0.113.9")
    db.session.commit()
    theirs = sign_in(app.test_client(), user)
    client = sign_in(app.test_client(), admin)
    response = post(
        client,
        f"/admin/users/{user.id}/edit",
        {
            "username": user.username,
            "role": "supervisor",
            "unit_id": user.unit_id,
            "active": "1",
            "new_password": "brand new secret",
        },
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "user-saved"
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert check_password_hash(user.password_hash, "brand new secret")
    assert (
        db.session.scalars(sa.select(SignInFailure).where(SignInFailure.username == user.username.lower())).all() == []
    )
    assert theirs.get("/admin/").status_code == 302
    assert [e.action for e in audit_entries(entity="user", entity_id=user.id)] == ["password_reset"]


def test_an_administrator_cannot_demote_themselves(client, ctx):
    admin = make_user(Role.ADMIN)
    sign_in(client, admin)
    client.set_cookie("lang", "en")
    response = post(
        client,
        f"/admin/users/{admin.id}/edit",
        {"username": admin.username, "role": "officer", "officer_nip": make_officer().nip, "active": "1"},
        htmx=True,
    )
    assert response.status_code == 409 and "your own account" in text(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN


# --- The command line and the demo ------------------------------------------------------------------


def test_create_admin_command(runner, ctx):
    result = runner.invoke(
        args=["create-admin", "--username", "pusat", "--name", "Admin Pusat", "--password", "a long admin secret"]
    )
    assert result.exit_code == 0, result.output
    assert "pusat" in result.output
    user = db.session.scalar(sa.select(User).where(User.username == "pusat"))
    assert user.role == Role.ADMIN and check_password_hash(user.password_hash, "a long admin secret")
    [entry] = audit_entries(entity="user")
    assert entry.username == "cli" and entry.user_id is None
    again = runner.invoke(args=["create-admin", "--username", "pusat", "--password", "a long admin secret"])
    assert again.exit_code != 0 and "sudah dipakai" in again.output
    short = runner.invoke(args=["create-admin", "--username", "lain", "--password", "pendek"])
    assert short.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_accounts_are_made_once_and_can_sign_in(app, ctx):
    from demo.data import DEMO_ACCOUNTS, ensure_demo_accounts

    unit = make_unit()
    officer = make_officer(unit=unit, name="Siti Rahmawati")
    logins = ensure_demo_accounts(datetime.now(timezone.utc))
    db.session.commit()
    assert [(role, name) for role, name, _, _ in logins] == [(r, n) for r, n, _ in DEMO_ACCOUNTS]
    assert ensure_demo_accounts(datetime.now(timezone.utc)) == logins  # again: nothing new
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3
    roles = {u.username: (u.role, u.unit_id, u.officer_id) for u in db.session.scalars(sa.select(User))}
    assert roles["supervisor"] == (Role.SUPERVISOR, unit.id, None)
    assert roles["officer"] == (Role.OFFICER, unit.id, officer.id)
    for _, username, password, _ in logins:
        assert login(app.test_client(), username, password).status_code == 303
    assert db.session.get(Officer, officer.id).name == "Siti Rahmawati"


def test_the_demo_command_prints_the_logins(runner, ctx, monkeypatch):
    from demo import data as demo

    def small_demo(seed, now):
        make_desk(unit=make_officer().unit)
        return "Demo loaded (small)."

    monkeypatch.setattr(demo, "load_demo", small_demo)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for _, username, password in demo.DEMO_ACCOUNTS:
        assert re.search(rf"{username} / {password}", result.output)


# --- An officer's own page: a one-time survey code for the citizen just served ------------------------


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


def test_the_list_of_accounts_costs_the_same_for_two_officers_or_ten(client, admin):
    def queries() -> int:
        client.get("/admin/users")
        statements = []

        def count(*_args):
            statements.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/admin/users").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    unit = make_unit()
    for _ in range(2):
        make_user(Role.OFFICER, officer=make_officer(unit=unit))
    few = queries()
    for _ in range(8):
        make_user(Role.OFFICER, officer=make_officer(unit=make_unit()))
    assert queries() == few


def test_only_an_administrator_creates_or_changes_an_account(ctx, counter):
    supervisor = make_user(Role.SUPERVISOR)
    values = dict(username="baru", name="", role="admin", active=True)
    with pytest.raises(AccessDenied):
        create_user(supervisor, values, PASSWORD)
    with pytest.raises(AccessDenied):
        update_user(supervisor, supervisor, dict(values, username=supervisor.username, role="admin"))
    db.session.rollback()
    assert counter(User) == 1 and db.session.get(User, supervisor.id).role == Role.SUPERVISOR
    assert create_admin("pertama", "a long enough password").role == Role.ADMIN  # the command line: no actor
