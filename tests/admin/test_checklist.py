"""The start page's checklist of a new unit (admin.checklist): each step ticked from the records
themselves, with a link to where it is done; a supervisor sees their own unit's only; a unit
ready in every step leaves the list."""

import re

from accounts.setup import complete_setup, create_accounts
from core.db import db
from org.models import Role
from tests.factories import make_desk, make_kiosk, make_officer, make_period, make_unit, make_user, sign_in, text


def steps(page: str, unit_id: int) -> dict[str, bool]:
    block = re.search(rf'<div class="unit-checklist" id="checklist-{unit_id}">(.*?)</ol>', page, re.S)
    if block is None:
        return {}
    return {
        key: state == "done" for state, key in re.findall(r'<li class="(done|todo)" data-step="(\w+)">', block.group(1))
    }


def test_the_checklist_ticks_each_step_from_the_records(app, client, admin):
    unit = make_unit(code="kec-baru", name="Kecamatan Baru")
    page = text(client.get("/admin/"))
    assert steps(page, unit.id) == dict.fromkeys(
        ("desks", "officers", "accounts", "period", "posters", "kiosks"), False
    )
    assert f'href="/admin/units/{unit.id}"' in page and f"/admin/onboarding?unit={unit.id}" in page

    desk = make_desk(unit=unit)
    officer = make_officer(unit=unit, pin=None)
    make_period()
    issued = create_accounts(admin, unit.id)
    db.session.commit()
    done = steps(text(client.get("/admin/")), unit.id)
    assert done == dict(desks=True, officers=True, accounts=False, period=True, posters=False, kiosks=False)

    # The officer sets up their account; the posters are printed; a kiosk is paired.
    complete_setup(issued[0].code, "kopi tubruk pagi hari", "482915")
    db.session.commit()
    assert steps(text(client.get("/admin/")), unit.id)["accounts"] is True
    assert client.get("/survey/posters/kec-baru", query_string={"size": "a4"}).status_code == 200
    assert steps(text(client.get("/admin/")), unit.id)["posters"] is True
    make_kiosk(desk)
    page = text(client.get("/admin/"))
    assert steps(page, unit.id) == {} and "Getting a unit ready" not in page  # ready: off the list
    assert officer.active


def test_a_supervisor_sees_their_own_units_checklist_only(app, client, ctx):
    own, other = make_unit(name="Kecamatan Sendiri"), make_unit(name="Kecamatan Lain")
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/"))
    assert steps(page, own.id) and not steps(page, other.id)
    # Periods are the administrator's: the supervisor is told to ask.
    assert "Ask the administrator." in page
