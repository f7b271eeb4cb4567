"""Closing and reopening a period, as jobs done in steps (``PeriodJob``); the one way either
happens, from the admin area (``reports.closing_views``) and from the command line
(``flask periods``).

Closing reads every response of the period. Done in one request and one transaction, it held
SQLite's write lock, and every vote behind it, for as long as it ran, and a large period could
not be closed before the request timed out. Done here:

1. ``start_close``, one short transaction: the period becomes CLOSING and a job is made. A
   closing period takes no more responses, as a closed one: a vote or survey cast for its days
   from then on is kept outside any period (``Flag.NO_PERIOD``), as it would have been after the
   one-transaction close. Disputes and the policy are settled too (``Period.settled``).
2. ``step``: the first lists the units and officers to freeze and counts the period's responses;
   each later one computes the next snapshots for up to a time budget, reading only, ends that
   read, and writes them in a short transaction behind a compare-and-set on ``done`` (of two
   steps taken at once, the second writes nothing).
3. The last step counts the period's responses again. A response whose write began before the
   period stopped taking them may commit after; then the job begins again. Otherwise the period
   becomes CLOSED, audited, in one short transaction.

Reports use a period's snapshots only once it is CLOSED, so a half-done close is never read: the
period reads as open (computed) until the last step, and closed (frozen) from it. A job cut off
half-way goes on from where it stopped when anyone takes its next step (its page does, as does
``flask periods close``); ``cancel`` opens the period again and drops what was frozen.

Reopening is a job of one step: the snapshots dropped and the period opened in one short
transaction, which does not grow with the period's responses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import sqlalchemy as sa

from appraisal.disputes import reason_text
from appraisal.models import Period, PeriodStatus
from appraisal.periods import MAX_REOPEN_REASON, move
from appraisal.policy import policy_of
from core.db import changed_one, db, utcnow
from core.errors import AdminError
from core.responses import Response
from org.access import require_admin
from org.models import Officer, Unit, User

from .models import PeriodJob, PeriodJobStatus, ScoreSnapshot
from .queries import compute_officer_sheet, compute_unit_report
from .snapshots import freeze

CLOSE, REOPEN = "close", "reopen"
# How long one step computes before it writes what it has; a request's step, or the command
# line's, stays well inside any request timeout.
STEP_SECONDS = 0.5


def _actor(user: User | None) -> None:
    """An administrator in the admin area; ``None`` is the command line (a person at the server)."""
    if user is not None:
        require_admin(user)


def _jobs(period: Period):
    return sa.select(PeriodJob).where(PeriodJob.period_id == period.id).order_by(PeriodJob.id.desc()).limit(1)


def active_job(period: Period) -> PeriodJob | None:
    return db.session.scalar(_jobs(period).where(PeriodJob.status == PeriodJobStatus.RUNNING))


def latest_job(period: Period) -> PeriodJob | None:
    return db.session.scalar(_jobs(period))


def start_close(period: Period, user: User | None, now: datetime | None = None) -> PeriodJob:
    """Stop the period taking responses and make the job that freezes its results, in the
    caller's transaction. Of two administrators closing at once, one makes the job."""
    _actor(user)
    now = now or utcnow()
    if not move(user, period, "close_start", PeriodStatus.OPEN, PeriodStatus.CLOSING, now):
        raise AdminError("period_not_open")
    job = PeriodJob(period_id=period.id, action=CLOSE, user_id=user.id if user else None, created_at=now)
    db.session.add(job)
    db.session.flush()
    return job


def start_reopen(period: Period, user: User | None, reason: str, now: datetime | None = None) -> PeriodJob:
    """The job that opens a closed period again, for a stated reason (audited with it)."""
    _actor(user)
    reason = reason_text(reason, "reason", "reason_required", max_length=MAX_REOPEN_REASON)
    if period.status != PeriodStatus.CLOSED:
        raise AdminError("period_not_closed")
    if active_job(period) is not None:
        raise AdminError("period_job_running")
    job = PeriodJob(period_id=period.id, action=REOPEN, user_id=user.id if user else None, reason=reason)
    db.session.add(job)
    db.session.flush()
    return job


def _end_read() -> None:
    """End the step's reads before it writes: on PostgreSQL they ran in a transaction of their
    own, which must not stay open behind the write; on SQLite the driver runs a SELECT outside
    any transaction, and a read transaction that later wrote would fail (WAL's snapshot) once
    another connection had written meanwhile."""
    db.session.rollback()


def _user(job: PeriodJob) -> User | None:
    return db.session.get(User, job.user_id) if job.user_id else None


def step(job: PeriodJob, budget: float = STEP_SECONDS, now: datetime | None = None) -> PeriodJob:
    """Take the job's next step. A step owns its transactions (a read, then a short write): it
    commits what the caller did first, and commits its own. Safe to call from two places at
    once, and on a finished job (it does nothing)."""
    db.session.commit()
    if job.status != PeriodJobStatus.RUNNING:
        return job
    now = now or utcnow()
    period = db.session.get_one(Period, job.period_id)
    if job.action == REOPEN:
        _reopen(job, period, now)
    elif job.todo is None:
        _list(job, period, now)
    elif job.done < job.total:
        _freeze_next(job, period, budget, now)
    else:
        _finish(job, period, now)
    db.session.refresh(job)
    return job


def run(job: PeriodJob, budget: float = STEP_SECONDS, progress=None, now: datetime | None = None) -> PeriodJob:
    """Every step to the end (the command line; the tests). ``progress(job)`` after each."""
    while job.status == PeriodJobStatus.RUNNING:
        step(job, budget, now)
        if progress is not None:
            progress(job)
    return job


def _counts(period: Period) -> tuple[int, int | None]:
    row = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Response.id)).where(Response.period_id == period.id)
    ).one()
    return row[0], row[1]


def _scopes(period: Period) -> list[list]:
    """What a closed period freezes: a report per unit and a sheet per officer with responses in it."""
    in_period = Response.period_id == period.id
    units = db.session.scalars(sa.select(Response.unit_id).where(in_period).distinct().order_by(Response.unit_id))
    officers = db.session.scalars(
        sa.select(Response.officer_id)
        .where(in_period, Response.officer_id.is_not(None))
        .distinct()
        .order_by(Response.officer_id)
    )
    return [["unit", unit_id] for unit_id in units] + [["officer", officer_id] for officer_id in officers]


def _snapshot(period: Period, scope: str, scope_id: int, policy, now: datetime) -> dict:
    if scope == "unit":
        data = compute_unit_report(period, db.session.get_one(Unit, scope_id), policy)
    else:
        data = compute_officer_sheet(period, db.session.get_one(Officer, scope_id), policy)
    return {"period_id": period.id, "scope": scope, "scope_id": scope_id, "taken_at": now, "data": freeze(data)}


def freeze_all(period: Period, now: datetime) -> int:
    """Every snapshot of the period at once, in the caller's transaction: for the demo, which
    makes a closed quarter of its own data with no vote coming in. Returns how many."""
    policy = policy_of(period)
    rows = [_snapshot(period, scope, scope_id, policy, now) for scope, scope_id in _scopes(period)]
    db.session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.period_id == period.id))
    if rows:
        db.session.execute(sa.insert(ScoreSnapshot), rows)
    return len(rows)


def _list(job: PeriodJob, period: Period, now: datetime) -> None:
    todo = _scopes(period)
    responses, last_id = _counts(period)
    _end_read()
    listed = db.session.execute(
        sa.update(PeriodJob)
        .where(PeriodJob.id == job.id, PeriodJob.status == PeriodJobStatus.RUNNING, PeriodJob.todo.is_(None))
        .values(todo=todo, total=len(todo), done=0, responses=responses, last_id=last_id, stepped_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed_one(listed):
        # What an earlier attempt froze (cancelled, or begun again) is frozen anew.
        db.session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.period_id == period.id))
    db.session.commit()


def _freeze_next(job: PeriodJob, period: Period, budget: float, now: datetime) -> None:
    start, todo = job.done, [tuple(item) for item in cast(list, job.todo)]
    policy = policy_of(period)
    deadline = time.monotonic() + budget
    frozen = []
    for scope, scope_id in todo[start:]:
        frozen.append(_snapshot(period, scope, scope_id, policy, now))
        if time.monotonic() >= deadline:  # at least one a step, so that every step moves on
            break
    _end_read()
    moved = db.session.execute(
        sa.update(PeriodJob)
        .where(PeriodJob.id == job.id, PeriodJob.status == PeriodJobStatus.RUNNING, PeriodJob.done == start)
        .values(done=start + len(frozen), stepped_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed_one(moved) and frozen:
        db.session.execute(sa.insert(ScoreSnapshot), frozen)
    db.session.commit()


def _finish(job: PeriodJob, period: Period, now: datetime) -> None:
    if _counts(period) != (job.responses, job.last_id):
        # A response written as the period stopped taking them came in after the list: the
        # results are frozen again, from the list on (it stops taking them, so this ends).
        _end_read()
        again = db.session.execute(
            sa.update(PeriodJob)
            .where(PeriodJob.id == job.id, PeriodJob.status == PeriodJobStatus.RUNNING, PeriodJob.done == job.total)
            .values(todo=sa.null(), total=0, done=0, restarts=PeriodJob.restarts + 1, stepped_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit() if changed_one(again) else db.session.rollback()
        return
    _end_read()
    if not move(_user(job), period, "close", PeriodStatus.CLOSING, PeriodStatus.CLOSED, now):
        db.session.rollback()
        return
    _done(job, now)
    db.session.commit()


def _done(job: PeriodJob, now: datetime, status: PeriodJobStatus = PeriodJobStatus.DONE) -> None:
    db.session.execute(
        sa.update(PeriodJob)
        .where(PeriodJob.id == job.id)
        .values(status=status, finished_at=now, stepped_at=now)
        .execution_options(synchronize_session=False)
    )


def _reopen(job: PeriodJob, period: Period, now: datetime) -> None:
    if move(_user(job), period, "reopen", PeriodStatus.CLOSED, PeriodStatus.OPEN, now, reason=job.reason):
        db.session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.period_id == period.id))
        _done(job, now)
    else:  # opened meanwhile by another job, or no longer closed: nothing to do
        _done(job, now, PeriodJobStatus.CANCELLED)
    db.session.commit()


def cancel(job: PeriodJob, user: User | None, now: datetime | None = None) -> PeriodJob:
    """Stop a close half-way: the period takes responses again and what was frozen is dropped
    (one transaction). A finished job is left as it is."""
    _actor(user)
    if job.status != PeriodJobStatus.RUNNING or job.action != CLOSE:
        raise AdminError("period_job_not_running")
    now = now or utcnow()
    period = db.session.get_one(Period, job.period_id)
    stopped = db.session.execute(
        sa.update(PeriodJob)
        .where(PeriodJob.id == job.id, PeriodJob.status == PeriodJobStatus.RUNNING)
        .values(status=PeriodJobStatus.CANCELLED, finished_at=now, stepped_at=now)
        .execution_options(synchronize_session=False)
    )
    if not changed_one(stopped):
        raise AdminError("period_job_not_running")
    move(user, period, "close_cancel", PeriodStatus.CLOSING, PeriodStatus.OPEN, now)
    db.session.execute(sa.delete(ScoreSnapshot).where(ScoreSnapshot.period_id == period.id))
    db.session.flush()
    db.session.refresh(job)
    return job


@dataclass
class Progress:
    """What a job's page and the command line say of it."""

    job: PeriodJob
    period: Period

    @property
    def percent(self) -> int:
        if self.job.status == PeriodJobStatus.DONE:
            return 100
        if not self.job.total:
            return 0
        return min(99, self.job.done * 100 // self.job.total)


def progress(job: PeriodJob) -> Progress:
    return Progress(job, db.session.get_one(Period, job.period_id))


def close_period(period: Period, user: User | None, now: datetime | None = None) -> Period:
    """Close the period now, every step in this call (the tests, a script)."""
    run(start_close(period, user, now), now=now)
    db.session.refresh(period)
    return period


def reopen_period(period: Period, user: User | None, reason: str, now: datetime | None = None) -> Period:
    """Reopen the period now, in this call."""
    run(start_reopen(period, user, reason, now), now=now)
    db.session.refresh(period)
    return period
