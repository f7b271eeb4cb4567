"""Where an officer's responses came from, and what looks unusual about them: the provenance part of
an appraisal sheet and the warnings of the supervisor's review list (issue 13).

For each officer of a period: the counted and the left-out responses by kind (a kiosk vote, a phone
survey through a desk's or officer's printed code, a phone survey through a one-time code: a
verified one), the left-out ones by reason (each excluding flag), and the warnings that
:func:`warnings_of` (pure, over plain counts) reads from them. Nothing here changes a response:
the flags decide what counts, and these numbers only tell the supervisor what happened.

The counts come from two grouped queries however many officers a list has: one over the kept
tallies of the responses (core.tallies: this period and the officers' earlier ones, for their own
history of top faces) and one over the one-time codes minted in the period, in ten-minute windows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from appraisal import scoring
from appraisal.models import Period
from core.db import UTCDateTime, db
from core.i18n import Plural
from core.responses import EXCLUDING_FLAGS, Channel, Flag
from core.tallies import DELAYED_AFTER_SECONDS, OFFICER, ResponseTally

COUNTED_FLAGS = [flag for flag in Flag if flag & EXCLUDING_FLAGS]


def flag_key(flag: Flag) -> str:
    """A flag's key in a report's counts of left-out responses (and so in its snapshots)."""
    return str(flag.name).lower()  # every flag here is a named one (a member, not a combination)


# The kinds of response, in the order a sheet lists them.
KINDS = ("kiosk", "qr_static", "qr_verified")
KIND_LABELS = {
    "kiosk": _l("Kiosk votes"),
    "qr_static": _l("Phone surveys through a printed desk or officer code"),
    "qr_verified": _l("Phone surveys through a one-time code (verified)"),
}


def kind_of(channel: Channel, verified: bool) -> str:
    if channel == Channel.KIOSK:
        return "kiosk"
    return "qr_verified" if verified else "qr_static"


# --- The rules of the warnings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """When a pattern is unusual enough to tell the supervisor. Each rule only warns: what counts
    is decided by the flags alone.

    - Top faces: this period's share of counted kiosk votes with the top face is at least
      ``top_margin`` above the officer's own share in earlier periods, and too far above it to be
      chance: at least ``top_z`` standard deviations of the binomial count expected at the old
      share (z >= 3 happens by chance about once in 700 periods). Only with at least
      ``top_min_now`` votes now and ``top_min_before`` before: without a history there is nothing
      to compare with.
    - Regular intervals: any response flagged as part of a machine-regular run.
    - Late arrivals: at least ``late_min`` responses, and ``late_share`` of all, arrived more than
      ``late_after`` after the time they claim, or were flagged for a time the server could not
      believe. An offline queue delivers some late after an outage; many is a pattern.
    - Minted codes: more than ``mint_peak`` one-time codes minted for the officer within two
      consecutive ten-minute windows (any ten minutes lie within two of them): faster than a desk
      serves citizens, at the default plausible rate of one every two minutes.
    """

    top_margin: float = 0.15
    top_z: float = 3.0
    top_min_now: int = 20
    top_min_before: int = 30
    # A kiosk sends a vote within seconds when it is online; a minute later it was held back (an
    # outage, real or staged: votes dated into a silence are believed, so many of them is a pattern).
    # The tallies count what arrived late by this (core.tallies.DELAYED_AFTER_SECONDS), as they
    # are written: it is not a setting.
    late_after: timedelta = field(default=timedelta(seconds=DELAYED_AFTER_SECONDS), init=False)
    late_min: int = 10
    late_share: float = 0.10
    mint_window: timedelta = timedelta(minutes=10)
    mint_peak: int = 10


RULES = Rules()


@dataclass
class Evidence:
    """What one officer's responses of a period show, as plain counts (see :func:`warnings_of`)."""

    counted: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))  # kind -> counted responses
    excluded: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))  # kind -> left out
    reasons: dict = field(default_factory=lambda: {flag_key(flag): 0 for flag in COUNTED_FLAGS})
    top: int = 0  # counted kiosk votes with the top face, this period
    before_top: int = 0  # the same in the officer's earlier periods
    before_kiosk: int = 0  # counted kiosk votes in earlier periods
    regular: int = 0  # responses flagged machine-regular
    late: int = 0  # responses that arrived late (see Rules) or claimed a time not believed
    minted_peak: int = 0  # most one-time codes minted within two consecutive windows
    minted_peak_at: datetime | None = None  # when those windows began
    minted: int = 0  # one-time codes minted for the officer in the period

    @property
    def received(self) -> int:
        return sum(self.counted.values()) + sum(self.excluded.values())


def warnings_of(evidence: Evidence, rules: Rules = RULES) -> list[dict]:
    """The unusual patterns in an officer's evidence, each as plain data: a ``code`` and the
    numbers its message shows. Pure: the rules are those of :class:`Rules`."""
    found = []
    now_n, before_n = evidence.counted["kiosk"], evidence.before_kiosk
    if now_n >= rules.top_min_now and before_n >= rules.top_min_before:
        share, before = evidence.top / now_n, evidence.before_top / before_n
        spread = math.sqrt(now_n * before * (1 - before))
        excess = evidence.top - now_n * before
        z = excess / spread if spread else (math.inf if excess > 0 else 0.0)
        if share - before >= rules.top_margin and z >= rules.top_z:
            found.append(
                {
                    "code": "top_share",
                    "share": round(100 * share),
                    "before": round(100 * before),
                    "n": now_n,
                    "before_n": before_n,
                }
            )
    if evidence.regular:
        found.append({"code": "regular", "n": evidence.regular})
    received = evidence.received
    if evidence.late >= rules.late_min and evidence.late >= rules.late_share * received:
        found.append(
            {"code": "late", "n": evidence.late, "of": received, "minutes": int(rules.late_after.total_seconds() // 60)}
        )
    if evidence.minted_peak > rules.mint_peak:
        found.append(
            {
                "code": "minted",
                "n": evidence.minted_peak,
                "at": evidence.minted_peak_at,
                "minutes": int(2 * rules.mint_window.total_seconds() // 60),
            }
        )
    return found


WARNING_TEXTS = {
    "top_share": Plural(
        "%(share)s%% of the counted kiosk votes gave the top face, against %(before)s%% in this "
        "officer's earlier periods (%(n)s vote now, %(before_n)s before).",
        "%(share)s%% of the counted kiosk votes gave the top face, against %(before)s%% in this "
        "officer's earlier periods (%(n)s votes now, %(before_n)s before).",
        "n",
    ),
    "regular": Plural(
        "%(n)s response came at machine-regular intervals (left out).",
        "%(n)s responses came at machine-regular intervals (left out).",
        "n",
    ),
    "late": Plural(
        "%(n)s of %(of)s response arrived more than %(minutes)s min after the time it claims, or "
        "claimed a time the server could not confirm.",
        "%(n)s of %(of)s responses arrived more than %(minutes)s min after the time they claim, or "
        "claimed a time the server could not confirm.",
        "of",
    ),
    "minted": Plural(
        "%(n)s one-time code was minted within %(minutes)s minutes (from %(at)s): faster than a desk serves citizens.",
        "%(n)s one-time codes were minted within %(minutes)s minutes (from %(at)s): faster than a desk serves citizens.",
        "n",
    ),
}


# --- The two grouped queries -------------------------------------------------------------------------


# The one-time codes' table, by name: reports may not import the survey feature (see
# docs/architecture.md), and needs only who a code was minted for and when.
# tests/reports/test_provenance.py checks these columns against survey.models.ServiceCode.
SERVICE_CODE = sa.table("service_code", sa.column("officer_id", sa.Integer), sa.column("created_at", UTCDateTime))


def _period_bounds(period: Period, tz: str) -> tuple[datetime, datetime]:
    """The period's first and last moment in UTC, its dates read in the unit's time zone."""
    zone = ZoneInfo(tz or "Asia/Jakarta")
    start = datetime.combine(period.starts_on, time(0), zone)
    end = datetime.combine(period.ends_on + timedelta(days=1), time(0), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def _window_of(column, seconds: int):
    """SQL: the number of the ``seconds``-long window a moment falls in, counted from 1970. The
    length is written into the statement, not bound: PostgreSQL must see the selected and the
    grouped expression as the same one."""
    length: sa.ColumnElement[int] = sa.literal_column(str(int(seconds)))
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.cast(sa.func.strftime(sa.literal_column("'%s'"), column), sa.Integer) / length, sa.Integer)
    return sa.cast(sa.func.floor(sa.extract("epoch", column) / length), sa.Integer)


def evidence_by_officer(period: Period, officer_ids, tz: str) -> dict[int, Evidence]:
    """The :class:`Evidence` of these officers (a list of ids) in ``period``, from the kept tallies
    (core.tallies: per officer, kind, flags, face and delay; a few rows each, however many
    responses); ``tz`` is the time zone of their unit, in which the period's dates are read."""
    ids = [int(officer_id) for officer_id in officer_ids]
    t = ResponseTally
    earlier = sa.select(Period.id).where(Period.starts_on < period.starts_on).scalar_subquery()
    top = sa.case((t.face == scoring.MAX_ANSWER, t.responses), else_=0)
    late = sa.case((t.delayed.is_(True), t.responses), else_=0)
    rows = (
        db.session.execute(
            sa.select(
                t.key,
                t.period_id,
                t.channel,
                t.verified,
                t.excluded,
                t.flags,
                sa.func.sum(t.responses),
                sa.func.sum(top),
                sa.func.sum(late),
            )
            .where(
                t.dim == OFFICER,
                t.key.in_([str(officer_id) for officer_id in ids]),
                sa.or_(
                    t.period_id == period.id,
                    sa.and_(t.period_id.in_(earlier), t.channel == Channel.KIOSK.value, t.excluded.is_(False)),
                ),
            )
            .group_by(t.key, t.period_id, t.channel, t.verified, t.excluded, t.flags)
        ).all()
        if ids
        else []
    )
    found: dict[int, Evidence] = {}
    for key, period_id, channel, verified, excluded, flags, count, tops, lates in rows:
        count, tops, lates = int(count or 0), int(tops or 0), int(lates or 0)
        if not count:
            continue
        evidence = found.setdefault(int(key), Evidence())
        if period_id != period.id:
            evidence.before_kiosk += count
            evidence.before_top += tops
            continue
        kind = kind_of(Channel(channel), bool(verified))
        # Arrived late, or flagged for a time the server could not believe.
        evidence.late += count if Flag(flags) & Flag.LATE else lates
        if Flag(flags) & Flag.REGULAR:
            evidence.regular += count
        if excluded:
            evidence.excluded[kind] += count
            for flag in COUNTED_FLAGS:
                if flags & flag:
                    evidence.reasons[flag_key(flag)] += count
        else:
            evidence.counted[kind] += count
            evidence.top += tops

    start, end = _period_bounds(period, tz)
    seconds = int(RULES.mint_window.total_seconds())
    window = _window_of(SERVICE_CODE.c.created_at, seconds)
    minted: dict[int, dict[int, int]] = {}
    for officer_id, number, count in db.session.execute(
        sa.select(SERVICE_CODE.c.officer_id, window, sa.func.count())
        .where(
            SERVICE_CODE.c.created_at >= start,
            SERVICE_CODE.c.created_at < end,
            SERVICE_CODE.c.officer_id.in_(officer_ids),
        )
        .group_by(SERVICE_CODE.c.officer_id, window)
    ).all():
        minted.setdefault(officer_id, {})[int(number)] = count
    for officer_id, windows in minted.items():
        evidence = found.setdefault(officer_id, Evidence())
        evidence.minted = sum(windows.values())
        evidence.minted_peak, at = mint_peak(windows)
        evidence.minted_peak_at = datetime.fromtimestamp(at * seconds, timezone.utc)
    return found


def mint_peak(windows: dict[int, int]) -> tuple[int, int]:
    """The most codes minted within two consecutive windows, and the number of the first of them
    (the earliest on a tie), from codes counted per window number. Any stretch of one window's
    length lies within two consecutive windows, so no burst is missed at a window's edge."""
    if not windows:
        return 0, 0
    best, first = max((count + windows.get(number + 1, 0), -number) for number, count in windows.items())
    return best, -first


def provenance_data(evidence: Evidence, rules: Rules = RULES) -> dict:
    """An officer's provenance as a sheet shows it (and its snapshot keeps it): counted and left-out
    responses by kind, left-out ones by reason, late arrivals, one-time codes minted, warnings."""
    return {
        "counted": dict(evidence.counted),
        "excluded": dict(evidence.excluded),
        "reasons": dict(evidence.reasons),
        "late": evidence.late,
        "minted": evidence.minted,
        "warnings": warnings_of(evidence, rules),
    }
