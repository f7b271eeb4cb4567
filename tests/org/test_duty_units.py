"""The duty roster shows one unit at a time: a chooser for whoever manages more than one, the first
unit by name by default, the desks now, the officers, the history and its filter all of that unit;
the minute's poll and every change keep to it (a change, to the unit of the desk changed); a unit
that is not the user's, or no id, is a 404."""

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from core.db import db
from org.duty import start_duty
from org.models import Duty, Role
from tests.factories import make_desk, make_officer, make_unit, make_user, post, sign_in, text
from tests.org.test_list_queries import queries_of

HTMX = {"HX-Request": "true"}
MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 08:00 WIB, 09:00 WITA


@pytest.fixture
def office(ctx):
    """Two units, the first by name in WITA: each with two desks, two officers and a duty done."""
    barat = make_unit(name="Kecamatan Barat", timezone="Asia/Makassar")
    timur = make_unit(name="Kecamatan Timur")
    made = {}
    for unit, names, people in (
        (barat, ("Loket B1", "Loket B2"), ("Ani", "Budi")),
        (timur, ("Loket T1", "Loket T2"), ("Tono", "Tari")),
    ):
        desks = [make_desk(unit=unit, name=name) for name in names]
        officers = [make_officer(unit=unit, name=name) for name in people]
        db.session.add(
            Duty(officer=officers[0], desk=desks[0], started_at=MORNING, ended_at=MORNING + timedelta(hours=4))
        )
        made[unit.name] = (unit, desks, officers)
    db.session.commit()
    return made["Kecamatan Barat"], made["Kecamatan Timur"]


def options(page: str, select_id: str) -> list[str]:
    """The labels of the options of the select ``select_id`` (its empty choice left out)."""
    select = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert select, select_id
    return [
        html.unescape(label)
        for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(0))
    ]


def desk_rows(page: str) -> set[int]:
    return {int(desk_id) for desk_id in re.findall(r'<tr id="duty-desk-(\d+)"', page)}


def history_rows(page: str) -> list[tuple[str, str]]:
    """(officer, desk) of each row of the history table."""
    part = page[page.index('id="duty-history"') :]
    return re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", part)


def url_of(page: str, element_id: str) -> tuple[str, dict]:
    """The path and the query of the hx-get of the element ``element_id``."""
    found = re.search(rf'<div id="{element_id}" hx-get="([^"]+)"', page)
    assert found, element_id
    url = urlsplit(html.unescape(found.group(1)))
    return url.path, {name: values[0] for name, values in parse_qs(url.query, keep_blank_values=True).items()}


def test_an_administrator_sees_the_first_unit_by_name_and_switches_to_the_other(client, admin, office):
    (barat, barat_desks, barat_people), (timur, timur_desks, timur_people) = office
    start_duty(timur_desks[1], timur_people[1], via="admin")
    db.session.commit()

    page = text(client.get("/admin/duty"))
    assert "<h1>Duty roster: Kecamatan Barat</h1>" in page
    assert options(page, "duty-unit") == ["Kecamatan Barat", "Kecamatan Timur"]
    assert re.search(rf'<option value="{barat.id}" selected>Kecamatan Barat', page)
    assert desk_rows(page) == {desk.id for desk in barat_desks}
    assert "Tari" not in page and "Tono" not in page and "Loket T1" not in page
    # Each desk's picker offers the unit's own officers.
    assert options(page, f"duty-officer-{barat_desks[0].id}") == ["Ani", "Budi"]
    assert "local time of the unit: WITA" in page

    other = text(client.get(f"/admin/duty?unit={timur.id}"))
    assert "<h1>Duty roster: Kecamatan Timur</h1>" in other
    assert re.search(rf'<option value="{timur.id}" selected>Kecamatan Timur', other)
    assert desk_rows(other) == {desk.id for desk in timur_desks}
    assert options(other, f"duty-officer-{timur_desks[0].id}") == ["Tari", "Tono"]
    assert "Ani" not in other and "Loket B1" not in other
    row = re.search(rf'<tr id="duty-desk-{timur_desks[1].id}">.*?</tr>', other, re.S).group(0)
    assert "<strong>Tari</strong>" in row and "WIB" in row  # on duty now, since a time in WIB


def test_the_chooser_is_a_plain_get_form_and_htmx_swaps_the_main_content(client, admin, office):
    _, (timur, _, _) = office
    page = text(client.get("/admin/duty?from=2026-03-01&to=2026-03-03"))
    chooser = re.search(r'<form[^>]*hx-boost="true"[^>]*>.*?</form>', page, re.S).group(0)
    assert 'method="get" action="/admin/duty"' in chooser and 'hx-target="main" hx-select="main"' in chooser
    assert (
        '<label for="duty-unit">Unit</label>' in chooser
        and '<button type="submit" id="duty-unit-show">Show</button>' in chooser
    )
    # The dates go along to the other unit; a desk or an officer would be of the unit left.
    assert re.findall(r'<input type="hidden" name="(\w+)" value="([^"]+)">', chooser) == [
        ("from", "2026-03-01"),
        ("to", "2026-03-03"),
    ]
    # What the boosted form asks for is the whole page (htmx picks its <main>).
    boosted = client.get(
        f"/admin/duty?unit={timur.id}&from=2026-03-01&to=2026-03-03", headers={**HTMX, "HX-Boosted": "true"}
    )
    assert boosted.status_code == 200 and "HX-Request" in boosted.headers["Vary"]
    body = text(boosted)
    assert "<main" in body and "<h1>Duty roster: Kecamatan Timur</h1>" in body
    assert 'id="duty-from" name="from" type="date" value="2026-03-01"' in body


def test_the_history_and_its_filter_follow_the_unit(client, admin, office):
    (barat, barat_desks, barat_people), (timur, timur_desks, timur_people) = office
    page = text(client.get("/admin/duty"))
    assert options(page, "duty-desk") == ["Loket B1", "Loket B2"]
    assert options(page, "duty-officer") == ["Ani", "Budi"]
    assert history_rows(page) == [("Ani", "Loket B1")]
    assert "2026-03-02 09:00 WITA" in page  # the unit's local time, with its zone
    # The filter and the history's own refresh keep the unit.
    assert f'<input type="hidden" name="unit" value="{barat.id}">' in page
    assert url_of(page, "duty-history")[1]["unit"] == str(barat.id)

    other = text(client.get(f"/admin/duty?unit={timur.id}"))
    assert options(other, "duty-desk") == ["Loket T1", "Loket T2"]
    assert options(other, "duty-officer") == ["Tari", "Tono"]
    assert history_rows(other) == [("Tono", "Loket T1")]
    assert "2026-03-02 08:00 WIB" in other

    # The filter's htmx part: the unit with the other filters, days in the unit's zone.
    asked = f"/admin/duty?unit={timur.id}&officer={timur_people[0].id}&from=2026-03-02&to=2026-03-02"
    part = text(client.get(asked, headers=HTMX))
    assert 'id="duty-now"' not in part and history_rows(part) == [("Tono", "Loket T1")]
    assert url_of(part, "duty-history")[1] == {
        "unit": str(timur.id),
        "desk": "",
        "officer": str(timur_people[0].id),
        "from": "2026-03-02",
        "to": "2026-03-02",
    }
    assert history_rows(text(client.get(f"/admin/duty?unit={timur.id}&from=2026-03-03", headers=HTMX))) == []
    # A desk of another unit is no desk of this one: nothing of the other unit shows.
    assert history_rows(text(client.get(f"/admin/duty?unit={timur.id}&desk={barat_desks[0].id}", headers=HTMX))) == []


def test_a_link_to_a_desks_or_an_officers_history_opens_their_unit(client, admin, office):
    _, (timur, timur_desks, timur_people) = office
    by_officer = text(client.get(f"/admin/duty?officer={timur_people[0].id}"))  # the officer's page links so
    assert "<h1>Duty roster: Kecamatan Timur</h1>" in by_officer and history_rows(by_officer) == [("Tono", "Loket T1")]
    by_desk = text(client.get(f"/admin/duty?desk={timur_desks[0].id}"))
    assert "<h1>Duty roster: Kecamatan Timur</h1>" in by_desk and history_rows(by_desk) == [("Tono", "Loket T1")]


@pytest.mark.parametrize("unit", ["0", "-1", "x", "1.5", "١", str(2**63), "99999999"])
def test_a_unit_that_is_no_unit_is_a_404(client, admin, office, unit):
    for headers in ({}, HTMX):
        for part in ("", "&part=now"):
            response = client.get(f"/admin/duty?unit={unit}{part}", headers=headers)
            assert response.status_code == 404, (unit, part, headers)
            assert "Kecamatan" not in text(response) and "Loket" not in text(response)


def test_a_supervisor_sees_her_unit_only_and_no_chooser(client, ctx, office):
    (barat, barat_desks, _), (timur, timur_desks, timur_people) = office
    sign_in(client, make_user(Role.SUPERVISOR, unit=timur))
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/duty"))  # Barat would come first by name: not hers
    assert 'id="duty-unit"' not in page and "hx-boost" not in page
    assert "<h1>Duty roster: Kecamatan Timur</h1>" in page
    assert desk_rows(page) == {desk.id for desk in timur_desks}
    assert options(page, "duty-desk") == ["Loket T1", "Loket T2"] and history_rows(page) == [("Tono", "Loket T1")]
    assert "Kecamatan Barat" not in page and "Ani" not in page
    assert url_of(page, "duty-now")[1] == {"part": "now", "unit": str(timur.id)}
    assert desk_rows(text(client.get(f"/admin/duty?unit={timur.id}"))) == {desk.id for desk in timur_desks}
    # Another unit, named or through its desk: a 404, or her own unit, never the other's data.
    for response in (
        client.get(f"/admin/duty?unit={barat.id}"),
        client.get(f"/admin/duty?unit={barat.id}&part=now", headers=HTMX),
    ):
        assert response.status_code == 404 and "Kecamatan Barat" not in text(response)
    by_desk = text(client.get(f"/admin/duty?desk={barat_desks[0].id}"))
    assert "Kecamatan Timur" in by_desk and "Loket B1" not in by_desk and history_rows(by_desk) == []


def test_the_poll_keeps_the_unit(client, admin, office):
    _, (timur, timur_desks, timur_people) = office
    start_duty(timur_desks[0], timur_people[1], via="admin")
    db.session.commit()
    page = text(client.get(f"/admin/duty?unit={timur.id}"))
    path, query = url_of(page, "duty-now")
    assert re.search(r'<div id="duty-now" hx-get="[^"]*" hx-trigger="every 60s"', page)
    assert (path, query) == ("/admin/duty", {"part": "now", "unit": str(timur.id)})
    polled = client.get(path, query_string=query, headers=HTMX)
    assert polled.status_code == 200 and "HX-Request" in polled.headers["Vary"]
    body = text(polled)
    assert body.lstrip().startswith('<div id="duty-now"') and 'id="duty-history"' not in body
    assert desk_rows(body) == {desk.id for desk in timur_desks} and "<strong>Tari</strong>" in body
    assert url_of(body, "duty-now")[1] == query  # and the next poll too


def test_a_change_at_a_desk_answers_the_table_of_its_unit(client, admin, office, counter):
    (barat, barat_desks, barat_people), (timur, timur_desks, timur_people) = office
    # The page showed Barat (the default); the desk is Timur's, and a unit posted along is ignored.
    started = post(
        client,
        "/admin/duty/start",
        {"desk_id": timur_desks[1].id, "officer_id": timur_people[1].id, "unit": barat.id},
        htmx=True,
    )
    assert started.status_code == 200 and started.headers["HX-Trigger"] == "duty-changed"
    body = text(started)
    assert "Tari is now on duty at Loket T2." in body
    assert desk_rows(body) == {desk.id for desk in timur_desks} and "Loket B1" not in body
    assert url_of(body, "duty-now")[1] == {"part": "now", "unit": str(timur.id)}
    duty = db.session.scalar(sa.select(Duty).where(Duty.ended_at.is_(None)))
    assert (duty.desk_id, duty.officer_id, duty.started_via) == (timur_desks[1].id, timur_people[1].id, "admin")

    ended = post(client, "/admin/duty/end", {"desk_id": timur_desks[1].id, "unit": barat.id}, htmx=True)
    assert ended.status_code == 200 and "Duty of Tari at Loket T2 ended." in text(ended)
    assert desk_rows(text(ended)) == {desk.id for desk in timur_desks}
    assert counter(Duty, Duty.ended_at.is_(None)) == 0

    # A plain form goes back to the desk's unit.
    plain = post(client, "/admin/duty/start", {"desk_id": timur_desks[0].id, "officer_id": timur_people[0].id})
    assert plain.status_code == 303 and urlsplit(plain.headers["Location"]).query == f"unit={timur.id}"

    # Refused at a desk of Timur: Timur's table with the reason, nothing written.
    duties = counter(Duty)
    refused = post(
        client, "/admin/duty/start", {"desk_id": timur_desks[1].id, "officer_id": barat_people[0].id}, htmx=True
    )
    assert refused.status_code == 400 and "HX-Trigger" not in refused.headers
    assert "does not work at this unit" in text(refused) and desk_rows(text(refused)) == {
        desk.id for desk in timur_desks
    }
    unchosen = post(client, "/admin/duty/start", {"desk_id": timur_desks[1].id, "officer_id": ""}, htmx=True)
    assert unchosen.status_code == 422 and desk_rows(text(unchosen)) == {desk.id for desk in timur_desks}
    assert f'<p id="duty-officer-{timur_desks[1].id}-error" class="field-error">' in text(unchosen)
    assert counter(Duty) == duties


def test_a_refused_change_at_a_desk_not_ones_own_shows_ones_own_unit(client, ctx, office, counter):
    (barat, barat_desks, barat_people), (timur, timur_desks, _) = office
    sign_in(client, make_user(Role.SUPERVISOR, unit=timur))
    client.set_cookie("lang", "en")
    duties = counter(Duty)
    response = post(
        client, "/admin/duty/start", {"desk_id": barat_desks[1].id, "officer_id": barat_people[1].id}, htmx=True
    )
    assert response.status_code == 403 and counter(Duty) == duties
    body = text(response)
    assert desk_rows(body) == {desk.id for desk in timur_desks} and "Loket B" not in body and "Budi" not in body


def test_the_roster_reads_only_the_units_desks_and_officers(client, admin, office):
    """However many units there are, the roster costs the same statements and shows one unit."""
    (barat, barat_desks, _), _ = office
    path = f"/admin/duty?unit={barat.id}"
    parts = [(path, {}), (path + "&part=now", {"headers": HTMX}), (path, {"headers": HTMX})]
    few = [queries_of(client, url, **kwargs)[0] for url, kwargs in parts]
    for n in range(5):
        unit = make_unit(name=f"Kelurahan {n}")
        desk, officer = make_desk(unit=unit, name=f"Loket K{n}"), make_officer(unit=unit, name=f"Petugas K{n}")
        start_duty(desk, officer, via="admin")
    db.session.commit()
    many = [queries_of(client, url, **kwargs) for url, kwargs in parts]
    assert [count for count, _ in many] == few
    whole, now = many[0][1], many[1][1]
    assert desk_rows(whole) == desk_rows(now) == {desk.id for desk in barat_desks}
    assert "Loket K" not in whole and "Petugas K" not in whole and "Petugas K" not in now
    assert len(options(whole, "duty-unit")) == 7  # only the chooser names them


def test_with_no_unit_yet_the_roster_is_empty(client, admin):
    page = client.get("/admin/duty")
    assert page.status_code == 200
    assert (
        "<h1>Duty roster</h1>" in text(page) and 'id="duty-unit"' not in text(page) and "No active desks." in text(page)
    )
    assert url_of(text(page), "duty-now")[1] == {"part": "now"}


def test_the_history_pages_keep_the_unit(client, admin, office):
    (barat, _, _), (timur, timur_desks, timur_people) = office
    for day in range(1, 30):  # 29 more at Timur: 30 in all, two pages
        start = MORNING + timedelta(days=day)
        db.session.add(Duty(officer=timur_people[1], desk=timur_desks[1], started_at=start, ended_at=start))
    db.session.commit()
    page = text(client.get(f"/admin/duty?unit={timur.id}"))
    assert "Page 1 of 2 (30 in all)" in page and len(history_rows(page)) == 25
    following = html.unescape(re.search(r'<a class="button" href="([^"]+)"[^>]*rel="next"', page).group(1))
    assert parse_qs(urlsplit(following).query)["unit"] == [str(timur.id)]
    rest = history_rows(text(client.get(following, headers=HTMX)))
    assert len(rest) == 5 and rest[-1] == ("Tono", "Loket T1")
    assert "In all: 1" in text(client.get(f"/admin/duty?unit={barat.id}"))
