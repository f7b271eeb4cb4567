"""The reporting-lines page (admin.skp.lines): per unit, each officer with her line today; per
officer, setting a line from a day (appraiser and superior from any unit, found by name or NIP),
ending it, the history, the unit's head and the rank; refusals by role change nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from org.lines import lines_of
from org.models import Officer, ReportingLine, Role, Unit
from tests.factories import audit_entries, make_line, make_officer, make_unit, make_user, post, sign_in, text


@pytest.fixture
def office(ctx):
    unit = make_unit(name="Kecamatan Menteng")
    head = make_officer(unit, name="Rina Kepala")
    staff = make_officer(unit, name="Siti Petugas")
    other = make_officer(unit, name="Budi Petugas")
    camat = make_officer(make_unit(name="Kantor Walikota"), name="Hendra Camat")
    return dict(unit=unit, head=head, staff=staff, other=other, camat=camat)


def _lines(officer: Officer) -> list[tuple]:
    db.session.expire_all()
    return [(line.appraiser_id, line.superior_id, line.valid_from, line.valid_to) for line in lines_of(officer)]


def test_the_unit_page_lists_each_officer_with_her_line_today(client, office):
    staff, head, camat = office["staff"], office["head"], office["camat"]
    make_line(staff, head, camat, valid_from=date(2020, 1, 1))
    supervisor = make_user(Role.SUPERVISOR, unit=office["unit"])
    sign_in(client, supervisor)
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/skp/lines"))
    assert "Kecamatan Menteng" in page
    row = page[page.index(f'id="line-row-{staff.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Rina Kepala" in row and "Hendra Camat" in row and "2020-01-01" in row
    other_row = page[page.index(f'id="line-row-{office["other"].id}"') :]
    assert "No line: the unit's supervisors appraise." in other_row[: other_row.index("</tr>")]


def test_a_supervisor_sets_a_line_with_an_appraiser_of_another_unit_by_nip(client, office):
    staff, head, camat = office["staff"], office["head"], office["camat"]
    supervisor = make_user(Role.SUPERVISOR, unit=office["unit"])
    sign_in(client, supervisor)
    client.set_cookie("lang", "en")
    answer = post(
        client,
        f"/admin/skp/lines/officers/{staff.id}",
        {"appraiser": head.nip, "superior": camat.nip, "valid_from": "2026-01-01"},
    )
    assert answer.status_code == 303
    assert _lines(staff) == [(head.id, camat.id, date(2026, 1, 1), None)]
    assert [e.action for e in audit_entries(entity="reporting_line")] == ["create"]
    # The NIP may be typed in its printed groups; htmx gets the panel back with the notice.
    answer = post(
        client,
        f"/admin/skp/lines/officers/{staff.id}",
        {
            "appraiser": f"{camat.nip[:8]} {camat.nip[8:14]} {camat.nip[14]} {camat.nip[15:]}",
            "valid_from": "2026-07-01",
        },
        htmx=True,
    )
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "line-changed"
    assert 'id="officer-lines"' in text(answer) and "<html" not in text(answer)
    assert "From 2026-07-01, Hendra Camat appraises Siti Petugas." in text(answer)
    assert _lines(staff) == [
        (camat.id, None, date(2026, 7, 1), None),
        (head.id, camat.id, date(2026, 1, 1), date(2026, 6, 30)),
    ]
    history = text(client.get(f"/admin/skp/lines/officers/{staff.id}"))
    assert history.count('id="line-') >= 2 and "2026-06-30" in history


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"appraiser": "", "valid_from": "2026-01-01"}, "appraiser", "This field is required."),
        ({"appraiser": "199001012015011999", "valid_from": "2026-01-01"}, "appraiser", "No officer has this NIP."),
        ({"appraiser": "SELF", "valid_from": "2026-01-01"}, "appraiser", "An officer cannot appraise themselves."),
        ({"appraiser": "HEAD", "superior": "HEAD", "valid_from": "2026-01-01"}, "superior", "must be another officer"),
        ({"appraiser": "HEAD", "valid_from": "01/01/2026"}, "valid_from", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_a_bad_line_is_refused_beside_its_field_and_nothing_changes(client, office, data, field, message):
    staff, head = office["staff"], office["head"]
    data = {k: {"SELF": staff.nip, "HEAD": head.nip}.get(v, v) for k, v in data.items()}
    sign_in(client, make_user(Role.ADMIN))
    client.set_cookie("lang", "en")
    answer = post(client, f"/admin/skp/lines/officers/{staff.id}", data, htmx=True)
    assert answer.status_code == 422
    html = text(answer)
    error = html[html.index(f'id="line-{field}-error"') :]
    assert message in error[: error.index("</p>")]
    assert _lines(staff) == [] and audit_entries(entity="reporting_line") == []


def test_ending_a_line_and_a_bad_end(client, office):
    staff, head = office["staff"], office["head"]
    line = make_line(staff, head, valid_from=date(2026, 1, 1))
    sign_in(client, make_user(Role.SUPERVISOR, unit=office["unit"]))
    client.set_cookie("lang", "en")
    bad = post(client, f"/admin/skp/lines/{line.id}/end", {"valid_to": "2025-12-31"}, htmx=True)
    assert bad.status_code == 422 and "The end date must not be before the start date." in text(bad)
    assert _lines(staff) == [(head.id, None, date(2026, 1, 1), None)]
    good = post(client, f"/admin/skp/lines/{line.id}/end", {"valid_to": "2026-03-31"})
    assert good.status_code == 303
    assert _lines(staff) == [(head.id, None, date(2026, 1, 1), date(2026, 3, 31))]
    assert [e.action for e in audit_entries(entity="reporting_line")] == ["update"]


def test_naming_the_head_of_the_unit(client, office):
    unit, head = office["unit"], office["head"]
    sign_in(client, make_user(Role.SUPERVISOR, unit=unit))
    client.set_cookie("lang", "en")
    answer = post(client, f"/admin/skp/lines/units/{unit.id}/head", {"head": str(head.id)}, htmx=True)
    assert answer.status_code == 200 and "Rina Kepala heads Kecamatan Menteng." in text(answer)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).head_officer_id == head.id
    # The head works at the unit: an officer of another unit is refused.
    refused = post(client, f"/admin/skp/lines/units/{unit.id}/head", {"head": str(office["camat"].id)}, htmx=True)
    assert refused.status_code == 422 and "The head of a unit works at that unit." in text(refused)
    assert post(client, f"/admin/skp/lines/units/{unit.id}/head", {"head": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).head_officer_id is None


def test_the_search_finds_officers_of_every_unit_by_name_or_nip(client, office):
    camat = office["camat"]
    sign_in(client, make_user(Role.SUPERVISOR, unit=office["unit"]))
    by_name = text(client.get("/admin/skp/lines/search?list=line-appraiser-choices&appraiser=hendra"))
    assert f'<option value="{camat.nip}">Hendra Camat' in by_name and "Kantor Walikota" in by_name
    by_nip = text(client.get(f"/admin/skp/lines/search?list=line-superior-choices&superior={camat.nip[:10]}"))
    assert 'id="line-superior-choices"' in by_nip and camat.nip in by_nip
    assert "<option" not in text(client.get("/admin/skp/lines/search?list=line-superior-choices&superior=%25"))
    assert client.get("/admin/skp/lines/search?list=other").status_code == 404


def test_the_administrator_sets_a_rank_and_a_supervisor_cannot(client, office):
    staff = office["staff"]
    sign_in(client, make_user(Role.SUPERVISOR, unit=office["unit"]))
    assert post(client, f"/admin/skp/lines/officers/{staff.id}/rank", {"rank": "III/a"}).status_code == 403
    sign_in(client, make_user(Role.ADMIN))
    client.set_cookie("lang", "en")
    assert post(client, f"/admin/skp/lines/officers/{staff.id}/rank", {"rank": "Jenderal"}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Officer, staff.id).rank == ""
    assert post(client, f"/admin/skp/lines/officers/{staff.id}/rank", {"rank": "III/a"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Officer, staff.id).rank == "III/a"
    entry = audit_entries(entity="officer")[-1]
    assert entry.before == {"rank": ""} and entry.after == {"rank": "III/a"} and entry.unit_id == office["unit"].id
    assert "Penata Muda (III/a)" in text(client.get(f"/admin/skp/lines?unit={office['unit'].id}"))


def test_refusals_by_role_change_nothing(client, office):
    unit, staff, head = office["unit"], office["staff"], office["head"]
    line = make_line(staff, head, valid_from=date(2026, 1, 1))
    before = _lines(staff)
    officer_user = make_user(Role.OFFICER, officer=staff)
    sign_in(client, officer_user)
    assert client.get("/admin/skp/lines").status_code == 403
    assert (
        post(
            client, f"/admin/skp/lines/officers/{staff.id}", {"appraiser": head.nip, "valid_from": "2026-02-01"}
        ).status_code
        == 403
    )
    stranger = make_user(Role.SUPERVISOR, unit=make_unit())
    sign_in(client, stranger)
    assert client.get(f"/admin/skp/lines?unit={unit.id}").status_code == 403
    assert client.get(f"/admin/skp/lines/officers/{staff.id}").status_code == 403
    for path, data in [
        (f"/admin/skp/lines/officers/{staff.id}", {"appraiser": head.nip, "valid_from": "2026-02-01"}),
        (f"/admin/skp/lines/{line.id}/end", {"valid_to": "2026-02-01"}),
        (f"/admin/skp/lines/units/{unit.id}/head", {"head": str(head.id)}),
        (f"/admin/skp/lines/officers/{staff.id}/rank", {"rank": "II/a"}),
    ]:
        assert post(client, path, data).status_code == 403, path
        assert post(client, path, data, htmx=True).status_code == 403, path
    db.session.expire_all()
    assert _lines(staff) == before
    assert db.session.get(Unit, unit.id).head_officer_id is None
    assert db.session.get(Officer, staff.id).rank == ""
    assert audit_entries() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportingLine)) == 1


def test_the_page_reads_today_in_the_unit_time_zone(client, office, monkeypatch):
    """A line from tomorrow (in UTC) already holds in Jayapura, nine hours ahead."""
    unit, staff, head = office["unit"], office["staff"], office["head"]
    unit.timezone = "Asia/Jayapura"
    db.session.commit()
    now = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)  # 1 April, 05:00 WIT
    monkeypatch.setattr("skp.queries.utcnow", lambda: now)
    make_line(staff, head, valid_from=date(2026, 4, 1))
    sign_in(client, make_user(Role.SUPERVISOR, unit=unit))
    page = text(client.get("/admin/skp/lines"))
    row = page[page.index(f'id="line-row-{staff.id}"') :]
    assert "Rina Kepala" in row[: row.index("</tr>")]
    assert (now + timedelta(hours=9)).date() == date(2026, 4, 1)
