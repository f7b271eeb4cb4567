"""Rough edges of the phone survey and its posters (issue 20), each held by a test: the survey says
how far along a citizen is; it offers citizens no sign-in link; a refused send without JavaScript is
answered with a redirect, so that Back and Reload never ask to send the form again, keeping the
answers and counting nothing twice; its English answer labels read naturally; the poster pages stay
in the admin area; every paper-size button prints on the paper it names."""

import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from appraisal.models import Indicator
from appraisal.standard import KIOSK_QUESTION, SKM_ELEMENTS
from core.db import db
from core.responses import Response
from org.models import Role
from tests.factories import make_desk, make_officer, make_unit, make_user, sign_in, text
from tests.survey.test_posters import pdf_info
from tests.survey.test_survey import full_answers, hidden, indicator_ids, open_form

# --- Progress --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang,step,answered", [("id", "{n} dari 9", "0 dari 9 terjawab"), ("en", "{n} of 9", "0 of 9 answered")]
)
def test_every_question_says_how_far_along_it_is(client, office, lang, step, answered):
    html, _ = open_form(client, office["desk_code"], lang=lang)
    steps = re.findall(r'<legend><span id="(q\d+)-step" class="q-number" aria-hidden="true">([^<]+)</span>', html)
    assert [text for _, text in steps] == [step.format(n=n) for n in range(1, 10)]
    # Each question's group is described by its step (and still named "1. <question>").
    for field, _ in steps:
        assert f'id="{field}-field" class="survey-question" aria-describedby="{field}-step"' in html
    # The bar at the top: named by its text, counting the answered questions.
    assert re.search(r'<progress max="9" value="0" aria-labelledby="survey-progress-text">', html)
    assert re.search(rf'id="survey-progress-text"[^>]*>\s*{answered}</p>', html)


def test_the_progress_counts_the_answers_kept_after_a_refused_send(client, office):
    _, fields = open_form(client, office["desk_code"])
    ids = indicator_ids()
    answers = {f"q{ids[code]}": "3" for code in ("U1", "U2", "U3")}
    page = client.post(f"/s/{office['desk_code']}", data={**fields, **answers}, follow_redirects=True)
    assert '<progress max="9" value="3"' in text(page) and "3 dari 9 terjawab" in text(page)


# --- No sign-in for citizens -----------------------------------------------------------------------


def test_the_survey_pages_offer_citizens_no_sign_in(client, office):
    form, fields = open_form(client, office["desk_code"])
    refused = client.get("/s/zzzzzzzzzz")
    sent = client.post(f"/s/{office['desk_code']}", data={**fields, **full_answers(office)}, follow_redirects=True)
    assert sent.request.path.endswith("/thanks")
    for html in (form, text(refused), text(sent)):
        assert "/admin/login" not in html and "Masuk" not in html
        assert 'aria-label="Bahasa"' in html  # the language switch stays
    # Elsewhere the header still offers it.
    assert 'href="/admin/login"' in text(client.get("/"))


# --- A refused send, without JavaScript ----------------------------------------------------------------


def test_a_refused_plain_send_redirects_back_to_the_form_with_the_answers(client, office, counter):
    code = office["desk_code"]
    _, fields = open_form(client, code)
    ids = indicator_ids()
    data = {k: v for k, v in {**fields, **full_answers(office)}.items() if k != f"q{ids['U5']}"}
    refused = client.post(f"/s/{code}", data=data)
    assert refused.status_code == 303 and refused.headers["Location"] == f"/s/{code}?check=1"
    assert counter(Response) == 0

    page = client.get(refused.headers["Location"])
    html = text(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f'id="q{ids["U5"]}-error"' in html and 'id="error-summary"' in html
    assert hidden(html, "uuid") == fields["uuid"]  # the same response: a corrected send stores once
    assert re.search(rf'name="q{ids["U4"]}" value="4"[^>]*checked', html)
    assert 'value="swasta" selected' in html and "Petugasnya ramah dan sabar menjelaskan." in html
    assert "csrf_token" in html and hidden(html, "csrf_token")

    # Corrected and sent: stored once, and the draft is forgotten.
    fixed = {**data, f"q{ids['U5']}": "2", "csrf_token": hidden(html, "csrf_token")}
    sent = client.post(f"/s/{code}", data=fixed)
    assert sent.status_code == 303 and sent.headers["Location"].startswith(f"/s/{code}/thanks")
    assert any(cookie.startswith("survey_draft=;") for cookie in sent.headers.getlist("Set-Cookie"))
    assert counter(Response) == 1
    # Back to the form's address: a fresh form, no error, nothing asked to be sent again.
    back = client.get(f"/s/{code}?check=1")
    assert back.status_code == 200 and 'id="error-summary"' not in text(back)
    # The corrected form sent twice (a double tap, a resend) is one response.
    assert client.post(f"/s/{code}", data=fixed).status_code == 303
    assert counter(Response) == 1


def test_a_refused_send_is_not_counted_against_the_citizens_limit(client, office, app, monkeypatch, counter):
    monkeypatch.setitem(app.config, "SURVEY_DAILY_LIMIT", "1 per day")
    code = office["desk_code"]
    _, fields = open_form(client, code)
    ids = indicator_ids()
    missing = {k: v for k, v in {**fields, **full_answers(office)}.items() if k != f"q{ids['U1']}"}
    for _ in range(3):
        assert client.post(f"/s/{code}", data=missing).status_code == 303
    assert client.post(f"/s/{code}", data={**fields, **full_answers(office)}).status_code == 303
    [response] = db.session.scalars(sa.select(Response)).all()
    assert not response.excluded  # the refused sends spent none of the day's budget


def test_a_forged_or_foreign_draft_is_ignored(client, office, app):
    code = office["desk_code"]
    forged = URLSafeSerializer("not the key", salt="survey-draft").dumps([["comment", "injected"]])
    client.set_cookie("survey_draft", forged, path=f"/s/{code}")
    html = text(client.get(f"/s/{code}?check=1"))
    assert "injected" not in html and 'id="error-summary"' not in html
    odd = URLSafeSerializer(app.secret_key, salt="survey-draft").dumps({"comment": "odd"})
    client.set_cookie("survey_draft", odd, path=f"/s/{code}")
    assert "odd" not in text(client.get(f"/s/{code}?check=1"))


def test_htmx_still_answers_a_refused_send_in_place(client, office):
    _, fields = open_form(client, office["desk_code"])
    response = client.post(f"/s/{office['desk_code']}", data=fields, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert not any("survey_draft" in cookie for cookie in response.headers.getlist("Set-Cookie"))


# --- English answer labels -------------------------------------------------------------------------


def test_the_english_answer_labels_read_naturally(client, office):
    for _code, _question_id, _question_en, _labels_id, labels_en in [*SKM_ELEMENTS, KIOSK_QUESTION]:
        assert len(labels_en) == 4
        for label in labels_en:
            assert not label.startswith("Less "), label
    seeded = dict(db.session.execute(sa.select(Indicator.code, Indicator.labels_en)).all())
    assert seeded["U3"] == ["Slow", "Not very fast", "Fast", "Very fast"]
    assert seeded["U1"] == ["Not at all", "Not very well", "Well", "Very well"]
    html, _ = open_form(client, office["desk_code"], lang="en")
    assert "Not very fast" in html and "Less fast" not in html and "Less suitable" not in html


# --- Posters -------------------------------------------------------------------------------------------


@pytest.fixture
def poster_unit(factories):
    unit = make_unit(code="kec-menteng", name="Kantor Kecamatan Menteng")
    make_desk(unit=unit, name="Loket 1")
    make_officer(unit=unit, name="Siti Rahmawati")
    return unit


def test_the_poster_pages_keep_the_admin_menu(client, poster_unit):
    sign_in(client, make_user(Role.SUPERVISOR, unit=poster_unit))
    desk = poster_unit.desks[0]
    for path in ("/survey/", "/survey/posters/kec-menteng?size=a6", f"/survey/poster/{desk.code}"):
        html = text(client.get(path))
        assert '<nav class="admin-nav"' in html, path
        assert 'href="/admin/duty"' in html and 'href="/admin/kiosks"' in html, path
    index = text(client.get("/survey/"))
    assert re.search(r'<a href="/survey/" aria-current="page">', index)


@pytest.mark.parametrize(
    "size,label,paper",
    [
        ("a4", "Poster A4", (210, 297)),
        ("a6", "Kartu meja A6", (148, 105)),
        ("a5", "Papan meja lipat A5 (dilipat menjadi A6)", (148, 210)),
    ],
)
def test_every_paper_size_button_prints_on_the_paper_it_names(client, poster_unit, size, label, paper):
    sign_in(client, make_user(Role.SUPERVISOR, unit=poster_unit))
    page = text(client.get("/survey/posters/kec-menteng"))
    assert f'href="/survey/posters/kec-menteng?size={size}"' in page and label in page
    response = client.get(f"/survey/posters/kec-menteng.pdf?size={size}")
    assert response.status_code == 200
    # Two posters (the desk and the officer), each on a page of the paper the button names.
    assert pdf_info(response.data) == (2, paper)
