"""``flask --app app periods``: close or reopen a period from the server's command line, with its
progress; the same jobs as the admin area's (``reports.closing``), so a close begun in the browser
and cut off is finished here, and the other way round (``resume``, on a timer, finishes those
nobody is watching). Audited as the command line's."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from core import recount
from core.db import db, id_from, utcnow
from core.errors import DomainError

from . import closing
from .models import PeriodJob, PeriodJobStatus

periods = click.Group(
    "periods", help="Appraisal periods: list them, close one, reopen one, check or recount their tallies."
)


def _period(name_or_id: str) -> Period:
    period_id = id_from(name_or_id)
    period = db.session.get(Period, period_id) if period_id else None
    if period is None:
        period = db.session.scalar(sa.select(Period).where(sa.func.lower(Period.name) == name_or_id.strip().lower()))
    if period is None:
        raise click.BadParameter(f"no period has the id or the name {name_or_id!r}", param_hint="PERIOD")
    return period


def _report(job: PeriodJob) -> None:
    if job.todo is None:
        click.echo("listing the units and officers to freeze…")
    elif job.status == PeriodJobStatus.RUNNING:
        click.echo(f"frozen {job.done} of {job.total}")


# The command line waits for no one: longer steps than a request's, fewer of them (a step's
# reads hold no lock; only its short write does).
CLI_STEP_SECONDS = 2.0


def _run(job: PeriodJob, period: Period) -> None:
    closing.run(job, CLI_STEP_SECONDS, progress=_report)
    db.session.refresh(period)
    if job.status == PeriodJobStatus.DONE:
        click.echo(
            f"{period.name}: {period.status.value}" + (f" ({job.total} frozen)" if job.action == "close" else "")
        )
    else:
        click.echo(f"{period.name}: {job.status.value}; the period is {period.status.value}", err=True)
        raise click.exceptions.Exit(1)


@periods.command("list")
def list_periods():
    """Every period with its state."""
    for period in db.session.scalars(sa.select(Period).order_by(Period.starts_on)):
        click.echo(f"{period.id}\t{period.name}\t{period.starts_on} – {period.ends_on}\t{period.status.value}")


@periods.command("close")
@click.argument("period")
def close(period):
    """Close PERIOD (its id or name), or finish closing it: it takes no more responses and its
    reports and sheets are frozen. Safe to run again after an interruption."""
    period = _period(period)
    job = closing.active_job(period)
    if job is None:
        try:
            job = closing.start_close(period, None)
        except DomainError as error:
            raise click.ClickException(f"{period.name}: {error.message}") from None
        db.session.commit()
    elif job.action != closing.CLOSE:
        raise click.ClickException(f"{period.name} is being reopened")
    _run(job, period)


@periods.command("reopen")
@click.argument("period")
@click.option("--reason", required=True, help="Why it is reopened (goes into the audit log).")
def reopen(period, reason):
    """Open a closed PERIOD (its id or name) again."""
    period = _period(period)
    try:
        job = closing.start_reopen(period, None, reason)
    except DomainError as error:
        raise click.ClickException(f"{period.name}: {error.message}") from None
    db.session.commit()
    _run(job, period)


@periods.command("resume")
@click.option("--idle", default=30, show_default=True, help="Seconds since a job's last step before it is taken up.")
def resume(idle):
    """Finish every close or reopening left half-way: its page closed, its server gone (run every
    minute by deploy/suara-periods.timer). A job stepped in the last --idle seconds is being
    taken by someone and is left to them."""
    quiet_since = utcnow() - timedelta(seconds=idle)
    jobs = db.session.scalars(
        sa.select(PeriodJob)
        .where(
            PeriodJob.status == PeriodJobStatus.RUNNING,
            sa.func.coalesce(PeriodJob.stepped_at, PeriodJob.created_at) < quiet_since,
        )
        .order_by(PeriodJob.id)
    ).all()
    for job in jobs:
        _run(job, db.session.get_one(Period, job.period_id))
    if not jobs:
        click.echo("nothing to resume")


@periods.command("stop-closing")
@click.argument("period")
def stop_closing(period):
    """Stop closing PERIOD: it takes responses again and nothing of it stays frozen."""
    period = _period(period)
    job = closing.active_job(period)
    if job is None or period.status != PeriodStatus.CLOSING:
        raise click.ClickException(f"{period.name} is not being closed")
    closing.cancel(job, None)
    db.session.commit()
    click.echo(f"{period.name}: open")


@periods.command("check-tallies")
@click.argument("period", required=False)
def check_tallies(period):
    """Recount PERIOD's responses (its id or name; every period without one) and compare them with
    the running tallies the pages read (core.tallies): each difference is listed, and the exit
    status is 1 when there is any. Reads only."""
    period_id = _period(period).id if period else None
    with db.engine.connect() as connection:
        wrong = recount.differences(connection, period_id)
    for line in wrong:
        click.echo(line)
    if wrong:
        click.echo(f"{len(wrong)} tallies differ from the recount: `flask periods refill-tallies` mends them", err=True)
        raise click.exceptions.Exit(1)
    click.echo("the tallies agree with a recount of the responses")


@periods.command("refill-tallies")
@click.argument("period", required=False)
def refill_tallies(period):
    """Recount PERIOD's running tallies (its id or name; every period without one) from its
    responses: after a restore of only some tables, or a hand edit of the database. Responses are
    held back meanwhile (a lock on PostgreSQL; SQLite's one writer), so run it in a quiet hour."""
    period_id = _period(period).id if period else None
    with db.engine.begin() as connection:
        recount.refill(connection, period_id)
    click.echo("the tallies are recounted")


COMMANDS = (periods,)
