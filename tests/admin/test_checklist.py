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


def test_a_new_organisation_sees_a_few_checklists_and_the_rest_on_asking(app, client, admin):
    """Forty new units would be forty checklists: the start page shows the first few in full, says
    how many more wait, and shows them all on asking."""
    from admin.views import CHECKLISTS_SHOWN

    units = [make_unit(code=f"kec-{n:02d}", name=f"Kecamatan {n:02d}") for n in range(CHECKLISTS_SHOWN + 3)]
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/"))
    shown = [unit for unit in units if steps(page, unit.id)]
    assert shown == units[:CHECKLISTS_SHOWN]  # in the order of the units, by name
    assert "3 more units are not ready yet." in page
    assert 'href="/admin/?checklists=all#checklist-title"' in page

    everything = text(client.get("/admin/", query_string={"checklists": "all"}))
    assert all(steps(everything, unit.id) for unit in units)
    assert "more units are not ready yet" not in everything

    # In Bahasa Indonesia too.
    client.set_cookie("lang", "id")
    assert "3 unit lagi belum siap." in text(client.get("/admin/"))
