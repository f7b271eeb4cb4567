"""Continuous feedback in a period (issue 15, item 4): dated notes on a work-result row, on a
BerAKHLAK value or on the SKP as a whole, written by the officer or her appraiser only, shown in
the local time of the unit with its zone, never edited; refusals leave the database unchanged."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from appraisal.models import PeriodStatus
from core.db import db
from core.errors import AccessDenied, AdminError, Invalid
from org.models import Role
from skp.errors import SkpError
from skp.models import FeedbackNote
from skp.realisation import add_feedback, page_context
from tests.factories import (
    audit_entries,
    make_line,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
    text,
)


@pytest.fixture
def plan(ctx):
    """An officer in a WITA unit with her appraiser and the appraiser's superior (by the reporting
    line), another officer of the unit, and the supervisor of another unit."""
    unit = make_unit(timezone="Asia/Makassar")
    officer = make_officer(unit=unit, name="Ani")
    boss = make_officer(unit=unit, name="Budi")
    chief = make_officer(unit=unit, name="Citra")
    make_line(officer, boss, chief)
    period = make_period()
    skp = make_skp(officer, year=period.starts_on.year)
    return {
        "unit": unit,
        "period": period,
        "skp": skp,
        "row": make_result(skp),
        "officer": make_user(Role.OFFICER, officer=officer, name="Ani"),
        "appraiser": make_user(Role.SUPERVISOR, unit=unit, officer=boss, name="Budi"),
        "superior": make_user(Role.OFFICER, officer=chief),
        "other": make_user(Role.OFFICER, unit=unit),
        "stranger": make_user(Role.SUPERVISOR),
    }


def url(plan) -> str:
    return f"/admin/skp/{plan['skp'].id}/periods/{plan['period'].id}/feedback"


def notes() -> list[tuple]:
    db.session.expire_all()
    return [
        (n.result_id, n.value, n.text, n.author_role)
        for n in db.session.scalars(sa.select(FeedbackNote).order_by(FeedbackNote.id))
    ]


def test_the_officer_and_the_appraiser_write_notes_on_a_row_a_value_and_the_whole(client, plan):
    row = plan["row"]
    sign_in(client, plan["officer"])
    client.set_cookie("lang", "en")
    response = post(client, url(plan), {"text": "Target bulan ini tercapai", "result_id": str(row.id)}, htmx=True)
    assert response.status_code == 200, text(response)
    assert response.headers["HX-Trigger"] == "feedback-added"
    page = text(response)
    assert f'id="feedback-result-{row.id}"' in page and "Target bulan ini tercapai" in page
    assert "Ani (Officer)" in page and "WITA" in page

    sign_in(client, plan["appraiser"])
    value = post(client, url(plan), {"text": "Sigap membantu warga", "value": "berorientasi_pelayanan"}, htmx=True)
    assert value.status_code == 200 and 'id="feedback-value-berorientasi_pelayanan"' in text(value)
    assert "Budi (Appraiser)" in text(value)
    plain = post(client, url(plan), {"text": "Pertahankan"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/admin/skp/{plan['skp'].id}/periods/{plan['period'].id}#feedback-skp")
    assert notes() == [
        (row.id, None, "Target bulan ini tercapai", "officer"),
        (None, "berorientasi_pelayanan", "Sigap membantu warga", "appraiser"),
        (None, None, "Pertahankan", "appraiser"),
    ]
    entries = audit_entries(entity="skp_feedback")
    assert [e.after["author_role"] for e in entries] == ["officer", "appraiser", "appraiser"]
    assert entries[1].after["value"] == "berorientasi_pelayanan" and entries[0].after["result"] == row.id


def test_notes_are_dated_in_the_units_local_time_and_listed_in_order(plan):
    skp, period, row = plan["skp"], plan["period"], plan["row"]
    add_feedback(plan["officer"], skp, period, "kedua", result=row, now=datetime(2026, 3, 2, 2, 30, tzinfo=UTC))
    add_feedback(plan["appraiser"], skp, period, "pertama", result=row, now=datetime(2026, 3, 1, 23, 5, tzinfo=UTC))
    db.session.commit()
    context = page_context(skp, period, plan["appraiser"])
    shown = context["rows"][0]["feedback"]["notes"]
    assert [(n["text"], n["when"], n["role"]) for n in shown] == [
        ("pertama", "2026-03-02 07:05 WITA", "appraiser"),
        ("kedua", "2026-03-02 10:30 WITA", "officer"),
    ]
    assert context["timezone"] == "Asia/Makassar"


def test_who_may_do_what_on_the_page(plan):
    skp, period = plan["skp"], plan["period"]
    may = {
        who: (page_context(skp, period, plan[who])["may_record"], page_context(skp, period, plan[who])["may_feedback"])
        for who in ("officer", "appraiser", "superior")
    }
    assert may == {"officer": (True, True), "appraiser": (False, True), "superior": (False, False)}
    period.status = PeriodStatus.CLOSED
    db.session.commit()
    closed = page_context(skp, period, plan["officer"])
    assert (closed["may_record"], closed["may_feedback"], closed["frozen"]) == (False, False, True)
    assert closed["locked"]


@pytest.mark.parametrize("who", ["superior", "other", "stranger"])
def test_anyone_else_is_refused_and_nothing_is_stored(client, plan, who):
    sign_in(client, plan[who])
    for htmx in (True, False):
        response = post(client, url(plan), {"text": "Nilai saya", "result_id": str(plan["row"].id)}, htmx=htmx)
        assert response.status_code == 403
    assert notes() == [] and audit_entries() == []


def test_without_a_line_the_units_supervisor_appraises(client, ctx):
    unit = make_unit()
    officer = make_officer(unit=unit)
    period = make_period()
    skp = make_skp(officer, year=period.starts_on.year)
    sign_in(client, make_user(Role.SUPERVISOR, unit=unit))
    response = post(client, f"/admin/skp/{skp.id}/periods/{period.id}/feedback", {"text": "Bagus"}, htmx=True)
    assert response.status_code == 200
    assert notes() == [(None, None, "Bagus", "appraiser")]


@pytest.mark.parametrize(
    ("data", "field", "english", "indonesian", "status"),
    [
        ({"text": "   "}, "text", "This field is required.", "Kolom ini wajib diisi.", 422),
        ({"text": "x" * 2001}, "text", "At most 2000 characters.", "Paling banyak 2000 karakter.", 422),
    ],
)
def test_bad_notes_are_refused_with_their_message(client, plan, data, field, english, indonesian, status):
    sign_in(client, plan["appraiser"])
    refused(client, url(plan), data, field and f"feedback-skp-{field}", english, indonesian, status=status)
    assert notes() == [] and audit_entries() == []


def test_a_value_that_is_none_of_the_seven_is_refused(client, plan):
    sign_in(client, plan["appraiser"])
    client.set_cookie("lang", "en")
    response = post(client, url(plan), {"text": "Baik", "value": "malas"}, htmx=True)
    assert response.status_code == 422 and "This is not one of the BerAKHLAK values." in text(response)
    assert 'id="feedback-skp"' in text(response)
    assert notes() == [] and audit_entries() == []


def test_a_row_of_another_skp_is_not_found(client, plan):
    foreign = make_result(make_skp(make_officer(), year=plan["skp"].year))
    sign_in(client, plan["officer"])
    assert post(client, url(plan), {"text": "x", "result_id": str(foreign.id)}, htmx=True).status_code == 404
    assert notes() == []


@pytest.mark.parametrize("status", [PeriodStatus.CLOSED, PeriodStatus.DRAFT])
def test_no_note_while_the_period_is_not_open(client, plan, status):
    plan["period"].status = status
    db.session.commit()
    sign_in(client, plan["appraiser"])
    client.set_cookie("lang", "en")
    response = post(client, url(plan), {"text": "Terlambat"}, htmx=True)
    assert response.status_code == 409
    assert ("This period is closed" if status == PeriodStatus.CLOSED else "not been opened") in text(response)
    assert notes() == []


def test_the_operation_refuses_what_the_page_cannot_send(plan):
    skp, period, row = plan["skp"], plan["period"], plan["row"]
    with pytest.raises(SkpError, match="one_subject"):
        add_feedback(plan["officer"], skp, period, "x", result=row, value="amanah")
    other_row = make_result(make_skp(make_officer(), year=skp.year))
    with pytest.raises(SkpError, match="unknown_result"):
        add_feedback(plan["officer"], skp, period, "x", result=other_row)
    with pytest.raises(AccessDenied):
        add_feedback(plan["superior"], skp, period, "x")
    with pytest.raises(Invalid):
        add_feedback(plan["officer"], skp, period, "")
    skp.status = type(skp.status)("draft")
    with pytest.raises(SkpError, match="skp_not_agreed"):
        add_feedback(plan["officer"], skp, period, "x")
    period.status = PeriodStatus.CLOSED
    skp.status = type(skp.status)("agreed")
    with pytest.raises(AdminError, match="period_closed"):
        add_feedback(plan["appraiser"], skp, period, "x")
    db.session.rollback()
    assert notes() == []
