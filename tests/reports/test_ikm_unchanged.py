"""A unit's own questions change no score (issue #17): the IKM, the kiosk index, the officers'
scores and what the exports carry are the same for the same citizens' answers whether or not the
unit asked questions of its own. Two units of one period get the same answers through the real
ways in (the kiosk vote and the phone survey); one of them asks its own questions too."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from appraisal.models import NO, YES
from appraisal.policy import policy_of
from appraisal.unit_questions import create_unit_question
from core.db import db
from core.responses import Answer, Response
from kiosk.votes import record_vote
from org.duty import start_duty
from org.models import Role
from reports import exports
from reports.queries import compute_officer_sheet, compute_unit_report, officer_rows
from survey.operations import record_survey_response
from tests.factories import (
    make_desk,
    make_kiosk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    sign_in,
    skm_indicators,
)

START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=20)
# The same citizens for both units: (minutes after START, the nine answers, the unit's items).
SURVEYS = [
    (5, [4, 3, 3, 2, 4, 4, 3, 1, 2], (YES, 4, "Kursi kurang")),
    (35, [3, 3, 3, 3, 3, 3, 3, 3, 3], (NO, 1, "")),
    (65, [2, 1, 4, 4, 3, 2, 2, 3, 4], (YES, 3, "Antre lama")),
    (95, [4, 4, 4, 4, 4, 4, 4, 4, 4], (YES, 2, "")),
]
VOTES = [(10, 4), (40, 1), (70, 3), (100, 2), (130, 4), (160, 3)]


def office(period, with_own: bool) -> dict:
    unit = make_unit()
    desk = make_desk(unit=unit)
    officer = make_officer(unit=unit)
    kiosk, _token = make_kiosk(desk)
    start_duty(desk, officer, START - timedelta(days=1))
    items = {}
    if with_own:
        admin = make_user(Role.ADMIN)
        create_unit_question(admin, unit, {"type": "kiosk_question", "text_id": "Bagaimana loket kami?"})
        reason = create_unit_question(admin, unit, {"type": "kiosk_reason", "text_id": "Parkir"})
        items = {
            "reason": reason.code,
            "yes_no": create_unit_question(admin, unit, {"type": "survey_yes_no", "text_id": "Tertib?"}).id,
            "scale": create_unit_question(admin, unit, {"type": "survey_scale", "text_id": "Bersih?"}).id,
            "words": create_unit_question(admin, unit, {"type": "survey_text", "text_id": "Saran?"}).id,
        }
    db.session.commit()
    for minutes, answers, (yes_no, scale, words) in SURVEYS:
        form = {"uuid": str(uuid.uuid4()), **{f"q{i.id}": str(v) for i, v in zip(skm_indicators(), answers)}}
        if with_own:
            form.update({f"q{items['yes_no']}": str(yes_no), f"q{items['scale']}": str(scale)})
            form[f"q{items['words']}"] = words
        record_survey_response(desk.code, form, now=START + timedelta(minutes=minutes))
    for minutes, face in VOTES:
        at = START + timedelta(minutes=minutes)
        reasons = [items["reason"]] if with_own and face <= 2 else (["R_WAKTU"] if face <= 2 else [])
        payload = {"uuid": str(uuid.uuid4()), "value": face, "reasons": reasons, "cast_at": at.isoformat()}
        record_vote(kiosk, payload, now=at)
    db.session.commit()
    return dict(unit=unit, officer=officer)


def scores_of(report: dict) -> dict:
    keep = ("skm", "headline", "qr", "kiosk", "combined", "excluded", "flags", "desks")
    out = {key: report[key] for key in keep}
    out["desks"] = [{k: v for k, v in row.items() if k not in ("id", "name")} for row in report["desks"]]
    out["officers"] = [
        {k: v for k, v in row.items() if k not in ("officer_id", "name", "nip", "unit_id")}
        for row in report["officers"]
    ]
    return out


def test_the_ikm_the_officers_scores_and_the_exports_ignore_a_units_own_questions(factories):
    period = make_period(min_n=3)  # few citizens, yet every score is published
    plain = office(period, with_own=False)
    own = office(period, with_own=True)
    db.session.expire_all()

    # The unit with questions of its own did store their answers.
    own_answers = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.unit_id == own["unit"].id, Answer.text.is_not(None))
    )
    assert own_answers == 2  # the two surveys that wrote a few words

    plain_report = compute_unit_report(period, plain["unit"])
    own_report = compute_unit_report(period, own["unit"])
    assert plain_report["headline"]["ikm"] is not None
    assert scores_of(own_report) == scores_of(plain_report)

    plain_sheet = compute_officer_sheet(period, plain["officer"])
    own_sheet = compute_officer_sheet(period, own["officer"])
    for key in ("skm", "qr", "kiosk", "combined", "faces"):
        assert own_sheet[key] == plain_sheet[key], key

    # The appraisal export (e-Kinerja): the same figures in every column but who and where.
    rows = officer_rows(period, policy_of(period))
    officers = {o["officer"].id: o["officer"] for o in (plain, own)}
    units = {o["unit"].id: o["unit"] for o in (plain, own)}
    exported = {
        row[0]: row[4:] for row in exports.appraisal_rows(period, rows, officers, units, {}, lambda text, **kw: text)
    }
    assert len(exported) == 2
    plain_row, own_row = exported[plain["officer"].nip], exported[own["officer"].nip]
    assert plain_row == own_row
    assert plain_row[3:5] == [4, plain_report["qr"]["value"] and exports._num(plain_report["qr"]["value"])]
    assert plain_row[4] is not None and plain_row[7] is not None  # the survey and combined scores


def test_the_unit_report_tallies_the_units_items_apart(factories, client):
    period = make_period(min_n=3)  # few citizens, yet every score is published
    own = office(period, with_own=True)
    plain = office(period, with_own=False)
    items = compute_unit_report(period, own["unit"])["unit_items"]
    assert [item["kind"] for item in items] == ["yes_no", "scale", "text"]
    yes_no, scale, words = items
    assert (yes_no["n"], yes_no["yes"], yes_no["yes_pct"]) == (4, 3, "75.0")
    assert (scale["n"], scale["mean"], scale["counts"]) == (4, "2.50", {"4": 1, "1": 1, "3": 1, "2": 1})
    assert words["n"] == 2 and "text" not in words  # counted, never shown
    assert compute_unit_report(period, plain["unit"])["unit_items"] == []

    sign_in(client, make_user(Role.SUPERVISOR, unit=own["unit"]))
    for lang, title, yes in (("en", "Unit questions", "Yes: 3 (75.0%)"), ("id", "Pertanyaan unit", "Ya: 3 (75.0%)")):
        client.set_cookie("lang", lang)
        page = client.get(f"/admin/reports/{period.id}/units/{own['unit'].id}").get_data(as_text=True)
        assert title in page and yes in page and "Tertib?" in page
        assert "Kursi kurang" not in page  # a few words are counted, not shown
    client.set_cookie("lang", "en")
    page = client.get(f"/admin/reports/{period.id}/units/{plain['unit'].id}")
    assert page.status_code == 403  # the supervisor's own unit only
