"""The planned roster's pages in the admin area: a unit's week of shifts per desk (add, remove,
copy last week) and its opening hours. Nested in the org blueprint (``org.views``)."""

from datetime import date, timedelta

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from core.db import utcnow
from core.htmx import render_htmx
from core.web import arg_date, saved

from .auth import MANAGERS, load, roles_required
from .forms import CopyWeekForm, HoursForm, ShiftForm
from .models import Shift, Unit
from .roster import (
    WEEKDAYS,
    add_shift,
    copy_week,
    hours_of,
    local_day,
    moment,
    remove_shift,
    set_hours,
    week_view,
)

bp = Blueprint("roster", __name__)

WEEK, HOURS = "org/_roster_week.html", "org/_hours.html"


def _unit(unit_id: int) -> Unit:
    return load(Unit, unit_id, lambda u: u.id)


def _week_context(unit: Unit, day: date | None, form=None, **extra) -> dict:
    week = week_view(unit, day or local_day(unit, utcnow()))
    extra.setdefault("hours_form", HoursForm.of(week.hours))
    return dict(
        unit=unit,
        week=week,
        weekdays=WEEKDAYS,
        form=form or ShiftForm.blank(day=week.monday),
        copy_form=CopyWeekForm.blank(week=week.monday),
        desk_choices=[(desk.id, desk.name) for desk in week.desks],
        officer_choices=[(officer.id, officer.name) for officer in week.officers],
        **extra,
    )


def _week_url(unit: Unit, day: date) -> str:
    return url_for("admin.org.roster.week", unit_id=unit.id, week=day.isoformat())


@bp.get("/units/<int:unit_id>/roster")
@roles_required(*MANAGERS)
def week(unit_id):
    """A week of the unit's planned shifts, desks by days (local days; this week by default)."""
    unit = _unit(unit_id)
    return render_htmx("org/roster.html", WEEK, **_week_context(unit, arg_date("week")))


@bp.post("/units/<int:unit_id>/roster/shifts")
@roles_required(*MANAGERS)
def shift_add(unit_id):
    unit = _unit(unit_id)
    form = ShiftForm()

    def add():
        starts_at = moment(unit, form.day.data, form.starts.data)
        ends_at = moment(unit, form.day.data, form.ends.data)
        shift = add_shift(current_user, form.desk_id.data, form.officer_id.data, starts_at, ends_at)
        return shift

    if form.submit(add):
        shift, day = form.result, form.day.data
        message = _(
            "%(name)s planned at %(desk)s on %(day)s.",
            name=shift.officer.name,
            desk=shift.desk.name,
            day=day.isoformat(),
        )
        # A fresh form keeps the desk and the day: the next shift is most often beside this one.
        fresh = ShiftForm.blank(day=day, desk_id=shift.desk)
        return saved(WEEK, "roster-changed", _week_url(unit, day), message, **_week_context(unit, day, fresh))
    day = form.day.data or arg_date("week")
    return render_htmx("org/roster.html", WEEK, status=form.status, **_week_context(unit, day, form))


@bp.post("/units/<int:unit_id>/roster/shifts/<int:shift_id>/delete")
@roles_required(*MANAGERS)
def shift_remove(unit_id, shift_id):
    unit = _unit(unit_id)
    shift = load(Shift, shift_id, lambda s: s.desk.unit_id)
    if shift.desk.unit_id != unit.id:
        abort(404)
    day = local_day(unit, shift.starts_at)
    message = _("Shift of %(name)s at %(desk)s removed.", name=shift.officer.name, desk=shift.desk.name)
    remove_shift(current_user, shift)
    return saved(WEEK, "roster-changed", _week_url(unit, day), message, **_week_context(unit, day))


@bp.post("/units/<int:unit_id>/roster/copy")
@roles_required(*MANAGERS)
def week_copy(unit_id):
    """Copy the week before into the week shown; clashing shifts are skipped and listed."""
    unit = _unit(unit_id)
    form = CopyWeekForm()
    if form.submit(lambda: copy_week(current_user, unit, form.week.data - timedelta(days=7), form.week.data)):
        copied, day = form.result, form.week.data
        message = ngettext(
            "%(num)s shift copied from last week.", "%(num)s shifts copied from last week.", len(copied.made)
        )
        if copied.skipped:
            message += " " + ngettext("%(num)s shift skipped.", "%(num)s shifts skipped.", len(copied.skipped))
        skipped = [(shift.desk.name, shift.officer.name, reason) for shift, reason in copied.skipped]
        context = _week_context(unit, day, skipped=skipped)
        if skipped and not request.headers.get("HX-Request"):
            # A plain form cannot carry the list through a redirect: show it at once.
            return render_htmx("org/roster.html", WEEK, notice=message, **context)
        return saved(WEEK, "roster-changed", _week_url(unit, day), message, **context)
    return render_htmx(
        "org/roster.html", WEEK, status=form.status, **_week_context(unit, form.week.data, copy_error=form.error)
    )


# --- Opening hours --------------------------------------------------------------------------------


@bp.post("/units/<int:unit_id>/hours")
@roles_required(*MANAGERS)
def hours_save(unit_id):
    """The unit's weekly opening hours, shown beside its roster."""
    unit = _unit(unit_id)
    form = HoursForm()
    if form.submit(lambda: set_hours(current_user, unit, form.weekly())):
        context = _week_context(unit, None, hours_form=HoursForm.of(hours_of(unit)))
        return saved(
            HOURS,
            "hours-changed",
            url_for("admin.org.roster.week", unit_id=unit.id),
            _("Opening hours saved."),
            **context,
        )
    return render_htmx("org/roster.html", HOURS, status=form.status, **_week_context(unit, None, hours_form=form))
