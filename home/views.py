"""Each unit's public lobby screen: a TV in the waiting room showing the office's results, large
enough to read across the room, refreshed every minute. No officer is named there, except the
unit's confirmed officer of the month where the unit opts in; no comment is ever shown."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask import Blueprint, Response, abort, current_app, url_for

from core.db import db, utcnow
from core.htmx import render_htmx
from org.models import Officer

from . import queries

bp = Blueprint("home", __name__, url_prefix="/lobi")

REFRESH_SECONDS = 60


@bp.app_template_global("link_if_exists")
def link_if_exists(endpoint: str, **values) -> str | None:
    """The address of a page, or None while that page is not part of the app (the homes link to
    pages other features build)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


@bp.app_template_filter("lobby_date")
def lobby_date(moment, timezone: str, locale: str, pattern: str = "EEEE, d MMMM y") -> str:
    """A day (or a moment at the unit, in its local time) as people read it on a wall, in
    ``locale``; ``pattern`` is Babel's (CLDR)."""
    if isinstance(moment, datetime):
        return format_datetime(moment.astimezone(ZoneInfo(timezone)), pattern, tzinfo=ZoneInfo(timezone), locale=locale)
    return format_date(moment, pattern, locale=locale)


def _unit(unit_code: str):
    unit = queries.lobby_unit(unit_code)
    if unit is None:
        abort(404)
    return unit


@bp.get("/<unit_code>")
def lobby(unit_code: str):
    """The screen; htmx asks for its board again every minute (the page without script reloads
    itself: a meta refresh inside <noscript>)."""
    board = queries.lobby(_unit(unit_code), utcnow())
    response = render_htmx("home/lobby.html", "home/_board.html", board=board, refresh=REFRESH_SECONDS)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<unit_code>/petugas-bulan-ini")
def award_photo(unit_code: str):
    """The photo of the unit's officer of the month, only where the unit shows the award on its
    lobby screen; any other officer's photo stays in the admin area."""
    unit = _unit(unit_code)
    award = queries.current_award(unit, queries.local_day(unit, utcnow())) if unit.lobby_shows_award else None
    officer = db.session.get(Officer, award.officer_id) if award is not None else None
    if officer is None or not officer.has_photo:
        abort(404)
    response = Response(officer.photo, mimetype=officer.photo_mime)
    response.headers["Cache-Control"] = "no-cache"
    return response
