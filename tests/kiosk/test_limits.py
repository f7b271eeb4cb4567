"""Rate limits: the answer when a limit is hit, that nothing is stored then, and that the
limiter's storage (memory, or Redis when several servers run) never holds a raw IP address."""

import re
import uuid
from datetime import datetime, timezone

import pytest

from core.extensions import limiter
from core.responses import Response
from tests.factories import csrf_token, make_desk, make_kiosk, make_officer, make_period


@pytest.fixture
def vote_limit(app):
    saved = app.config["KIOSK_VOTE_RATE_LIMIT"]
    app.config["KIOSK_VOTE_RATE_LIMIT"] = "3 per minute"
    yield
    app.config["KIOSK_VOTE_RATE_LIMIT"] = saved


def test_a_kiosk_over_its_vote_limit_gets_429_and_nothing_is_stored(client, factories, counter, vote_limit):
    make_period()
    _, token = make_kiosk(make_desk())
    client.set_cookie("kiosk_token", token, path="/kiosk/")
    answers = [
        client.post(
            "/kiosk/vote",
            json={"uuid": str(uuid.uuid4()), "value": 3, "cast_at": datetime.now(timezone.utc).isoformat()},
        )
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[3].get_json()["message"].startswith("Terlalu banyak")
    assert "Retry-After" in answers[3].headers
    assert counter(Response) == 3  # the refused vote stays in the kiosk's queue, to be sent later


def test_each_kiosk_has_its_own_vote_budget(client, factories, counter, vote_limit):
    make_period()
    unit = make_desk().unit
    tokens = [make_kiosk(make_desk(unit=unit))[1] for _ in range(2)]
    for token in tokens:  # the same client address, two devices
        client.set_cookie("kiosk_token", token, path="/kiosk/")
        for _ in range(3):
            assert client.post("/kiosk/vote", json={"uuid": str(uuid.uuid4()), "value": 2}).status_code == 201
    assert counter(Response) == 6


def test_pairing_attempts_are_limited_per_client(client, ctx):
    token = csrf_token(client)
    statuses = [
        client.post("/kiosk/pair", data={"code": f"WRONG-{i:03d}", "csrf_token": token}).status_code for i in range(11)
    ]
    assert statuses == [400] * 10 + [429]
    assert "Terlalu banyak" in client.post("/kiosk/pair", data={"code": "X", "csrf_token": token}).get_data(
        as_text=True
    )


def test_pin_attempts_are_limited_per_kiosk(client, factories):
    desk = make_desk()
    officers = [make_officer(unit=desk.unit) for _ in range(3)]  # spread over officers: no PIN lock
    _, token = make_kiosk(desk)
    client.set_cookie("kiosk_token", token, path="/kiosk/")
    csrf = csrf_token(client)
    statuses = [
        client.post(
            "/kiosk/duty/start", data={"officer_id": officers[i % 3].id, "pin": "0000", "csrf_token": csrf}
        ).status_code
        for i in range(11)
    ]
    assert statuses == [422] * 10 + [429]


def test_the_limiter_never_stores_a_raw_ip_address(client, ctx):
    token = csrf_token(client)
    client.post("/kiosk/pair", data={"code": "NOPE", "csrf_token": token}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    storage = limiter.storage
    if hasattr(storage, "storage") and isinstance(storage.storage, dict):  # memory://
        keys = [str(k) for k in storage.storage]
    else:  # redis://
        keys = [k.decode() for k in storage.get_connection().keys("*")]
    assert keys, "the limiter counted nothing"
    assert not any("203.0.113.77" in key or "127.0.0.1" in key for key in keys)
    assert any(re.search(r"[0-9a-f]{32}", key) for key in keys)
