"""A unit's own survey items on the phone (issue #17): asked after the nine SKM elements by that
unit only, each kind checked and stored, and no score moved by them."""

from __future__ import annotations

import html as html_module
import re

import pytest
import sqlalchemy as sa

from appraisal.models import NO, YES, Indicator
from appraisal.unit_questions import create_unit_question, set_unit_question_active
from core.db import db
from core.responses import TEXT_MAX_LENGTH, Answer, Response
from org.models import Desk, Role, Unit
from tests.factories import make_desk, make_unit, make_user, text

SKM_CODES = [f"U{n}" for n in range(1, 10)]


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


@pytest.fixture
def items(office):
    """The office's unit asks three items of its own: yes/no, four-point and a few words."""
    admin = make_user(Role.ADMIN)
    unit = db.session.get(Unit, office["unit_id"])
    yes_no = create_unit_question(
        admin, unit, {"type": "survey_yes_no", "text_id": "Apakah antrean tertib?", "text_en": "Was the queue orderly?"}
    )
    scale = create_unit_question(
        admin,
        unit,
        {
            "type": "survey_scale",
            "text_id": "Bagaimana kebersihan ruang tunggu?",
            "text_en": "How clean was the waiting room?",
            "labels_id": ["Kotor", "Kurang bersih", "Bersih", "Sangat bersih"],
            "labels_en": ["Dirty", "Not very clean", "Clean", "Very clean"],
        },
    )
    words = create_unit_question(
        admin, unit, {"type": "survey_text", "text_id": "Satu saran singkat?", "text_en": "One short suggestion?"}
    )
    db.session.commit()
    return dict(yes_no=yes_no.id, scale=scale.id, words=words.id)


def skm_ids() -> list[int]:
    return list(db.session.scalars(sa.select(Indicator.id).where(Indicator.code.in_(SKM_CODES))))


def filled(office, **overrides) -> dict:
    data = {f"q{iid}": "3" for iid in skm_ids()}
    data["service"] = str(office["ktp_id"])
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send(client, code: str, data: dict, lang: str = "en", htmx: bool = False):
    page = client.get(f"/s/{code}", query_string={"lang": lang})
    html = text(page)
    hidden_fields = {"csrf_token": hidden(html, "csrf_token"), "uuid": hidden(html, "uuid")}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/s/{code}?lang={lang}", data={**hidden_fields, **data}, headers=headers)


def database() -> tuple:
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Response)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Answer)),
    )


def test_the_units_items_come_after_the_nine_elements_on_that_units_form_only(client, office, items):
    html = html_module.unescape(text(client.get(f"/s/{office['desk_code']}", query_string={"lang": "en"})))
    positions = [html.index(f'name="q{iid}"') for iid in skm_ids()]
    own = [
        html.index(f'id="q{items[key]}"') if key == "words" else html.index(f'name="q{items[key]}"') for key in items
    ]
    assert max(positions) < min(own)
    assert "Was the queue orderly?" in html and "How clean was the waiting room?" in html
    assert "One short suggestion?" in html
    assert re.search(rf'name="q{items["yes_no"]}" value="2"[^>]*>\s*<span>Yes</span>', html)
    assert "Very clean" in html and f'maxlength="{TEXT_MAX_LENGTH}"' in html
    # Ten choices to count (nine elements, yes/no, four-point: eleven); a few words is optional.
    assert "0 of 11 answered" in html
    bahasa = html_module.unescape(text(client.get(f"/s/{office['desk_code']}", query_string={"lang": "id"})))
    assert "Apakah antrean tertib?" in bahasa and "Sangat bersih" in bahasa and "<span>Ya</span>" in bahasa

    other = make_desk(unit=make_unit())
    elsewhere = text(client.get(f"/s/{other.code}"))
    assert "Apakah antrean tertib?" not in elsewhere
    assert f'name="q{items["yes_no"]}"' not in elsewhere


def test_a_submission_stores_each_kind_and_no_score_moves(client, office, items):
    response = send(
        client,
        office["desk_code"],
        filled(
            office,
            **{
                f"q{items['yes_no']}": str(YES),
                f"q{items['scale']}": "1",
                f"q{items['words']}": "  Tambah   kursi\r\ndi ruang tunggu  ",
            },
        ),
    )
    assert response.status_code == 303, text(response)[:500]
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Response))
    answers = {a.indicator_id: (a.value, a.text) for a in stored.answers}
    assert answers[items["yes_no"]] == (YES, None)
    assert answers[items["scale"]] == (1, None)
    assert answers[items["words"]] == (1, "Tambah kursi di ruang tunggu")
    assert all(answers[i] == (3, None) for i in skm_ids())
    # The score is the nine elements' alone: 9 x 3, n = 9, whatever the unit's items said.
    assert (stored.score_sum, stored.score_n) == (27, 9)


def test_the_short_text_is_optional_and_the_yes_no_is_not(client, office, items):
    response = send(
        client, office["desk_code"], filled(office, **{f"q{items['yes_no']}": str(NO), f"q{items['scale']}": "4"})
    )
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Response))
    assert {a.indicator_id for a in stored.answers} == {*skm_ids(), items["yes_no"], items["scale"]}


@pytest.mark.parametrize(
    "field, value, english, indonesian",
    [
        ("yes_no", None, "Choose one answer.", "Pilih satu jawaban."),
        ("yes_no", "3", "Choose yes or no.", "Pilih ya atau tidak."),
        ("scale", "5", "Choose one of the four answers.", "Pilih salah satu dari empat jawaban."),
        (
            "words",
            "x" * (TEXT_MAX_LENGTH + 1),
            f"The answer is too long: at most {TEXT_MAX_LENGTH} characters.",
            f"Jawaban terlalu panjang: paling banyak {TEXT_MAX_LENGTH} karakter.",
        ),
    ],
)
def test_bad_answers_to_the_units_items_are_refused_in_both_languages(
    client, office, items, field, value, english, indonesian
):
    good = {f"q{items['yes_no']}": "2", f"q{items['scale']}": "3", f"q{items['words']}": "Baik"}
    good[f"q{items[field]}"] = value
    before = database()
    for lang, message in (("en", english), ("id", indonesian)):
        response = send(client, office["desk_code"], filled(office, **good), lang=lang, htmx=True)
        assert response.status_code == 422
        page = html_module.unescape(text(response))
        assert re.search(rf'id="q{items[field]}-error" class="field-error">{re.escape(message)}', page), (
            lang,
            page[:3000],
        )
    assert database() == before


def test_an_item_switched_off_is_no_longer_asked_and_an_old_form_answering_it_is_not_refused(client, office, items):
    page = text(client.get(f"/s/{office['desk_code']}"))
    hidden_fields = {"csrf_token": hidden(page, "csrf_token"), "uuid": hidden(page, "uuid")}
    set_unit_question_active(make_user(Role.ADMIN), db.session.get(Indicator, items["yes_no"]), False)
    db.session.commit()
    assert f'name="q{items["yes_no"]}"' not in text(client.get(f"/s/{office['desk_code']}"))
    data = filled(office, **{f"q{items['yes_no']}": "2", f"q{items['scale']}": "3"})
    response = client.post(f"/s/{office['desk_code']}", data={**hidden_fields, **data})
    assert response.status_code == 303
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Response))
    assert items["yes_no"] not in {a.indicator_id for a in stored.answers}  # not asked any more: not kept


def test_another_units_item_sent_to_this_unit_is_ignored(client, office, items):
    other_unit = make_unit()
    foreign = create_unit_question(
        make_user(Role.ADMIN), other_unit, {"type": "survey_yes_no", "text_id": "Pertanyaan unit lain?"}
    )
    db.session.commit()
    data = filled(office, **{f"q{items['yes_no']}": "2", f"q{items['scale']}": "3", f"q{foreign.id}": "2"})
    assert send(client, office["desk_code"], data).status_code == 303
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Answer).where(Answer.indicator_id == foreign.id)) == 0
    )
    assert db.session.get(Desk, office["desk_id"]).unit_id != other_unit.id
