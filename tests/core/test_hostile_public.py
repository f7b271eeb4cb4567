"""Random and hostile input to the phone survey and the sign-in form: never a 5xx, never a
partial write. (The kiosk's endpoints have their own file, test_hostile_kiosk.py.)"""

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appraisal.models import Indicator
from core.audit import AuditLog
from core.db import db
from core.extensions import limiter
from core.responses import Answer, Response
from org.duty import start_duty
from org.models import Role, User
from survey.models import ServiceCode
from tests.factories import hostile_text, make_desk, make_officer, make_period, make_user

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIELDS = ["service", "gender", "age_band", "education", "occupation", "comment", "uuid", "next", "lang"]


def counts():
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Response, Answer, ServiceCode, User, AuditLog)
    )


def form_token(client, path: str) -> tuple[str, str]:
    html = client.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    found = re.search(r'name="uuid" value="([^"]+)"', html)
    return csrf, found.group(1) if found else str(uuid.uuid4())


@pytest.fixture
def desk_code(factories):
    make_period()
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return desk.code


def question_fields() -> list[str]:
    ids = db.session.scalars(sa.select(Indicator.id).where(Indicator.skm_element.is_not(None))).all()
    return [f"q{i}" for i in ids]


@SETTINGS
@given(
    answers=st.lists(st.one_of(st.sampled_from(["1", "2", "3", "4"]), hostile_text), min_size=9, max_size=9),
    extra=st.dictionaries(st.sampled_from(FIELDS), hostile_text, max_size=4),
)
@example(answers=["4"] * 9, extra={"comment": "x" * 5000})
@example(answers=["4"] * 8 + ["5"], extra={})
@example(answers=["4"] * 9, extra={"uuid": "not-a-uuid"})
def test_hostile_survey_forms(client, desk_code, answers, extra):
    csrf, response_uuid = form_token(client, f"/s/{desk_code}")
    form = {"csrf_token": csrf, "uuid": response_uuid, **dict(zip(question_fields(), answers)), **extra}
    before = counts()
    response = client.post(f"/s/{desk_code}", data=form)
    assert response.status_code < 500
    after = counts()
    if response.status_code in (200, 303):
        assert after[0] in (before[0], before[0] + 1)  # one response, or none for a resubmission
        if after[0] == before[0] + 1:
            stored = db.session.scalar(sa.select(Response).order_by(Response.id.desc()).limit(1))
            assert len(stored.answers) == 9 and all(1 <= a.value <= 4 for a in stored.answers)
    else:
        assert after == before, "a refused survey changed the database"


@SETTINGS
@given(code=hostile_text, body=st.dictionaries(hostile_text, hostile_text, max_size=4))
def test_hostile_survey_codes(client, ctx, code, body):
    make_period()
    before = counts()
    path = "/s/" + re.sub(r"[/?#]", "", code) if code.strip("/?#") else "/s/x"
    for response in (client.get(path), client.post(path, data=body), client.get(path + "/thanks")):
        assert response.status_code < 500
    assert counts() == before


@pytest.fixture
def real_admin(ctx):
    return make_user(Role.ADMIN, username="real-admin")


@SETTINGS
@given(username=hostile_text, password=hostile_text, next_page=hostile_text)
@example(username="admin' --", password="' OR '1'='1", next_page="//evil.example/")
def test_hostile_sign_in(client, real_admin, username, password, next_page):
    limiter.reset()  # every example reaches the password check, not just the first five
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").get_data(as_text=True)).group(1)
    before = counts()
    response = client.post(
        "/admin/login", data={"csrf_token": csrf, "username": username, "password": password, "next": next_page}
    )
    assert response.status_code in (401, 422, 429) or (
        response.status_code < 500 and "/admin/login" in response.headers.get("Location", "/admin/login")
    )
    # A failed sign-in may count the failure, but creates and deletes nothing.
    assert counts()[:4] == before[:4]
    assert "evil.example" not in response.headers.get("Location", "")


@pytest.mark.parametrize("path", ["/", "/healthz", "/kiosk/pair", "/admin/login", "/lang/en", "/kiosk/vote"])
@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000])
def test_json_nested_too_deep_for_the_parser_is_bad_input_everywhere(client, ctx, path, body):
    before = counts()
    response = client.post(path, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert counts() == before


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reports/1/officers/99999999999999999999",
        "/admin/units/2147483648/edit",
        "/admin/reports/9223372036854775808/units/1",
        "/kiosk/photo/18446744073709551616",
    ],
)
def test_a_number_no_id_can_be_in_an_address_is_not_found(client, admin, path):
    response = client.get(path)
    assert response.status_code == 404 and "This page does not exist." in response.get_data(as_text=True)


HUGE = "100000000000000000000"


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/reports?period={HUGE}",
        f"/admin/reports?period=1&unit={HUGE}&officer={HUGE}",
        f"/admin/comments?unit={HUGE}&period={HUGE}",
        f"/admin/periods?page={HUGE}",
        f"/admin/officers?unit={HUGE}&page={HUGE}",
        f"/admin/audit?user={HUGE}&entity_id={HUGE}",
        f"/admin/duty?desk={HUGE}&officer={HUGE}",
        f"/admin/kiosks?unit={HUGE}",
        "/admin/reports?period=%C2%B2",
        "/admin/periods?page=%C2%B2",
    ],
)
def test_a_number_no_id_can_be_in_a_query_is_no_filter(client, admin, path):
    """Such a number filters on nothing (or is the last page): the page, never a server error."""
    response = client.get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("position", ["99999999999999999999", "2147483648", "-2147483649"])
def test_a_number_no_column_holds_is_refused_in_its_field(client, admin, position):
    from core.db import db as database
    from org.models import Service
    from tests.factories import make_unit, post

    unit = make_unit()
    response = post(client, f"/admin/units/{unit.id}/services", {"name_id": "Akta", "position": position}, htmx=True)
    assert response.status_code == 422 and "Enter a whole number." in response.get_data(as_text=True)
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


@pytest.mark.parametrize("path", ["/kiosk/vote", "/admin/login", "/s/ABCD"])
def test_a_request_larger_than_any_upload_is_refused_before_it_is_read(client, ctx, path):
    before = counts()
    response = client.post(path, data=b"x" * (5 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    # The limit of that address (core.limits): the vote's is small, a form's not much larger.
    limit = "16 KB" if path == "/kiosk/vote" else "64 KB"
    assert response.get_json()["message"] == f"Yang Anda kirim terlalu besar: paling banyak {limit} di sini."
    assert counts() == before
