"""Admin views for reviewing: citizens' comments (with hiding of abusive ones) and the audit log."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appraisal import accounts, admin_services, audit
from appraisal.db import db
from appraisal.errors import DomainError
from appraisal.models import Period, Response, User
from extensions import htmx, render_htmx

from . import bp
from .auth import ADMIN, MANAGERS, roles_required
from .helpers import arg_date, load, paginate, saved


def _local_time(response: Response) -> str:
    zone = ZoneInfo(response.desk.unit.timezone if response.desk else "Asia/Jakarta")
    return response.cast_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _comments_context():
    args = dict(q=request.args.get("q", ""), unit_id=request.args.get("unit", type=int),
                period_id=request.args.get("period", type=int), hidden=request.args.get("hidden", ""))
    listing = paginate(admin_services.comments_query(current_user, args["unit_id"], args["period_id"], args["hidden"],
                                                  args["q"]))
    return dict(listing=listing, units=accounts.managed_units(current_user), local_time=_local_time,
                periods=db.session.scalars(sa.select(Period).order_by(Period.starts_on.desc())).all(), **args)


@bp.get("/comments")
@roles_required(*MANAGERS)
def comments():
    return render_htmx("admin/comments.html", "admin/_comments.html", **_comments_context())


def _set_hidden(response_id: int, hidden: bool):
    response = load(Response, response_id, lambda r: r.unit_id)
    try:
        admin_services.set_comment_hidden(current_user, response, hidden)
    except DomainError as error:
        db.session.rollback()
        if htmx:
            return render_template("admin/_comment.html", response=response, local_time=_local_time,
                                   row_error=error.message), error.status
        return render_template("error.html", status=error.status, message=error.message), error.status
    message = _("Comment hidden. It is kept, and the hiding is in the audit log.") if hidden else _("Comment shown again.")
    return saved("admin/_comment.html", "comment-changed", request.referrer if _same_site(request.referrer)
                 else url_for("admin.comments"), message, response=response, local_time=_local_time)


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.post("/comments/<int:response_id>/hide")
@roles_required(*MANAGERS)
def comment_hide(response_id):
    return _set_hidden(response_id, True)


@bp.post("/comments/<int:response_id>/unhide")
@roles_required(*MANAGERS)
def comment_unhide(response_id):
    return _set_hidden(response_id, False)


# --- Audit log ---------------------------------------------------------------------------------------

@bp.get("/audit")
@roles_required(ADMIN)
def audit_log():
    args = dict(user_id=request.args.get("user", type=int), entity=request.args.get("entity", ""),
                entity_id=request.args.get("entity_id", type=int), day_from=arg_date("from"), day_to=arg_date("to"))
    entity = args["entity"] if args["entity"] in audit.ENTITIES else None
    listing = paginate(audit.search(args["user_id"], entity, args["entity_id"], args["day_from"], args["day_to"]), 50)
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_htmx("admin/audit.html", "admin/_audit.html", listing=listing, users=users, entities=audit.ENTITIES,
                       **args)
