"""The per-client limits of static QR codes (posters, name plates) hold when a phone clears its
cookies: what is beyond them is kept, flagged RATE_LIMITED and left out of the officer's score."""

import sqlalchemy as sa

from core.db import db
from core.responses import Flag, Response
from tests.survey.test_survey import full_answers, open_form

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
    assert len(counted) == 3  # DEFAULT_DAILY_LIMIT
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
