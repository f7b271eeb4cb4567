"""Closing a period as a job in steps (reports.closing): the period stops taking responses at
once, its results are frozen a few at a time in short transactions, and it reads as open until
the last step closes it; a response written as it stopped taking them begins the freeze again; a
job cut off goes on from the page or the command line; a close can be stopped."""

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.disputes import file_dispute
from appraisal.models import Period, PeriodStatus
from core.audit import AuditLog
from core.db import db
from core.errors import AdminError
from core.responses import Flag, Response
from org.duty import start_duty
from org.models import Role
from reports import closing
from reports.models import PeriodJob, PeriodJobStatus, ScoreSnapshot
from reports.queries import compute_officer_sheet, compute_unit_report
from reports.snapshots import officer_sheet, unit_report
from tests.factories import (
    add_survey,
    add_vote,
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
def office(ctx):
    """Two units, three officers with votes and a survey in an open period; a kiosk at the first
    desk with its officer on duty; an administrator and an officer's account."""
    period = make_period(name="Triwulan Uji")
    units = [make_unit(name="Kecamatan Satu"), make_unit(name="Kecamatan Dua")]
    desks = [make_desk(units[0], name="Loket A"), make_desk(units[1], name="Loket B")]
    officers = [
        make_officer(units[0], name="Ani"),
        make_officer(units[0], name="Budi"),
        make_officer(units[1], name="Citra"),
    ]
    for officer, faces in zip(officers, ((4, 4, 3), (2, 1), (4,))):
        desk = desks[0] if officer.unit_id == units[0].id else desks[1]
        for face in faces:
            add_vote(period, desk, officer, face)
    add_survey(period, desks[1], officers[2], [3] * 9)
    kiosk, token = make_kiosk(desks[0])
    start_duty(desks[0], officers[0], datetime.now(timezone.utc) - timedelta(hours=1))
    admin = make_user(Role.ADMIN, username="pusat")
    account = make_user(Role.OFFICER, officer=officers[0], username="ani")
    db.session.commit()
    return dict(period=period, units=units, desks=desks, officers=officers, token=token, admin=admin, account=account)


def snapshots(period) -> dict:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(ScoreSnapshot.scope, ScoreSnapshot.scope_id).where(ScoreSnapshot.period_id == period.id)
    )
    return {(row.scope, row.scope_id) for row in rows}


def status(period) -> PeriodStatus:
    db.session.expire_all()
    return db.session.get_one(Period, period.id).status


def test_a_close_in_steps_reads_as_open_until_its_last_step(office):
    period, units, officers = office["period"], office["units"], office["officers"]
    expected_unit = compute_unit_report(period, units[0])
    expected_sheet = compute_officer_sheet(period, officers[1])
    job = closing.start_close(period, office["admin"])
    db.session.commit()
    assert status(period) == PeriodStatus.CLOSING

    closing.step(job, budget=0)  # the list: two units and three officers
    assert job.todo == [["unit", units[0].id], ["unit", units[1].id]] + [["officer", o.id] for o in officers]
    assert (job.total, job.done, job.responses) == (5, 0, 7)
    seen = []
    while job.done < job.total:
        closing.step(job, budget=0)  # a budget of nothing still freezes one a step
        seen.append(job.done)
        # Half-frozen is never read: the period is still computed, not frozen.
        assert status(period) == PeriodStatus.CLOSING and unit_report(period, units[0])["frozen"] is False
    assert seen == [1, 2, 3, 4, 5] and len(snapshots(period)) == 5
    closing.step(job)  # the last: the count is unchanged, the period closes
    assert job.status == PeriodJobStatus.DONE and status(period) == PeriodStatus.CLOSED
    report, sheet = unit_report(period, units[0]), officer_sheet(period, officers[1])
    assert report["frozen"] and sheet["frozen"]
    assert report["combined"] == expected_unit["combined"] and sheet["combined"] == expected_sheet["combined"]
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.entity == "period").order_by(AuditLog.id))
    assert list(actions) == ["close_start", "close"]


def test_a_vote_during_the_close_is_kept_outside_the_period_as_after_it(client, office):
    period = office["period"]
    job = closing.start_close(period, office["admin"])
    db.session.commit()
    closing.step(job)
    payload = vote_payload(value=1)
    answer = paired_client(client, office["token"]).post("/kiosk/vote", json=payload)
    assert answer.status_code == 201
    vote = db.session.scalar(sa.select(Response).where(Response.uuid == payload["uuid"]))
    assert vote.period_id is None and vote.flag_set & Flag.NO_PERIOD and vote.excluded
    closing.run(job)
    assert job.status == PeriodJobStatus.DONE and job.restarts == 0
    assert unit_report(period, office["units"][0])["combined"]["n"] == 5  # the vote is in no score


def test_a_response_written_as_the_period_stopped_begins_the_freeze_again(office):
    """A write that read the period as open before it stopped taking responses, and committed
    after the list was made, is frozen with the rest: the last step sees the count move."""
    period, desk, citra = office["period"], office["desks"][1], office["officers"][2]
    job = closing.start_close(period, office["admin"])
    db.session.commit()
    closing.step(job)
    closing.step(job)
    add_vote(period, desk, citra, 1)  # the late write, straight into the period
    db.session.commit()
    closing.run(job, budget=0)
    assert job.status == PeriodJobStatus.DONE and job.restarts == 1 and job.responses == 8
    sheet = officer_sheet(period, citra)
    assert sheet["frozen"] and sheet["kiosk"]["n"] == 2


def test_two_steps_at_once_freeze_each_result_once(office):
    period = office["period"]
    job = closing.start_close(period, office["admin"])
    db.session.commit()
    closing.step(job)
    closing.step(job, budget=0)
    assert job.done == 1
    # A second request took the same step with what it read before the first wrote: it writes nothing.
    stale = db.session.get_one(PeriodJob, job.id)
    sa.orm.attributes.set_committed_value(stale, "done", 0)
    closing._freeze_next(stale, db.session.get_one(Period, period.id), 0, datetime.now(timezone.utc))
    db.session.expire_all()
    assert db.session.get_one(PeriodJob, job.id).done == 1 and len(snapshots(period)) == 1


def test_a_close_cut_off_is_finished_by_the_command_line(runner, office):
    period = office["period"]
    job = closing.start_close(period, office["admin"])
    db.session.commit()
    closing.step(job)
    closing.step(job, budget=0)  # and then the server went away
    result = runner.invoke(args=["periods", "close", "Triwulan Uji"])
    assert result.exit_code == 0, result.output
    assert "frozen 5 of 5" in result.output and "Triwulan Uji: closed (5 frozen)" in result.output
    assert status(period) == PeriodStatus.CLOSED and len(snapshots(period)) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeriodJob)) == 1  # the same job
    # Again: nothing is open to close.
    again = runner.invoke(args=["periods", "close", str(period.id)])
    assert again.exit_code == 1 and "Hanya periode yang dibuka yang dapat ditutup." in again.output


def test_a_close_nobody_steps_is_resumed_by_the_timer(runner, office):
    period = office["period"]
    job = closing.start_close(period, office["admin"])
    db.session.commit()
    closing.step(job)
    busy = runner.invoke(args=["periods", "resume"])  # stepped just now: someone is on it
    assert busy.exit_code == 0 and "nothing to resume" in busy.output and status(period) == PeriodStatus.CLOSING
    db.session.execute(sa.update(PeriodJob).values(stepped_at=datetime.now(timezone.utc) - timedelta(minutes=2)))
    db.session.commit()
    result = runner.invoke(args=["periods", "resume"])
    assert result.exit_code == 0 and "Triwulan Uji: closed (5 frozen)" in result.output
    assert status(period) == PeriodStatus.CLOSED


def test_the_command_line_closes_and_reopens(runner, office):
    period = office["period"]
    result = runner.invoke(args=["periods", "close", str(period.id)])
    assert result.exit_code == 0 and status(period) == PeriodStatus.CLOSED
    assert runner.invoke(args=["periods", "reopen", str(period.id)]).exit_code == 2  # --reason is required
    result = runner.invoke(args=["periods", "reopen", "triwulan uji", "--reason", "Unggahan kiosk terlambat"])
    assert result.exit_code == 0 and "Triwulan Uji: open" in result.output
    assert status(period) == PeriodStatus.OPEN and snapshots(period) == set()
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "reopen"))
    assert entry.user_id is None and entry.after == {"status": "open", "reason": "Unggahan kiosk terlambat"}
    unknown = runner.invoke(args=["periods", "close", "Tidak Ada"])
    assert unknown.exit_code == 2 and "no period has the id or the name 'Tidak Ada'" in unknown.output
    listed = runner.invoke(args=["periods", "list"])
    assert f"{period.id}\tTriwulan Uji\t" in listed.output and listed.output.rstrip().endswith("open")


def test_stopping_a_close_opens_the_period_again(client, office):
    period, units = office["period"], office["units"]
    sign_in(client, office["admin"])
    client.set_cookie("lang", "en")
    assert post(client, f"/admin/periods/{period.id}/close").headers["Location"] == f"/admin/periods/{period.id}/job"
    post(client, f"/admin/periods/{period.id}/job/step")
    post(client, f"/admin/periods/{period.id}/job/step")
    assert len(snapshots(period)) >= 1
    page = text(post(client, f"/admin/periods/{period.id}/job/cancel", htmx=True))
    assert "Closing Triwulan Uji was stopped: the period is open again." in page
    assert status(period) == PeriodStatus.OPEN and snapshots(period) == set()
    # It takes votes again, and a step of the stopped job does nothing.
    payload = vote_payload(value=4)
    assert paired_client(client, office["token"]).post("/kiosk/vote", json=payload).status_code == 201
    assert db.session.scalar(sa.select(Response.period_id).where(Response.uuid == payload["uuid"])) == period.id
    assert 'data-status="cancelled"' in text(post(client, f"/admin/periods/{period.id}/job/step", htmx=True))
    again = post(client, f"/admin/periods/{period.id}/job/cancel", htmx=True)
    assert again.status_code == 409 and "This close has already finished or been stopped." in text(again)
    assert unit_report(period, units[0])["frozen"] is False


def test_a_closing_period_takes_no_dispute(office):
    period, ani = office["period"], office["officers"][0]
    response = db.session.scalar(sa.select(Response).where(Response.officer_id == ani.id).limit(1))
    closing.start_close(period, office["admin"])
    db.session.commit()
    with pytest.raises(AdminError, match="period_closed"):
        file_dispute(office["account"], response, "Bukan saya")


def test_only_an_administrator_closes_and_only_an_open_period(client, office):
    period = office["period"]
    with pytest.raises(Exception):  # noqa: B017  (AccessDenied, whatever its module)
        closing.start_close(period, make_user(Role.SUPERVISOR, unit=office["units"][0], username="kepala"))
    db.session.rollback()
    sign_in(client, office["account"])
    assert post(client, f"/admin/periods/{period.id}/close").status_code == 403
    assert client.get(f"/admin/periods/{period.id}/job").status_code == 403
    assert status(period) == PeriodStatus.OPEN
    sign_in(client, office["admin"])
    assert client.get(f"/admin/periods/{period.id}/job").status_code == 404  # no job yet
    draft = make_period(
        status=PeriodStatus.DRAFT,
        starts_on=period.ends_on + timedelta(days=1),
        ends_on=period.ends_on + timedelta(days=90),
    )
    refused = post(client, f"/admin/periods/{draft.id}/close", htmx=True)
    assert refused.status_code == 409 and "Hanya periode yang dibuka yang dapat ditutup." in text(refused)
    assert (
        status(draft) == PeriodStatus.DRAFT
        and db.session.scalar(sa.select(sa.func.count()).select_from(PeriodJob)) == 0
    )
    # Two administrators closing at once: one job.
    closing.start_close(period, office["admin"])
    db.session.commit()
    assert post(client, f"/admin/periods/{period.id}/close", htmx=True).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeriodJob)) == 1


def test_the_job_page_in_both_languages(client, office):
    period = office["period"]
    sign_in(client, office["admin"])
    post(client, f"/admin/periods/{period.id}/close")
    page = text(client.get(f"/admin/periods/{period.id}/job"))
    assert "Menutup Triwulan Uji" in page and "WIB" in page
    client.set_cookie("lang", "en")
    post(client, f"/admin/periods/{period.id}/job/step")
    page = text(client.get(f"/admin/periods/{period.id}/job"))
    assert (
        "Frozen: 0 of 5 reports and sheets" in page
        and '<progress id="period-job-progress" max="100" value="0">' in page
    )
    assert "<noscript><button" in page  # a step without script
    listing = text(client.get("/admin/periods"))
    assert "Closing" in listing and f"/admin/periods/{period.id}/job" in listing
