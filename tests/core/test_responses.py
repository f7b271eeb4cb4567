"""The one writer of a response (core.responses): it alone decides the stored flags, ``excluded``
and the score, for every way a response comes in, and stores each UUID once."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator
from core.db import db
from core.responses import (
    EXCLUDING_FLAGS,
    Answer,
    Channel,
    Flag,
    Given,
    NewResponse,
    Response,
    excluded_by,
    flag_response,
    flags_of,
    hide_comment,
    record_response,
    record_responses,
    row_of,
    score_of,
)
from tests.factories import make_desk, make_officer, make_period

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)
OBSERVATIONS = {
    "clock_adjusted": Flag.CLOCK_ADJUSTED,
    "burst": Flag.BURST,
    "duty_just_started": Flag.DUTY_START,
    "repeat": Flag.REPEAT,
    "over_rate_limit": Flag.RATE_LIMITED,
}


def new_response(**values) -> NewResponse:
    return NewResponse(
        **{
            "uuid": str(uuid.uuid4()),
            "channel": Channel.KIOSK,
            "unit_id": 1,
            "period_id": 1,
            "cast_at": NOW,
            "received_at": NOW,
            "officer_id": 7,
            **values,
        }
    )


@pytest.mark.parametrize("observation, flag", OBSERVATIONS.items())
def test_each_observation_is_one_flag(observation, flag):
    assert flags_of(new_response(**{observation: True})) == flag


def test_nobody_on_duty_is_unattributed_and_still_counts():
    flags = flags_of(new_response(officer_id=None))
    assert flags == Flag.UNATTRIBUTED and not excluded_by(flags)


@pytest.mark.parametrize("flag", list(Flag))
def test_excluded_follows_the_flags_the_regulation_leaves_out(flag):
    # Repeats, bursts, votes at the start of duty, upheld disputes and votes beyond a rate limit
    # are left out; an unattributed vote and an adjusted clock only describe the response.
    assert excluded_by(flag) == bool(flag & EXCLUDING_FLAGS)
    assert excluded_by(flag) == (flag not in (Flag.UNATTRIBUTED, Flag.CLOCK_ADJUSTED))


def test_a_kiosk_vote_scores_its_face_and_not_its_reasons():
    answers = (Given(1, 3), Given(2, 1, on_scale=False), Given(3, 1, on_scale=False))
    assert score_of(Channel.KIOSK, answers) == (3, 1)


def test_a_phone_survey_scores_its_skm_elements_only():
    answers = (Given(1, 4, element="U1"), Given(2, 2, element="U2"), Given(3, 1))  # an office's own question
    assert score_of(Channel.QR, answers) == (6, 2)


def test_the_row_carries_every_column_but_the_id():
    row = row_of(new_response(burst=True, answers=(Given(1, 2),)))
    assert set(row) == {column.key for column in Response.__table__.columns} - {"id"}
    assert (row["flags"], row["excluded"], row["score_sum"], row["score_n"]) == (int(Flag.BURST), True, 2, 1)


@pytest.fixture
def place(factories):
    period = make_period()
    desk = make_desk()
    return period, desk, make_officer(unit=desk.unit)


def test_a_response_is_stored_once_by_its_uuid(place, counter):
    period, desk, officer = place
    new = new_response(
        unit_id=desk.unit_id,
        period_id=period.id,
        desk_id=desk.id,
        officer_id=officer.id,
        answers=(Given(_indicator("KIOSK"), 4), Given(_indicator("R_WAKTU"), 1, on_scale=False)),
    )
    first = record_response(new)
    assert first is not None
    assert record_response(new) is None  # the same UUID again: nothing more stored
    db.session.commit()
    assert counter(Response) == 1 and counter(Answer) == 2
    stored = db.session.get(Response, first)
    assert (stored.score_sum, stored.score_n, stored.flags, stored.excluded) == (4, 1, 0, False)
    assert stored.cast_at == NOW  # read back in UTC


def test_many_at_once_are_stored_as_one_at_a_time_would_be(place, counter):
    period, desk, officer = place
    common = dict(unit_id=desk.unit_id, period_id=period.id, desk_id=desk.id)
    many = [
        new_response(officer_id=officer.id, answers=(Given(_indicator("KIOSK"), 2),), **common),
        new_response(
            officer_id=None,
            burst=True,
            answers=(Given(_indicator("KIOSK"), 1),),
            cast_at=NOW + timedelta(seconds=1),
            **common,
        ),
    ]
    ids = record_responses(many)
    db.session.commit()
    assert [(r.flags, r.excluded, r.score_sum) for r in (db.session.get(Response, i) for i in ids)] == [
        (0, False, 2),
        (int(Flag.UNATTRIBUTED | Flag.BURST), True, 1),
    ]
    assert counter(Answer) == 2


def test_a_flag_added_later_takes_the_response_out_and_a_comment_hides(place):
    period, desk, officer = place
    response = db.session.get(
        Response,
        record_response(
            new_response(
                unit_id=desk.unit_id,
                period_id=period.id,
                desk_id=desk.id,
                officer_id=officer.id,
                comment="Lambat",
                answers=(Given(_indicator("KIOSK"), 1),),
            )
        ),
    )
    flag_response(response, Flag.DISPUTE_UPHELD)
    hide_comment(response, True)
    db.session.commit()
    db.session.expire_all()
    response = db.session.get(Response, response.id)
    assert (response.flag_set, response.excluded, response.comment_hidden) == (Flag.DISPUTE_UPHELD, True, True)
    assert response.comment == "Lambat"  # kept: it is evidence


def _indicator(code: str) -> int:
    return db.session.scalar(sa.select(Indicator.id).where(Indicator.code == code))
