"""The demo office's planned roster: each unit's opening hours and its shifts for this week and
the next (two a day at each desk, the morning and the afternoon), so that the week view and the
kiosk's "scheduled" hint have something to show."""

from datetime import datetime, time, timedelta

from core.db import db
from org.models import OpeningHours, Shift, Unit
from org.roster import local_day, moment, week_of

# Three kinds of office week (local times), given to the units in turn: the usual five days
# with a short Friday (Jumat prayers), one that also opens on Saturday morning, and the plain one.
WEEKS: tuple[dict[int, tuple[time, time]], ...] = (
    {**{day: (time(8), time(16)) for day in range(4)}, 4: (time(8), time(11, 30))},
    {**{day: (time(7, 30), time(15, 30)) for day in range(5)}, 5: (time(8), time(12))},
    {day: (time(8), time(16)) for day in range(5)},
)
MIDDAY = time(12)


def load_roster_demo(now: datetime, units: list[Unit]) -> str:
    shifts = 0
    for index, unit in enumerate(units):
        hours = WEEKS[index % len(WEEKS)]
        db.session.add_all(
            OpeningHours(unit_id=unit.id, weekday=day, opens=opens, closes=closes)
            for day, (opens, closes) in hours.items()
        )
        officers = [officer for officer in unit.officers if officer.active]
        desks = [desk for desk in unit.desks if desk.active][: len(officers)]
        if not officers:
            continue
        monday = week_of(local_day(unit, now))
        for offset in range(14):
            day = monday + timedelta(days=offset)
            span = hours.get(day.weekday())
            if span is None:
                continue
            halves = [(span[0], MIDDAY), (MIDDAY, span[1])] if span[0] < MIDDAY < span[1] else [span]
            for half, (begins, ends) in enumerate(halves):
                # Within a half each desk gets another officer; the rotation moves every day.
                for place, desk in enumerate(desks):
                    officer = officers[(offset + place + half * len(desks)) % len(officers)]
                    db.session.add(
                        Shift(
                            desk=desk,
                            officer=officer,
                            starts_at=moment(unit, day, begins),
                            ends_at=moment(unit, day, ends),
                        )
                    )
                    shifts += 1
    db.session.flush()
    return f"Roster: opening hours for {len(units)} units, {shifts} shifts this week and next."
