"""Sessions held on the server (``accounts.sessions``): a cookie is worth only what the server still
holds for it. Signing out, a new password and an administrator's reset end every session of the
account, copies of the cookie included; an idle session and an old one end whatever the cookie
says. The clock is moved, never waited for: the checks take the time as an argument, and the
HTTP tests move the stored times back instead."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from accounts.models import UserSession
from accounts.sessions import TOUCH_EVERY, end_sessions, load_session, start_session
from core.db import db
from org.models import Role, User
from tests.factories import PASSWORD, csrf, make_user, post, sign_in

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def _sessions(user) -> list[UserSession]:
    user_id = user if isinstance(user, int) else user.id
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id))
    )


def _copy(app, client):
    """Another browser holding a copy of ``client``'s session cookie, as someone who took it would."""
    other = app.test_client()
    cookie = client.get_cookie("session")
    other.set_cookie("session", cookie.value)
    return other


def _signed_in(client) -> bool:
    response = client.get("/admin/me")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _age(user, **delta):
    """Move the account's sessions back in time, as if ``delta`` had passed since they were used."""
    shift = timedelta(**delta)
    for stored in _sessions(user):
        stored.created_at -= shift
        stored.last_seen_at -= shift
    db.session.commit()


# --- The rules, with the clock in hand ------------------------------------------------------------


def test_the_server_keeps_only_a_hash_of_the_token(app, ctx):
    user = make_user(Role.ADMIN)
    key = start_session(user, T0)
    db.session.commit()
    user_id, token = key.split(":")
    [stored] = _sessions(user)
    assert int(user_id) == user.id and len(token) >= 40
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert load_session(key, T0) is user and user.get_id() == key


@pytest.mark.parametrize(
    "key", [None, "", "x", "1", "1:", ":abc", "abc:def", "99999999999999999999:abc", "1:" + "a" * 500]
)
def test_a_key_the_server_never_gave_is_nobody(ctx, key):
    make_user(Role.ADMIN)
    assert load_session(key, T0) is None


def test_a_token_of_another_account_is_nobody(ctx):
    mine, theirs = make_user(Role.ADMIN), make_user(Role.ADMIN)
    key = start_session(theirs, T0)
    db.session.commit()
    assert load_session(f"{mine.id}:{key.split(':')[1]}", T0) is None


def test_an_idle_session_ends(app, ctx):
    user = make_user(Role.SUPERVISOR)
    key = start_session(user, T0)
    db.session.commit()
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    assert load_session(key, T0 + idle - timedelta(seconds=1)) is user  # used just in time: it goes on
    assert load_session(key, T0 + 2 * idle - timedelta(seconds=2)) is user
    assert load_session(key, T0 + 3 * idle) is None


def test_a_used_session_still_ends_at_its_lifetime(app, ctx):
    user = make_user(Role.SUPERVISOR)
    key = start_session(user, T0)
    db.session.commit()
    lifetime = timedelta(hours=app.config["SESSION_LIFETIME_HOURS"])
    now = T0
    while now + timedelta(minutes=30) < T0 + lifetime:  # used every half hour, never idle
        now += timedelta(minutes=30)
        assert load_session(key, now) is user, now
    assert load_session(key, T0 + lifetime) is None


def test_last_seen_is_written_at_most_once_a_minute(ctx):
    user = make_user(Role.ADMIN)
    key, user_id = start_session(user, T0), user.id
    db.session.commit()
    for seconds in (10, 30, 59):
        db.session.remove()  # a new request
        assert load_session(key, T0 + timedelta(seconds=seconds)) is not None
    assert _sessions(user_id)[0].last_seen_at == T0
    db.session.remove()
    load_session(key, T0 + TOUCH_EVERY + timedelta(seconds=1))
    db.session.remove()
    assert _sessions(user_id)[0].last_seen_at == T0 + TOUCH_EVERY + timedelta(seconds=1)


def test_a_switched_off_account_has_no_session(ctx):
    user = make_user(Role.ADMIN)
    key = start_session(user, T0)
    user.active = False
    db.session.commit()
    assert load_session(key, T0) is None


def test_ending_sessions_ends_all_of_the_account_only(ctx):
    user, other = make_user(Role.ADMIN), make_user(Role.ADMIN)
    keys = [start_session(user, T0) for _ in range(3)]
    kept = start_session(other, T0)
    db.session.commit()
    assert end_sessions(user, T0 + timedelta(minutes=5)) == 3
    db.session.commit()
    assert all(load_session(key, T0 + timedelta(minutes=6)) is None for key in keys)
    assert load_session(kept, T0 + timedelta(minutes=6)) is other
    assert all(s.revoked_at == T0 + timedelta(minutes=5) for s in _sessions(user))


def test_signing_in_clears_away_the_accounts_dead_sessions(app, ctx):
    user = make_user(Role.ADMIN)
    old = start_session(user, T0)
    start_session(user, T0)
    db.session.commit()
    end_sessions(user, T0)
    live = start_session(user, T0 + timedelta(minutes=1))
    expired = T0 + timedelta(hours=app.config["SESSION_LIFETIME_HOURS"], minutes=1)
    fresh = start_session(user, expired)
    db.session.commit()
    assert [s.token_hash for s in _sessions(user)] == [hashlib.sha256(fresh.split(":")[1].encode()).hexdigest()]
    assert load_session(old, T0) is None and load_session(live, T0) is None


# --- Through the browser ----------------------------------------------------------------------------


def test_signing_in_starts_a_session_on_the_server(client, ctx):
    user = make_user(Role.ADMIN)
    response = client.post(
        "/admin/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": csrf(client, "/admin/login")},
    )
    assert response.status_code == 303
    [stored] = _sessions(user)
    assert stored.revoked_at is None and stored.created_at == stored.last_seen_at
    with client.session_transaction() as session:
        user_id, token = session["_user_id"].split(":")
    assert int(user_id) == user.id and stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert _signed_in(client)


def test_a_cookie_copied_before_signing_out_is_worth_nothing_after(app, client, ctx):
    user = make_user(Role.SUPERVISOR)
    sign_in(client, user)
    other_browser = sign_in(app.test_client(), user)
    stolen = _copy(app, client)
    assert _signed_in(stolen) and _signed_in(other_browser)
    client.set_cookie("lang", "en")
    response = post(client, "/admin/logout", follow_redirects=True)
    assert "You have signed out, here and on every other device." in response.get_data(as_text=True)
    assert not _signed_in(client)
    assert not _signed_in(stolen)
    assert not _signed_in(other_browser)  # signing out ends every session of the account
    assert all(s.revoked_at is not None for s in _sessions(user))


def test_a_new_password_ends_every_other_session_and_keeps_this_one(app, client, ctx):
    user = make_user(Role.OFFICER)
    sign_in(client, user)
    stolen = _copy(app, client)
    elsewhere = sign_in(app.test_client(), user)
    response = post(
        client,
        "/admin/password",
        {"current": PASSWORD, "new": "a much longer secret", "confirm": "a much longer secret"},
    )
    assert response.status_code == 303
    assert _signed_in(client)
    assert not _signed_in(stolen) and not _signed_in(elsewhere)
    live = [s for s in _sessions(user) if s.revoked_at is None]
    assert len(live) == 1  # this browser's new one


def test_an_administrators_reset_ends_every_session_of_the_account(app, ctx):
    admin, user = make_user(Role.ADMIN), make_user(Role.SUPERVISOR)
    theirs = sign_in(app.test_client(), user)
    copy = _copy(app, theirs)
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
    assert response.status_code == 200
    assert not _signed_in(theirs) and not _signed_in(copy)
    assert _signed_in(client)  # the administrator's own session is not touched


def test_an_idle_session_is_signed_out_by_the_server(app, client, ctx):
    user = make_user(Role.ADMIN)
    sign_in(client, user)
    assert _signed_in(client)
    _age(user, minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")


def test_a_busy_session_is_signed_out_at_its_lifetime(app, client, ctx):
    user = make_user(Role.ADMIN)
    sign_in(client, user)
    _age(user, hours=app.config["SESSION_LIFETIME_HOURS"] - 1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=datetime.now(timezone.utc)))  # just used
    db.session.commit()
    assert _signed_in(client)
    _age(user, hours=1, seconds=1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=datetime.now(timezone.utc)))
    db.session.commit()
    assert not _signed_in(client)


def test_a_request_marks_the_session_seen(client, ctx):
    user = make_user(Role.ADMIN)
    sign_in(client, user)
    _age(user, minutes=5)
    before = _sessions(user)[0].last_seen_at
    assert _signed_in(client)
    assert _sessions(user)[0].last_seen_at > before + timedelta(minutes=4)


def test_a_switched_off_account_is_signed_out_at_once(client, ctx):
    user = make_user(Role.SUPERVISOR)
    sign_in(client, user)
    db.session.get(User, user.id).active = False
    db.session.commit()
    assert not _signed_in(client)


def test_a_pages_background_poll_does_not_keep_an_idle_session_alive(client, ctx):
    """The alerts badge polls every 20 s: were each poll counted as use, an admin tab left open
    would never be signed out."""
    user = make_user(Role.SUPERVISOR)
    sign_in(client, user)
    _age(user, minutes=10)
    [before] = _sessions(user)
    seen = before.last_seen_at
    poll = client.get("/admin/alerts/badge", headers={"HX-Request": "true", "X-Background-Poll": "1"})
    assert poll.status_code == 200
    assert _sessions(user)[0].last_seen_at == seen
    assert client.get("/admin/alerts/badge", headers={"HX-Request": "true"}).status_code == 200  # the person
    assert _sessions(user)[0].last_seen_at > seen
