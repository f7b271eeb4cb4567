"""An office for the homes' and the lobby's tests: a unit in WITA with two desks and two
officers, an open period that grades from two responses on, and a second unit beside it."""

from datetime import timedelta

import pytest

from core.db import db
from org.models import Role
from tests.factories import NOW, add_survey, add_vote, make_desk, make_officer, make_period, make_unit, make_user

SECRET_WORD = "ZAMRUDKOMENTAR"  # in a citizen's comment: must never reach the lobby


@pytest.fixture
def office(ctx):
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
    )


@pytest.fixture
def rated(office):
    """Today: four kiosk faces (4, 4, 3, 1) and two phone surveys, one with a comment; two days
    ago: two more faces, which count in the period and not today."""
    period, desk_a, desk_b, ani, budi = (office[k] for k in ("period", "desk_a", "desk_b", "ani", "budi"))
    for face in (4, 4, 3):
        add_vote(period, desk_a, ani, face)
    add_vote(period, desk_b, budi, 1)
    add_survey(period, desk_a, ani, [4] * 9, comment=f"Pelayanan {SECRET_WORD} sangat lambat")
    add_survey(period, desk_b, budi, [3] * 9)
    earlier = NOW - timedelta(days=2)
    add_vote(period, desk_a, ani, 2, at=earlier)
    add_vote(period, desk_b, budi, 4, at=earlier)
    # Another unit's ratings, which no page of this unit counts.
    add_vote(period, office["other_desk"], office["citra"], 1)
    db.session.commit()
    return office


# What the unhappy-desk rule of alerts stores with an alert (alerts.rules.unhappy_desk).
UNHAPPY = {"desk": "Loket Perizinan", "unhappy": 4, "votes": 5, "minutes": 30, "at": "2026-01-05T02:00:00+00:00"}
