"""Command-line tools and the demo data."""

import re
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from core.db import db
from core.responses import Channel, Response
from kiosk.models import Kiosk
from kiosk.pairing import pair_kiosk
from org.duty import officer_on_duty_at
from org.models import Desk, Duty, Officer, Unit
from org.nip import normalize_nip
from tests.factories import make_desk, make_officer


def test_pair_code_command_makes_a_code_that_pairs_once(runner, ctx):
    desk = make_desk(name="Loket 9")
    result = runner.invoke(args=["kiosk", "pair-code", "--desk", str(desk.id)])
    assert result.exit_code == 0, result.output
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4})", result.output).group(1)
    kiosk, _ = pair_kiosk(code)
    db.session.commit()
    assert kiosk.desk_id == desk.id
    result = runner.invoke(args=["kiosk", "pair-code", "--desk", "99999"])
    assert result.exit_code != 0 and "no desk" in result.output


def test_duty_commands(runner, ctx):
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    assert runner.invoke(args=["duty", "start", "--desk", str(desk.id), "--nip", officer.nip]).exit_code == 0
    duty = db.session.scalar(sa.select(Duty))
    assert (duty.officer_id, duty.started_via, duty.ended_at) == (officer.id, "admin", None)
    assert runner.invoke(args=["duty", "end", "--desk", str(desk.id)]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(sa.select(Duty)).ended_at is not None
    again = runner.invoke(args=["duty", "end", "--desk", str(desk.id)])
    assert again.exit_code != 0 and "Tidak ada yang bertugas" in again.output


def test_no_command_types_an_officers_pin(runner, ctx):
    """Nobody but the officer knows her PIN: there is no command for an operator to type one."""
    officer = make_officer(pin=None)
    result = runner.invoke(args=["officer", "set-pin", "--nip", officer.nip, "--pin", "8642"])
    assert result.exit_code != 0
    assert db.session.get(Officer, officer.id).pin_hash is None


def test_demo_loads_a_living_system_once(runner, ctx):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert re.search(r"pair it with code [A-Z0-9]{4}-[A-Z0-9]{4}", result.output)

    count = lambda model, *where: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))  # noqa: E731
    # Two offices with twelve counter officers, each office's head, and (demo.skp) the heads'
    # appraisers and their superiors, who work at a third unit without desks.
    assert count(Unit) == 3 and count(Desk) == 6 and count(Officer) == 12 + 2 + 4 and count(Kiosk) == 6
    assert count(Officer, Officer.id.in_(sa.select(Duty.officer_id))) == 12
    for officer in db.session.scalars(sa.select(Officer)):
        assert normalize_nip(officer.nip) == officer.nip
    statuses = sorted(p.status for p in db.session.scalars(sa.select(Period)))
    assert statuses == sorted([PeriodStatus.CLOSED, PeriodStatus.OPEN])
    assert count(Response) > 2000
    assert count(Response, Response.channel == Channel.QR) > 200

    # Every response lies in its period (in its unit's local time) and names whoever was on duty.
    rows = db.session.execute(
        sa.select(Response, Period, Unit)
        .join(Period, Response.period_id == Period.id)
        .join(Unit, Response.unit_id == Unit.id)
        .limit(300)
    ).all()
    for response, period, unit in rows:
        assert period.contains(response.cast_at.astimezone(ZoneInfo(unit.timezone)).date())
        assert officer_on_duty_at(response.desk_id, response.cast_at) == response.officer_id
    # Spread over the hours of the working day, not one moment.
    hours = {r.cast_at.astimezone(ZoneInfo("Asia/Jakarta")).hour for r, _, _ in rows}
    assert len(hours) >= 5
    # Somebody is on duty now at the first desk, so the demo kiosk shows a name.
    assert db.session.scalar(sa.select(Desk).order_by(Desk.id)).current_duty() is not None

    before = count(Response)
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0 and "left as it is" in second.output
    assert count(Response) == before
