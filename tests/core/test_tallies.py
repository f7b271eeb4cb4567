"""The running tallies (core.tallies): kept by the one writer of responses, exact against a full
recount whatever arrives in whatever order, and what the pages read from them equal to what the
responses sum to. (Every test of the suite checks the first at its end too: tests/conftest.py.)"""

import itertools
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from appraisal.policy import policy_of
from config import TestConfig
from core import recount
from core.db import db
from core.responses import Answer, Channel, Flag, Given, NewResponse, Response, flag_response, record_responses
from core.tallies import DESK, HOUR, OFFICER, SERVICE, UNIT, ResponseTally
from kiosk.votes import record_vote
from org.models import Service
from reports.tallies import kept_tallies
from reports.tallies import tallies as summed_from_responses
from tests.factories import (
    add_survey,
    kiosk_question,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    skm_indicators,
)

# A clock hour of yesterday (UTC), inside the open period.
T0 = (datetime.now(timezone.utc) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
_run = itertools.count(1)

PROFILE = {
    "gender": st.sampled_from([None, "L", "P"]),
    "age_band": st.sampled_from([None, "20-29", "40-49"]),
    "education": st.sampled_from([None, "SMA", "S1"]),
    "occupation": st.sampled_from([None, "PNS", "SWASTA"]),
}
OBSERVED = st.sampled_from([Flag(0), Flag(0), Flag.REPEAT, Flag.RATE_LIMITED, Flag.CLOCK_ADJUSTED])

vote_step = st.fixed_dictionaries(
    {"kind": st.just("vote"), "desk": st.integers(0, 1), "second": st.integers(0, 7200), "face": st.integers(1, 4)}
)
survey_step = st.fixed_dictionaries(
    {
        "kind": st.just("survey"),
        "desk": st.integers(0, 1),
        "officer": st.integers(-1, 1),  # -1: nobody on duty
        "service": st.booleans(),
        "answers": st.lists(st.integers(1, 4), min_size=9, max_size=9),
        "flags": OBSERVED,
        "verified": st.booleans(),
        "second": st.integers(0, 7200),
        **PROFILE,
    }
)
batch_step = st.fixed_dictionaries(
    {
        "kind": st.just("batch"),
        "faces": st.lists(st.integers(1, 4), min_size=1, max_size=4),
        "outside": st.booleans(),  # cast while no period was open: in no tally
    }
)
dispute_step = st.fixed_dictionaries({"kind": st.just("dispute"), "pick": st.integers(0, 10_000)})
steps = st.lists(st.one_of(vote_step, survey_step, batch_step, dispute_step), min_size=1, max_size=25)


@pytest.fixture
def office(factories):
    period = make_period()
    unit = make_unit()
    desks = [make_desk(unit=unit) for _ in range(2)]
    officers = [make_officer(unit=unit) for _ in range(2)]
    service = Service(unit_id=unit.id, name_id="KTP", position=0)
    db.session.add(service)
    db.session.commit()
    return {"period": period, "unit": unit, "desks": desks, "officers": officers, "service": service}


def _assert_kept_equals_recount() -> None:
    with db.engine.connect() as connection:
        assert recount.differences(connection) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_the_kept_tallies_equal_a_recount_whatever_arrives(office, plan):
    """Votes in any order (an offline queue judged again: flags of stored votes change), phone
    surveys with profiles, services and verified codes, a batch, responses outside any period and
    upheld disputes: after each, the tallies the writer kept are a recount of the responses."""
    period, unit, desks, officers = office["period"], office["unit"], office["desks"], office["officers"]
    run = next(_run)
    kiosks = [make_kiosk(desk, paired_at=T0 - timedelta(days=1))[0] for desk in desks]
    for number, step in enumerate(plan):
        if step["kind"] == "vote":
            payload = {
                "uuid": str(uuid.UUID(int=(run << 64) | number)),
                "value": step["face"],
                "cast_at": (T0 + timedelta(seconds=step["second"])).isoformat(),
            }
            # Received hours later: the rules judge the desk's votes around it again.
            record_vote(kiosks[step["desk"]], payload, now=T0 + timedelta(hours=3))
        elif step["kind"] == "survey":
            add_survey(
                period,
                desks[step["desk"]],
                officers[step["officer"]] if step["officer"] >= 0 else None,
                step["answers"],
                flags=step["flags"],
                service=office["service"] if step["service"] else None,
                at=T0 + timedelta(seconds=step["second"]),
                verified=step["verified"],
                **{field: step[field] for field in PROFILE},
            )
        elif step["kind"] == "batch":
            question = kiosk_question().id
            record_responses(
                [
                    NewResponse(
                        uuid=str(uuid.uuid4()),
                        channel=Channel.KIOSK,
                        unit_id=unit.id,
                        period_id=None if step["outside"] else period.id,
                        cast_at=T0,
                        received_at=T0,
                        desk_id=desks[0].id,
                        officer_id=officers[0].id,
                        answers=(Given(question, face),),
                    )
                    for face in step["faces"]
                ]
            )
        else:
            stored = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
            if stored:
                flag_response(stored[step["pick"] % len(stored)], Flag.DISPUTE_UPHELD)
        db.session.commit()
        _assert_kept_equals_recount()

    # What the pages read from the tallies is what the responses sum to.
    policy = policy_of(period)
    for dim, column in ((OFFICER, Response.officer_id), (DESK, Response.desk_id), (SERVICE, Response.service_id)):
        kept = kept_tallies(period.id, dim, unit_id=unit.id)
        summed = summed_from_responses(period.id, column, Response.unit_id == unit.id)
        assert {k: t.scores(policy) for k, t in kept.items() if t.sums or t.excluded} == {
            k: t.scores(policy) for k, t in summed.items()
        }
    kept_unit = kept_tallies(period.id, UNIT).get(unit.id)
    summed_unit = summed_from_responses(period.id, Response.unit_id).get(unit.id)
    assert (kept_unit and kept_unit.scores(policy)) == (summed_unit and summed_unit.scores(policy))


def test_a_tally_mended_by_hand_is_found_and_refilled_from_the_command_line(app, office):
    period, desk, officer = office["period"], office["desks"][0], office["officers"][0]
    add_survey(period, desk, officer, [4] * 9, gender="P")
    add_survey(period, desk, None, [2] * 9)
    db.session.commit()
    runner = app.test_cli_runner()
    agrees = runner.invoke(args=["periods", "check-tallies", str(period.id)])
    assert agrees.exit_code == 0 and "agree" in agrees.output

    # Someone edits the database by hand: the check names the row and fails.
    db.session.execute(
        sa.update(ResponseTally)
        .where(ResponseTally.dim == OFFICER, ResponseTally.key == str(officer.id))
        .values(responses=ResponseTally.responses + 5)
    )
    db.session.commit()
    found = runner.invoke(args=["periods", "check-tallies"])
    assert found.exit_code == 1
    assert f"'officer', {officer.unit_id}, '{officer.id}', 'qr'" in found.output and "kept (6," in found.output

    mended = runner.invoke(args=["periods", "refill-tallies", period.name])
    assert mended.exit_code == 0, mended.output
    assert runner.invoke(args=["periods", "check-tallies"]).exit_code == 0
    assert kept_tallies(period.id, OFFICER)[officer.id].qr.n == 1


def test_the_migration_fills_the_tallies_of_the_responses_stored_before_it(tmp_path):
    """An installation upgraded with responses already stored: migration 0015 counts them."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = create_app(TestConfig(url))
    with app.app_context():
        upgrade(revision="0014")
        rng = random.Random(5)
        # The tables of 0014 are the models' (0015 adds the tallies only): plain inserts, no writer.
        period, unit = make_period(), make_unit(timezone="Asia/Makassar")
        skm = [indicator.id for indicator in skm_indicators()]
        responses, answers = [], []
        for number in range(60):
            survey = number % 3 == 0
            values = [rng.randint(1, 4) for _ in skm] if survey else [rng.randint(1, 4)]
            flags = rng.choice([0, 0, 1, 8])
            moment = T0 - timedelta(hours=number % 30)
            responses.append(
                {
                    "id": number + 1,
                    "uuid": str(uuid.uuid4()),
                    "channel": Channel.QR if survey else Channel.KIOSK,
                    "unit_id": unit.id,
                    "period_id": None if number == 59 else period.id,
                    "cast_at": moment,
                    "received_at": moment,
                    "flags": flags,
                    "excluded": flags == 8,
                    "verified": survey and number % 2 == 0,
                    "score_sum": sum(values),
                    "score_n": len(values),
                    "gender": "P" if survey and number % 2 else None,
                }
            )
            if survey:
                answers += [{"response_id": number + 1, "indicator_id": i, "value": v} for i, v in zip(skm, values)]
        db.session.execute(sa.insert(Response.__table__), responses)
        db.session.execute(sa.insert(Answer.__table__), answers)
        db.session.commit()
        upgrade()
        with db.engine.connect() as connection:
            stored, _ = recount.kept(connection)
            assert recount.differences(connection) == []
        # Every response of the period under exactly one officer key (none: ""), the one outside
        # any period in none.
        assert sum(sums[0] for key, sums in stored.items() if key[1] == OFFICER) == 59
        # 0016 keeps the clock hours without flags, verified and late; going back to 0015
        # counts them apart again from the responses, and coming back sums them again.
        downgrade(revision="0015")
        with db.engine.connect() as connection:
            full = {key: sums for key, sums in recount.kept(connection)[0].items() if key[1] == HOUR}
        assert {key[5] for key in full} == {0, 1, 8} and any(key[7] for key in full)  # flags, verified
        assert sum(sums[0] for sums in full.values()) == 59
        upgrade()
        with db.engine.connect() as connection:
            coarse = {key: sums for key, sums in recount.kept(connection)[0].items() if key[1] == HOUR}
            assert recount.differences(connection) == []
        assert {(key[5], key[7], key[10]) for key in coarse} == {(0, False, False)}
        assert len(coarse) < len(full)
        for key, sums in coarse.items():
            same = [
                other
                for other in full
                if other[:5] == key[:5] and (other[6], other[8], other[9]) == key[6:7] + key[8:10]
            ]
            assert tuple(map(sum, zip(*(full[other] for other in same)))) == sums
        downgrade(revision="0014")
        assert not sa.inspect(db.engine).has_table("response_tally")
        db.session.remove()
        db.engine.dispose()
