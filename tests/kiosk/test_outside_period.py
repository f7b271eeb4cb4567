"""No open period is not "offline": a kiosk vote cast while no period is open is stored, outside
any period (period NULL, flagged NO_PERIOD), in no score, and stays outside when a period is
opened afterwards; the kiosk and the admin area say so."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Dispute, PeriodStatus
from appraisal.periods import open_period
from core.db import db
from core.responses import Channel, Flag, Given, NewResponse, Response, record_response
from kiosk.models import Kiosk
from kiosk.votes import record_vote
from org.duty import start_duty
from org.models import Role
from reports.tallies import officer_and_unit_tallies
from tests.factories import (
    kiosk_question,
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    paired_client,
    post,
    sign_in,
    text,
    vote_payload,
)


@pytest.fixture
def office(factories):
    """A draft period covering today (none open), a desk of a WITA unit with its kiosk, and an
    officer on duty there since an hour ago."""
    period = make_period(status=PeriodStatus.DRAFT)
    unit = make_unit(name="Kantor Kecamatan Tamalate", timezone="Asia/Makassar")
    desk = make_desk(unit=unit, name="Loket 3")
    officer = make_officer(unit=unit, name="Andi Baso")
    kiosk, token = make_kiosk(desk)
    start_duty(desk, officer, datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return dict(period=period, unit=unit, desk=desk, officer=officer, kiosk=kiosk, token=token)


def stored(vote_uuid: str) -> Response:
    db.session.expire_all()
    return db.session.scalar(sa.select(Response).where(Response.uuid == vote_uuid))


def test_a_vote_with_no_open_period_is_kept_outside_any_period(client, office, counter):
    payload = vote_payload(value=1)
    response = paired_client(client, office["token"]).post("/kiosk/vote", json=payload)
    assert response.status_code == 201 and response.get_json()["status"] == "recorded"

    vote = stored(payload["uuid"])
    assert vote.period_id is None
    assert vote.flag_set & Flag.NO_PERIOD and vote.excluded
    # Everything else is kept as for any vote: where, who, what.
    assert (vote.channel, vote.unit_id, vote.desk_id, vote.officer_id, vote.kiosk_id) == (
        Channel.KIOSK,
        office["unit"].id,
        office["desk"].id,
        office["officer"].id,
        office["kiosk"].id,
    )
    assert [(a.indicator_id, a.value) for a in vote.answers] == [(kiosk_question().id, 1)]
    # Sent again (a lost answer): the same vote, stored once.
    again = paired_client(client, office["token"]).post("/kiosk/vote", json=payload)
    assert again.status_code == 201 and counter(Response) == 1


def test_opening_a_period_afterwards_does_not_count_it(client, office):
    period, officer = office["period"], office["officer"]
    payload = vote_payload(value=1)
    assert paired_client(client, office["token"]).post("/kiosk/vote", json=payload).status_code == 201

    open_period(period, make_user(Role.ADMIN))
    db.session.commit()
    assert db.session.get(type(period), period.id).status == PeriodStatus.OPEN
    assert stored(payload["uuid"]).period_id is None  # not swept into the period
    by_officer, by_unit = officer_and_unit_tallies(period.id)
    assert officer.id not in by_officer and office["unit"].id not in by_unit  # in no score

    # A vote cast once the period is open counts (ten minutes later, so no misuse rule applies).
    later = datetime.now(timezone.utc) + timedelta(minutes=10)
    kiosk = db.session.get(Kiosk, office["kiosk"].id)
    result, created = record_vote(kiosk, vote_payload(value=4, cast_at=later.isoformat()), now=later)
    db.session.commit()
    assert created and result.attributed
    by_officer, _ = officer_and_unit_tallies(period.id)
    assert by_officer[officer.id].kiosk.n == 1 and by_officer[officer.id].kiosk.sum_x == 4
    assert by_officer[officer.id].excluded == 0  # the vote outside is not even "left out" of it


def test_the_writer_accepts_no_period(office):
    response_id = record_response(
        NewResponse(
            uuid=str(uuid.uuid4()),
            channel=Channel.KIOSK,
            unit_id=office["unit"].id,
            period_id=None,
            cast_at=datetime.now(timezone.utc),
            received_at=datetime.now(timezone.utc),
            desk_id=office["desk"].id,
            officer_id=office["officer"].id,
            answers=(Given(kiosk_question().id, 3),),
        )
    )
    db.session.commit()
    response = db.session.get(Response, response_id)
    assert response.period_id is None and response.flags == int(Flag.NO_PERIOD) and response.excluded
    assert (response.score_sum, response.score_n) == (3, 1)  # what it would give, kept for the record


def test_the_kiosk_tells_its_staff_that_no_period_is_open(client, office):
    kiosk = paired_client(client, office["token"])
    banner = kiosk.get("/kiosk/banner").get_data(as_text=True)
    assert "Tidak ada periode penilaian yang dibuka" in banner
    assert "No appraisal period is open: votes are kept outside any period." in banner  # both languages
    panel = kiosk.get("/kiosk/duty", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "suara disimpan di luar periode mana pun dan tidak dihitung dalam skor" in panel

    office["period"].status = PeriodStatus.OPEN
    db.session.commit()
    assert "periode penilaian" not in kiosk.get("/kiosk/banner").get_data(as_text=True)
    assert "No appraisal period" not in kiosk.get("/kiosk/duty", headers={"HX-Request": "true"}).get_data(as_text=True)


def test_the_admin_start_page_warns_and_counts_the_votes_kept_outside(client, office, admin):
    for value in (1, 2):
        assert (
            paired_client(client, office["token"]).post("/kiosk/vote", json=vote_payload(value=value)).status_code
            == 201
        )
    latest = db.session.scalar(sa.select(sa.func.max(Response.cast_at)))

    page = text(client.get("/admin/"))
    assert "No appraisal period is open today: kiosk votes are being kept outside any period." in page
    assert "they stay outside when a period is opened later" in page and "count in no score" in page
    # Per unit: how many, and the latest in the unit's own time (WITA, UTC+8).
    local = latest.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert "Kantor Kecamatan Tamalate" in page and f"{local} WITA" in page
    assert "<td>2</td>" in page.replace(" ", "")

    # A period opened: no longer "no period is open", but the votes kept outside are still shown.
    office["period"].status = PeriodStatus.OPEN
    db.session.commit()
    page = text(client.get("/admin/"))
    assert "No appraisal period is open today" not in page
    assert "Kiosk votes kept outside any period, by unit" in page


def test_the_warning_is_in_indonesian_and_only_for_the_supervisors_own_units(client, office):
    assert paired_client(client, office["token"]).post("/kiosk/vote", json=vote_payload()).status_code == 201
    other = make_unit(name="Kantor Kecamatan Lain")
    sign_in(client, make_user(Role.SUPERVISOR, unit=other))
    page = text(client.get("/admin/"))
    assert "Tidak ada periode penilaian yang dibuka hari ini" in page
    assert "Kantor Kecamatan Tamalate" not in page  # another unit's votes are not this supervisor's


def test_a_vote_kept_outside_any_period_cannot_be_disputed(client, office, counter):
    payload = vote_payload(value=1)
    assert paired_client(client, office["token"]).post("/kiosk/vote", json=payload).status_code == 201
    vote = stored(payload["uuid"])
    sign_in(client, make_user(Role.OFFICER, officer=office["officer"]))
    response = post(client, f"/admin/reports/responses/{vote.id}/dispute", {"reason": "Bukan saya"})
    assert response.status_code == 404
    assert counter(Dispute) == 0
