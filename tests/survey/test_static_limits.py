"""The per-client limits of static QR codes (posters, name plates) hold when a phone clears its
cookies: what is beyond them is kept, flagged RATE_LIMITED and left out of the officer's score."""

import pytest
import sqlalchemy as sa

from core.db import db
from core.ratelimits import RateLimitCounter
from core.responses import Flag, Response
from tests.core.test_ratelimits import _workers
from tests.survey.test_survey import full_answers, indicator_ids, open_form

PHONE = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A155F) Chrome/131.0 Mobile",
    "Accept-Language": "id-ID,id;q=0.9,en;q=0.8",
}


def fresh_phone_answer(app, code: str, office, headers=PHONE, address="10.1.2.3"):
    """One response from a browser with no cookie at all (cleared, or a private window)."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    _, fields = open_form(client, code)
    response = client.post(f"/s/{code}", data={**fields, **full_answers(office)}, headers=headers, environ_base=environ)
    assert response.status_code == 303
    return response


def rows() -> list[Response]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


def test_sixty_responses_with_fresh_cookies_count_only_up_to_the_daily_limit(app, office):
    """The attack: one phone, cookies cleared before each response, one officer's name-plate code."""
    for _ in range(60):
        fresh_phone_answer(app, office["dewi_code"], office)
    stored = rows()
    assert len(stored) == 60  # nothing is lost
    counted = [r for r in stored if not r.excluded]
    assert len(counted) == 3  # Config.SURVEY_DAILY_LIMIT
    assert all(r.officer_id == office["dewi_id"] for r in stored)
    assert all(r.flag_set & Flag.RATE_LIMITED and r.excluded for r in stored[3:])


def test_another_phone_behind_the_same_address_has_a_budget_of_its_own(app, office):
    for _ in range(4):
        fresh_phone_answer(app, office["dewi_code"], office)
    other = {**PHONE, "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1"}
    fresh_phone_answer(app, office["dewi_code"], office, headers=other)
    assert [r.excluded for r in rows()] == [False, False, False, True, False]


def test_the_daily_limit_is_per_officer_rated(app, office):
    for code in (office["dewi_code"], office["budi_code"]):
        for _ in range(4):
            fresh_phone_answer(app, code, office)
    assert [r.excluded for r in rows()] == [False, False, False, True] * 2


def test_no_raw_address_or_header_reaches_the_limit_storage(app, office, monkeypatch):
    keys = []
    from core.extensions import limiter

    original = limiter.limiter.hit

    def spy(item, *identifiers, **kwargs):
        keys.append("/".join(identifiers))
        return original(item, *identifiers, **kwargs)

    monkeypatch.setattr(limiter.limiter, "hit", spy)
    fresh_phone_answer(app, office["dewi_code"], office)
    assert keys and not any("10.1.2.3" in key or "Android" in key or "id-ID" in key for key in keys)


@pytest.fixture
def two_workers(app):
    """Two app instances of one install counting limits in the database (the default)."""
    yield from _workers(app, "database://")


def counters() -> dict[str, int]:
    db.session.expire_all()
    return {row.key: row.count for row in db.session.scalars(sa.select(RateLimitCounter))}


def test_in_the_database_the_budgets_hold_across_workers_and_count_what_is_stored(app, office, two_workers):
    """The counters are written in the response's own transaction (core.ratelimits.
    hit_with_transaction): shared by every worker, and a response refused for its answers, which
    stores nothing, spends nothing."""
    for worker in two_workers:
        worker.app.config["SURVEY_RATE_LIMIT"] = "2 per hour"
    code = office["dewi_code"]

    def send(worker, **overrides):
        client = worker.app.test_client()  # no cookie: each response from a fresh browser
        _, fields = open_form(client, code)
        data = {**fields, **full_answers(office, **overrides)}
        worker.client = client
        return worker.post(f"/s/{code}", data=data, environ_base={"REMOTE_ADDR": "10.9.8.7"})

    refused = send(two_workers[0], **{f"q{next(iter(indicator_ids().values()))}": None})
    assert refused.status_code == 303 and "check=1" in refused.headers["Location"]
    assert rows() == [] and counters() == {}

    for worker in (two_workers[0], two_workers[1], two_workers[0]):
        assert send(worker).status_code == 303
    stored = rows()
    assert len(stored) == 3  # nothing is lost
    assert [bool(r.flag_set & Flag.RATE_LIMITED) for r in stored] == [False, False, True]
    hourly = [count for key, count in counters().items() if "survey-response" in key]
    assert hourly == [3]  # one count for the three, across both workers


def test_a_response_the_database_fails_to_store_spends_no_budget(app, office, two_workers, monkeypatch):
    """The counters commit with the response or not at all: the citizen who gets the form back
    (503) and sends it again is counted once."""
    from core.responses import ResponseWriter

    with app.app_context():
        driver_error = db.engine.dialect.loaded_dbapi.OperationalError

    def failing(self, cursor, new, reflags=None, observe_last=None):
        raise driver_error("disk I/O error")

    real_write = ResponseWriter.write
    worker = two_workers[0]
    _, fields = open_form(worker.client, office["dewi_code"])
    data = {**fields, **full_answers(office)}
    monkeypatch.setattr(ResponseWriter, "write", failing)
    failed = worker.post(f"/s/{office['dewi_code']}", data=data)
    assert failed.status_code == 503
    assert rows() == [] and counters() == {}

    monkeypatch.setattr(ResponseWriter, "write", real_write)
    assert worker.post(f"/s/{office['dewi_code']}", data=data).status_code == 303
    assert len(rows()) == 1
    assert sorted(counters().values()) == [1, 1]  # the hour's and the day's, once each
