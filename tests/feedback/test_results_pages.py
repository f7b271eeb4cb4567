"""The results pages of a 360° round and its export: who reaches which, what each shows (local
times with their zone, both languages), the files' form, and the addresses that do not exist."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from appraisal.models import PeriodStatus
from core.db import db
from feedback.models import RoundStatus
from org.models import Role
from tests.factories import make_invitation, make_officer, make_period, make_round, make_unit, make_user, sign_in, text
from tests.feedback.results_world import make_world, rate


def _get(client, user, url, lang="en"):
    sign_in(client, user)
    client.set_cookie("lang", lang)
    return client.get(url)


def test_the_officer_lists_her_rounds_and_reads_a_closed_one(client, ctx):
    world = make_world()
    rate(world, "peer", [3, 4, 4])
    rate(world, "supervisor", [4])
    rate(world, "self", [2])
    later = make_period(
        status=PeriodStatus.OPEN, name="Triwulan I 2027", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31)
    )
    make_invitation(make_round(world.unit, later), world.officer, "self")
    page = text(_get(client, world.officer_user, "/admin/feedback/mine"))
    assert "Triwulan IV" in page and "Triwulan I 2027" in page
    assert page.index("Triwulan I 2027") < page.index("Triwulan IV")  # newest first
    assert world.results_url in page and "Your results are shown once the round closes." in page

    response = _get(client, world.officer_user, world.results_url)
    assert response.status_code == 200
    page = text(response)
    kompeten = page[page.index('id="picture-kompeten"') :]
    kompeten = kompeten[: kompeten.index("</section>")]
    # peers (3 + 4 + 4) / 3 = 3.67, supervisor 4; others (3.67 + 4) / 2 = 3.83; self 2
    assert "3.67" in kompeten and "4.00" in kompeten and "3.83" in kompeten and "2.00" in kompeten
    assert "-1.83" in kompeten and "Above expectations" in kompeten
    # The round closed at the factories' NOW, shown in the unit's local time with its zone.
    assert "WITA" in page


def test_the_service_value_shows_the_citizens_side(client, ctx):
    world = make_world()
    rate(world, "peer", [4, 4, 4])
    page = text(_get(client, world.officer_user, world.results_url))
    service = page[page.index('id="picture-berorientasi_pelayanan"') :]
    service = service[: service.index("</section>")]
    for key in ("u6", "u7", "kiosk"):
        assert f'data-side="{key}" data-shown="no"' in service  # no citizens' responses: no data
    assert "Citizens: conduct (survey element U7)" in service
    other = page[page.index('id="picture-akuntabel"') :]
    assert 'data-side="u6"' not in other[: other.index("</section>")]


def test_the_pages_speak_indonesian_by_default(client, ctx):
    world = make_world()
    rate(world, "peer", [1, 2])
    sign_in(client, world.officer_user)
    page = text(client.get(world.results_url))
    assert "Disembunyikan: kurang dari 3 yang menjawab" in page and "Rekan sejawat" in page


def test_the_appraiser_the_supervisor_and_an_administrator_read_the_results(client, ctx):
    world = make_world()
    rate(world, "peer", [3, 3, 3])
    for user in (world.appraiser_user, world.supervisor, world.admin):
        response = _get(client, user, world.results_url)
        assert response.status_code == 200 and 'data-side="peer" data-shown="yes"' in text(response)


def test_the_round_page_is_for_the_units_supervisors(client, ctx):
    world = make_world()
    rate(world, "self", [3])
    url = f"/admin/feedback/rounds/{world.round.id}/results"
    response = _get(client, world.supervisor, url)
    assert response.status_code == 200
    page = text(response)
    assert world.results_url in page and world.export_url("xlsx") in page and world.export_url("csv") in page
    assert _get(client, world.other_supervisor, url).status_code == 403
    assert _get(client, world.officer_user, url).status_code == 403
    assert _get(client, world.admin, url).status_code == 200


def test_the_export_files(client, ctx):
    world = make_world()
    rate(world, "peer", [3, 3, 4])
    response = _get(client, world.supervisor, world.export_url("csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith(f'umpan-balik-360-{world.unit.code}-20261001.csv"')
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == [
        "NIP",
        "Name",
        "Value",
        "Raters",
        "Raters who answered",
        "Answers counted",
        "Average (1-4)",
        "Shown",
    ]
    assert len(rows) == 1 + 7 * 4  # the officer rated, each value, each kind
    kompeten = [row for row in rows if row[2] == "Competent" and row[3] == "Peers"]
    assert kompeten == [[world.officer.nip, world.officer.name, "Competent", "Peers", "3", "3", "3.33", "Yes"]]
    response = _get(client, world.supervisor, world.export_url("xlsx"))
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet["A2"].value == world.officer.nip and sheet["A2"].number_format == "@"


def test_addresses_that_do_not_exist(client, ctx):
    world = make_world()
    stranger = make_officer(unit=world.unit)
    assert (
        _get(client, world.supervisor, f"/admin/feedback/rounds/{world.round.id}/results/{stranger.id}").status_code
        == 404
    )
    assert _get(client, world.supervisor, f"/admin/feedback/rounds/{world.round.id}/results.pdf").status_code == 404
    assert _get(client, world.supervisor, f"/admin/feedback/rounds/{world.round.id + 99}/results").status_code == 404
    assert (
        _get(
            client, world.supervisor, f"/admin/feedback/rounds/{world.round.id}/results/{stranger.id + 99}"
        ).status_code
        == 404
    )


def test_an_account_without_an_officer_has_no_rounds_of_its_own(client, ctx):
    response = _get(client, make_user(Role.SUPERVISOR, unit=make_unit()), "/admin/feedback/mine")
    assert response.status_code == 200 and "only officers are rated" in text(response)


def test_signing_in_is_needed(client, ctx):
    world = make_world()
    assert client.get(world.results_url).status_code in (302, 401)
    assert db.session.get(type(world.round), world.round.id).status == RoundStatus.CLOSED
