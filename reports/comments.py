"""Citizens' comments: the list a supervisor reads, and hiding an abusive one (audited)."""

from datetime import datetime

import sqlalchemy as sa

from core import audit
from core.db import db
from core.errors import AdminError
from core.responses import Response, hide_comment
from org.access import require_unit, scoped
from org.models import Desk, Officer, Unit, User


def comments_query(
    user: User, unit_id: int | None = None, period_id: int | None = None, hidden: str = "", search: str = ""
):
    query = scoped(
        sa.select(Response).where(Response.comment.isnot(None), Response.comment != ""), Response.unit_id, user
    )
    if unit_id:
        query = query.where(Response.unit_id == unit_id)
    if period_id:
        query = query.where(Response.period_id == period_id)
    if hidden == "yes":
        query = query.where(Response.comment_hidden.is_(True))
    elif hidden == "no":
        query = query.where(Response.comment_hidden.is_(False))
    if search:
        query = query.where(sa.func.lower(Response.comment).like(f"%{search.strip().lower()}%"))
    return query.order_by(Response.cast_at.desc(), Response.id.desc())


def comment_details(responses) -> dict[int, dict]:
    """For each response with a comment: where it was given (desk), to whom (officer), and the
    time zone of its unit, in which its time is read."""
    ids = [response.id for response in responses]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Response.id, Unit.timezone, Desk.name, Officer.name)
        .join(Unit, Unit.id == Response.unit_id)
        .outerjoin(Desk, Desk.id == Response.desk_id)
        .outerjoin(Officer, Officer.id == Response.officer_id)
        .where(Response.id.in_(ids))
    ).all()
    return {row[0]: {"timezone": row[1], "desk": row[2], "officer": row[3]} for row in rows}


def set_comment_hidden(actor: User, response: Response, hidden: bool, now: datetime | None = None) -> None:
    """Hide an abusive comment from every page and report (or show it again). The text is kept:
    it is evidence, and the hiding itself is logged."""
    require_unit(actor, response.unit_id)
    if not response.comment:
        raise AdminError("no_comment")
    if response.comment_hidden == hidden:
        raise AdminError("already_hidden" if hidden else "not_hidden")
    hide_comment(response, hidden)
    audit.record(
        actor,
        "hide" if hidden else "unhide",
        "comment",
        response.id,
        response.comment[:80],
        before={"comment_hidden": not hidden},
        after={"comment_hidden": hidden},
        unit_id=response.unit_id,
        now=now,
    )
