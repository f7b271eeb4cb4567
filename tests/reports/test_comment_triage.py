"""Comments that staff can use: a tag (praise, complaint, suggestion) suggested from the score and
confirmed by staff; a complaint answered and closed with its answer recorded and audited;
reopening; the filters (tag, status, desk, local days); refusals that change nothing; a
supervisor's scope; the export."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.db import db
from core.errors import AccessDenied, AdminError
from core.responses import Channel, Given, Response
from org.models import Role
from reports.comments import (
    CommentError,
    CommentFilters,
    answer_complaint,
    comments_query,
    reopen_complaint,
    suggested_tag,
    tag_comment,
)
from reports.models import CommentTag, CommentTriage
from tests.factories import (
    add_survey,
    audit_entries,
    kiosk_question,
    make_desk,
    make_period,
    make_response,
    make_unit,
    make_user,
    post,
    sign_in,
    text,
)

NOW = datetime(2026, 12, 4, 3, 40, tzinfo=UTC)  # 11:40 WITA


def _kiosk_comment(period, desk, face: int, comment: str, at: datetime | None = None):
    return make_response(
        period, desk, None, [Given(kiosk_question().id, face)], channel=Channel.KIOSK, comment=comment, at=at
    )


def _triage(response) -> CommentTriage | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(CommentTriage).where(CommentTriage.response_id == response.id))


def _snapshot():
    db.session.expire_all()
    rows = db.session.scalars(sa.select(CommentTriage).order_by(CommentTriage.id)).all()
    return [(r.response_id, r.tag, r.answer, r.closed_at) for r in rows], len(audit_entries())


# --- The suggestion: a pure rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score_sum", "score_n", "expected"),
    [
        (4, 1, CommentTag.PRAISE),  # the happiest face
        (3, 1, CommentTag.PRAISE),
        (2, 1, CommentTag.COMPLAINT),
        (1, 1, CommentTag.COMPLAINT),  # the unhappiest face
        (27, 9, CommentTag.PRAISE),  # a survey averaging 3
        (18, 9, CommentTag.COMPLAINT),  # a survey averaging 2
        (22, 9, None),  # in between: no suggestion
        (0, 0, None),  # no score at all
    ],
)
def test_the_suggested_tag_follows_the_citizens_own_score(score_sum, score_n, expected):
    assert suggested_tag(score_sum, score_n) == expected


# --- Operations -------------------------------------------------------------------------------------


def test_tagging_answering_and_reopening_a_complaint_is_recorded_and_audited(ctx):
    unit = make_unit(timezone="Asia/Makassar")
    desk = make_desk(unit=unit)
    supervisor = make_user(Role.SUPERVISOR, unit=unit)
    response = _kiosk_comment(make_period(), desk, 1, "Antre dua jam, tidak ada petugas")
    triage = tag_comment(supervisor, response, "complaint", now=NOW)
    db.session.commit()
    assert (triage.tag, triage.tagged_by, triage.tagged_at) == (CommentTag.COMPLAINT, supervisor.id, NOW)

    answer_complaint(supervisor, response, "  Mohon maaf; loket 2 kini dibuka pukul 08.00.  ", now=NOW)
    db.session.commit()
    stored = _triage(response)
    assert stored.answer == "Mohon maaf; loket 2 kini dibuka pukul 08.00."
    assert (stored.answered_by, stored.answered_at, stored.closed_by, stored.closed_at) == (
        supervisor.id,
        NOW,
        supervisor.id,
        NOW,
    )
    assert response.comment == "Antre dua jam, tidak ada petugas"  # the response is never edited

    reopen_complaint(supervisor, response, now=NOW)
    db.session.commit()
    stored = _triage(response)
    assert stored.closed_at is None and stored.answer == "Mohon maaf; loket 2 kini dibuka pukul 08.00."

    entries = audit_entries(entity="comment_triage")
    assert [(e.action, e.entity_id, e.unit_id, e.username) for e in entries] == [
        ("tag", response.id, unit.id, supervisor.username),
        ("answer", response.id, unit.id, supervisor.username),
        ("reopen", response.id, unit.id, supervisor.username),
    ]
    assert entries[0].before == {"tag": None} and entries[0].after == {"tag": "complaint"}
    assert entries[1].after == {"answer": "Mohon maaf; loket 2 kini dibuka pukul 08.00.", "closed": True}
    assert entries[2].after == {"closed": False}


@pytest.mark.parametrize(
    ("setup", "act", "code"),
    [
        (None, lambda u, r: tag_comment(u, r, "angry"), "unknown_tag"),
        ("praise", lambda u, r: tag_comment(u, r, "praise"), "same_tag"),
        ("closed", lambda u, r: tag_comment(u, r, "praise"), "complaint_closed"),
        (None, lambda u, r: answer_complaint(u, r, "Terima kasih"), "not_complaint"),
        ("praise", lambda u, r: answer_complaint(u, r, "Terima kasih"), "not_complaint"),
        ("complaint", lambda u, r: answer_complaint(u, r, "   "), "answer_required"),
        ("complaint", lambda u, r: answer_complaint(u, r, "x" * 2001), "answer_long"),
        ("closed", lambda u, r: answer_complaint(u, r, "Lagi"), "already_closed"),
        ("complaint", lambda u, r: reopen_complaint(u, r), "not_closed"),
        (None, lambda u, r: reopen_complaint(u, r), "not_complaint"),
    ],
)
def test_refusals_change_nothing(ctx, setup, act, code):
    unit = make_unit()
    supervisor = make_user(Role.SUPERVISOR, unit=unit)
    response = add_survey(make_period(), make_desk(unit=unit), None, [], comment="Lumayan")
    if setup in ("praise", "complaint", "closed"):
        tag_comment(supervisor, response, "complaint" if setup == "closed" else setup)
    if setup == "closed":
        answer_complaint(supervisor, response, "Sudah ditangani")
    db.session.commit()
    before = _snapshot()
    with pytest.raises(CommentError) as refused:
        act(supervisor, response)
    db.session.rollback()
    assert refused.value.code == code
    assert refused.value.status == (422 if code in ("unknown_tag", "answer_required", "answer_long") else 409)
    assert _snapshot() == before


def test_another_units_comment_and_a_response_without_one_are_refused(ctx):
    own, other = make_unit(), make_unit()
    supervisor = make_user(Role.SUPERVISOR, unit=own)
    theirs = add_survey(make_period(), make_desk(unit=other), None, [], comment="Unit lain")
    silent = add_survey(make_period(), make_desk(unit=own), None, [])
    db.session.commit()
    before = _snapshot()
    with pytest.raises(AccessDenied):
        tag_comment(supervisor, theirs, "praise")
    with pytest.raises(AdminError) as refused:
        tag_comment(supervisor, silent, "praise")
    db.session.rollback()
    assert refused.value.code == "no_comment"
    assert _snapshot() == before


# --- Filters ---------------------------------------------------------------------------------------


def test_the_filters_narrow_by_tag_status_desk_and_local_day(ctx):
    jakarta, jayapura = make_unit(timezone="Asia/Jakarta"), make_unit(timezone="Asia/Jayapura")
    period = make_period(starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 31))
    front, back, east = make_desk(unit=jakarta), make_desk(unit=jakarta), make_desk(unit=jayapura)
    admin = make_user(Role.ADMIN)
    # 16:30 UTC is 23:30 WIB on the 4th in Jakarta, but already 01:30 WIT on the 5th in Jayapura.
    praise = _kiosk_comment(period, front, 4, "Cepat", at=datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    open_complaint = _kiosk_comment(period, back, 1, "Lambat", at=datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    closed = _kiosk_comment(period, east, 1, "Kursi rusak", at=datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    untagged = add_survey(period, front, None, [], comment="Tambah loket", at=datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
    tag_comment(admin, praise, "praise")
    tag_comment(admin, open_complaint, "complaint")
    tag_comment(admin, closed, "complaint")
    answer_complaint(admin, closed, "Kursi sudah diganti")
    db.session.commit()

    def ids(**filters):
        return {r.id for r in db.session.scalars(comments_query(admin, CommentFilters(**filters)))}

    assert ids() == {praise.id, open_complaint.id, closed.id, untagged.id}
    assert ids(tag="praise") == {praise.id}
    assert ids(tag="complaint") == {open_complaint.id, closed.id}
    assert ids(tag="untagged") == {untagged.id}
    assert ids(tag="suggestion") == set()
    assert ids(status="open") == {open_complaint.id}
    assert ids(status="closed") == {closed.id}
    assert ids(desk_id=front.id) == {praise.id, untagged.id}
    # Local days of each comment's own unit: 16:30 UTC is 23:30 WIB on the 4th, 01:30 WIT on the 5th.
    assert ids(since=date(2026, 12, 4), until=date(2026, 12, 4)) == {praise.id, open_complaint.id}
    assert ids(since=date(2026, 12, 5)) == {closed.id, untagged.id}
    assert ids(until=date(2026, 12, 3)) == set()
    assert ids(tag="complaint", desk_id=east.id, status="closed") == {closed.id}


# --- Pages -----------------------------------------------------------------------------------------


def test_the_page_suggests_a_tag_and_staff_confirm_it(client, admin):
    unit = make_unit(timezone="Asia/Makassar")
    response = _kiosk_comment(make_period(), make_desk(unit=unit), 4, "Ramah sekali", at=NOW)
    db.session.commit()
    page = text(client.get("/admin/comments"))
    assert "Suggested from the citizen's score: Praise." in page and "Confirm tag" in page
    assert "2026-12-04 11:40 WITA" in page and "UTC" not in page
    assert _triage(response) is None  # a suggestion is not stored

    answer = post(client, f"/admin/comments/{response.id}/tag", {"tag": "praise"}, htmx=True)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "comment-changed"
    assert "Tagged as Praise." in text(answer) and f'id="comment-{response.id}"' in text(answer)
    assert _triage(response).tag == CommentTag.PRAISE

    plain = post(client, f"/admin/comments/{response.id}/tag", {"tag": "suggestion"})
    assert plain.status_code == 303
    assert _triage(response).tag == CommentTag.SUGGESTION


def test_answering_a_complaint_on_the_page_records_and_closes_it(client, admin):
    response = _kiosk_comment(make_period(), make_desk(), 1, "Petugas tidak ada di loket", at=NOW)
    db.session.commit()
    assert post(client, f"/admin/comments/{response.id}/tag", {"tag": "complaint"}, htmx=True).status_code == 200
    page = text(client.get("/admin/comments?status=open", headers={"HX-Request": "true"}))
    assert "Petugas tidak ada di loket" in page and "Answer and close" in page

    empty = post(client, f"/admin/comments/{response.id}/answer", {"answer": ""}, htmx=True)
    assert empty.status_code == 422 and "This field is required." in text(empty)
    assert _triage(response).closed_at is None

    done = post(client, f"/admin/comments/{response.id}/answer", {"answer": "Sudah kami tegur."}, htmx=True)
    assert done.status_code == 200 and "Answer recorded; the complaint is closed." in text(done)
    stored = _triage(response)
    assert stored.answer == "Sudah kami tegur." and stored.closed_at is not None
    assert "Reopen the complaint" in text(done) and "Sudah kami tegur." in text(done)

    again = post(client, f"/admin/comments/{response.id}/answer", {"answer": "Lagi"}, htmx=True)
    assert again.status_code == 409 and "already answered and closed" in text(again)
    assert _triage(response).answer == "Sudah kami tegur."

    closed_list = text(client.get("/admin/comments?status=closed", headers={"HX-Request": "true"}))
    open_list = text(client.get("/admin/comments?status=open", headers={"HX-Request": "true"}))
    assert "Petugas tidak ada di loket" in closed_list and "Petugas tidak ada di loket" not in open_list
    assert [e.action for e in audit_entries(entity="comment_triage")] == ["tag", "answer"]


def test_a_bad_tag_on_the_page_is_refused_in_the_users_language(client, admin):
    response = add_survey(make_period(), make_desk(), None, [], comment="Biasa saja")
    db.session.commit()
    client.set_cookie("lang", "id")
    answer = post(client, f"/admin/comments/{response.id}/tag", {"tag": "marah"}, htmx=True)
    assert answer.status_code == 422 and "Pilih salah satu pilihan." in text(answer)
    assert _triage(response) is None and audit_entries(entity="comment_triage") == []


def test_a_supervisor_triages_only_their_units_comments_and_an_officer_none(client, ctx):
    own, other = make_unit(), make_unit()
    mine = add_survey(make_period(), make_desk(unit=own), None, [], comment="Punya saya")
    theirs = add_survey(make_period(), make_desk(unit=other), None, [], comment="Punya unit lain")
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    assert post(client, f"/admin/comments/{theirs.id}/tag", {"tag": "praise"}).status_code == 403
    assert post(client, f"/admin/comments/{mine.id}/tag", {"tag": "praise"}).status_code == 303
    assert _triage(theirs) is None and _triage(mine).tag == CommentTag.PRAISE
    exported = client.get("/admin/comments/export.csv").get_data().decode("utf-8-sig")
    assert "Punya saya" in exported and "Punya unit lain" not in exported


def test_the_export_follows_the_filters_in_local_time_and_leaves_hidden_ones_out(client, admin):
    unit = make_unit(timezone="Asia/Jayapura", name="Kantor Timur")
    desk = make_desk(unit=unit, name="Loket 1")
    period = make_period()
    complaint = _kiosk_comment(period, desk, 1, "Antrean kacau", at=NOW)
    hidden = _kiosk_comment(period, desk, 1, "Komentar yang disembunyikan", at=NOW)
    _kiosk_comment(period, desk, 4, "Bagus", at=NOW)
    db.session.commit()
    post(client, f"/admin/comments/{complaint.id}/tag", {"tag": "complaint"})
    post(client, f"/admin/comments/{hidden.id}/tag", {"tag": "complaint"})
    post(client, f"/admin/comments/{hidden.id}/hide")
    post(client, f"/admin/comments/{complaint.id}/answer", {"answer": "Sistem antrean diperbaiki"})

    answer = client.get("/admin/comments/export.csv?tag=complaint")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "When (local time)" and len(rows) == 2
    row = rows[1]
    assert row[:5] == ["2026-12-04 12:40 WIT", "Kantor Timur", "Loket 1", "", "Antrean kacau"]
    assert row[5:8] == ["Complaint", "Answered and closed", "Sistem antrean diperbaiki"]
    assert row[9].endswith(" WIT")

    book = load_workbook(io.BytesIO(client.get("/admin/comments/export.xlsx?tag=complaint").get_data()))
    values = [[cell.value for cell in line] for line in book.active.iter_rows()]
    assert values[1][0] == "2026-12-04 12:40 WIT" and values[1][4] == "Antrean kacau"
    assert all("disembunyikan" not in str(v) for line in values for v in line)
    assert client.get("/admin/comments/export.pdf").status_code == 404


def test_the_demo_tags_the_latest_comments_answers_one_complaint_and_loads_once(ctx):
    from demo.comments import TAGS, load_comments_demo

    unit = make_unit(timezone="Asia/Makassar")
    desk = make_desk(unit=unit)
    make_user(Role.SUPERVISOR, unit=unit)
    period = make_period()
    for minutes, written in enumerate(TAGS):
        add_survey(period, desk, None, [], comment=written, at=NOW - timedelta(minutes=minutes))
    db.session.commit()
    message = load_comments_demo(NOW, [unit])
    db.session.commit()
    rows = db.session.scalars(sa.select(CommentTriage)).all()
    assert len(rows) == 8 and message.startswith("Comments: 8 tagged")
    comments = dict(db.session.execute(sa.select(Response.id, Response.comment)).all())
    assert all(row.tag.value == TAGS[comments[row.response_id]] for row in rows)
    [closed] = [row for row in rows if row.closed_at is not None]
    assert closed.tag == CommentTag.COMPLAINT and closed.answer and closed.closed_at <= NOW
    entries = len(audit_entries(entity="comment_triage"))
    assert entries == 9  # eight tags and one answer, each audited
    load_comments_demo(NOW, [unit])  # a second run changes nothing
    db.session.commit()
    assert len(db.session.scalars(sa.select(CommentTriage)).all()) == 8
    assert len(audit_entries(entity="comment_triage")) == entries


@pytest.mark.parametrize(
    ("since", "until", "found"),
    [("0001-01-01", "9999-12-31", True), ("9999-12-31", "", False), ("", "0001-01-01", False)],
)
def test_the_widest_and_the_emptiest_days_filter_without_error(client, ctx, since, until, found):
    """The first and last days a date can hold, in a unit east of UTC: the local midnight of the
    first lies before year 1 in UTC, the day after the last beyond year 9999."""
    unit = make_unit(timezone="Asia/Jayapura")
    _kiosk_comment(make_period(), make_desk(unit=unit), 1, "Antre lama sekali")
    db.session.commit()
    sign_in(client, make_user(Role.ADMIN))
    for address in ("/admin/comments", "/admin/comments/export.csv"):
        response = client.get(address, query_string={"from": since, "to": until})
        assert response.status_code == 200, address
        assert ("Antre lama sekali" in response.get_data(as_text=True)) is found, address
