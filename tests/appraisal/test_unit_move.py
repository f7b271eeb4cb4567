"""An officer who moves to another unit in the middle of a period: that period stays with the unit
where its work began (its supervisor reads, rates and rules on it); the new unit's supervisor has
her from the next period on. See org.access (an officer's period: whose it is)."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Dispute, DisputeStatus, RatingDecision
from core.audit import AuditLog
from core.db import db
from org.access import period_unit, period_units
from org.models import Role
from tests.factories import (
    add_survey,
    add_vote,
    make_desk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    sign_in,
)

NOW = datetime.now(timezone.utc)
OLD_COMMENT = "Bu Siti sabar sekali di kantor lama"


@pytest.fixture
def moved(ctx):
    """Siti served at unit A for most of the earlier period, then moved to unit B, where she
    served for the rest of it and now serves in the current period."""
    today = NOW.date()
    earlier = make_period(starts_on=today - timedelta(days=120), ends_on=today - timedelta(days=61), name="Triwulan I")
    current = make_period(starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=30), name="Triwulan II")
    old_unit, new_unit = make_unit(name="Kecamatan Lama"), make_unit(name="Kecamatan Baru")
    old_desk, new_desk = make_desk(unit=old_unit), make_desk(unit=new_unit)
    siti = make_officer(unit=old_unit, name="Siti Rahmawati")
    early = NOW - timedelta(days=110)
    survey = add_survey(earlier, old_desk, siti, [4] * 9, comment=OLD_COMMENT, at=early)
    add_vote(earlier, old_desk, siti, 4, at=early + timedelta(days=1))
    siti.unit_id = new_unit.id  # the move
    db.session.commit()
    add_vote(earlier, new_desk, siti, 3, at=NOW - timedelta(days=65))  # her last days of the earlier period
    add_vote(current, new_desk, siti, 4, at=NOW - timedelta(days=5))
    users = dict(
        old=make_user(Role.SUPERVISOR, unit=old_unit),
        new=make_user(Role.SUPERVISOR, unit=new_unit),
        admin=make_user(Role.ADMIN),
        account=make_user(Role.OFFICER, officer=siti),
    )
    return dict(
        earlier=earlier, current=current, old_unit=old_unit, new_unit=new_unit, siti=siti, survey=survey, **users
    )


def as_user(client, user):
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return client


def sheet(client, period, officer):
    return client.get(f"/admin/reports/{period.id}/officers/{officer.id}")


def rate(client, period, officer, rating="sesuai", reason="Sesuai bukti"):
    return post(
        client, f"/admin/reports/{period.id}/officers/{officer.id}/decision", {"rating": rating, "reason": reason}
    )


def decisions_of(period) -> list[RatingDecision]:
    db.session.expire_all()
    return db.session.scalars(sa.select(RatingDecision).where(RatingDecision.period_id == period.id)).all()


def test_the_period_belongs_to_the_unit_where_its_work_began(moved):
    siti = moved["siti"]
    assert period_unit(siti, moved["earlier"].id) == moved["old_unit"].id
    assert period_unit(siti, moved["current"].id) == moved["new_unit"].id
    # A period with nothing of hers yet: her unit today.
    later = make_period(
        starts_on=moved["current"].ends_on + timedelta(days=1), ends_on=moved["current"].ends_on + timedelta(days=90)
    )
    other = make_officer(unit=moved["old_unit"])
    assert period_units(later.id, [siti, other]) == {siti.id: moved["new_unit"].id, other.id: moved["old_unit"].id}


def test_the_old_supervisor_keeps_the_earlier_period_and_rates_it(client, moved):
    earlier, siti = moved["earlier"], moved["siti"]
    as_user(client, moved["old"])
    page = sheet(client, earlier, siti)
    assert page.status_code == 200 and OLD_COMMENT in page.get_data(as_text=True)
    assert 'name="rating"' in page.get_data(as_text=True)  # the rating form is hers to fill
    # The sheet names the period's unit, and links its report.
    assert f'/admin/reports/{earlier.id}/units/{moved["old_unit"].id}"' in page.get_data(as_text=True)
    response = rate(client, earlier, siti)
    assert response.status_code == 303
    [decision] = decisions_of(earlier)
    assert decision.decided_by == moved["old"].id and decision.rating == "sesuai"
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "rate"))
    assert entry.unit_id == moved["old_unit"].id
    # The current period is no longer hers.
    assert sheet(client, moved["current"], siti).status_code == 403
    assert rate(client, moved["current"], siti).status_code == 403
    assert decisions_of(moved["current"]) == []


def test_the_new_supervisor_is_refused_the_earlier_period_but_has_the_new_one(client, moved):
    earlier, current, siti = moved["earlier"], moved["current"], moved["siti"]
    as_user(client, moved["new"])
    refused = sheet(client, earlier, siti)
    assert refused.status_code == 403 and OLD_COMMENT not in refused.get_data(as_text=True)
    assert rate(client, earlier, siti).status_code == 403
    assert decisions_of(earlier) == []
    assert sheet(client, current, siti).status_code == 200
    assert rate(client, current, siti).status_code == 303
    [decision] = decisions_of(current)
    assert decision.decided_by == moved["new"].id


def test_she_and_an_administrator_see_both_periods(client, moved):
    for user in (moved["account"], moved["admin"]):
        as_user(client, user)
        for period in (moved["earlier"], moved["current"]):
            assert sheet(client, period, moved["siti"]).status_code == 200


def test_her_dispute_in_the_earlier_period_goes_to_the_old_supervisor(client, moved):
    earlier, siti, survey = moved["earlier"], moved["siti"], moved["survey"]
    dispute = Dispute(
        response_id=survey.id,
        officer_id=siti.id,
        period_id=earlier.id,
        reason="Bukan saya",
        created_by=moved["account"].id,
    )
    db.session.add(dispute)
    db.session.commit()
    url = f"/admin/reports/disputes/{dispute.id}"
    as_user(client, moved["new"])
    new_report = client.get(f"/admin/reports/{earlier.id}/units/{moved['new_unit'].id}").get_data(as_text=True)
    assert "Bukan saya" not in new_report
    assert post(client, url, {"ruling": "uphold", "resolution": "Bukan jadwalnya"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Dispute, dispute.id).status == DisputeStatus.OPEN
    as_user(client, moved["old"])
    old_report = client.get(f"/admin/reports/{earlier.id}/units/{moved['old_unit'].id}").get_data(as_text=True)
    assert "Bukan saya" in old_report
    assert post(client, url, {"ruling": "reject", "resolution": "Jadwal cocok"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Dispute, dispute.id).status == DisputeStatus.REJECTED


def test_the_export_shows_the_periods_unit(client, moved):
    as_user(client, moved["admin"])
    for period, unit in ((moved["earlier"], moved["old_unit"]), (moved["current"], moved["new_unit"])):
        body = client.get(f"/admin/reports/{period.id}/appraisals.csv").get_data(as_text=True).lstrip("\ufeff")
        rows = [row for row in csv.reader(io.StringIO(body)) if row and moved["siti"].name in row]
        assert rows and all(unit.name in row for row in rows), (period.name, rows)
