"""Reporting lines: a new line ends the one before it and replaces planned ones, at most one
holds on any day, and who may rate, see and hear the objections of an officer follows them
(org.lines, org.access)."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db
from core.errors import AccessDenied, Invalid
from org.access import (
    appraiser_line,
    can_appraise,
    can_decide_objection,
    can_rate_unit,
    can_view_sheet,
)
from org.lines import appraisees, end_line, lines_of, lines_on, set_line, set_unit_head
from org.models import ReportingLine, Role
from tests.factories import audit_entries, make_officer, make_period, make_unit, make_user


@pytest.fixture
def office(ctx):
    unit = make_unit()
    head = make_officer(unit, name="Kepala")
    staff = make_officer(unit, name="Staf")
    boss = make_officer(make_unit(), name="Camat")  # the head's superior works elsewhere
    admin = make_user(Role.ADMIN)
    return dict(unit=unit, head=head, staff=staff, boss=boss, admin=admin)


def test_a_new_line_ends_the_one_before_and_replaces_planned_ones(office):
    admin, staff, head, boss = office["admin"], office["staff"], office["head"], office["boss"]
    first = set_line(admin, staff, head, boss, date(2026, 1, 1))
    set_line(admin, staff, boss, None, date(2026, 9, 1))
    db.session.commit()
    assert first.valid_to == date(2026, 8, 31)

    # A line from July on ends the first in June and replaces the one planned for September.
    later = set_line(admin, staff, boss, head, date(2026, 7, 1))
    db.session.commit()
    assert [(line.valid_from, line.valid_to) for line in lines_of(staff)] == [
        (date(2026, 7, 1), None),
        (date(2026, 1, 1), date(2026, 6, 30)),
    ]
    assert lines_on([staff.id], date(2026, 6, 30))[staff.id].appraiser_id == head.id
    assert lines_on([staff.id], date(2026, 7, 1))[staff.id].id == later.id
    actions = [entry.action for entry in audit_entries(entity="reporting_line")]
    assert actions.count("create") == 3 and actions.count("delete") == 1


def test_the_line_of_a_period_is_the_one_holding_on_its_last_day(office):
    admin, staff, head, boss = office["admin"], office["staff"], office["head"], office["boss"]
    set_line(admin, staff, head, boss, date(2026, 1, 1))
    set_line(admin, staff, boss, None, date(2026, 2, 15))
    db.session.commit()
    q1 = make_period(starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))
    assert appraiser_line(staff, q1.starts_on, q1.ends_on).appraiser_id == boss.id
    # Ended in the middle of a span: the latest line within it still appraises.
    line = lines_of(staff)[0]
    end_line(admin, line, date(2026, 3, 10))
    db.session.commit()
    assert appraiser_line(staff, q1.starts_on, q1.ends_on).appraiser_id == boss.id
    q2 = make_period(starts_on=date(2026, 4, 1), ends_on=date(2026, 6, 30))
    assert appraiser_line(staff, q2.starts_on, q2.ends_on) is None
    assert [officer.id for officer in appraisees(boss, q1.starts_on, q1.ends_on)] == [staff.id]
    assert appraisees(head, q1.starts_on, q1.ends_on) == []


@pytest.mark.parametrize(
    "who, field, code",
    [("self", "appraiser", "line_self"), ("superior_is_appraiser", "superior", "line_superior")],
)
def test_lines_that_are_no_line_of_authority_are_refused(office, who, field, code):
    admin, staff, head = office["admin"], office["staff"], office["head"]
    appraiser = staff if who == "self" else head
    superior = head if who == "superior_is_appraiser" else None
    with pytest.raises(Invalid) as refused:
        set_line(admin, staff, appraiser, superior, date(2026, 1, 1))
    assert refused.value.fields == {field: (code, {})}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportingLine)) == 0


def test_two_officers_cannot_appraise_each_other(office):
    admin, staff, head = office["admin"], office["staff"], office["head"]
    set_line(admin, head, staff, None, date(2026, 1, 1))
    db.session.commit()
    with pytest.raises(Invalid):
        set_line(admin, staff, head, None, date(2026, 3, 1))


def test_only_the_unit_sets_its_lines_and_its_head(office):
    staff, head, boss = office["staff"], office["head"], office["boss"]
    other_supervisor = make_user(Role.SUPERVISOR, unit=make_unit())
    with pytest.raises(AccessDenied):
        set_line(other_supervisor, staff, head, boss, date(2026, 1, 1))
    with pytest.raises(AccessDenied):
        set_unit_head(other_supervisor, office["unit"], head)
    own = make_user(Role.SUPERVISOR, unit=office["unit"])
    set_unit_head(own, office["unit"], head)
    with pytest.raises(Invalid):
        set_unit_head(own, office["unit"], boss)  # works at another unit
    db.session.commit()
    assert office["unit"].head_officer_id == head.id


def test_who_rates_sees_and_hears_objections_follows_the_line(office):
    admin, staff, head, boss, unit = office["admin"], office["staff"], office["head"], office["boss"], office["unit"]
    period = make_period(starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))
    supervisor = make_user(Role.SUPERVISOR, unit=unit)  # the unit's account, not the appraiser
    head_user = make_user(Role.OFFICER, officer=head)
    boss_user = make_user(Role.OFFICER, officer=boss)
    staff_user = make_user(Role.OFFICER, officer=staff)
    other = make_user(Role.SUPERVISOR, unit=make_unit())

    # Without a line: the unit's supervisor (and an administrator) rate; objections go to an administrator.
    assert can_appraise(supervisor, staff, period) and can_appraise(admin, staff, period)
    assert not can_appraise(head_user, staff, period) and not can_appraise(other, staff, period)
    assert can_decide_objection(admin, staff, period) and not can_decide_objection(supervisor, staff, period)

    set_line(admin, staff, head, boss, date(2026, 1, 1))
    set_line(admin, head, boss, None, date(2026, 1, 1))
    db.session.commit()
    assert can_appraise(head_user, staff, period)
    assert not can_appraise(supervisor, staff, period) and not can_appraise(admin, staff, period)
    assert not can_appraise(staff_user, staff, period)
    assert can_decide_objection(boss_user, staff, period)
    assert not can_decide_objection(head_user, staff, period) and not can_decide_objection(admin, staff, period)
    for user in (staff_user, head_user, boss_user, supervisor, admin):
        assert can_view_sheet(user, staff, period)
    assert not can_view_sheet(other, staff, period)
    assert not can_view_sheet(make_user(Role.OFFICER, officer=make_officer(unit)), staff, period)

    # The unit's result: the appraiser of its head, or an administrator on their behalf.
    set_unit_head(admin, unit, head)
    db.session.commit()
    assert can_rate_unit(boss_user, unit, period) and can_rate_unit(admin, unit, period)
    assert not can_rate_unit(head_user, unit, period) and not can_rate_unit(supervisor, unit, period)
