"""An office for the homes' and the lobby's tests: a unit in WITA with two desks and two
officers, an open period that grades from two responses on, and a second unit beside it."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.db import db
from org.models import Role
from tests.factories import add_survey, add_vote, make_desk, make_officer, make_period, make_unit, make_user

SECRET_WORD = "ZAMRUDKOMENTAR"  # in a citizen's comment: must never reach the lobby


@pytest.fixture
def clock(monkeypatch):
    """The moment the homes and the lobby take for now: the latest 10:00 in WITA. "Today" is then
    one local day for the whole test at whatever hour it runs (a test running across a local
    midnight would put its votes on one day and the page's today on the next), and inside the
    office's opening hours."""
    local = datetime.now(ZoneInfo("Asia/Makassar"))
    moment = local.replace(hour=10, minute=0, second=0, microsecond=0)
    if moment > local:
        moment -= timedelta(days=1)
    moment = moment.astimezone(timezone.utc)
    for module in ("home.views", "admin.views"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)
    return moment


@pytest.fixture
def office(ctx, clock):
    unit = make_unit(code="kec-tallo", name="Kantor Kecamatan Tallo", timezone="Asia/Makassar")
    other = make_unit(code="kec-bontoala", name="Kantor Kecamatan Bontoala", timezone="Asia/Jakarta")
    desk_a = make_desk(unit, name="Loket Kependudukan")
    desk_b = make_desk(unit, name="Loket Perizinan")
    other_desk = make_desk(other, name="Loket Bontoala")
    ani = make_officer(unit, name="Ani Wijayanti")
    budi = make_officer(unit, name="Budi Hartono")
    citra = make_officer(other, name="Citra Lestari")
    period = make_period(min_n=2, name="Triwulan Uji")
    return dict(
        unit=unit,
        other=other,
        desk_a=desk_a,
        desk_b=desk_b,
        other_desk=other_desk,
        ani=ani,
        budi=budi,
        citra=citra,
        period=period,
        supervisor=make_user(Role.SUPERVISOR, unit=unit, username="kepala-tallo"),
        other_supervisor=make_user(Role.SUPERVISOR, unit=other, username="kepala-bontoala"),
        officer=make_user(Role.OFFICER, officer=ani, username="ani"),
        admin=make_user(Role.ADMIN, username="pusat"),
        now=clock,
    )


@pytest.fixture
def rated(office):
    """Today: four kiosk faces (4, 4, 3, 1) and two phone surveys, one with a comment; two days
    ago: two more faces, which count in the period and not today."""
    period, desk_a, desk_b, ani, budi, now = (office[k] for k in ("period", "desk_a", "desk_b", "ani", "budi", "now"))
    for face in (4, 4, 3):
        add_vote(period, desk_a, ani, face, at=now)
    add_vote(period, desk_b, budi, 1, at=now)
    add_survey(period, desk_a, ani, [4] * 9, comment=f"Pelayanan {SECRET_WORD} sangat lambat", at=now)
    add_survey(period, desk_b, budi, [3] * 9, at=now)
    earlier = now - timedelta(days=2)
    add_vote(period, desk_a, ani, 2, at=earlier)
    add_vote(period, desk_b, budi, 4, at=earlier)
    # Another unit's ratings, which no page of this unit counts.
    add_vote(period, office["other_desk"], office["citra"], 1, at=now)
    db.session.commit()
    return office


# What the unhappy-desk rule of alerts stores with an alert (alerts.rules.unhappy_desk).
UNHAPPY = {"desk": "Loket Perizinan", "unhappy": 4, "votes": 5, "minutes": 30, "at": "2026-01-05T02:00:00+00:00"}
