"""Random and hostile input to the kiosk's public endpoints and the health check: never a 5xx,
never a partial write. Each example is checked against the database before and after."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.db import db
from core.responses import Answer, Response
from kiosk.models import Kiosk
from org.duty import start_duty
from org.models import Duty
from tests.factories import hostile_text, json_values, make_desk, make_kiosk, make_officer, make_period

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def counts():
    db.session.expire_all()
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Response, Answer, Duty, Kiosk))


@pytest.fixture
def paired(client, factories):
    make_period()
    desk = make_desk()
    officer = make_officer(unit=desk.unit, pin="1234")
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    _, token = make_kiosk(desk)
    db.session.commit()
    client.set_cookie("kiosk_token", token, path="/kiosk/")
    return client


def valid_vote():
    return {
        "uuid": str(uuid.uuid4()),
        "value": 3,
        "reasons": ["R_WAKTU"],
        "cast_at": datetime.now(timezone.utc).isoformat(),
        "locale": "id",
    }


@SETTINGS
@given(body=json_values)
def test_any_json_body_to_the_vote_endpoint(paired, body):
    before = counts()
    response = paired.post("/kiosk/vote", json=body)
    assert response.status_code < 500
    after = counts()
    if response.status_code == 201:
        assert after[0] == before[0] + 1 and after[1] > before[1]
    else:
        assert after == before, "a refused vote changed the database"
        assert response.get_json()["message"]


@SETTINGS
@given(
    field=st.sampled_from(["uuid", "value", "reasons", "cast_at", "locale", "extra"]),
    value=st.one_of(json_values, hostile_text),
)
# Times at the edge of the calendar cannot be converted to UTC: once a 500, now a 422.
@example(field="cast_at", value="0001-01-01T00:00:00+14:00")
@example(field="cast_at", value="9999-12-31T23:59:59-14:00")
# Times that convert but leave no room for the windows a vote is judged in: once a 500, now the
# received time (a clock that cannot be believed).
@example(field="cast_at", value="0001-01-01T00:00:00Z")
@example(field="value", value=float("nan"))
@example(field="reasons", value=["R_WAKTU", "R_WAKTU"])
def test_one_hostile_field_in_an_otherwise_valid_vote(paired, field, value):
    vote = valid_vote()
    vote[field] = value
    before = counts()
    response = paired.post("/kiosk/vote", json=vote)
    assert response.status_code < 500
    after = counts()
    if response.status_code == 201:
        assert after[0] == before[0] + 1
        stored = db.session.scalar(sa.select(Response).where(Response.uuid == str(uuid.UUID(vote["uuid"]))))
        assert 1 <= stored.answers[0].value <= 4 and all(a.value in (1, 2, 3, 4) for a in stored.answers)
    else:
        assert after == before


@SETTINGS
@given(
    raw=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
    ),
)
# JSON nested deeper than the parser can follow: once a 500, now refused like any bad JSON.
@example(raw=b"[" * 100_000 + b"]" * 100_000, content_type="application/json")
@example(raw=b'{"a":' * 5_000 + b"1" + b"}" * 5_000, content_type="application/json")
def test_raw_bytes_to_the_vote_endpoint(paired, raw, content_type):
    before = counts()
    response = paired.post("/kiosk/vote", data=raw, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert counts() == before


@SETTINGS
@given(token=hostile_text, body=json_values)
def test_hostile_device_tokens(client, ctx, token, body):
    make_period()
    client.set_cookie("kiosk_token", token, path="/kiosk/")
    before = counts()
    for response in (
        client.post("/kiosk/vote", json=body),
        client.get("/kiosk/"),
        client.get("/kiosk/banner"),
        client.get("/kiosk/duty"),
    ):
        assert response.status_code < 500
    assert counts() == before


@SETTINGS
@given(code=hostile_text, extra=st.dictionaries(hostile_text, hostile_text, max_size=3))
def test_hostile_pairing_codes(client, ctx, code, extra):
    token = client.get("/kiosk/").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    before = counts()
    response = client.post("/kiosk/pair", data={**extra, "code": code, "csrf_token": token})
    assert response.status_code in (400, 429)
    assert counts() == before


@SETTINGS
@given(officer_id=hostile_text, pin=hostile_text, path=st.sampled_from(["/kiosk/duty/start", "/kiosk/duty/end"]))
def test_hostile_duty_forms(paired, officer_id, pin, path):
    html = paired.get("/kiosk/").get_data(as_text=True)
    token = html.split('"X-CSRFToken": "')[1].split('"')[0]
    before = counts()
    response = paired.post(path, data={"officer_id": officer_id, "pin": pin, "csrf_token": token})
    assert response.status_code < 500
    if pin != "1234":
        assert counts() == before


@SETTINGS
@given(
    path=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    query=st.dictionaries(hostile_text, hostile_text, max_size=3),
)
def test_hostile_paths_and_queries(paired, path, query):
    for base in ("/kiosk/", "/kiosk/duty", "/healthz", "/lang/en", "/kiosk/photo/"):
        response = paired.get(base + path.replace("?", "").replace("#", ""), query_string=query)
        assert response.status_code < 500
