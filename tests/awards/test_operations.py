"""Confirming and withdrawing the officer of the month: who may, which months, which officer,
the reason when it is not the proposal, once per month, audited; a refusal changes nothing."""

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from awards.errors import AwardError
from awards.models import Award, AwardStatus
from awards.operations import confirm_award, withdraw_award
from core.db import db
from core.errors import AccessDenied
from org.models import Role
from tests.factories import add_vote, audit_entries, make_desk, make_officer, make_period, make_unit, make_user

UTC = timezone.utc
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)  # 6 December 2026, 10:00 WITA
NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def world(factories):
    unit = make_unit(timezone="Asia/Makassar")
    desk = make_desk(unit=unit)
    period = make_period(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), min_n=3)
    best, second, few = (make_officer(unit=unit, name=n) for n in ("Budi Solid", "Citra Biasa", "Dedi Sedikit"))
    for officer, faces in ((best, [4] * 8 + [3] * 2), (second, [3] * 10), (few, [4] * 2)):
        for i, face in enumerate(faces):
            for month in (NOVEMBER, DECEMBER):
                add_vote(
                    period,
                    desk,
                    officer,
                    face,
                    at=datetime(month.year, month.month, 2, 3, tzinfo=UTC) + timedelta(minutes=i),
                )
    db.session.commit()
    supervisor = make_user(Role.SUPERVISOR, unit=unit)
    return unit, period, best, second, few, supervisor


def count_awards() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Award))


def test_the_supervisor_confirms_the_proposal_with_its_numbers_copied_and_audited(world):
    unit, period, best, second, few, supervisor = world
    award = confirm_award(supervisor, unit, period, NOVEMBER, best.id, citation="  Ramah dan cepat.  ", now=NOW)
    db.session.commit()
    # Budi: (8 x 4 + 2 x 3) / 10 = 3.8 -> 95; the unit (with Citra's 10 x 3 and Dedi's 2 x 4):
    # (38 + 30 + 8) / 22 = 76 / 22 -> 86.36; k = 30: (10 x 95 + 30 x 86.36) / 40 = 88.52.
    assert (award.officer_id, award.n, award.score, award.status) == (best.id, 10, "88.52", AwardStatus.CONFIRMED)
    assert award.proposed_officer_id == best.id and award.reason == "" and award.citation == "Ramah dan cepat."
    assert award.confirmed_by == supervisor.id and award.confirmed_at == NOW
    [entry] = audit_entries(entity="award")
    assert (entry.action, entry.entity_id, entry.unit_id) == ("confirm", award.id, unit.id)
    assert entry.after["month"] == "2026-11-01" and entry.after["officer"] == best.id
    assert entry.label == "Budi Solid · 2026-11"


def test_another_officer_than_the_proposal_needs_a_reason(world):
    unit, period, best, second, few, supervisor = world
    with pytest.raises(AwardError) as refused:
        confirm_award(supervisor, unit, period, NOVEMBER, second.id, reason="   ", now=NOW)
    assert (refused.value.code, refused.value.status) == ("reason_required", 422)
    db.session.rollback()
    assert count_awards() == 0
    award = confirm_award(
        supervisor, unit, period, NOVEMBER, second.id, reason="Budi was on leave half the month.", now=NOW
    )
    assert award.proposed_officer_id == best.id and award.reason.startswith("Budi was on leave")


@pytest.mark.parametrize(
    "choose, code",
    [
        ("few", "not_eligible"),  # 2 votes, below the minimum of 3
        ("stranger", "not_eligible"),  # no responses in the unit this month
        ("none", "not_eligible"),
    ],
)
def test_only_an_officer_who_may_win_can_be_confirmed(world, choose, code):
    unit, period, best, second, few, supervisor = world
    officer_id = {"few": few.id, "stranger": make_officer().id, "none": None}[choose]
    with pytest.raises(AwardError) as refused:
        confirm_award(supervisor, unit, period, NOVEMBER, officer_id, reason="Why not", now=NOW)
    assert refused.value.code == code
    db.session.rollback()
    assert count_awards() == 0


def test_a_month_is_confirmed_once_it_has_ended_and_only_once(world):
    unit, period, best, second, few, supervisor = world
    with pytest.raises(AwardError) as refused:
        confirm_award(supervisor, unit, period, DECEMBER, best.id, now=NOW)
    assert refused.value.code == "month_not_ended"
    # 30 November 23:00 WITA: November has not ended yet there.
    with pytest.raises(AwardError) as refused:
        confirm_award(supervisor, unit, period, NOVEMBER, best.id, now=datetime(2026, 11, 30, 15, tzinfo=UTC))
    assert refused.value.code == "month_not_ended"
    db.session.rollback()
    # One hour later it is 1 December 00:00 WITA.
    confirm_award(supervisor, unit, period, NOVEMBER, best.id, now=datetime(2026, 11, 30, 16, tzinfo=UTC))
    db.session.commit()
    with pytest.raises(AwardError) as refused:
        confirm_award(supervisor, unit, period, NOVEMBER, second.id, reason="again", now=NOW)
    assert (refused.value.code, refused.value.status) == ("already_confirmed", 409)
    db.session.rollback()
    assert count_awards() == 1


def test_months_outside_the_award_periods_are_refused(world):
    unit, period, best, second, few, supervisor = world
    for month in (date(2026, 9, 1), date(2027, 1, 1), date(2026, 11, 15)):
        with pytest.raises(AwardError) as refused:
            confirm_award(supervisor, unit, period, month, best.id, now=NOW)
        assert refused.value.code == "month_unknown"
    db.session.rollback()
    assert count_awards() == 0


def test_the_partial_unique_index_keeps_one_confirmed_award_a_month(world):
    unit, period, best, second, few, supervisor = world
    db.session.add(Award(unit_id=unit.id, period_id=period.id, month=NOVEMBER, officer_id=second.id))
    db.session.flush()
    # As if another supervisor's confirmation had landed between the check and the write.
    from awards import operations

    original = operations.confirmed_award
    operations.confirmed_award = lambda unit, month: None
    try:
        with pytest.raises(AwardError) as refused:
            confirm_award(supervisor, unit, period, NOVEMBER, best.id, now=NOW)
    finally:
        operations.confirmed_award = original
    assert refused.value.code == "already_confirmed"


@pytest.mark.parametrize("who", ["other_supervisor", "officer", "inactive"])
def test_only_the_units_supervisors_and_admins_may_confirm(world, who):
    unit, period, best, second, few, supervisor = world
    actor = {
        "other_supervisor": lambda: make_user(Role.SUPERVISOR, unit=make_unit()),
        "officer": lambda: make_user(Role.OFFICER, officer=best),
        "inactive": lambda: make_user(Role.SUPERVISOR, unit=unit, active=False),
    }[who]()
    with pytest.raises(AccessDenied):
        confirm_award(actor, unit, period, NOVEMBER, best.id, now=NOW)
    db.session.rollback()
    assert count_awards() == 0 and audit_entries(entity="award") == []
    admin = make_user(Role.ADMIN)
    assert confirm_award(admin, unit, period, NOVEMBER, best.id, now=NOW).confirmed_by == admin.id


def test_withdrawing_needs_a_reason_keeps_the_award_and_frees_the_month(world):
    unit, period, best, second, few, supervisor = world
    award = confirm_award(supervisor, unit, period, NOVEMBER, best.id, now=NOW)
    db.session.commit()
    with pytest.raises(AwardError) as refused:
        withdraw_award(supervisor, award, "  ", now=NOW)
    assert refused.value.code == "withdraw_reason_required"
    db.session.rollback()
    with pytest.raises(AccessDenied):
        withdraw_award(make_user(Role.SUPERVISOR, unit=make_unit()), award, "not mine", now=NOW)
    db.session.rollback()
    assert db.session.get(Award, award.id).status == AwardStatus.CONFIRMED
    later = NOW + timedelta(hours=1)
    withdraw_award(supervisor, award, "Complaint upheld after the month.", now=later)
    db.session.commit()
    assert (award.status, award.withdrawn_at, award.withdrawn_by) == (AwardStatus.WITHDRAWN, later, supervisor.id)
    assert [e.action for e in audit_entries(entity="award")] == ["confirm", "withdraw"]
    with pytest.raises(AwardError) as refused:
        withdraw_award(supervisor, award, "twice", now=later)
    assert refused.value.code == "not_confirmed"
    db.session.rollback()
    again = confirm_award(
        supervisor, unit, period, NOVEMBER, second.id, reason="Budi's award was withdrawn.", now=later
    )
    db.session.commit()
    assert again.id != award.id and count_awards() == 2
