"""The demo's 360° feedback: in the first unit, a round of the closed quarter, opened by its
supervisor, four peers asked for each officer, answered by nearly everyone on their phones and
closed (so that each value shows from every side; for one officer only two peers answered, and
the page shows why their answers stay hidden); a round of the open quarter still being
answered; and some praise between colleagues in both quarters.

Written through the operations the pages use (``feedback.operations``, ``skp.realisation``) by
the accounts that would act, after ``demo.skp`` (the reporting lines, the accounts and the
agreed SKPs) and before ``demo.data`` freezes the closed quarter. Deterministic for a given
``now``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from accounts.operations import find_user
from appraisal.berakhlak import CODES
from appraisal.models import Period, PeriodStatus
from core.db import db
from feedback.models import FeedbackRound, Invitation, RaterKind
from feedback.operations import add_peer, answer, close_round, open_round
from org.models import Officer, Unit, User
from skp.models import Skp, SkpStatus
from skp.realisation import add_praise

PEERS_PER_OFFICER = 4
# The officer (by position among the counter officers) for whom only two peers answer: the
# closed round shows her peers hidden, as the rule wants.
FEW_PEERS_AT = 3

COMMENTS = {
    "berorientasi_pelayanan": [
        "Sabar menjelaskan persyaratan kepada warga lansia.",
        "Kadang terburu-buru saat antrean panjang.",
        "Selalu menawarkan bantuan sebelum diminta.",
    ],
    "kolaboratif": [
        "Mau menggantikan loket rekan yang sakit.",
        "Berbagi catatan kasus sulit dengan tim.",
        "Perlu lebih sering ikut rapat koordinasi.",
    ],
    "kompeten": [
        "Menguasai aturan KTP-el terbaru.",
        "Mengajari rekan baru memakai aplikasi antrean.",
    ],
    "adaptif": [
        "Cepat menyesuaikan diri saat sistem berganti.",
        "Mengusulkan formulir daring untuk surat pengantar.",
    ],
}
PRAISE = [
    ("kolaboratif", "Terima kasih sudah membantu di Loket 3 saat antrean membludak."),
    ("berorientasi_pelayanan", "Warga lansia tadi pulang tersenyum karena dibantu sampai selesai."),
    (None, "Rapi sekali rekap berkas minggu ini, memudahkan kami semua."),
]


def _at(day: date, hour: int, zone: str, now: datetime) -> datetime:
    """A moment of the story in the unit's local time, never later than an hour before ``now``."""
    return min(datetime.combine(day, time(hour), ZoneInfo(zone)), now - timedelta(hours=1))


def _user_of(officer_id: int | None, user_id: int | None = None) -> User | None:
    if user_id is not None:
        return db.session.get(User, user_id)
    return db.session.scalar(
        sa.select(User).where(User.officer_id == officer_id, User.active.is_(True)).order_by(User.id).limit(1)
    )


def _scores(rng: random.Random, mean: float, kind: RaterKind) -> dict[str, int]:
    # Colleagues see a little less than the citizens do; officers see themselves a little better.
    shift = {RaterKind.SELF: 0.3, RaterKind.SUPERVISOR: -0.1}.get(kind, 0.0)
    return {code: max(1, min(4, round(rng.gauss(mean + shift, 0.45)))) for code in CODES}


def _comments(rng: random.Random, kind: RaterKind) -> dict[str, str | None]:
    chance = 0.2 if kind == RaterKind.SELF else 0.35
    return {
        code: (rng.choice(COMMENTS[code]) if code in COMMENTS and rng.random() < chance else None) for code in CODES
    }


def _round(
    supervisor: User,
    unit: Unit,
    period: Period,
    counters: list[Officer],
    quality: dict[int, float],
    rng: random.Random,
    opened: datetime,
    answer_share: float,
    now: datetime,
) -> tuple[FeedbackRound, int]:
    """A round of ``unit`` in ``period`` with four peers per counter officer; each rater answers
    with the chance ``answer_share`` (but for the officer at FEW_PEERS_AT, of whom exactly two
    peers answer). Returns the round and the number of answers."""
    round_ = open_round(supervisor, unit, period, now=opened)
    for index, officer in enumerate(counters):
        others = [o for o in counters if o.id != officer.id]
        for step in range(PEERS_PER_OFFICER):
            add_peer(supervisor, round_, officer, others[(index + step) % len(others)], now=opened)
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.round_id == round_.id).order_by(Invitation.id)
    ).all()
    peers_answered: dict[int, int] = {}
    answered = 0
    for invitation in invitations:
        subject_index = next((i for i, o in enumerate(counters) if o.id == invitation.subject_id), None)
        if invitation.kind == RaterKind.PEER and subject_index == FEW_PEERS_AT:
            take = peers_answered.get(invitation.subject_id, 0) < 2
        else:
            take = rng.random() < answer_share
        if invitation.kind == RaterKind.PEER and take:
            peers_answered[invitation.subject_id] = peers_answered.get(invitation.subject_id, 0) + 1
        user = _user_of(invitation.rater_officer_id, invitation.rater_user_id)
        if not take or user is None:
            continue
        mean = quality.get(invitation.subject_id, 3.3)
        moment = opened + timedelta(hours=2 + rng.randint(0, 96))
        answer(
            user, invitation, _scores(rng, mean, invitation.kind), _comments(rng, invitation.kind), now=min(moment, now)
        )
        answered += 1
    return round_, answered


def _praise(counters: list[Officer], period: Period, day: date, zone: str, now: datetime) -> int:
    written = 0
    for index, (value, text) in enumerate(PRAISE):
        author, colleague = counters[(index + 1) % len(counters)], counters[index % len(counters)]
        skp = db.session.scalar(
            sa.select(Skp).where(
                Skp.officer_id == colleague.id, Skp.year == period.starts_on.year, Skp.status == SkpStatus.AGREED
            )
        )
        user = _user_of(author.id)
        if skp is None or user is None:
            continue
        add_praise(user, skp, period, text, value=value, now=_at(day + timedelta(days=index), 14, zone, now))
        written += 1
    return written


def load_feedback_demo(now: datetime, previous: Period, current: Period, units: list[Unit]) -> str:
    """Write the demo's 360° feedback (see the module's docstring) in ``units[0]``; returns what it
    made, in a sentence."""
    rng = random.Random(int(previous.starts_on.toordinal()))
    unit = units[0]
    supervisor = find_user("supervisor")
    if supervisor is None:
        return "No 360° feedback: the demo has no supervisor account."
    head_id = unit.head_officer_id
    counters = sorted((o for o in unit.officers if o.active and o.id != head_id), key=lambda o: o.id)
    # How well each is seen by colleagues (1..4), drawn once per officer.
    quality = {o.id: rng.uniform(2.9, 3.7) for o in counters}

    # The closed quarter: reopened for the time of its writes, as demo.skp does, closed again.
    previous.status = PeriodStatus.OPEN
    db.session.flush()
    opened = _at(previous.ends_on - timedelta(days=21), 9, unit.timezone, now)
    closed_round, closed_answers = _round(supervisor, unit, previous, counters, quality, rng, opened, 0.92, now)
    close_round(supervisor, closed_round, now=_at(previous.ends_on, 16, unit.timezone, now))
    praised = _praise(counters, previous, previous.ends_on - timedelta(days=30), unit.timezone, now)
    previous.status = PeriodStatus.CLOSED
    db.session.flush()

    # The open quarter: a round still being answered (the demo's officer has requests waiting).
    local_today = now.astimezone(ZoneInfo(unit.timezone)).date()
    opened = _at(max(current.starts_on, local_today - timedelta(days=3)), 8, unit.timezone, now)
    _open, open_answers = _round(supervisor, unit, current, counters, quality, rng, opened, 0.4, now)
    praised += _praise(counters, current, max(current.starts_on, local_today - timedelta(days=5)), unit.timezone, now)
    db.session.flush()
    return (
        f"360° feedback at '{unit.name}': '{previous.name}' round closed with {closed_answers} answers "
        f"(for {counters[FEW_PEERS_AT].name} only two peers answered: hidden), '{current.name}' round open "
        f"with {open_answers} answers so far; {praised} notes of praise between colleagues."
    )
