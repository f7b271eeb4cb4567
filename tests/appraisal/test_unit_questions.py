"""A unit's own questions (issue #17): its page, what each change does, who may make it, and
what a bad input gets. The kiosk, the survey and the reports are checked in their own folders."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from appraisal.errors import QuestionError
from appraisal.models import Indicator, IndicatorChannel, IndicatorKind
from appraisal.unit_questions import (
    create_unit_question,
    kiosk_screen,
    move_unit_question,
    set_unit_question_active,
    survey_questions,
    update_unit_question,
)
from core.db import db
from core.errors import AccessDenied
from core.responses import Channel, Given
from org.models import Role
from tests.factories import (
    audit_entries,
    make_desk,
    make_period,
    make_response,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
    text,
)


def own(unit) -> list[Indicator]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(Indicator).where(Indicator.unit_id == unit.id).order_by(Indicator.position))
    )


def state() -> list[tuple]:
    """Every indicator as it stands: what no refused change may touch."""
    db.session.expire_all()
    return [
        (i.id, i.code, i.kind, i.channel, i.text_id, i.text_en, i.labels_id, i.position, i.active, i.unit_id)
        for i in db.session.scalars(sa.select(Indicator).order_by(Indicator.id))
    ]


@pytest.fixture
def unit(ctx):
    return make_unit(name="Kantor Kecamatan Menteng")


@pytest.fixture
def supervisor(client, unit):
    user = make_user(Role.SUPERVISOR, unit=unit)
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return user


def add(client, unit, **values):
    data = MultiDict({"type": "survey_yes_no", "text_id": "Apakah antrean tertib?", "text_en": "", **values})
    return post(client, f"/admin/units/{unit.id}/questions", data)


# --- The operations ----------------------------------------------------------------------------


def test_a_survey_item_of_the_unit_carries_no_element_and_no_weight_and_comes_after_the_nine(ctx, unit):
    admin = make_user(Role.ADMIN)
    item = create_unit_question(admin, unit, {"type": "survey_yes_no", "text_id": "Apakah antrean tertib?"})
    assert (item.kind, item.channel, item.unit_id) == (IndicatorKind.YES_NO, IndicatorChannel.QR, unit.id)
    assert item.skm_element is None and item.weight is None
    assert item.text_en == "Apakah antrean tertib?"  # the Indonesian stands in
    asked = survey_questions(unit)
    assert [i.skm_element for i in asked[:9]] == [f"U{n}" for n in range(1, 10)]
    assert asked[9:] == [item]
    assert item not in survey_questions(make_unit())  # another unit does not ask it
    assert item not in survey_questions(None)


def test_a_units_kiosk_question_and_reasons_replace_the_national_ones_for_that_unit_only(ctx, unit):
    admin = make_user(Role.ADMIN)
    national_question, national_reasons = kiosk_screen(None)
    question = create_unit_question(admin, unit, {"type": "kiosk_question", "text_id": "Puaskah Anda hari ini?"})
    assert question.labels_id == ["Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"]  # the standard four
    assert question.labels_en == ["Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"]
    assert kiosk_screen(unit.id) == (question, national_reasons)  # no reasons of its own yet: the national
    reason = create_unit_question(admin, unit, {"type": "kiosk_reason", "text_id": "Parkir"})
    assert kiosk_screen(unit.id) == (question, [reason])
    other = make_unit()
    assert kiosk_screen(other.id) == (national_question, national_reasons)


def test_labels_of_a_four_point_item_are_kept_and_other_types_have_none(ctx, unit):
    admin = make_user(Role.ADMIN)
    labels = ["Buruk", "Cukup", "Baik", "Sangat baik"]
    scale = create_unit_question(
        admin, unit, {"type": "survey_scale", "text_id": "Kebersihan ruang tunggu?", "labels_id": labels}
    )
    text_item = create_unit_question(
        admin, unit, {"type": "survey_text", "text_id": "Satu saran singkat?", "labels_id": labels}
    )
    assert scale.labels_id == labels and scale.labels_en == []
    assert text_item.labels_id == [] and text_item.kind == IndicatorKind.TEXT


def test_one_active_kiosk_question_per_unit(ctx, unit):
    admin = make_user(Role.ADMIN)
    first = create_unit_question(admin, unit, {"type": "kiosk_question", "text_id": "Satu"})
    db.session.commit()
    before = state()
    with pytest.raises(QuestionError) as error:
        create_unit_question(admin, unit, {"type": "kiosk_question", "text_id": "Dua"})
    assert error.value.code == "kiosk_question_exists" and error.value.status == 409
    db.session.rollback()
    assert state() == before
    set_unit_question_active(admin, first, False)
    second = create_unit_question(admin, unit, {"type": "kiosk_question", "text_id": "Dua"})
    db.session.commit()
    with pytest.raises(QuestionError):
        set_unit_question_active(admin, first, True)  # switched on again, it would be a second
    db.session.rollback()
    assert kiosk_screen(unit.id)[0].id == second.id


def test_editing_an_answered_question_makes_a_new_version_and_keeps_the_old_one(ctx, unit):
    admin = make_user(Role.ADMIN)
    item = create_unit_question(admin, unit, {"type": "survey_yes_no", "text_id": "Apakah antrean tertib?"})
    unanswered = update_unit_question(
        admin, item, {"text_id": "Apakah antrean rapi?", "text_en": "Was the queue tidy?"}
    )
    assert unanswered is item and item.text_id == "Apakah antrean rapi?"
    desk = make_desk(unit=unit)
    make_response(make_period(), desk, None, [Given(item.id, 2, on_scale=False)], channel=Channel.QR)
    new = update_unit_question(admin, item, {"text_id": "Apakah antrean tertib dan rapi?"})
    db.session.commit()
    assert new is not item and new.code == f"{item.code}-v2" and new.unit_id == unit.id
    assert (item.active, item.text_id) == (False, "Apakah antrean rapi?")
    assert [e.action for e in audit_entries(entity="indicator", unit_id=unit.id)] == [
        "create",
        "update",
        "version",
        "create",
    ]


def test_reordering_moves_one_place_within_its_group(ctx, unit):
    admin = make_user(Role.ADMIN)
    a, b, c = (create_unit_question(admin, unit, {"type": "survey_yes_no", "text_id": t}) for t in "ABC")
    reason = create_unit_question(admin, unit, {"type": "kiosk_reason", "text_id": "R"})
    move_unit_question(admin, c, -1)
    assert [q.text_id for q in survey_questions(unit)[9:]] == ["A", "C", "B"]
    move_unit_question(admin, a, -1)  # already first: nothing moves
    assert [q.text_id for q in survey_questions(unit)[9:]] == ["A", "C", "B"]
    with pytest.raises(QuestionError):
        move_unit_question(admin, a, 5)
    assert kiosk_screen(unit.id)[1] == [reason]
    assert b.position > c.position > a.position


def test_a_supervisor_changes_only_their_units_questions_and_never_a_national_one(ctx, unit):
    mine = make_user(Role.SUPERVISOR, unit=unit)
    stranger = make_user(Role.SUPERVISOR, unit=make_unit())
    item = create_unit_question(mine, unit, {"type": "survey_text", "text_id": "Saran?"})
    db.session.commit()
    national = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U1"))
    before = state()
    for attempt in (
        lambda: create_unit_question(stranger, unit, {"type": "survey_text", "text_id": "X"}),
        lambda: update_unit_question(stranger, item, {"text_id": "X"}),
        lambda: set_unit_question_active(stranger, item, False),
        lambda: move_unit_question(stranger, item, 1),
    ):
        with pytest.raises(AccessDenied):
            attempt()
        db.session.rollback()
    admin = make_user(Role.ADMIN)
    for actor in (mine, admin):
        with pytest.raises(QuestionError) as error:
            update_unit_question(actor, national, {"text_id": "X"})
        assert error.value.code == "national_read_only"
        db.session.rollback()
    assert state() == before


# --- The page ----------------------------------------------------------------------------------


def test_the_page_lists_the_units_questions_the_national_ones_and_the_previews(client, supervisor, unit):
    add(client, unit, text_id="Apakah antrean tertib?", text_en="Was the queue orderly?")
    page = client.get(f"/admin/units/{unit.id}/questions")
    assert page.status_code == 200
    html = text(page)
    assert "Questions of Kantor Kecamatan Menteng" in html
    assert "Apakah antrean tertib?" in html and "Was the queue orderly?" in html
    assert "Survey item: yes or no" in html
    assert "National questions (every unit)" in html and "U1" in html
    assert f"/admin/units/{unit.id}/questions/preview/kiosk" in html
    assert f"/admin/units/{unit.id}/questions/preview/phone" in html
    client.set_cookie("lang", "id")
    assert "Pertanyaan Kantor Kecamatan Menteng" in text(client.get(f"/admin/units/{unit.id}/questions"))


def test_adding_by_plain_form_and_by_htmx(client, supervisor, unit):
    response = add(client, unit, text_id="Apakah antrean tertib?")
    assert response.status_code == 303
    response = post(
        client,
        f"/admin/units/{unit.id}/questions",
        MultiDict({"type": "kiosk_reason", "text_id": "Parkir", "text_en": "Parking"}),
        htmx=True,
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "unit-questions-changed"
    assert 'id="unit-questions"' in text(response) and "<html" not in text(response)
    assert [(q.kind, q.text_en) for q in own(unit)] == [
        (IndicatorKind.YES_NO, "Apakah antrean tertib?"),
        (IndicatorKind.REASON, "Parking"),
    ]
    assert audit_entries(entity="indicator", action="create", unit_id=unit.id)


def test_switching_off_moving_and_editing_from_the_page(client, supervisor, unit):
    add(client, unit, text_id="A")
    add(client, unit, text_id="B")
    a, b = own(unit)
    response = post(client, f"/admin/questions/{b.id}/move", {"direction": "up"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "unit-questions-changed"
    assert [q.text_id for q in own(unit)] == ["B", "A"]
    assert post(client, f"/admin/questions/{a.id}/active", {"active": "0"}).status_code == 303
    assert db.session.get(Indicator, a.id).active is False
    edit = client.get(f"/admin/questions/{a.id}/edit")
    assert edit.status_code == 200 and ">A</textarea>" in text(edit)
    response = post(client, f"/admin/questions/{a.id}/edit", MultiDict({"text_id": "A baru", "text_en": "New A"}))
    assert response.status_code == 303
    assert db.session.get(Indicator, a.id).text_en == "New A"


def test_bad_inputs_are_refused_in_both_languages_and_change_nothing(client, supervisor, unit):
    before = state()
    refused(
        client,
        f"/admin/units/{unit.id}/questions",
        MultiDict({"type": "survey_yes_no", "text_id": ""}),
        "question-new-text_id",
        "This field is required.",
        "Kolom ini wajib diisi.",
    )
    refused(
        client,
        f"/admin/units/{unit.id}/questions",
        MultiDict({"type": "magic", "text_id": "X"}),
        "question-new-type",
        "Choose one of the options.",
        "Pilih salah satu pilihan.",
    )
    refused(
        client,
        f"/admin/units/{unit.id}/questions",
        MultiDict([("type", "survey_scale"), ("text_id", "X"), ("labels_id", "Buruk"), ("labels_id", "")]),
        None,
        "A scale question needs all four answer labels, from worst to best.",
        "Pertanyaan skala memerlukan keempat label jawaban, dari terburuk sampai terbaik.",
    )
    assert state() == before
    add(client, unit, type="kiosk_question", text_id="Puas?")
    before = state()
    refused(
        client,
        f"/admin/units/{unit.id}/questions",
        MultiDict({"type": "kiosk_question", "text_id": "Lagi?"}),
        None,
        "The unit already has an active kiosk question of its own",
        "Unit ini sudah memiliki pertanyaan kios sendiri yang aktif",
        status=409,
    )
    question = own(unit)[0]
    assert post(client, f"/admin/questions/{question.id}/active", {"active": "maybe"}).status_code == 400
    assert post(client, f"/admin/questions/{question.id}/move", {"direction": "sideways"}).status_code == 409
    assert state() == before


def test_scope_refusals_over_http_change_nothing(client, ctx, unit):
    other = make_unit()
    stranger = make_user(Role.SUPERVISOR, unit=other)
    admin = make_user(Role.ADMIN)
    item = create_unit_question(admin, unit, {"type": "survey_text", "text_id": "Saran?"})
    db.session.commit()
    national = db.session.scalar(sa.select(Indicator).where(Indicator.code == "KIOSK"))
    sign_in(client, stranger)
    before = state()
    assert client.get(f"/admin/units/{unit.id}/questions").status_code == 403
    assert client.get(f"/admin/units/{unit.id}/questions/preview/kiosk").status_code == 403
    assert client.get(f"/admin/units/{unit.id}/questions/preview/phone").status_code == 403
    assert add(client, unit).status_code == 403
    assert post(client, f"/admin/questions/{item.id}/active", {"active": "0"}).status_code == 403
    assert post(client, f"/admin/questions/{item.id}/edit", {"text_id": "X"}).status_code == 403
    assert post(client, f"/admin/questions/{national.id}/edit", {"text_id": "X"}).status_code == 403
    assert post(client, f"/admin/questions/{national.id}/move", {"direction": "up"}).status_code == 403
    assert client.get("/admin/questions/999999/edit").status_code == 404
    assert (
        client.get("/admin/questions", follow_redirects=False)
        .headers["Location"]
        .endswith(f"/admin/units/{other.id}/questions")
    )
    assert client.get(f"/admin/questions?unit={unit.id}").status_code == 403
    officer = make_user(Role.OFFICER, unit=unit)
    sign_in(client, officer)
    assert client.get(f"/admin/units/{unit.id}/questions").status_code == 403
    assert state() == before


def test_the_national_indicators_page_lists_no_units_question(client, admin, unit):
    create_unit_question(admin, unit, {"type": "survey_text", "text_id": "Saran khusus unit?"})
    db.session.commit()
    assert "Saran khusus unit?" not in text(client.get("/admin/indicators"))


def test_the_demo_gives_the_first_unit_a_yes_no_item_and_reasons_of_its_own(ctx, unit):
    from datetime import datetime, timezone

    from demo.questions import load_questions_demo

    make_user(Role.SUPERVISOR, unit=unit)
    message = load_questions_demo(datetime.now(timezone.utc), [unit])
    db.session.commit()
    assert "Kantor Kecamatan Menteng" in message
    question, reasons = kiosk_screen(unit.id)
    assert question.code == "KIOSK" and [r.text_id for r in reasons][:2] == ["Waktu tunggu", "Keramahan petugas"]
    assert [i.kind for i in survey_questions(unit)[9:]] == [IndicatorKind.YES_NO]
    assert "already" in load_questions_demo(datetime.now(timezone.utc), [unit])
