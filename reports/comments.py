"""Citizens' comments that staff can use: the list a supervisor reads and filters, hiding an
abusive one, tagging each as praise, complaint or suggestion, and answering and closing a
complaint. Every change is audited.

The tag is staff's word: the list suggests one from the response's own score (``suggested_tag``)
and staff confirm or change it. What staff decide lives in ``CommentTriage``, never on the
response, whose only writer is ``core.responses``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit
from core.db import db, utcnow
from core.errors import AdminError, DomainError
from core.responses import Response, hide_comment
from org.access import require_unit, scoped
from org.models import Desk, Officer, Unit, User

from .models import CommentTag, CommentTriage
from .profanity import mask

TAG_LABELS = {
    CommentTag.PRAISE: _l("Praise"),
    CommentTag.COMPLAINT: _l("Complaint"),
    CommentTag.SUGGESTION: _l("Suggestion"),
}
# A filter's "tag" value beside the three tags: comments nobody has tagged yet.
UNTAGGED = "untagged"
# A filter's "status": complaints still waiting for an answer, or answered and closed.
OPEN, CLOSED = "open", "closed"
MAX_ANSWER = 2000


class CommentError(DomainError):
    """A state of a comment's triage that forbids an action (409), or a value no comment takes (422)."""

    status = 409
    messages = {
        "unknown_tag": _l("Choose praise, complaint or suggestion."),
        "same_tag": _l("This comment already has this tag."),
        "complaint_closed": _l("This complaint is answered and closed: reopen it before its tag changes."),
        "not_complaint": _l("Only a comment tagged as a complaint is answered and closed."),
        "already_closed": _l("This complaint is already answered and closed."),
        "not_closed": _l("This complaint is not closed."),
        "answer_required": _l("Write the answer given to the citizen."),
        "answer_long": _l("An answer has at most %(max)s characters."),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        if code in ("unknown_tag", "answer_required", "answer_long"):
            self.status = 422


def suggested_tag(score_sum: int, score_n: int) -> CommentTag | None:
    """The tag the list suggests from the response's own score on 1..4 (a kiosk face, or the mean
    of a phone survey's answers): a happy face (3 or more) suggests praise, an unhappy one (2 or
    less) a complaint; no score, or one in between, suggests nothing. A suggestion is never
    stored: staff confirm it, or pick another tag (a suggestion cannot be read from a score)."""
    if score_n <= 0:
        return None
    if score_sum >= 3 * score_n:
        return CommentTag.PRAISE
    if score_sum <= 2 * score_n:
        return CommentTag.COMPLAINT
    return None


@dataclass(frozen=True)
class CommentFilters:
    """What the list is narrowed to; each empty value narrows nothing. Days are local days of
    each comment's own unit."""

    q: str = ""
    unit_id: int | None = None
    period_id: int | None = None
    desk_id: int | None = None
    hidden: str = ""
    tag: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None


def _local_days(query, since: date | None, until: date | None, unit_ids):
    """Keep responses cast on the local days ``since``..``until`` of their own unit: the units are
    grouped by time zone (three in Indonesia), each group with its own bounds in UTC."""
    if since is None and until is None:
        return query
    zones: dict[str, list[int]] = defaultdict(list)
    for unit_id, timezone in db.session.execute(sa.select(Unit.id, Unit.timezone).where(unit_ids)).all():
        zones[timezone].append(unit_id)
    terms = []
    for timezone, ids in zones.items():
        zone = ZoneInfo(timezone)
        term: list[sa.ColumnElement[bool]] = [Response.unit_id.in_(ids)]
        start = _midnight(since, zone) if since is not None else None
        end = _midnight(until + timedelta(days=1), zone) if until is not None and until < date.max else None
        if start is not None:
            term.append(Response.cast_at >= start)
        if end is not None:
            term.append(Response.cast_at < end)
        terms.append(sa.and_(*term))
    return query.where(sa.or_(*terms) if terms else sa.false())


def _midnight(day: date, zone: ZoneInfo) -> datetime | None:
    """The moment, in UTC, a local day begins; None for the first days a date can hold, whose
    midnight east of UTC lies before year 1 (no bound: nothing is older)."""
    try:
        return datetime.combine(day, time(), zone).astimezone(UTC)
    except OverflowError:
        return None


def comments_query(user: User, filters: CommentFilters | None = None):
    filters = filters or CommentFilters()
    query = scoped(
        sa.select(Response)
        .outerjoin(CommentTriage, CommentTriage.response_id == Response.id)
        .where(Response.comment.isnot(None), Response.comment != ""),
        Response.unit_id,
        user,
    )
    if filters.unit_id:
        query = query.where(Response.unit_id == filters.unit_id)
    if filters.period_id:
        query = query.where(Response.period_id == filters.period_id)
    if filters.desk_id:
        query = query.where(Response.desk_id == filters.desk_id)
    if filters.hidden == "yes":
        query = query.where(Response.comment_hidden.is_(True))
    elif filters.hidden == "no":
        query = query.where(Response.comment_hidden.is_(False))
    if filters.tag == UNTAGGED:
        query = query.where(CommentTriage.tag.is_(None))
    elif filters.tag in {tag.value for tag in CommentTag}:
        query = query.where(CommentTriage.tag == CommentTag(filters.tag))
    if filters.status == OPEN:
        query = query.where(CommentTriage.tag == CommentTag.COMPLAINT, CommentTriage.closed_at.is_(None))
    elif filters.status == CLOSED:
        query = query.where(CommentTriage.closed_at.isnot(None))
    if filters.q:
        query = query.where(sa.func.lower(Response.comment).like(f"%{filters.q.strip().lower()}%"))
    unit_ids = scoped(sa.select(Unit.id), Unit.id, user).scalar_subquery()
    query = _local_days(query, filters.since, filters.until, Unit.id.in_(unit_ids))
    return query.order_by(Response.cast_at.desc(), Response.id.desc())


def comment_details(responses) -> dict[int, dict]:
    """For each response with a comment: where it was given (desk), to whom (officer), the time
    zone of its unit (in which its time is read), staff's triage (None: untagged), the tag the
    list suggests, and the comment as people read it (profanity masked)."""
    ids = [response.id for response in responses]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Response.id, Unit.timezone, Desk.name, Officer.name, CommentTriage)
        .join(Unit, Unit.id == Response.unit_id)
        .outerjoin(Desk, Desk.id == Response.desk_id)
        .outerjoin(Officer, Officer.id == Response.officer_id)
        .outerjoin(CommentTriage, CommentTriage.response_id == Response.id)
        .where(Response.id.in_(ids))
    ).all()
    users = _names({user_id for row in rows if row[4] for user_id in (row[4].tagged_by, row[4].answered_by)})
    by_id = {response.id: response for response in responses}
    details = {}
    for response_id, timezone, desk, officer, triage in rows:
        response = by_id[response_id]
        details[response_id] = {
            "timezone": timezone,
            "desk": desk,
            "officer": officer,
            "triage": triage,
            "suggested": suggested_tag(response.score_sum, response.score_n),
            "text": mask(response.comment),
            "tagged_by": users.get(triage.tagged_by) if triage and triage.tagged_by else None,
            "answered_by": users.get(triage.answered_by) if triage and triage.answered_by else None,
        }
    return details


def _names(user_ids: set) -> dict[int, str]:
    user_ids = {user_id for user_id in user_ids if user_id}
    if not user_ids:
        return {}
    return {user.id: user.display_name for user in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}


def _label(response: Response) -> str:
    # The audit log is read by people too: the comment as they may read it.
    return mask(response.comment)[:80]


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
        _label(response),
        before={"comment_hidden": not hidden},
        after={"comment_hidden": hidden},
        unit_id=response.unit_id,
        now=now,
    )


def _triage(response: Response) -> CommentTriage | None:
    return db.session.scalar(sa.select(CommentTriage).where(CommentTriage.response_id == response.id))


def _state(triage: CommentTriage | None) -> dict:
    if triage is None:
        return {"tag": None, "answer": None, "closed": False}
    return {"tag": triage.tag.value if triage.tag else None, "answer": triage.answer, "closed": bool(triage.closed_at)}


def tag_comment(actor: User, response: Response, tag: str, now: datetime | None = None) -> CommentTriage:
    """Tag a comment as praise, complaint or suggestion (or change its tag). A closed complaint
    keeps its tag until it is reopened: its answer belongs to a complaint."""
    require_unit(actor, response.unit_id)
    if not response.comment:
        raise AdminError("no_comment")
    if tag not in {value.value for value in CommentTag}:
        raise CommentError("unknown_tag")
    new = CommentTag(tag)
    triage = _triage(response)
    if triage is not None and triage.tag == new:
        raise CommentError("same_tag")
    if triage is not None and triage.closed_at is not None:
        raise CommentError("complaint_closed")
    before = _state(triage)
    if triage is None:
        triage = CommentTriage(response_id=response.id)
        db.session.add(triage)
    now = now or utcnow()
    triage.tag, triage.tagged_at, triage.tagged_by = new, now, actor.id
    db.session.flush()
    audit.record(
        actor,
        "tag",
        "comment_triage",
        response.id,
        _label(response),
        before={"tag": before["tag"]},
        after={"tag": new.value},
        unit_id=response.unit_id,
        now=now,
    )
    return triage


def answer_complaint(actor: User, response: Response, answer: str, now: datetime | None = None) -> CommentTriage:
    """Record the answer given to a complaint and close it. The answer is what staff told (or will
    tell) the citizen; it is kept with who gave it and when, and the closing is audited."""
    require_unit(actor, response.unit_id)
    answer = (answer or "").strip()
    if not answer:
        raise CommentError("answer_required")
    if len(answer) > MAX_ANSWER:
        raise CommentError("answer_long", max=MAX_ANSWER)
    triage = _triage(response)
    if triage is None or triage.tag != CommentTag.COMPLAINT:
        raise CommentError("not_complaint")
    if triage.closed_at is not None:
        raise CommentError("already_closed")
    before = _state(triage)
    now = now or utcnow()
    triage.answer, triage.answered_at, triage.answered_by = answer, now, actor.id
    triage.closed_at, triage.closed_by = now, actor.id
    db.session.flush()
    audit.record(
        actor,
        "answer",
        "comment_triage",
        response.id,
        _label(response),
        before={"answer": before["answer"], "closed": before["closed"]},
        after={"answer": answer, "closed": True},
        unit_id=response.unit_id,
        now=now,
    )
    return triage


def reopen_complaint(actor: User, response: Response, now: datetime | None = None) -> CommentTriage:
    """Open a closed complaint again (the answer fell short). The answer given stays until a new
    one replaces it; the audit log keeps every answer."""
    require_unit(actor, response.unit_id)
    triage = _triage(response)
    if triage is None or triage.tag != CommentTag.COMPLAINT:
        raise CommentError("not_complaint")
    if triage.closed_at is None:
        raise CommentError("not_closed")
    triage.closed_at, triage.closed_by = None, None
    db.session.flush()
    audit.record(
        actor,
        "reopen",
        "comment_triage",
        response.id,
        _label(response),
        before={"closed": True},
        after={"closed": False},
        unit_id=response.unit_id,
        now=now,
    )
    return triage
