"""The writes of 360° feedback rounds: opening a round (with its default raters), inviting and
withdrawing peers, answering, reminding, closing. Each checks scope and state, audits and
flushes; the view commits.

Anonymity in the audit log: it records who was invited and when, reminders as counts, opening
and closing; never an answer of an anonymous kind (peer, subordinate), and never which raters
were still waiting when reminded (that would tell who had answered). An answer of the officer
herself or of her supervisor is logged as given, without its ratings.

The personal link: its token is derived from the invitation with the app's secret key (HMAC), so
that the rater's page can show it again whenever he looks, while the database alone holds only a
keyed hash of it (``token_hash``), by which a link is found. A new secret key makes new links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from appraisal.berakhlak import CODES
from appraisal.models import Period, PeriodStatus
from core import audit
from core.db import db, utcnow
from core.errors import Invalid
from core.mail import MailFailed, mail_configured, send_mail
from org.access import require_unit
from org.models import Officer, Unit, User

from .errors import FeedbackError
from .models import MIN_RATERS_FLOOR, FeedbackRound, Invitation, RaterKind, RoundAnswer, RoundStatus
from .raters import RaterKey, check_peer, default_raters, subjects

MIN_RATERS_MAX = 20
COMMENT_MAX = 1000
TOKEN_MAX = 64
# A rater is reminded at most once in this long, however often the button is pressed.
REMINDER_GAP = timedelta(hours=20)


# --- The personal link ---------------------------------------------------------------------------------


def _mac(message: str) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def link_token(invitation: Invitation) -> str:
    """The token of the invitation's personal link (see the module's docstring)."""
    digest = _mac(f"feedback-invitation|{invitation.id}|{invitation.round_id}|{invitation.subject_id}")
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hmac.new(_mac("feedback-token-key"), token.encode(), hashlib.sha256).hexdigest()


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > TOKEN_MAX:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == token_hash(token)))


def is_rater(user: User, invitation: Invitation) -> bool:
    if user is None or not user.active:
        return False
    if invitation.rater_officer_id is not None and user.officer_id == invitation.rater_officer_id:
        return True
    return invitation.rater_user_id is not None and user.id == invitation.rater_user_id


def rater_name(invitation: Invitation) -> str:
    if invitation.rater_officer_id is not None:
        return db.session.get_one(Officer, invitation.rater_officer_id).name
    user = db.session.get_one(User, invitation.rater_user_id)
    return user.name or user.username


# --- Opening a round and inviting ----------------------------------------------------------------------


def _require_open(round_: FeedbackRound) -> None:
    if round_.status != RoundStatus.OPEN:
        raise FeedbackError("round_closed")


def _latest_email(key: RaterKey) -> str | None:
    column = Invitation.rater_officer_id if key.officer_id is not None else Invitation.rater_user_id
    return db.session.scalar(
        sa.select(Invitation.email)
        .where(column == (key.officer_id or key.user_id), Invitation.email.is_not(None))
        .order_by(Invitation.id.desc())
        .limit(1)
    )


def _existing(round_: FeedbackRound, subject: Officer, key: RaterKey) -> list[Invitation]:
    """The invitations of this rater for this officer in the round, of any kind."""
    return list(
        db.session.scalars(
            sa.select(Invitation).where(
                Invitation.round_id == round_.id,
                Invitation.subject_id == subject.id,
                Invitation.rater_officer_id.is_(None)
                if key.officer_id is None
                else Invitation.rater_officer_id == key.officer_id,
                Invitation.rater_user_id.is_(None) if key.user_id is None else Invitation.rater_user_id == key.user_id,
            )
        )
    )


def _invite(actor: User, round_: FeedbackRound, subject: Officer, kind: RaterKind, key: RaterKey, now) -> Invitation:
    invitation = Invitation(
        round_id=round_.id,
        subject_id=subject.id,
        kind=kind,
        rater_officer_id=key.officer_id,
        rater_user_id=key.user_id,
        token_hash=secrets.token_hex(32),  # replaced by the link's hash once the id is known
        invited_at=now,
        invited_by=actor.id if actor else None,
        email=_latest_email(key),
    )
    db.session.add(invitation)
    db.session.flush()
    invitation.token_hash = token_hash(link_token(invitation))
    db.session.flush()
    _audit_invite(actor, round_, subject, invitation, now)
    return invitation


def _audit_invite(actor: User, round_: FeedbackRound, subject: Officer, invitation: Invitation, now) -> None:
    audit.record(
        actor,
        "invite",
        "feedback_invitation",
        invitation.id,
        f"{rater_name(invitation)} → {subject.name}",
        unit_id=round_.unit_id,
        after={
            "round": round_.id,
            "officer": subject.id,
            "kind": invitation.kind.value,
            "rater": invitation.rater_officer_id,
            "rater_account": invitation.rater_user_id,
        },
        now=now,
    )


def invite_defaults(actor: User, round_: FeedbackRound, now: datetime | None = None) -> int:
    """Invite each officer of the round's default raters (herself, her supervisor, her
    subordinates) who are not invited yet; one withdrawn stays withdrawn. The number invited."""
    require_unit(actor, round_.unit_id)
    _require_open(round_)
    now = now or utcnow()
    made = 0
    for subject in subjects(round_):
        for kind, key in default_raters(round_, subject):
            if not any(existing.kind == kind for existing in _existing(round_, subject, key)):
                _invite(actor, round_, subject, kind, key, now)
                made += 1
    return made


def open_round(
    actor: User,
    unit: Unit,
    period: Period,
    min_raters: int = MIN_RATERS_FLOOR,
    due_on: date | None = None,
    now: datetime | None = None,
) -> FeedbackRound:
    """A round for the unit's officers in an open period, its default raters invited."""
    require_unit(actor, unit.id)
    now = now or utcnow()
    if period.status != PeriodStatus.OPEN:
        raise FeedbackError("period_not_open")
    if not MIN_RATERS_FLOOR <= min_raters <= MIN_RATERS_MAX:
        raise FeedbackError("min_raters_range", min=MIN_RATERS_FLOOR, max=MIN_RATERS_MAX)
    if due_on is not None and due_on < now.astimezone(ZoneInfo(unit.timezone)).date():
        raise FeedbackError("due_past")
    exists = sa.select(FeedbackRound.id).where(FeedbackRound.unit_id == unit.id, FeedbackRound.period_id == period.id)
    if db.session.scalar(exists) is not None:
        raise FeedbackError("round_exists")
    round_ = FeedbackRound(
        unit_id=unit.id,
        period_id=period.id,
        min_raters=min_raters,
        due_on=due_on,
        opened_at=now,
        opened_by=actor.id if actor else None,
        status=RoundStatus.OPEN,
    )
    db.session.add(round_)
    db.session.flush()
    audit.record(
        actor,
        "open",
        "feedback_round",
        round_.id,
        f"{unit.name} · {period.name}",
        unit_id=unit.id,
        after={"period": period.id, "min_raters": min_raters, "due_on": due_on.isoformat() if due_on else None},
        now=now,
    )
    invite_defaults(actor, round_, now=now)
    return round_


def add_peer(
    actor: User, round_: FeedbackRound, subject: Officer, peer: Officer, now: datetime | None = None
) -> Invitation:
    """Ask ``peer`` to rate ``subject`` as a peer (anonymous). A peer withdrawn before is asked again."""
    require_unit(actor, round_.unit_id)
    _require_open(round_)
    now = now or utcnow()
    if subject.id not in {officer.id for officer in subjects(round_)}:
        raise FeedbackError("subject_not_in_round")
    check_peer(round_, subject, peer)
    key = RaterKey(officer_id=peer.id)
    for existing in _existing(round_, subject, key):
        if existing.kind == RaterKind.PEER and existing.withdrawn and not existing.answered:
            existing.withdrawn = False
            existing.invited_at, existing.invited_by = now, actor.id
            db.session.flush()
            _audit_invite(actor, round_, subject, existing, now)
            return existing
        raise FeedbackError("already_rater", name=peer.name)
    return _invite(actor, round_, subject, RaterKind.PEER, key, now)


def _answered_count(round_id: int, subject_id: int, kind: RaterKind) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Invitation.round_id == round_id,
                Invitation.subject_id == subject_id,
                Invitation.kind == kind,
                Invitation.answered.is_(True),
            )
        )
        or 0
    )


def withdraw(actor: User, invitation: Invitation, now: datetime | None = None) -> Invitation:
    """Take back an invitation that was not answered. Of an anonymous kind, only while nobody of
    that kind has answered for the officer: a refusal for one rater would tell who answered,
    while the counts already say that someone did."""
    round_ = db.session.get_one(FeedbackRound, invitation.round_id)
    require_unit(actor, round_.unit_id)
    _require_open(round_)
    now = now or utcnow()
    if invitation.kind.anonymous:
        if _answered_count(round_.id, invitation.subject_id, invitation.kind):
            raise FeedbackError("peers_answered")
    elif invitation.answered:
        raise FeedbackError("answered_final")
    if invitation.withdrawn:
        return invitation
    invitation.withdrawn = True
    db.session.flush()
    subject = db.session.get_one(Officer, invitation.subject_id)
    audit.record(
        actor,
        "withdraw",
        "feedback_invitation",
        invitation.id,
        f"{rater_name(invitation)} → {subject.name}",
        unit_id=round_.unit_id,
        before={"withdrawn": False},
        after={"withdrawn": True},
        now=now,
    )
    return invitation


def close_round(actor: User, round_: FeedbackRound, now: datetime | None = None) -> FeedbackRound:
    """Close the round: its answers are final, no answer is accepted any more, and its results
    may be shown."""
    require_unit(actor, round_.unit_id)
    _require_open(round_)
    now = now or utcnow()
    round_.status = RoundStatus.CLOSED
    round_.closed_at, round_.closed_by = now, actor.id
    db.session.flush()
    unit = db.session.get_one(Unit, round_.unit_id)
    audit.record(
        actor,
        "close",
        "feedback_round",
        round_.id,
        f"{unit.name} · {round_.period.name}",
        unit_id=round_.unit_id,
        before={"status": RoundStatus.OPEN.value},
        after={"status": RoundStatus.CLOSED.value},
        now=now,
    )
    return round_


# --- Answering ------------------------------------------------------------------------------------------


def check_answerable(user: User, invitation: Invitation) -> None:
    """May ``user`` answer this invitation now? The rater's own link (403 for anyone else, before
    anything about it is said), not withdrawn (410), its round open (410), not answered (409)."""
    if not is_rater(user, invitation):
        raise FeedbackError("not_your_invitation")
    if invitation.withdrawn:
        raise FeedbackError("invitation_withdrawn")
    if db.session.get_one(FeedbackRound, invitation.round_id).status != RoundStatus.OPEN:
        raise FeedbackError("round_closed_answer")
    if invitation.answered:
        raise FeedbackError("already_answered")


def answer(
    user: User,
    invitation: Invitation,
    scores: dict[str, int],
    comments: Mapping[str, str | None],
    now: datetime | None = None,
) -> None:
    """The rater's answer: one rating (1..4) and an optional comment per BerAKHLAK value, stored
    without the rater; the invitation marked answered in the same transaction. Two answers sent
    at once: the guarded update lets exactly one through."""
    check_answerable(user, invitation)
    now = now or utcnow()
    errors: dict = {}
    for code in CODES:
        if scores.get(code) not in (1, 2, 3, 4):
            errors[f"score_{code}"] = "choice"
        if len((comments.get(code) or "").strip()) > COMMENT_MAX:
            errors[f"comment_{code}"] = ("too_long", {"max": COMMENT_MAX})
    if errors:
        raise Invalid(errors)
    still_open = sa.select(FeedbackRound.id).where(FeedbackRound.status == RoundStatus.OPEN)
    marked = db.session.execute(  # an UPDATE's result: a CursorResult, which has rowcount
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.answered.is_(False),
            Invitation.withdrawn.is_(False),
            Invitation.round_id.in_(still_open),
        )
        .values(answered=True)
        .execution_options(synchronize_session=False)
    )
    if cast(sa.CursorResult, marked).rowcount != 1:
        db.session.expire_all()
        check_answerable(user, db.session.get_one(Invitation, invitation.id))
        raise FeedbackError("already_answered")
    db.session.expire(invitation)
    db.session.add_all(
        RoundAnswer(
            round_id=invitation.round_id,
            subject_id=invitation.subject_id,
            kind=invitation.kind,
            value=code,
            score=scores[code],
            comment=(comments.get(code) or "").strip() or None,
        )
        for code in CODES
    )
    db.session.flush()
    if not invitation.kind.anonymous:
        round_ = db.session.get_one(FeedbackRound, invitation.round_id)
        subject = db.session.get_one(Officer, invitation.subject_id)
        audit.record(
            user,
            "give_feedback",
            "feedback_invitation",
            invitation.id,
            f"{rater_name(invitation)} → {subject.name}",
            unit_id=round_.unit_id,
            after={"kind": invitation.kind.value},
            now=now,
        )


# --- Reminders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminded:
    """What one press of "remind" did, in counts only."""

    raters: int
    emailed: int
    failed: int


def _open_invitations(round_: FeedbackRound, now: datetime) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(
                Invitation.round_id == round_.id,
                Invitation.answered.is_(False),
                Invitation.withdrawn.is_(False),
                sa.or_(Invitation.reminded_at.is_(None), Invitation.reminded_at <= now - REMINDER_GAP),
            )
            .order_by(Invitation.id)
        )
    )


def _mail_text(round_: FeedbackRound, invitations: list[Invitation], link: Callable[[str], str]) -> tuple[str, str]:
    """Subject and body of a rater's reminder: in Bahasa Indonesia, then in English."""
    parts, subject = [], ""
    for locale in ("id", "en"):
        with force_locale(locale):
            if not subject:
                subject = _("Reminder: your 360° feedback is awaited (%(unit)s)", unit=round_.unit.name)
            lines = [
                _(
                    "You are asked to give feedback in the round of %(unit)s, %(period)s.",
                    unit=round_.unit.name,
                    period=round_.period.name,
                )
            ]
            if round_.due_on:
                lines.append(_("Please answer by %(day)s.", day=round_.due_on.isoformat()))
            for invitation in invitations:
                name = db.session.get_one(Officer, invitation.subject_id).name
                lines.append(f"- {name}: {link(link_token(invitation))}")
            lines.append(_("Each link opens only for you, after you sign in."))
            parts.append("\n".join(lines))
    return subject, "\n\n---\n\n".join(parts)


def remind(actor: User, round_: FeedbackRound, link: Callable[[str], str], now: datetime | None = None) -> Reminded:
    """Remind every rater with an open request in the round (not reminded in the last
    REMINDER_GAP): in the product (their requests page shows it) and, when the server can send
    mail, by e-mail to the address the rater gave. ``link(token)`` makes a personal link's
    address. Audited as counts only."""
    require_unit(actor, round_.unit_id)
    _require_open(round_)
    now = now or utcnow()
    waiting = _open_invitations(round_, now)
    if not waiting:
        raise FeedbackError("nothing_to_remind")
    by_rater: dict[RaterKey, list[Invitation]] = {}
    for invitation in waiting:
        invitation.reminded_at = now
        invitation.reminders = (invitation.reminders or 0) + 1
        by_rater.setdefault(RaterKey(invitation.rater_officer_id, invitation.rater_user_id), []).append(invitation)
    db.session.flush()
    emailed = failed = 0
    if mail_configured():
        for invitations in by_rater.values():
            address = next((i.email for i in invitations if i.email), None)
            if not address:
                continue
            subject, body = _mail_text(round_, invitations, link)
            try:
                send_mail(address, subject, body, what="feedback reminder e-mail")
                emailed += 1
            except MailFailed:
                failed += 1
    audit.record(
        actor,
        "remind",
        "feedback_round",
        round_.id,
        f"{round_.unit.name} · {round_.period.name}",
        unit_id=round_.unit_id,
        after={"raters": len(by_rater), "emailed": emailed, "failed": failed},
        now=now,
    )
    return Reminded(raters=len(by_rater), emailed=emailed, failed=failed)


def set_reminder_email(user: User, email: str | None, now: datetime | None = None) -> int:
    """The address the user's reminders go to, on each of his invitations in open rounds (empty:
    none); later invitations take it too. The number of invitations changed."""
    now = now or utcnow()
    mine = sa.or_(
        Invitation.rater_user_id == user.id,
        Invitation.rater_officer_id == user.officer_id if user.officer_id is not None else sa.false(),
    )
    still_open = sa.select(FeedbackRound.id).where(FeedbackRound.status == RoundStatus.OPEN)
    result = db.session.execute(
        sa.update(Invitation)
        .where(mine, Invitation.round_id.in_(still_open))
        .values(email=email or None)
        .execution_options(synchronize_session=False)
    )
    changed = cast(sa.CursorResult, result).rowcount
    audit.record(
        user,
        "update",
        "feedback_invitation",
        None,
        user.username,
        after={"reminder_email": bool(email), "invitations": changed},
        now=now,
    )
    return changed
