"""The vote path (kiosk.votes; the view kiosk.views.vote): it stores what the one writer of a
response decides, follows every change of the kiosk indicators despite its per-process cache,
stores a vote once when it is delivered twice at the same moment, answers every refusal in the
kiosk's language, and counts the per-kiosk limit through Flask-Limiter, once a vote."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator, IndicatorChannel, IndicatorKind
from core.db import db, write_turns_of
from core.responses import Answer, Channel, Flag, Response, ResponseWriter, excluded_by
from kiosk.models import Kiosk
from kiosk.votes import KioskVoteIndicators, VoteResult, VoteTransaction, record_vote
from tests.factories import (
    answers_by_code,
    csrf_token,
    paired_client,
    vote_payload,
)


def post(client, token, **overrides):
    return paired_client(client, token).post("/kiosk/vote", json=vote_payload(**overrides))


def stored(vote_uuid: str) -> Response:
    return db.session.scalar(sa.select(Response).where(Response.uuid == vote_uuid))


def answers_of(response: Response) -> dict[str, int]:
    return answers_by_code(response)


# --- What is written -----------------------------------------------------------------------------


def test_a_vote_is_stored_with_what_the_writer_decides(client, setup):
    cast = datetime.now(timezone.utc).replace(microsecond=123456) - timedelta(seconds=30)
    payload = vote_payload(value=2, reasons=["R_RAMAH"], cast_at=cast.isoformat(), locale="en")
    before = datetime.now(timezone.utc)
    assert paired_client(client, setup["token"]).post("/kiosk/vote", json=payload).status_code == 201
    response = stored(payload["uuid"])
    assert response.channel == Channel.KIOSK and response.service_id is None
    assert response.cast_at == cast  # to the microsecond, read back in UTC
    assert before <= response.received_at <= datetime.now(timezone.utc)
    assert (response.score_sum, response.score_n) == (2, 1)
    assert (response.verified, response.comment_hidden, response.comment, response.gender) == (False, False, None, None)
    assert response.locale == "en" and response.flags == 0 and response.excluded is False
    assert answers_of(response) == {"KIOSK": 2, "R_RAMAH": 1}


def test_excluded_follows_the_flags(client, setup):
    first, second = vote_payload(), vote_payload()  # the second within the burst window of the first
    for payload in (first, second):
        assert paired_client(client, setup["token"]).post("/kiosk/vote", json=payload).status_code == 201
    assert stored(first["uuid"]).flags == 0 and not stored(first["uuid"]).excluded
    assert stored(second["uuid"]).flag_set == Flag.BURST and stored(second["uuid"]).excluded
    for payload in (first, second):
        assert stored(payload["uuid"]).excluded == excluded_by(stored(payload["uuid"]).flags)


def test_the_service_function_records_in_the_callers_transaction(ctx, setup):
    kiosk = db.session.get(Kiosk, setup["kiosk_id"])
    payload = vote_payload(reasons=["R_WAKTU"])
    result, created = record_vote(kiosk, payload)
    assert created and result.attributed
    db.session.rollback()  # the caller decides: nothing was committed
    assert stored(payload["uuid"]) is None
    record_vote(kiosk, payload)
    db.session.commit()
    assert answers_of(stored(payload["uuid"])) == {"KIOSK": 4, "R_WAKTU": 1}


def test_the_heartbeat_is_written_at_most_once_a_minute(client, setup):
    kiosk = db.session.get(Kiosk, setup["kiosk_id"])
    kiosk.last_seen_at = datetime.now(timezone.utc) - timedelta(hours=2)
    db.session.commit()
    post(client, setup["token"])
    seen = db.session.get(Kiosk, setup["kiosk_id"]).last_seen_at
    assert datetime.now(timezone.utc) - seen < timedelta(seconds=10)
    post(client, setup["token"])
    assert db.session.get(Kiosk, setup["kiosk_id"]).last_seen_at == seen


# --- The per-process cache of the kiosk indicators ------------------------------------------------


def test_the_indicator_cache_follows_every_change_of_the_kiosk_indicators(client, setup, counter):
    token = setup["token"]
    assert post(client, token, reasons=["R_WAKTU"]).status_code == 201  # the cache is warm

    # A new reason, written straight into the table (no admin page, no audit): known at once.
    db.session.add(
        Indicator(
            code="R_PARKIR",
            kind=IndicatorKind.REASON,
            text_id="Parkir",
            text_en="Parking",
            channel=IndicatorChannel.KIOSK,
            position=150,
        )
    )
    db.session.commit()
    payload = vote_payload(reasons=["R_PARKIR"])
    assert paired_client(client, token).post("/kiosk/vote", json=payload).status_code == 201
    assert answers_of(stored(payload["uuid"])) == {"KIOSK": 4, "R_PARKIR": 1}

    # Moved to the phone survey only: no longer a kiosk reason.
    db.session.execute(sa.update(Indicator).where(Indicator.code == "R_PARKIR").values(channel=IndicatorChannel.QR))
    db.session.commit()
    response = post(client, token, reasons=["R_PARKIR"])
    assert (response.status_code, response.get_json()["error"]) == (422, "unknown_reason")

    # The question switched off: votes are refused; switched on again: accepted.
    db.session.execute(sa.update(Indicator).where(Indicator.code == "KIOSK").values(active=False))
    db.session.commit()
    response = post(client, token)
    assert (response.status_code, response.get_json()["error"]) == (409, "no_question")
    db.session.execute(sa.update(Indicator).where(Indicator.code == "KIOSK").values(active=True))
    db.session.commit()
    assert post(client, token).status_code == 201

    # A new version of the question placed before the old one: votes answer the new one.
    db.session.add(
        Indicator(
            code="KIOSK2",
            kind=IndicatorKind.SCALE,
            text_id="Bagaimana?",
            text_en="How?",
            labels_id=["1", "2", "3", "4"],
            labels_en=["1", "2", "3", "4"],
            channel=IndicatorChannel.BOTH,
            position=1,
        )
    )
    db.session.commit()
    payload = vote_payload(value=3)
    assert paired_client(client, token).post("/kiosk/vote", json=payload).status_code == 201
    assert answers_of(stored(payload["uuid"])) == {"KIOSK2": 3}
    assert counter(Response) == 4


def test_a_vote_with_a_reason_retired_after_the_cache_was_warm_is_kept(client, setup):
    token = setup["token"]
    assert post(client, token, reasons=["R_BIAYA"]).status_code == 201
    reason_id = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == "R_BIAYA"))
    db.session.execute(sa.update(Indicator).where(Indicator.id == reason_id).values(active=False))
    db.session.commit()
    payload = vote_payload(reasons=["R_BIAYA"], cast_at=(datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat())
    assert paired_client(client, token).post("/kiosk/vote", json=payload).status_code == 201
    assert {a.indicator_id for a in stored(payload["uuid"]).answers if a.value == 1} == {reason_id}


def test_the_fingerprint_is_parsed_whatever_the_order_of_its_entries():
    parsed = KioskVoteIndicators.parse(
        "12:reason:0:102:R_B,10:scale:0:1:OLD,11:reason:1:101:R_A,13:scale:1:100:KIOSK,14:scale:1:100:LATER"
    )
    assert parsed.question_id == 13  # the first active scale question by position, then id
    assert parsed.reason_ids == {"R_A": 11, "R_B": 12}  # retired reasons included
    assert KioskVoteIndicators.parse("") == KioskVoteIndicators(None, {})


# --- The same vote twice at the same moment -------------------------------------------------------


def _record_in_own_transaction(app, token, payload, results, inserted=None, proceed=None):
    with app.app_context():
        with VoteTransaction() as votes:
            assert votes.read(token, payload) is not None
            outcome = votes.record()
            if inserted is not None:
                inserted.set()
                proceed.wait(timeout=30)
            votes.commit()
        results.append(outcome)


def test_a_vote_delivered_twice_at_once_is_stored_once(app, setup, counter):
    # The first delivery has inserted when the second arrives. On SQLite it has not committed yet:
    # the second waits for its transaction, then stores nothing (ON CONFLICT DO NOTHING) and answers
    # as the first did. On PostgreSQL the endpoint's single insert statement commits on its own, so
    # the second finds the stored vote; two inserts at the same instant wait on the unique index.
    payload = vote_payload(reasons=["R_WAKTU"])
    inserted, proceed, results = threading.Event(), threading.Event(), []
    first = threading.Thread(
        target=_record_in_own_transaction, args=(app, setup["token"], payload, results, inserted, proceed)
    )
    second = threading.Thread(target=_record_in_own_transaction, args=(app, setup["token"], payload, results))
    first.start()
    assert inserted.wait(timeout=30)
    second.start()
    second.join(timeout=0.5)  # the second is held by the first's uncommitted insert
    proceed.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert sorted(created for _, created in results) == [False, True]
    assert {result for result, _ in results} == {VoteResult(payload["uuid"], True)}
    assert counter(Response) == 1 and counter(Answer) == 2


def test_many_deliveries_of_one_vote_at_once_over_http(app, setup, counter):
    payload = vote_payload()
    gate, answers = threading.Barrier(6), []

    def deliver():
        client = app.test_client()
        paired_client(client, setup["token"])
        gate.wait()
        response = client.post("/kiosk/vote", json=payload)
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert answers == [(201, {"status": "recorded", "uuid": payload["uuid"], "attributed": True})] * 6
    assert counter(Response) == 1


# --- The endpoint ----------------------------------------------------------------------------------


def test_the_vote_answer_carries_the_rate_limit_headers(client, setup):
    response = post(client, setup["token"])
    assert response.status_code == 201
    assert response.headers["X-RateLimit-Limit"] == "120"
    assert response.headers["X-RateLimit-Remaining"] == "119"
    assert int(response.headers["X-RateLimit-Reset"]) > 0 and 0 <= int(response.headers["Retry-After"]) <= 61
    assert response.headers["Content-Security-Policy"]  # the app's own headers are still there


def test_an_unpaired_tablet_is_told_so_before_anything_else(client, setup, counter):
    response = client.post("/kiosk/vote", data="not json", content_type="text/plain")
    assert (response.status_code, response.get_json()["error"]) == (401, "not_paired")
    assert "X-RateLimit-Limit" not in response.headers
    assert counter(Response) == 0


def test_the_limit_can_be_switched_off(app, client, setup):
    from core.extensions import limiter

    app.config["KIOSK_VOTE_RATE_LIMIT"] = "1 per minute"
    limiter.enabled = False
    try:
        assert [post(client, setup["token"]).status_code for _ in range(3)] == [201] * 3
    finally:
        limiter.enabled = True
        app.config["KIOSK_VOTE_RATE_LIMIT"] = "120 per minute"


# --- What the endpoint answers --------------------------------------------------------------------

SECURITY = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
)


def test_a_good_vote_is_answered_and_stored_once(client, setup):
    payload = vote_payload(reasons=["R_WAKTU"])
    response = paired_client(client, setup["token"]).post("/kiosk/vote", json=payload)
    assert response.status_code == 201 and response.mimetype == "application/json"
    assert response.get_json() == {"status": "recorded", "uuid": payload["uuid"], "attributed": True}
    assert response.data == f'{{"attributed":true,"status":"recorded","uuid":"{payload["uuid"]}"}}\n'.encode()
    assert all(response.headers.get(name) for name in SECURITY)
    assert (response.headers["X-RateLimit-Limit"], response.headers["X-RateLimit-Remaining"]) == ("120", "119")
    assert answers_of(stored(payload["uuid"])) == {"KIOSK": 4, "R_WAKTU": 1}
    # Sent again (the kiosk did not hear the answer): the same answer, nothing more stored.
    again = paired_client(client, setup["token"]).post("/kiosk/vote", json=payload)
    assert (again.status_code, again.get_json()) == (201, response.get_json())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        (dict(value=7), 422, "bad_value"),  # wrong in itself
        (dict(reasons=["R_TIDAK_ADA"]), 422, "unknown_reason"),  # wrong for this kiosk
    ],
)
def test_a_bad_vote_is_refused_and_counted_once(client, setup, overrides, status, code):
    kiosk = paired_client(client, setup["token"])
    response = kiosk.post("/kiosk/vote", json=vote_payload(**overrides))
    assert (response.status_code, response.get_json()["error"]) == (status, code)
    assert response.headers["X-RateLimit-Remaining"] == "119"
    assert response.get_json()["message"]
    assert kiosk.post("/kiosk/vote", json=vote_payload()).headers["X-RateLimit-Remaining"] == "118"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_a_refusal_speaks_the_kiosks_language(client, setup):
    kiosk = paired_client(client, setup["token"])
    default = kiosk.post("/kiosk/vote", json=vote_payload(value=0)).get_json()["message"]
    english = kiosk.post("/kiosk/vote?lang=en", json=vote_payload(value=0)).get_json()["message"]
    assert default == "Nilai harus berupa bilangan bulat 1 sampai 4."
    assert english == "The rating must be a whole number from 1 to 4."


def test_over_the_limit_is_refused_with_the_limiters_headers(app, client, setup, monkeypatch):
    monkeypatch.setitem(app.config, "KIOSK_VOTE_RATE_LIMIT", "2 per minute")
    kiosk = paired_client(client, setup["token"])
    answers = [kiosk.post("/kiosk/vote", json=vote_payload()) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [201, 201, 429, 429]
    assert answers[2].get_json()["error"] == 429 and answers[2].get_json()["message"]
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["1", "0", "0", "0"]
    assert int(answers[3].headers["Retry-After"]) <= 61
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 2


@pytest.mark.parametrize(
    "send, status",
    [
        (lambda kiosk: kiosk.post("/kiosk/vote", json=vote_payload(reasons=["R_\u0000"])), 400),  # a NUL, escaped
        (lambda kiosk: kiosk.post("/kiosk/vote?x=%00", json=vote_payload()), 400),  # a NUL in the query
        (lambda kiosk: kiosk.post("/kiosk/vote", data="{not json", content_type="application/json"), 422),
        (
            lambda kiosk: kiosk.post("/kiosk/vote", data="value=4", content_type="application/x-www-form-urlencoded"),
            415,
        ),
        (lambda kiosk: kiosk.post("/kiosk/vote", json=[1, 2]), 422),
    ],
)
def test_what_is_not_a_plain_vote_is_refused(client, setup, send, status):
    response = send(paired_client(client, setup["token"]))
    assert response.status_code == status and response.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_an_unknown_device_is_refused(client, setup):
    response = paired_client(client, "not-a-token").post("/kiosk/vote", json=vote_payload())
    assert (response.status_code, response.get_json()["error"]) == (401, "not_paired")
    assert client.post("/kiosk/vote", json=vote_payload()).status_code == 401  # no cookie at all
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_a_database_error_is_a_clear_500_that_stores_nothing_and_the_next_vote_goes_through(
    app, client, setup, monkeypatch, caplog
):
    failures = []
    write = ResponseWriter.write

    def failing_once(self, cursor, new, reflags=None):
        if not failures:
            failures.append(1)
            raise db.engine.dialect.loaded_dbapi.OperationalError("the database went away")
        return write(self, cursor, new, reflags)

    monkeypatch.setattr(ResponseWriter, "write", failing_once)
    kiosk = paired_client(client, setup["token"])
    payload = vote_payload()
    response = kiosk.post("/kiosk/vote?lang=en", json=payload)
    assert response.status_code == 500
    assert response.get_json()["message"] == "Something went wrong on our side. Please try again."
    assert stored(payload["uuid"]) is None and "unhandled error" in caplog.text
    # The kiosk keeps the vote in its queue and sends it again: stored once, on a sound connection.
    assert kiosk.post("/kiosk/vote", json=payload).status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 1


def test_a_failed_vote_gives_back_its_sqlite_write_turn(app, client, setup):
    import fcntl
    import os

    turns = write_turns_of(db.engine)
    if turns is None:
        pytest.skip("write turns are taken on an SQLite file only")
    kiosk = paired_client(client, setup["token"])
    assert kiosk.post("/kiosk/vote", json=vote_payload(reasons=["R_TIDAK_ADA"])).status_code == 422
    assert kiosk.post("/kiosk/vote", json=vote_payload()).status_code == 201
    # Nobody holds the turn now: another process's open file takes it at once.
    fd = os.open(turns.path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_a_vote_leaves_the_tablets_session_cookie_alone(client, setup):
    kiosk = paired_client(client, setup["token"])
    kiosk.get("/kiosk/duty?action=end")  # the duty panel's PIN pad puts a CSRF token in the session
    before = kiosk.get_cookie("session")
    assert before is not None
    response = kiosk.post("/kiosk/vote", json=vote_payload())
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.vary
    assert kiosk.get_cookie("session").value == before.value
    # The panel's form still carries a token its session knows: a wrong PIN, not an expired form.
    token = csrf_token(kiosk, "/kiosk/duty?action=end")
    assert kiosk.post("/kiosk/duty/end", data={"pin": "0000", "csrf_token": token}).status_code == 422
