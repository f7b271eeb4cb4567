"""The organisation's lists read the database a fixed number of times, however many desks, duties
and officers they show: who is on duty is read once for the whole list, not once a row."""

import sqlalchemy as sa

from core.db import db
from org.duty import start_duty
from org.models import Desk, Duty, Officer
from tests.factories import make_desk, make_officer, make_unit, text

HTMX = {"HX-Request": "true"}


def queries_of(client, path: str, **kwargs) -> tuple[int, str]:
    """How many statements one GET of ``path`` runs (after a first GET), and its page."""
    client.get(path, **kwargs)
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path, **kwargs)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), text(response)


def test_the_desks_and_the_roster_cost_the_same_for_two_desks_or_eight(client, admin):
    units = [make_unit(), make_unit()]

    def add_desks():
        for unit in units:
            desk, officer = make_desk(unit=unit), make_officer(unit=unit)
            make_officer(unit=unit)  # one more who could go on duty
            start_duty(desk, officer, via="admin")
        db.session.commit()

    pages = [
        (f"/admin/units/{units[0].id}", {}),
        (f"/admin/units/{units[0].id}/desks", {"headers": HTMX}),
        (f"/admin/duty?unit={units[0].id}", {}),  # the roster shows one unit at a time
        (f"/admin/duty?unit={units[0].id}&part=now", {"headers": HTMX}),
        (f"/admin/duty?unit={units[0].id}", {"headers": HTMX}),
    ]
    add_desks()
    few = [queries_of(client, path, **kwargs)[0] for path, kwargs in pages]
    for _ in range(3):
        add_desks()
    many = [queries_of(client, path, **kwargs) for path, kwargs in pages]
    assert [count for count, _page in many] == few
    on_duty = db.session.scalars(
        sa.select(Officer.name)
        .join(Duty, Duty.officer_id == Officer.id)
        .join(Desk, Duty.desk_id == Desk.id)
        .where(Desk.unit_id == units[0].id)
    ).all()
    assert len(on_duty) == 4 and all(name in many[0][1] and name in many[3][1] for name in on_duty)


def test_polling_who_is_on_duty_does_not_build_the_history(client, admin):
    desk = make_desk()
    start_duty(desk, make_officer(unit=desk.unit), via="admin")
    db.session.commit()
    now, partial = queries_of(client, "/admin/duty?part=now", headers=HTMX)
    whole, page = queries_of(client, "/admin/duty")
    assert 'id="duty-now"' in partial and 'id="duty-history"' not in partial
    assert 'id="duty-now"' in page and 'id="duty-history"' in page
    assert now < whole
