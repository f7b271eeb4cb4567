"""The admin area's own pages: the start page (with each new unit's checklist) and the audit log."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from alerts.queries import describe
from core import audit
from core.db import db, utcnow
from core.htmx import render_htmx
from core.web import arg_date, arg_id, paginate
from home import queries as home
from kiosk.outside_period import outside_period
from org import access
from org.auth import ADMIN, EVERYONE, OFFICER, roles_required
from org.models import Officer, User

from .checklist import checklists

# How many units' checklists the start page shows before "show all".
CHECKLISTS_SHOWN = 5

# cli_group=None: no `flask admin ...` command group.
bp = Blueprint("admin", __name__, url_prefix="/admin", cli_group=None)


@bp.get("/")
@roles_required(*EVERYONE)
def index():
    """The role's home: what happened today and in the period, and what needs this person."""
    now = utcnow()
    if current_user.role == OFFICER:
        officer = db.session.get(Officer, current_user.officer_id)
        return render_template("admin/index.html", officer_home=home.officer_home(officer, now) if officer else None)
    units = access.managed_units(current_user)
    lists = checklists(units, now)
    waiting = [checklist for checklist in lists if not checklist.complete]
    # A new organisation's units all wait at first: the page shows the first few checklists in
    # full, the rest on asking (a wall of forty checklists helps nobody, and costs its render).
    shown = waiting if request.args.get("checklists") == "all" else waiting[:CHECKLISTS_SHOWN]
    if current_user.role == ADMIN:
        context = dict(glance=home.units_at_a_glance(units, now), tasks=home.objections_to_decide(current_user))
    else:
        context = dict(supervisor=home.supervisor_home(current_user, units, now), describe_alert=describe)
    return render_template(
        "admin/index.html",
        units=units,
        outside=outside_period(units, now),
        checklists=shown,
        checklists_hidden=len(waiting) - len(shown),
        ready=len(lists) - len(waiting),
        **context,
    )


@bp.get("/audit")
@roles_required(ADMIN)
def audit_log():
    args = dict(
        user_id=arg_id("user"),
        entity=request.args.get("entity", ""),
        entity_id=arg_id("entity_id"),
        day_from=arg_date("from"),
        day_to=arg_date("to"),
    )
    entity = args["entity"] if args["entity"] in audit.ENTITIES else None
    listing = paginate(audit.search(args["user_id"], entity, args["entity_id"], args["day_from"], args["day_to"]), 50)
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_htmx(
        "admin/audit.html", "admin/_audit.html", listing=listing, users=users, entities=audit.ENTITIES, **args
    )
