"""The alert rules, pure: each with an injected clock, at the edges of its thresholds."""

from datetime import datetime, time, timedelta, timezone

import pytest

from alerts import rules
from alerts.rules import RULES, Finding, params_of, should_raise

UTC = timezone.utc
# Monday 7 December 2026, 10:00 in Jakarta (WIB, UTC+7).
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
HOURS = {weekday: (time(8, 0), time(16, 0)) for weekday in range(5)}
MINUTE = timedelta(minutes=1)


def votes(*faces, every=MINUTE, end=NOW):
    """Votes with these faces, the last one cast at ``end``, ``every`` apart."""
    return [(end - every * (len(faces) - 1 - i), face) for i, face in enumerate(faces)]


UNHAPPY = params_of("unhappy_desk")


def test_the_defaults_are_those_of_the_issue():
    assert UNHAPPY == {"share_pct": 50, "min_votes": 4, "window_minutes": 15}
    assert params_of("kiosk_silent") == {"minutes": 5}
    assert set(RULES) == {"unhappy_desk", "kiosk_silent", "dispute_waiting", "objection_waiting", "integrity_warning"}
    assert {code for code, rule in RULES.items() if rule.in_hours_only} == {"unhappy_desk", "kiosk_silent"}


def test_stored_thresholds_replace_the_defaults_only_within_their_bounds():
    assert params_of("unhappy_desk", {"share_pct": 75, "min_votes": 0, "window_minutes": "9"}) == {
        "share_pct": 75,
        "min_votes": 4,
        "window_minutes": 15,
    }
    assert params_of("kiosk_silent", {"minutes": True}) == {"minutes": 5}


def test_two_unhappy_faces_of_four_votes_raise_one_does_not():
    assert rules.unhappy_desk(7, votes(1, 4, 3, 4), NOW, UNHAPPY) is None
    found = rules.unhappy_desk(7, votes(2, 4, 1, 4), NOW, UNHAPPY)
    assert found is not None
    assert found.subject == "desk:7" and found.rule == "unhappy_desk"
    assert found.detail == {"desk_id": 7, "votes": 4, "unhappy": 2, "minutes": 15, "at": NOW.isoformat()}
    assert found.since == NOW - 3 * MINUTE  # the oldest vote of the window


def test_three_votes_are_not_enough_even_all_unhappy():
    assert rules.unhappy_desk(7, votes(1, 1, 2), NOW, UNHAPPY) is None


def test_a_face_of_three_is_not_unhappy():
    assert rules.unhappy_desk(7, votes(3, 3, 4, 4), NOW, UNHAPPY) is None
    assert rules.unhappy_desk(7, votes(2, 2, 3, 3), NOW, UNHAPPY) is not None


def test_only_the_votes_of_the_window_count():
    # Unhappy faces cast 15 and 16 minutes ago are out of the window (2 votes, not enough)...
    old = votes(1, 1, every=MINUTE, end=NOW - 15 * MINUTE)
    assert rules.unhappy_desk(7, old + votes(4, 4), NOW, UNHAPPY) is None
    # ... 13 and 14 minutes ago, in it: 2 of 4.
    inside = votes(1, 1, every=MINUTE, end=NOW - 13 * MINUTE)
    assert rules.unhappy_desk(7, inside + votes(4, 4), NOW, UNHAPPY) is not None
    # A vote from the future (a device clock ahead) is not in the window either.
    assert rules.unhappy_desk(7, votes(1, 4, 4) + [(NOW + MINUTE, 1)], NOW, UNHAPPY) is None


def test_the_thresholds_of_a_unit_apply():
    strict = {"share_pct": 75, "min_votes": 4, "window_minutes": 15}
    assert rules.unhappy_desk(7, votes(1, 1, 4, 4), NOW, strict) is None
    assert rules.unhappy_desk(7, votes(1, 1, 2, 4), NOW, strict) is not None


OPENED = NOW.replace(hour=1)  # 08:00 WIB


def test_a_kiosk_silent_six_minutes_raises_four_does_not():
    silent = params_of("kiosk_silent")
    assert rules.kiosk_silent(3, NOW - 4 * MINUTE, OPENED, NOW, silent) is None
    assert rules.kiosk_silent(3, NOW - 5 * MINUTE, OPENED, NOW, silent) is None  # more than five
    found = rules.kiosk_silent(3, NOW - 6 * MINUTE, OPENED, NOW, silent)
    assert found is not None and found.subject == "kiosk:3" and found.since == NOW - 6 * MINUTE
    assert found.detail["minutes"] == 6


def test_a_kiosk_is_silent_only_in_opening_hours():
    silent = params_of("kiosk_silent")
    overnight = NOW - timedelta(hours=15)  # last heard yesterday at 16:00 WIB
    at_0804 = OPENED + 4 * MINUTE
    assert rules.kiosk_silent(3, overnight, OPENED, at_0804, silent) is None  # 4 minutes of opening time
    assert rules.kiosk_silent(3, overnight, OPENED, OPENED + 6 * MINUTE, silent) is not None
    assert rules.kiosk_silent(3, overnight, None, NOW, silent) is None  # closed: quiet


def test_opened_at_is_the_start_of_today_in_the_units_zone():
    assert rules.opened_at(NOW, "Asia/Jakarta", HOURS) == OPENED
    assert rules.opened_at(NOW.replace(hour=0, minute=59), "Asia/Jakarta", HOURS) is None  # 07:59 WIB
    assert rules.opened_at(NOW.replace(hour=9), "Asia/Jakarta", HOURS) is None  # 16:00 WIB: closed
    assert rules.opened_at(NOW, "Asia/Jayapura", HOURS) == NOW.replace(hour=23) - timedelta(days=1)  # 08:00 WIT
    sunday = NOW - timedelta(days=1)
    assert rules.opened_at(sunday, "Asia/Jakarta", HOURS) is None


def test_a_dispute_or_objection_waits_as_long_as_the_unit_says():
    at_once = params_of("dispute_waiting")
    assert at_once == {"after_hours": 0}
    found = rules.dispute_waiting(40, NOW, NOW, at_once, {"officer": "Sari"})
    assert found == Finding("dispute_waiting", "dispute:40", None, {"officer": "Sari", "filed_at": NOW.isoformat()})
    later = {"after_hours": 24}
    assert rules.objection_waiting(5, NOW - timedelta(hours=23), NOW, later) is None
    assert rules.objection_waiting(5, NOW - timedelta(hours=24), NOW, later).subject == "objection:5"


def test_each_integrity_warning_is_its_own_alert():
    warnings = [{"code": "regular", "n": 6}, {"code": "minted", "n": 12, "at": NOW, "minutes": 20}]
    found = rules.integrity_warning(2, 9, warnings, {"officer": "Sari"})
    assert [f.subject for f in found] == ["integrity:2:9:regular", "integrity:2:9:minted"]
    assert found[1].detail["warning"]["at"] == NOW.isoformat()  # JSON-ready
    assert all(f.since is None for f in found)
    assert rules.integrity_warning(2, 9, []) == []


def test_a_condition_that_persists_raises_nothing_new():
    since = NOW - 10 * MINUTE
    finding = Finding("kiosk_silent", "kiosk:3", since)
    assert should_raise(finding, [])
    assert not should_raise(finding, [(True, since - timedelta(days=1))])  # one still open
    assert not should_raise(finding, [(False, NOW - MINUTE)])  # acknowledged, same silence
    assert should_raise(finding, [(False, since - MINUTE)])  # an earlier silence
    once = Finding("dispute_waiting", "dispute:4", None)
    assert should_raise(once, [])
    assert not should_raise(once, [(False, NOW - timedelta(days=30))])


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_has_its_words(code):
    rule = RULES[code]
    assert str(rule.label) and str(rule.hint)
    for param in rule.params:
        assert param.minimum <= param.default <= param.maximum and str(param.label)
