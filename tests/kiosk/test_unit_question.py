"""A unit's own kiosk question and reasons (issue #17): shown by that unit's kiosks only, stored
with each vote, and taken up by a kiosk already open between two citizens."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator
from appraisal.unit_questions import create_unit_question, set_unit_question_active
from core.db import db
from core.responses import Answer, Response
from org.duty import start_duty
from org.models import Role, Unit
from tests.factories import make_desk, make_kiosk, make_officer, make_user, paired_client, sign_in, text, vote_payload


def config_version(html: str) -> str:
    return re.search(r'id="banner"[^>]*data-config-version="([0-9a-f]+)"', html).group(1)


def screen(client, token) -> str:
    return text(paired_client(client, token).get("/kiosk/"))


def vote(client, token, **overrides):
    return paired_client(client, token).post("/kiosk/vote", json=vote_payload(**overrides))


def stored(vote_uuid: str) -> dict[str, int]:
    db.session.expire_all()
    response = db.session.scalar(sa.select(Response).where(Response.uuid == vote_uuid))
    return dict(
        db.session.execute(
            sa.select(Indicator.code, Answer.value)
            .join(Indicator, Indicator.id == Answer.indicator_id)
            .where(Answer.response_id == response.id)
        ).all()
    )


@pytest.fixture
def own(setup):
    """The kiosk's unit asks its own question and has one reason of its own."""
    admin = make_user(Role.ADMIN)
    unit = db.session.get(Unit, setup["unit_id"])
    question = create_unit_question(
        admin,
        unit,
        {
            "type": "kiosk_question",
            "text_id": "Bagaimana pelayanan loket kami?",
            "text_en": "How was our counter today?",
            "labels_id": ["Buruk", "Kurang", "Baik", "Hebat"],
            "labels_en": ["Bad", "Poor", "Good", "Great"],
        },
    )
    reason = create_unit_question(admin, unit, {"type": "kiosk_reason", "text_id": "Parkir", "text_en": "Parking"})
    db.session.commit()
    return dict(question=question.code, question_id=question.id, reason=reason.code, reason_id=reason.id)


@pytest.fixture
def other_kiosk(setup):
    """A kiosk of another unit, with an officer on duty."""
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    kiosk, token = make_kiosk(desk)
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return token


def test_the_units_kiosk_shows_its_own_question_and_reasons_and_another_unit_the_national(
    client, setup, own, other_kiosk
):
    html = screen(client, setup["token"])
    assert "Bagaimana pelayanan loket kami?" in html and "How was our counter today?" in html
    assert "Hebat" in html and "Great" in html
    assert f'data-reason="{own["reason"]}"' in html and "Parking" in html
    assert 'data-reason="R_WAKTU"' not in html  # its own reasons replace the national ones
    assert "Bagaimana pelayanan yang Anda terima hari ini?" not in html
    elsewhere = screen(client, other_kiosk)
    assert "Bagaimana pelayanan yang Anda terima hari ini?" in elsewhere and 'data-reason="R_WAKTU"' in elsewhere
    assert "Bagaimana pelayanan loket kami?" not in elsewhere and own["reason"] not in elsewhere


def test_a_vote_answers_the_units_own_question_with_its_own_reason(client, setup, own):
    payload = vote_payload(value=2, reasons=[own["reason"]])
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=payload)
    assert response.status_code == 201, text(response)
    assert stored(payload["uuid"]) == {own["question"]: 2, own["reason"]: 1}
    db.session.expire_all()
    row = db.session.scalar(sa.select(Response).where(Response.uuid == payload["uuid"]))
    assert (row.score_sum, row.score_n) == (2, 1)  # the face counts for the kiosk index as before


def test_a_tablet_still_showing_the_national_chips_is_not_refused(client, setup, own):
    payload = vote_payload(value=3, reasons=["R_WAKTU"])
    assert paired_client(client, setup["token"]).post("/kiosk/vote", json=payload).status_code == 201
    assert stored(payload["uuid"]) == {own["question"]: 3, "R_WAKTU": 1}


def test_another_units_reason_is_unknown_to_this_kiosk_and_nothing_is_stored(client, setup, own, other_kiosk):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
    for lang, message in (("en", "Unknown reason: "), ("id", "Alasan tidak dikenal: ")):
        client.set_cookie("lang", lang)
        response = paired_client(client, other_kiosk).post("/kiosk/vote", json=vote_payload(reasons=[own["reason"]]))
        assert response.status_code == 422
        body = response.get_json()
        assert body["error"] == "unknown_reason" and body["final"] is True
        assert body["message"] == f"{message}{own['reason']}."
    db.session.expire_all()
    # Refused for good is kept as a refusal for staff, never as a response.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == before


def test_a_vote_of_another_unit_answers_the_national_question(client, setup, own, other_kiosk):
    payload = vote_payload(value=4)
    assert paired_client(client, other_kiosk).post("/kiosk/vote", json=payload).status_code == 201
    assert stored(payload["uuid"]) == {"KIOSK": 4}


def test_an_open_kiosk_learns_of_a_change_from_the_banner_it_asks_for_after_each_citizen(client, setup):
    """The mechanism of "between two citizens": the screen carries the version of what it shows;
    the banner, which kiosk.js asks for again as soon as a citizen is done (and every minute),
    carries the version of what it should show; a difference makes the idle screen reload."""
    html = screen(client, setup["token"])
    shown = re.search(r'<body[^>]*data-config-version="([0-9a-f]+)"', html).group(1)
    banner = text(paired_client(client, setup["token"]).get("/kiosk/banner", headers={"HX-Request": "true"}))
    assert config_version(banner) == shown
    unit = db.session.get(Unit, setup["unit_id"])
    question = create_unit_question(make_user(Role.ADMIN), unit, {"type": "kiosk_question", "text_id": "Puas?"})
    db.session.commit()
    changed = config_version(text(paired_client(client, setup["token"]).get("/kiosk/banner")))
    assert changed != shown
    assert "Puas?" in screen(client, setup["token"])  # what the reload shows
    set_unit_question_active(make_user(Role.ADMIN), question, False)
    db.session.commit()
    assert config_version(text(paired_client(client, setup["token"]).get("/kiosk/banner"))) == shown


def test_the_vote_takes_a_question_added_since_the_last_vote_without_a_restart(client, setup):
    first = vote_payload(value=3)
    assert vote(client, setup["token"], **first).status_code == 201
    assert stored(first["uuid"]) == {"KIOSK": 3}
    unit = db.session.get(Unit, setup["unit_id"])
    question = create_unit_question(make_user(Role.ADMIN), unit, {"type": "kiosk_question", "text_id": "Puas?"})
    db.session.commit()
    second = vote_payload(value=1)
    assert vote(client, setup["token"], **second).status_code == 201
    assert stored(second["uuid"]) == {question.code: 1}


def test_the_kiosk_script_asks_for_the_banner_between_citizens():
    """kiosk.js: after the thank-you (timed out or tapped away) it asks for the banner at once."""
    from pathlib import Path

    script = (Path(__file__).parents[2] / "static" / "js" / "kiosk.js").read_text()
    assert "stepTimer = setTimeout(nextCitizen, THANKS_MS);" in script
    assert "nextCitizen(); // the next citizen" in script
    assert 'window.htmx.ajax("GET", banner.getAttribute("hx-get")' in script


def test_the_kiosk_preview_shows_the_units_screen_and_sends_nothing(client, setup, own):
    sign_in(client, make_user(Role.SUPERVISOR, unit=db.session.get(Unit, setup["unit_id"])))
    html = text(client.get(f"/admin/units/{setup['unit_id']}/questions/preview/kiosk"))
    assert 'data-preview="1"' in html and "Bagaimana pelayanan loket kami?" in html and "Parking" in html
    assert 'hx-get="/kiosk/banner"' not in html and "/kiosk/duty" not in html


def test_a_vote_records_the_question_its_tablet_showed_not_one_added_since(client, setup, own, other_kiosk):
    """A tablet sends the code of the question on its screen: a vote cast before the unit's
    question appeared (or queued offline since) answers the national one, as its citizen saw."""
    seen_before = vote_payload(value=3, question="KIOSK")
    assert vote(client, setup["token"], **seen_before).status_code == 201
    assert stored(seen_before["uuid"]) == {"KIOSK": 3}
    # A code that is not one of this kiosk's questions (another unit's, garbage): the question now.
    other_unit = db.session.scalar(sa.select(Unit).where(Unit.id != setup["unit_id"]))
    foreign = create_unit_question(make_user(Role.ADMIN), other_unit, {"type": "kiosk_question", "text_id": "Lain"})
    db.session.commit()
    for hint in (foreign.code, "NOPE", 12, "x" * 41, None):
        payload = vote_payload(value=2, question=hint)
        assert vote(client, setup["token"], **payload).status_code == 201
        assert stored(payload["uuid"]) == {own["question"]: 2}
