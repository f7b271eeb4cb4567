"""The alert rules, pure: each a function of plain values and ``now`` (no database), its defaults
and bounds in one table, ``RULES``.

Each rule answers with a :class:`Finding` (what it is about, and since when) or nothing;
``alerts.operations.check_unit`` gathers the values from the database, and :func:`should_raise`
decides whether a finding is news.

Quiet outside opening hours: the rules about citizens' votes and kiosks (``in_hours_only``) are
judged only while the unit is open (``org.roster.is_open``), and a kiosk's silence is counted from
the opening of the day at the earliest, so that a kiosk switched off overnight is not "silent"
at 08:00. The rules about things waiting for a person (a dispute, an objection, an integrity
warning) are judged at any hour and shown in the product at once; e-mail and webhook deliveries
of every rule wait for the unit's opening hours (``alerts.delivery``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

# The kiosk's four faces are 1..4, worst first; the two lower ones are an unhappy citizen (the
# kiosk itself asks them for reasons in its "low" tone, static/js/kiosk.js).
UNHAPPY_AT_MOST = 2


@dataclass(frozen=True)
class Param:
    """One threshold of a rule: a whole number within bounds, with its default."""

    name: str
    default: int
    minimum: int
    maximum: int
    label: object  # a lazy string


@dataclass(frozen=True)
class Rule:
    code: str
    label: object  # a lazy string: the rule's name
    hint: object  # a lazy string: when it fires
    params: tuple[Param, ...] = ()
    in_hours_only: bool = False  # judged only while the unit is open


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "unhappy_desk",
            _l("Unhappy citizens at a desk"),
            _l(
                "A desk's share of unhappy faces (the two lower ones) among its recent kiosk votes reaches the "
                "threshold. Judged in opening hours only."
            ),
            (
                Param("share_pct", 50, 1, 100, _l("Share of unhappy faces, at least (percent)")),
                Param("min_votes", 4, 1, 500, _l("Votes needed, at least")),
                Param("window_minutes", 15, 1, 240, _l("Over the last (minutes)")),
            ),
            in_hours_only=True,
        ),
        Rule(
            "kiosk_silent",
            _l("A kiosk is silent"),
            _l(
                "A kiosk has not called the server for longer than this in opening hours (switched off, no "
                "network, or broken)."
            ),
            (Param("minutes", 5, 2, 240, _l("Silent for more than (minutes)")),),
            in_hours_only=True,
        ),
        Rule(
            "dispute_waiting",
            _l("A dispute is waiting"),
            _l("An officer disputes a response and it waits for the supervisor's ruling."),
            (Param("after_hours", 0, 0, 720, _l("Once it has waited (hours)")),),
        ),
        Rule(
            "objection_waiting",
            _l("An objection is waiting"),
            _l("An officer objects (keberatan) to her SKP evaluation and it waits for the superior's decision."),
            (Param("after_hours", 0, 0, 720, _l("Once it has waited (hours)")),),
        ),
        Rule(
            "integrity_warning",
            _l("An integrity warning"),
            _l(
                "The responses of an officer in the open period show an unusual pattern (the warnings of the "
                "appraisal sheet)."
            ),
        ),
    )
}


def params_of(rule: str, stored: Mapping | None = None) -> dict[str, int]:
    """The thresholds of ``rule``: the defaults, each replaced by a stored value that is a whole
    number within its bounds (anything else stored is ignored)."""
    values: dict[str, int] = {}
    for param in RULES[rule].params:
        value = (stored or {}).get(param.name)
        ok = isinstance(value, int) and not isinstance(value, bool) and param.minimum <= value <= param.maximum
        values[param.name] = value if ok and isinstance(value, int) else param.default
    return values


@dataclass(frozen=True)
class Finding:
    """A rule's condition holding now. ``since``: when this occurrence began (an alert of the
    same rule and subject raised at or after it already told of it); None: one alert per subject,
    ever. ``detail``: the figures, JSON-ready."""

    rule: str
    subject: str
    since: datetime | None
    detail: dict = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# --- The rules -----------------------------------------------------------------------------------


def unhappy_desk(
    desk_id: int, votes: Iterable[tuple[datetime, int]], now: datetime, params: Mapping[str, int]
) -> Finding | None:
    """A desk's kiosk votes (cast time, face 1..4) in the last ``window_minutes``: at least
    ``min_votes`` of them, and unhappy faces at least ``share_pct`` percent of them. The
    occurrence begins with the oldest vote of the window: once an alert told of these votes, a new
    one comes only when the window holds votes it did not know."""
    window = timedelta(minutes=params["window_minutes"])
    recent = sorted((cast_at, face) for cast_at, face in votes if now - window < cast_at <= now)
    unhappy = sum(1 for _cast_at, face in recent if face <= UNHAPPY_AT_MOST)
    n = len(recent)
    if n < params["min_votes"] or 100 * unhappy < params["share_pct"] * n:
        return None
    return Finding(
        "unhappy_desk",
        f"desk:{desk_id}",
        recent[0][0],
        {"desk_id": desk_id, "votes": n, "unhappy": unhappy, "minutes": params["window_minutes"], "at": _iso(now)},
    )


def opened_at(now: datetime, timezone: str, hours: Mapping[int, tuple[time, time]]) -> datetime | None:
    """When the unit opened today, if it is open at ``now`` (its opening hours are local
    wall-clock times per weekday, 0 Monday); None while it is closed."""
    local = now.astimezone(ZoneInfo(timezone))
    span = hours.get(local.weekday())
    if span is None or not span[0] <= local.time() < span[1]:
        return None
    return datetime.combine(local.date(), span[0], local.tzinfo).astimezone(now.tzinfo)


def kiosk_silent(
    kiosk_id: int, last_heard: datetime, opened: datetime | None, now: datetime, params: Mapping[str, int]
) -> Finding | None:
    """A kiosk last heard from at ``last_heard``, while the unit has been open since ``opened``
    (None: closed, and so quiet): silent for more than ``minutes`` of opening time. The occurrence
    is the silence: it begins when the kiosk was last heard from."""
    if opened is None:
        return None
    silent_from = max(last_heard, opened)
    silence = now - silent_from
    if silence <= timedelta(minutes=params["minutes"]):
        return None
    return Finding(
        "kiosk_silent",
        f"kiosk:{kiosk_id}",
        last_heard,
        {"kiosk_id": kiosk_id, "last_heard": _iso(last_heard), "minutes": int(silence.total_seconds() // 60)},
    )


def _waiting(rule: str, kind: str, record_id: int, filed_at: datetime, now: datetime, params, detail) -> Finding | None:
    if now - filed_at < timedelta(hours=params["after_hours"]):
        return None
    return Finding(rule, f"{kind}:{record_id}", None, {**detail, "filed_at": _iso(filed_at)})


def dispute_waiting(
    dispute_id: int, filed_at: datetime, now: datetime, params: Mapping[str, int], detail: dict | None = None
) -> Finding | None:
    """An open dispute, once it has waited ``after_hours``: one alert per dispute."""
    return _waiting("dispute_waiting", "dispute", dispute_id, filed_at, now, params, detail or {})


def objection_waiting(
    objection_id: int, filed_at: datetime, now: datetime, params: Mapping[str, int], detail: dict | None = None
) -> Finding | None:
    """An open objection, once it has waited ``after_hours``: one alert per objection."""
    return _waiting("objection_waiting", "objection", objection_id, filed_at, now, params, detail or {})


def integrity_warning(
    period_id: int, officer_id: int, warnings: Sequence[dict], detail: dict | None = None
) -> list[Finding]:
    """An officer's warnings in a period (``reports.provenance.warnings_of``): one alert per
    period, officer and kind of warning."""
    found = []
    for warning in warnings:
        params = {key: _iso(value) if isinstance(value, datetime) else value for key, value in warning.items()}
        found.append(
            Finding(
                "integrity_warning",
                f"integrity:{period_id}:{officer_id}:{warning['code']}",
                None,
                {**(detail or {}), "period_id": period_id, "officer_id": officer_id, "warning": params},
            )
        )
    return found


# --- Whether a finding is news -------------------------------------------------------------------


def should_raise(finding: Finding, previous: Iterable[tuple[bool, datetime]]) -> bool:
    """Whether ``finding`` is a new alert, given the alerts of its rule and subject already raised
    (each: whether it is still open, when it was raised). Never while one is open; once per
    subject when the finding has no beginning; else only when no alert was raised since the
    occurrence began (a condition that persists raises nothing new)."""
    for still_open, raised_at in previous:
        if still_open or finding.since is None or raised_at >= finding.since:
            return False
    return True
