"""Rough edges of the published results (issue 20), each held by a test: ``/hasil/`` alone lists
the units that publish results (a closed period), each leading to its own page; no 404."""

from datetime import timedelta

from core.db import db
from org.models import Role
from reports.closing import close_period
from tests.factories import NOW, add_survey, make_desk, make_officer, make_period, make_unit, make_user, text


def test_the_results_index_lists_the_units_that_publish(client, factories):
    admin = make_user(Role.ADMIN)
    today = NOW.date()
    old = make_period(starts_on=today - timedelta(days=200), ends_on=today - timedelta(days=101), min_n=1)
    make_period(starts_on=today - timedelta(days=100), ends_on=today + timedelta(days=10))
    published = make_desk(unit=make_unit(code="kec-menteng", name="Kantor Kecamatan Menteng"))
    quiet = make_desk(unit=make_unit(code="kec-gambir", name="Kantor Kecamatan Gambir"))
    officer = make_officer(unit=published.unit, name="Siti Nama Rahasia")
    add_survey(old, published, officer, [4] * 9)
    db.session.commit()

    empty = client.get("/hasil/")
    assert empty.status_code == 200
    assert "Belum ada unit yang mempublikasikan hasil" in text(empty)

    close_period(old, admin)
    db.session.commit()
    client.set_cookie("lang", "en")
    page = client.get("/hasil/")
    html = text(page)
    assert page.status_code == 200
    assert "Kantor Kecamatan Menteng" in html and 'href="/hasil/kec-menteng"' in html
    assert old.name in html and "IKM 100.00" in html
    # A unit with no closed period's results is not listed; no officer appears.
    assert "Gambir" not in html and "Siti" not in html
    assert quiet.unit.code not in html
    # Each entry leads to the unit's own page.
    assert client.get("/hasil/kec-menteng").status_code == 200
    # The start page leads there for citizens.
    assert 'href="/hasil/"' in text(client.get("/"))
