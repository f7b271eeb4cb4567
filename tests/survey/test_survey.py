"""The phone survey at /s/<code>: desk, officer and one-time codes, bad input, repeats and rate
limits, checked through HTTP and in the database."""

import base64
import hashlib
import re
import uuid
from datetime import datetime, timedelta, timezone

import flask_babel
import pytest
import sqlalchemy as sa
from flask import g

from appraisal.models import Indicator, Period, PeriodStatus
from core.db import db
from core.extensions import limiter
from core.responses import Answer, Flag, Response
from core.security import CONTENT_SECURITY_POLICY
from org.duty import end_duty, start_duty
from org.models import CODE_ALPHABET, Desk, Officer, Service, Unit
from survey.codes import SERVICE_CODE_LENGTH
from survey.errors import SurveyError
from survey.models import ServiceCode
from survey.operations import issue_service_code, keys_worth_keeping, record_survey_response
from tests.factories import answers_by_code, make_desk, make_officer, make_unit
from tests.helpers import decoded

SKM_CODES = [f"U{n}" for n in range(1, 10)]


def indicator_ids() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Indicator.code, Indicator.id).where(Indicator.code.in_(SKM_CODES))).all())


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def open_form(client, code: str, **params) -> tuple[str, dict]:
    """GET the survey; returns the page and the hidden fields a browser would send back."""
    response = client.get(f"/s/{code}", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    return html, {"csrf_token": hidden(html, "csrf_token"), "uuid": hidden(html, "uuid")}


def full_answers(office, value: int = 4, **overrides) -> dict:
    data = {f"q{iid}": str(value) for iid in indicator_ids().values()}
    data.update(
        service=str(office["ktp_id"]),
        gender="P",
        age_band="30-39",
        education="S1",
        occupation="swasta",
        comment="Petugasnya ramah dan sabar menjelaskan.",
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def answer(client, office, code: str, htmx: bool = False, **overrides):
    """Open the survey and send it filled in, as a browser would."""
    _, hidden_fields = open_form(client, code)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/s/{code}", data={**hidden_fields, **full_answers(office, **overrides)}, headers=headers)


def stored() -> list[Response]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Response).order_by(Response.id)).all()


def database_state(counter) -> tuple:
    return counter(Response), counter(Answer), counter(ServiceCode, ServiceCode.used_at.is_not(None))


# --- The form -------------------------------------------------------------------------------------


def test_desk_code_opens_the_nine_skm_elements_each_with_its_own_labels(client, office):
    html, fields = open_form(client, office["desk_code"])
    assert '<html lang="id"' in html  # Bahasa Indonesia by default
    indicators = {i.code: i for i in db.session.scalars(sa.select(Indicator).where(Indicator.code.in_(SKM_CODES)))}
    positions = []
    for code in SKM_CODES:
        indicator = indicators[code]
        assert indicator.text_id in html
        for value, label in enumerate(indicator.labels_id, start=1):
            assert re.search(rf'name="q{indicator.id}" value="{value}"[^>]*>\s*<span>{re.escape(label)}</span>', html)
        positions.append(html.index(f'id="q{indicator.id}-field"'))
    assert positions == sorted(positions)  # in the indicators' order
    assert html.count('type="radio"') == 36
    assert 'name="KIOSK"' not in html and "Bagaimana pelayanan yang Anda terima hari ini?" not in html
    # The unit, the desk and whom the citizen is rating.
    assert "Kantor Kecamatan Cempaka Putih" in html and "Loket 1" in html and "Dilayani oleh Siti Rahmawati" in html
    # The service used, from the unit's list, then the optional profile and comment.
    assert f'<option value="{office["ktp_id"]}"' in html and "Perekaman KTP-el" in html and "Kartu Keluarga" in html
    for name in ("gender", "age_band", "education", "occupation", "comment"):
        assert f'name="{name}"' in html
    assert "Tentang Anda (tidak wajib)" in html and "Tidak ingin menjawab" in html
    # A server-made response id, a CSRF token, htmx on top of a plain form.
    assert uuid.UUID(fields["uuid"]).version == 4
    assert f'action="/s/{office["desk_code"]}"' in html and 'method="post"' in html
    assert f'hx-post="/s/{office["desk_code"]}"' in html


def test_the_form_is_never_cached_and_each_opening_gets_a_new_response_id(client, office):
    first = client.get(f"/s/{office['desk_code']}")
    assert first.headers["Cache-Control"] == "no-store"
    assert first.headers["X-Robots-Tag"] == "noindex"
    _, again = open_form(client, office["desk_code"])
    assert hidden(first.get_data(as_text=True), "uuid") != again["uuid"]


def test_the_form_in_english(client, office):
    html, _ = open_form(client, office["desk_code"], lang="en")
    u7 = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U7"))
    assert '<html lang="en"' in html
    assert u7.text_en in html and "Very polite and friendly" in html
    assert "Which service did you receive?" in html and "e-ID card recording" in html
    assert "Served by Siti Rahmawati" in html


def test_the_form_never_asks_for_name_phone_address_or_religion(client, office):
    html, _ = open_form(client, office["desk_code"])
    names = set(re.findall(r'name="([^"]+)"', html)) - {"viewport", "htmx-config"}
    allowed = {"csrf_token", "uuid", "service", "gender", "age_band", "education", "occupation", "comment"}
    assert names - allowed == {f"q{i}" for i in indicator_ids().values()}
    assert 'type="text"' not in html and 'type="tel"' not in html and 'type="email"' not in html
    for word in ("Nama", "Telepon", "Alamat", "Agama"):
        assert f"<label>{word}" not in html and f">{word}</label>" not in html


# --- The style sheet in the page, and the policy that allows it ------------------------------------

INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def directives(policy: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (directive.split() for directive in policy.split(";"))}


def test_the_survey_pages_carry_their_style_sheet_inline_allowed_by_its_hash(app, client, office):
    """A citizen's first page links no style sheet: one round trip fewer before anything shows on
    a slow network. Its policy is the app's, with that one style allowed by its hash."""
    code = office["desk_code"]
    _, fields = open_form(client, code)
    pages = {
        "form": client.get(f"/s/{code}"),
        "form in English": client.get(f"/s/{code}?lang=en"),
        "unknown code": client.get("/s/zzzzzzzzzz"),
        "thanks, without JavaScript": client.post(
            f"/s/{code}", data={**fields, **full_answers(office)}, follow_redirects=True
        ),
    }
    db.session.get(Period, office["period_id"]).status = PeriodStatus.CLOSED
    db.session.commit()
    pages["closed"] = client.get(f"/s/{code}")
    assets = app.extensions["static_assets"]
    bundle = (assets.build_folder / assets.manifest["bundles/public.css"]).read_text()
    everywhere = directives(CONTENT_SECURITY_POLICY)
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert '<link rel="stylesheet"' not in html, name
        [css] = INLINE_STYLE.findall(html)
        assert css == bundle, name  # app.css + survey.css, minified, as the kiosk links them
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        [policy] = response.headers.getlist("Content-Security-Policy")
        policy = directives(policy)
        # 'unsafe-inline' is for browsers that know no hashes; the others ignore it beside a hash.
        assert policy.pop("style-src") == ["'self'", "'unsafe-inline'", f"'sha256-{digest}'"], name
        assert policy == {key: value for key, value in everywhere.items() if key != "style-src"}, name
    assert [r.status_code for r in pages.values()] == [200, 200, 404, 200, 409]


def test_htmx_answers_carry_no_style_and_the_global_policy(client, office):
    code = office["desk_code"]
    _, fields = open_form(client, code)
    refused = client.post(f"/s/{code}", data=fields, headers={"HX-Request": "true"})
    thanks = client.post(f"/s/{code}", data={**fields, **full_answers(office)}, headers={"HX-Request": "true"})
    for response in (refused, thanks):
        assert "<style" not in response.get_data(as_text=True)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert (refused.status_code, thanks.status_code) == (422, 200)


def test_other_pages_keep_the_global_policy(client, office):
    unit_code = db.session.get(Unit, office["unit_id"]).code
    for path in ("/", "/kiosk/", "/admin/login", f"/hasil/{unit_code}", "/healthz", "/no/such/page"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert "<style" not in response.get_data(as_text=True), path


def test_the_survey_page_with_its_style_goes_compressed(client, office):
    response = client.get(f"/s/{office['desk_code']}", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    html = decoded(response).decode()
    assert "<style>" in html and len(response.get_data()) < len(html) / 4


# --- A response lands once, with its officer, desk, unit, service and period --------------------


def test_a_desk_code_response_lands_once_with_everything_it_belongs_to(client, office, counter):
    response = answer(client, office, office["desk_code"], comment="  Antrean cepat.\r\nTerima kasih.  ")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/s/{office['desk_code']}/thanks"

    [row] = stored()
    assert (row.channel.value, row.unit_id, row.desk_id, row.officer_id, row.period_id, row.service_id) == (
        "qr",
        office["unit_id"],
        office["desk_id"],
        office["siti_id"],
        office["period_id"],
        office["ktp_id"],
    )
    assert row.kiosk_id is None and row.verified is False and row.flags == 0 and row.excluded is False
    assert (row.gender, row.age_band, row.education, row.occupation) == ("P", "30-39", "S1", "swasta")
    assert row.comment == "Antrean cepat.\nTerima kasih." and row.comment_hidden is False
    assert row.locale == "id"
    assert abs(row.cast_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert answers_by_code(row) == dict.fromkeys(SKM_CODES, 4)

    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    page = thanks.get_data(as_text=True)
    assert "Terima kasih!" in page and "Antrean cepat" not in page  # comments are for staff only


def test_the_profile_and_the_comment_are_optional(client, office):
    response = answer(
        client, office, office["desk_code"], gender="", age_band="", education="", occupation="", comment=""
    )
    assert response.status_code == 303
    [row] = stored()
    assert (row.gender, row.age_band, row.education, row.occupation, row.comment) == (None, None, None, None, None)


def test_the_language_of_the_response_is_kept(client, office):
    _, fields = open_form(client, office["desk_code"], lang="en")
    flask_babel.refresh()
    response = client.post(f"/s/{office['desk_code']}?lang=en", data={**fields, **full_answers(office)})
    assert response.status_code == 303
    assert stored()[0].locale == "en"


def test_answers_are_keyed_by_indicator_not_by_position(client, office):
    # Published questionnaires swap U8 and U9: the office does the same here.
    ids = indicator_ids()
    db.session.execute(sa.update(Indicator).where(Indicator.code == "U8").values(position=9))
    db.session.execute(sa.update(Indicator).where(Indicator.code == "U9").values(position=8))
    db.session.commit()
    html, fields = open_form(client, office["desk_code"])
    assert html.index(f'id="q{ids["U9"]}-field"') < html.index(f'id="q{ids["U8"]}-field"')
    data = full_answers(office, **{f"q{ids['U8']}": "1", f"q{ids['U9']}": "4", f"q{ids['U1']}": "2"})
    assert client.post(f"/s/{office['desk_code']}", data={**fields, **data}).status_code == 303
    answers = answers_by_code(stored()[0])
    assert (answers["U1"], answers["U8"], answers["U9"]) == (2, 1, 4)


def test_an_office_can_add_an_indicator_to_the_qr_channel(client, office):
    db.session.add(
        Indicator(
            code="X_INFO",
            text_id="Bagaimana kejelasan informasi di papan pengumuman?",
            text_en="How clear was the information board?",
            labels_id=["Tidak jelas", "Kurang jelas", "Jelas", "Sangat jelas"],
            labels_en=["Unclear", "Less clear", "Clear", "Very clear"],
            channel="both",
            position=50,
        )
    )
    db.session.execute(sa.update(Indicator).where(Indicator.code == "U4").values(active=False))
    db.session.commit()
    html, fields = open_form(client, office["desk_code"])
    assert "kejelasan informasi" in html and "Kurang jelas" in html
    assert "Sangat mahal" not in html  # U4 switched off
    extra = db.session.scalar(sa.select(Indicator.id).where(Indicator.code == "X_INFO"))
    data = full_answers(office, **{f"q{extra}": "3"})
    assert client.post(f"/s/{office['desk_code']}", data={**fields, **data}).status_code == 303
    answers = answers_by_code(stored()[0])
    assert answers["X_INFO"] == 3 and "U4" not in answers and len(answers) == 9


def test_a_desk_code_goes_to_whoever_is_on_duty_at_the_moment_of_answering(client, office):
    _, fields = open_form(client, office["desk_code"])  # opened while Siti serves
    desk = db.session.get(Desk, office["desk_id"])
    start_duty(desk, db.session.get(Officer, office["budi_id"]))  # Budi takes over
    db.session.commit()
    client.post(f"/s/{office['desk_code']}", data={**fields, **full_answers(office)})
    assert stored()[0].officer_id == office["budi_id"]


def test_a_desk_code_with_nobody_on_duty_is_kept_for_the_desk(client, office):
    end_duty(db.session.get(Desk, office["desk_id"]))
    db.session.commit()
    html, _ = open_form(client, office["desk_code"])
    assert "Dilayani oleh" not in html
    assert answer(client, office, office["desk_code"]).status_code == 303
    [row] = stored()
    assert row.officer_id is None and row.desk_id == office["desk_id"] and row.unit_id == office["unit_id"]
    assert row.flag_set & Flag.UNATTRIBUTED and not row.excluded


def test_an_officer_code_goes_to_that_officer_and_the_desk_they_are_on_duty_at(client, office):
    html, _ = open_form(client, office["siti_code"])
    assert "Siti Rahmawati" in html and "Loket 1" in html
    assert answer(client, office, office["siti_code"]).status_code == 303
    row = stored()[0]
    assert (row.officer_id, row.desk_id, row.unit_id, row.period_id, row.flags) == (
        office["siti_id"],
        office["desk_id"],
        office["unit_id"],
        office["period_id"],
        0,
    )


def test_an_officer_code_off_duty_still_goes_to_the_officer(client, office):
    assert answer(client, office, office["budi_code"]).status_code == 303
    row = stored()[0]
    assert (row.officer_id, row.desk_id, row.flags) == (office["budi_id"], None, 0)


# --- Double taps and resubmissions --------------------------------------------------------------


def test_a_double_tapped_send_stores_one_response(client, office, counter):
    _, fields = open_form(client, office["desk_code"])
    data = {**fields, **full_answers(office)}
    first = client.post(f"/s/{office['desk_code']}", data=data)
    second = client.post(f"/s/{office['desk_code']}", data=data)
    assert (first.status_code, first.headers["Location"]) == (second.status_code, second.headers["Location"])
    assert counter(Response) == 1 and counter(Answer) == 9
    assert stored()[0].flags == 0  # the resubmission is the same response, not a repeat


def test_htmx_send_returns_the_thanks_partial_and_says_so(client, office, counter):
    _, fields = open_form(client, office["desk_code"])
    data = {**fields, **full_answers(office)}
    response = client.post(f"/s/{office['desk_code']}", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="survey-thanks"' in html and "<html" not in html
    assert response.headers["HX-Trigger"] == "survey-recorded"
    assert response.headers["HX-Push-Url"] == f"/s/{office['desk_code']}/thanks"
    assert "HX-Request" in response.headers["Vary"]
    again = client.post(f"/s/{office['desk_code']}", data=data, headers={"HX-Request": "true"})
    assert again.get_data(as_text=True) == html
    assert counter(Response) == 1


def test_the_same_response_id_for_another_code_is_refused(client, office, counter):
    _, fields = open_form(client, office["desk_code"])
    client.post(f"/s/{office['desk_code']}", data={**fields, **full_answers(office)})
    response = client.post(f"/s/{office['other_desk_code']}", data={**fields, **full_answers(office)})
    assert response.status_code == 409
    assert "sudah dikirim untuk survei lain" in response.get_data(as_text=True)
    assert counter(Response) == 1


# --- Bad input: a clear message, nothing stored ---------------------------------------------------

BAD_ANSWERS = [
    # name, change (a callable of the indicator ids and the office), status, field, message (id)
    ("one answer missing", lambda ids, o: {f"q{ids['U3']}": None}, 422, "U3", "Pilih satu jawaban."),
    ("one answer empty", lambda ids, o: {f"q{ids['U5']}": ""}, 422, "U5", "Pilih satu jawaban."),
    ("value 0", lambda ids, o: {f"q{ids['U1']}": "0"}, 422, "U1", "Pilih salah satu dari empat jawaban."),
    ("value 5", lambda ids, o: {f"q{ids['U9']}": "5"}, 422, "U9", "Pilih salah satu dari empat jawaban."),
    ("value -1", lambda ids, o: {f"q{ids['U2']}": "-1"}, 422, "U2", "Pilih salah satu dari empat jawaban."),
    ("value as a word", lambda ids, o: {f"q{ids['U4']}": "empat"}, 422, "U4", "Pilih salah satu dari empat jawaban."),
    ("value 2.5", lambda ids, o: {f"q{ids['U6']}": "2.5"}, 422, "U6", "Pilih salah satu dari empat jawaban."),
    ("no service", lambda ids, o: {"service": None}, 422, "service", "Pilih jenis layanan yang Anda terima."),
    (
        "service of another unit",
        lambda ids, o: {"service": "__foreign__"},
        422,
        "service",
        "Pilih jenis layanan dari daftar.",
    ),
    ("service not a number", lambda ids, o: {"service": "KTP"}, 422, "service", "Pilih jenis layanan dari daftar."),
    ("unknown gender", lambda ids, o: {"gender": "X"}, 422, "gender", "Pilih salah satu pilihan"),
    ("unknown age band", lambda ids, o: {"age_band": "99"}, 422, "age_band", "Pilih salah satu pilihan"),
    ("unknown education", lambda ids, o: {"education": "SMK"}, 422, "education", "Pilih salah satu pilihan"),
    ("unknown occupation", lambda ids, o: {"occupation": "petani"}, 422, "occupation", "Pilih salah satu pilihan"),
    (
        "comment too long",
        lambda ids, o: {"comment": "a" * 1001},
        422,
        "comment",
        "Komentar terlalu panjang: paling banyak 1000 karakter.",
    ),
    ("no response id", lambda ids, o: {"uuid": None}, 400, None, "Formulir ini tidak lengkap"),
    ("bad response id", lambda ids, o: {"uuid": "not-a-uuid"}, 400, None, "Formulir ini tidak lengkap"),
]


@pytest.mark.parametrize("name,change,status,field,message", BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS])
def test_bad_answers_are_refused_with_a_message_and_store_nothing(
    client, office, counter, name, change, status, field, message
):
    foreign = Service(unit=make_unit(), name_id="Layanan lain")
    db.session.add(foreign)
    db.session.commit()
    ids = indicator_ids()
    _, fields = open_form(client, office["desk_code"])
    data = {**fields, **full_answers(office)}
    data.update(change(ids, office))
    if data.get("service") == "__foreign__":
        data["service"] = str(foreign.id)
    data = {k: v for k, v in data.items() if v is not None}
    before = database_state(counter)

    response = client.post(f"/s/{office['desk_code']}", data=data, follow_redirects=True)
    if status == 422:
        # Refused answers: back to the form by a redirect (Post/Redirect/Get), so that Back and
        # Reload never offer to send the form again.
        assert [r.status_code for r in response.history] == [303] and response.status_code == 200
    else:
        assert response.status_code == status
    html = response.get_data(as_text=True)
    assert message in html
    assert database_state(counter) == before
    if field is not None:
        name = f"q{ids[field]}" if field in ids else field
        # The form comes back with the error next to the field, the answers given kept.
        assert f'id="{name}-error"' in html and 'aria-invalid="true"' in html
        assert 'id="error-summary"' in html
        assert f'value="{fields["uuid"]}"' in html  # the same response id: a corrected send stores once
        kept = next(k for k in data if k.startswith("q") and k != name)
        assert re.search(rf'name="{kept}" value="{data[kept]}"[^>]*checked', html)


def test_all_answers_missing_lists_every_question(client, office, counter):
    _, fields = open_form(client, office["desk_code"])
    response = client.post(f"/s/{office['desk_code']}", data=fields, follow_redirects=True)
    assert response.status_code == 200 and response.history[0].status_code == 303
    html = response.get_data(as_text=True)
    for number in range(1, 10):
        assert f"Pertanyaan {number}: Pilih satu jawaban." in html
    assert "Jenis layanan: Pilih jenis layanan yang Anda terima." in html
    assert counter(Response) == 0


def test_bad_answers_are_explained_in_english_when_the_citizen_reads_english(client, office, counter):
    _, fields = open_form(client, office["desk_code"], lang="en")
    flask_babel.refresh()
    ids = indicator_ids()
    data = {k: v for k, v in {**fields, **full_answers(office)}.items() if k != f"q{ids['U2']}"}
    response = client.post(f"/s/{office['desk_code']}?lang=en", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.args["lang"] == "en"
    assert "Question 2: Choose one answer." in html and "Some answers are missing" in html
    assert counter(Response) == 0


def test_htmx_gets_the_form_back_with_inline_errors(client, office, counter):
    ids = indicator_ids()
    _, fields = open_form(client, office["desk_code"])
    data = {k: v for k, v in {**fields, **full_answers(office)}.items() if k != f"q{ids['U7']}"}
    response = client.post(f"/s/{office['desk_code']}", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="survey-form"') and "<html" not in html
    assert f'aria-describedby="q{ids["U7"]}-error"' in html
    assert "HX-Request" in response.headers["Vary"]
    assert counter(Response) == 0


@pytest.mark.parametrize("code", ["zzzzzzzzzz", "ZZZZZZZZZZ", "0000000000", "x" * 30, "a-b", "abc.def"])
def test_unknown_codes_get_a_clear_message_and_store_nothing(client, office, counter, code):
    page = client.get(f"/s/{code}")
    assert page.status_code == 404
    assert "Kode survei ini tidak berlaku" in page.get_data(as_text=True)
    _, fields = open_form(client, office["desk_code"])
    response = client.post(f"/s/{code}", data={**fields, **full_answers(office)})
    assert response.status_code == 404
    assert "Kode survei ini tidak berlaku" in response.get_data(as_text=True)
    assert counter(Response) == 0


def test_a_code_read_in_capitals_still_works(client, office):
    html, _ = open_form(client, office["desk_code"].upper())
    assert "Loket 1" in html


@pytest.mark.parametrize("what", ["desk", "officer"])
def test_codes_of_inactive_desks_and_officers_lead_nowhere(client, office, counter, what):
    model = Desk if what == "desk" else Officer
    row = db.session.get(model, office["desk_id"] if what == "desk" else office["siti_id"])
    row.active = False
    db.session.commit()
    code = office["desk_code"] if what == "desk" else office["siti_code"]
    assert client.get(f"/s/{code}").status_code == 404
    _, fields = open_form(client, office["other_desk_code"])
    assert client.post(f"/s/{code}", data={**fields, **full_answers(office)}).status_code == 404
    assert counter(Response) == 0


@pytest.mark.parametrize("state", ["closed", "draft", "over"])
def test_no_open_period_closes_the_survey_and_stores_nothing(client, office, counter, state):
    _, fields = open_form(client, office["desk_code"])
    period = db.session.get(Period, office["period_id"])
    if state == "over":
        period.ends_on = datetime.now(timezone.utc).date() - timedelta(days=2)
    else:
        period.status = PeriodStatus.CLOSED if state == "closed" else PeriodStatus.DRAFT
    db.session.commit()
    page = client.get(f"/s/{office['desk_code']}")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "Survei sedang ditutup" in html and 'id="survey-form"' not in html
    response = client.post(f"/s/{office['desk_code']}", data={**fields, **full_answers(office)})
    assert response.status_code == 409 and "Survei sedang ditutup" in response.get_data(as_text=True)
    assert counter(Response) == 0


def test_closed_period_message_replaces_the_form_for_htmx(client, office, counter):
    _, fields = open_form(client, office["desk_code"])
    db.session.get(Period, office["period_id"]).status = PeriodStatus.CLOSED
    db.session.commit()
    response = client.post(
        f"/s/{office['desk_code']}", data={**fields, **full_answers(office)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="survey-message"' in html and "<html" not in html
    assert counter(Response) == 0


def test_no_active_question_is_a_message_not_an_empty_form(client, office, counter):
    db.session.execute(sa.update(Indicator).where(Indicator.code.in_(SKM_CODES)).values(active=False))
    db.session.commit()
    page = client.get(f"/s/{office['desk_code']}")
    assert page.status_code == 409 and "belum memiliki pertanyaan" in page.get_data(as_text=True)


def test_the_survey_form_needs_a_csrf_token(client, office, counter):
    _, fields = open_form(client, office["desk_code"])
    response = client.post(f"/s/{office['desk_code']}", data={**full_answers(office), "uuid": fields["uuid"]})
    assert response.status_code == 400
    assert counter(Response) == 0


def test_survey_get_with_the_wrong_method_is_405_not_500(client, office):
    assert client.put(f"/s/{office['desk_code']}").status_code == 405


# --- One-time codes for a service event ---------------------------------------------------------


def test_a_one_time_code_is_short_lived_unguessable_and_tied_to_the_officers_duty(ctx, factories):
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    now = datetime.now(timezone.utc)
    duty = start_duty(desk, officer, now - timedelta(minutes=5))
    code = issue_service_code(officer, desk, now=now)
    db.session.commit()
    assert len(code.code) == SERVICE_CODE_LENGTH and set(code.code) <= set(CODE_ALPHABET)
    assert code.expires_at == now + timedelta(hours=2) and code.used_at is None
    assert (code.officer_id, code.desk_id, code.duty_id) == (officer.id, desk.id, duty.id)
    assert issue_service_code(officer, desk, now=now).code != code.code
    # Without a desk named (the officer's own page), the code goes to the desk of the duty.
    assert issue_service_code(officer, now=now).desk_id == desk.id


def test_a_one_time_code_is_refused_for_an_inactive_officer_or_another_units_desk(ctx, factories, counter):
    officer = make_officer()
    with pytest.raises(SurveyError) as error:
        issue_service_code(officer, make_desk())
    assert error.value.code == "wrong_unit"
    officer.active = False
    with pytest.raises(SurveyError) as error:
        issue_service_code(officer)
    assert error.value.code == "inactive_officer"
    db.session.rollback()
    assert counter(ServiceCode) == 0


def issue(office, desk=True, **options) -> str:
    officer = db.session.get(Officer, office["siti_id"])
    code = issue_service_code(officer, db.session.get(Desk, office["desk_id"]) if desk else None, **options)
    db.session.commit()
    return code.code


def test_a_response_through_a_one_time_code_is_verified_and_spends_the_code(client, office, counter):
    code = issue(office)
    html, _ = open_form(client, code)
    assert "Kode sekali pakai dari petugas yang melayani Anda" in html and "Siti Rahmawati" in html
    response = answer(client, office, code)
    assert response.status_code == 303 and response.headers["Location"] == f"/s/{code}/thanks"
    row = stored()[0]
    assert row.verified is True and row.flags == 0
    assert (row.officer_id, row.desk_id, row.unit_id, row.period_id, row.service_id) == (
        office["siti_id"],
        office["desk_id"],
        office["unit_id"],
        office["period_id"],
        office["ktp_id"],
    )
    service_code = db.session.scalar(sa.select(ServiceCode))
    assert service_code.used_at is not None and service_code.response_id == row.id
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_one_time_code_goes_to_its_officer_even_if_someone_else_is_at_the_desk_now(client, office):
    code = issue(office)
    start_duty(db.session.get(Desk, office["desk_id"]), db.session.get(Officer, office["budi_id"]))
    db.session.commit()
    answer(client, office, code)
    assert stored()[0].officer_id == office["siti_id"]


def test_a_one_time_code_used_twice_stores_once(client, office, counter):
    code = issue(office)
    _, fields = open_form(client, code)
    _, second_fields = open_form(client, code)  # the same code opened twice, e.g. two people
    data = full_answers(office)
    assert client.post(f"/s/{code}", data={**fields, **data}).status_code == 303
    before = database_state(counter)

    # The same send again (a double tap): the same thank-you, nothing new.
    again = client.post(f"/s/{code}", data={**fields, **data})
    assert again.status_code == 303 and again.headers["Location"] == f"/s/{code}/thanks"
    # Another response through the spent code: refused, with a message.
    other = client.post(f"/s/{code}", data={**second_fields, **data})
    assert other.status_code == 410 and "sudah digunakan" in other.get_data(as_text=True)
    page = client.get(f"/s/{code}")
    assert page.status_code == 410 and 'id="survey-form"' not in page.get_data(as_text=True)
    assert database_state(counter) == before == (1, 9, 1)


def test_an_expired_one_time_code_is_refused_and_stays_unspent(client, office, counter):
    code = issue(office, now=datetime.now(timezone.utc) - timedelta(minutes=30), ttl=timedelta(minutes=10))
    page = client.get(f"/s/{code}")
    assert page.status_code == 410 and "sudah kedaluwarsa" in page.get_data(as_text=True)
    _, fields = open_form(client, office["desk_code"])
    response = client.post(f"/s/{code}", data={**fields, **full_answers(office)})
    assert response.status_code == 410
    assert database_state(counter) == (0, 0, 0)


def test_a_one_time_code_from_the_officers_page_goes_to_the_desk_of_the_duty(client, office):
    code = issue(office, desk=False)
    answer(client, office, code)
    row = stored()[0]
    assert (row.officer_id, row.desk_id, row.verified) == (office["siti_id"], office["desk_id"], True)


def test_one_time_codes_are_neither_repeats_nor_rate_limited(client, office, app, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_RATE_LIMIT", "1 per hour")
    answer(client, office, office["siti_code"])  # uses this browser's day and this client's budget
    answer(client, office, issue(office))
    answer(client, office, issue(office))
    rows = stored()
    assert [r.verified for r in rows] == [False, True, True]
    assert [r.flags for r in rows] == [0, 0, 0]


def test_the_one_time_code_race_lets_only_one_response_through(ctx, office, counter):
    """Two responses through one code, interleaved: the second finds the code spent."""
    code = issue(office)
    now = datetime.now(timezone.utc)
    form = {**full_answers(office), "uuid": str(uuid.uuid4())}
    record_survey_response(code, form, now=now)
    db.session.commit()
    with pytest.raises(SurveyError) as error:
        record_survey_response(code, {**form, "uuid": str(uuid.uuid4())}, now=now)
    db.session.rollback()
    assert error.value.code == "used"
    assert database_state(counter) == (1, 9, 1)


# --- Repeats from one browser, and the per-client rate limit ----------------------------------------


def test_a_second_response_from_one_browser_to_one_officer_on_one_day_is_kept_but_flagged(client, office, counter):
    first = answer(client, office, office["desk_code"])
    cookie = first.headers["Set-Cookie"]
    for attribute in ("survey_seen=", "HttpOnly", "Path=/s/", "SameSite=Lax", "Secure"):
        assert attribute in cookie
    assert f"o{office['siti_id']}" not in cookie  # signed and encoded, not a readable list
    answer(client, office, office["siti_code"])  # the same officer through her own code
    answer(client, office, office["budi_code"])  # another officer: counts
    rows = stored()
    assert [r.officer_id for r in rows] == [office["siti_id"], office["siti_id"], office["budi_id"]]
    assert [bool(r.flag_set & Flag.REPEAT) for r in rows] == [False, True, False]
    assert [r.excluded for r in rows] == [False, True, False]
    assert counter(Answer) == 27  # nothing lost


def another_browser(app):
    """A second browser. The test's application context outlives requests, and Flask-WTF caches
    the CSRF token on it: forget it, so this browser's session gets a token of its own."""
    g.pop("csrf_token", None)
    return app.test_client()


def test_another_browser_is_not_a_repeat(app, office):
    answer(another_browser(app), office, office["desk_code"])
    answer(another_browser(app), office, office["desk_code"])
    assert [r.flags for r in stored()] == [0, 0]


def test_a_forged_repeat_cookie_is_ignored(client, office):
    today = datetime.now(timezone.utc).date().isoformat()
    client.set_cookie("survey_seen", f'["{today}:o{office["budi_id"]}"]', path="/s/")
    answer(client, office, office["budi_code"])
    assert stored()[0].flags == 0


def test_a_repeat_is_per_day_of_the_unit(ctx, office):
    """The clock injected: the same browser the next day counts again."""
    morning = datetime.now(timezone.utc).replace(hour=2, minute=0)

    def form():
        return {**full_answers(office), "uuid": str(uuid.uuid4())}

    first = record_survey_response(office["budi_code"], form(), now=morning)
    same_day = record_survey_response(
        office["budi_code"], form(), now=morning + timedelta(hours=6), seen=[first.seen_key]
    )
    next_day = record_survey_response(
        office["budi_code"], form(), now=morning + timedelta(days=1), seen=[first.seen_key, same_day.seen_key]
    )
    db.session.commit()
    assert first.seen_key == f"{morning.date().isoformat()}:o{office['budi_id']}"
    assert [first.flags, same_day.flags, next_day.flags] == [Flag(0), Flag.REPEAT, Flag(0)]


def test_the_repeat_memory_keeps_only_recent_days():
    now = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    keys = ["2026-11-19:o1", "2026-11-21:o2", "2026-11-22:d3", 42]
    assert keys_worth_keeping(keys, now) == ["2026-11-21:o2", "2026-11-22:d3"]
    many = [f"2026-11-22:o{n:03d}" for n in range(80)]
    assert len(keys_worth_keeping(many, now)) == 50


def test_beyond_the_rate_limit_responses_are_kept_but_flagged(client, office, app, monkeypatch, counter):
    monkeypatch.setitem(app.config, "SURVEY_RATE_LIMIT", "2 per hour")
    for code in ("siti_code", "budi_code", "dewi_code"):  # three officers: no repeats
        client.delete_cookie("survey_seen", path="/s/")  # even a browser that forgets its cookie
        assert answer(client, office, office[code]).status_code == 303
    rows = stored()
    assert [bool(r.flag_set & Flag.RATE_LIMITED) for r in rows] == [False, False, True]
    assert [r.excluded for r in rows] == [False, False, True]
    assert counter(Response) == 3 and counter(Answer) == 27


def test_a_resubmission_does_not_spend_the_rate_limit(client, office, app, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_RATE_LIMIT", "1 per hour")
    _, fields = open_form(client, office["siti_code"])
    data = {**fields, **full_answers(office)}
    client.post(f"/s/{office['siti_code']}", data=data)
    client.post(f"/s/{office['siti_code']}", data=data)
    limiter.reset()
    answer(client, office, office["budi_code"])
    assert [r.flags for r in stored()] == [0, 0]


def test_a_rate_limit_store_that_fails_never_costs_a_response(client, office, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("rate-limit storage unreachable")

    monkeypatch.setattr(type(limiter.limiter), "hit", broken)
    assert answer(client, office, office["desk_code"]).status_code == 303
    assert stored()[0].flags == 0


def test_the_rate_limit_never_blocks_the_survey(client, office, app, monkeypatch, counter):
    monkeypatch.setitem(app.config, "SURVEY_RATE_LIMIT", "1 per hour")
    for _ in range(4):
        client.delete_cookie("survey_seen", path="/s/")
        assert answer(client, office, office["dewi_code"]).status_code == 303
    assert counter(Response) == 4


# --- The one-time code partial, for the kiosk and the officer's page ------------------------------


def test_the_one_time_code_partial_shows_the_qr_the_officer_and_the_time_limit(app, office):
    from flask import render_template

    # Made directly: a code of a past day, which no duty of the fixture covers.
    service_code = ServiceCode(
        code="abcdefghjkmnpq",
        officer_id=office["siti_id"],
        desk_id=office["desk_id"],
        created_at=datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc),
        expires_at=datetime(2026, 11, 22, 5, 0, tzinfo=timezone.utc),
    )
    db.session.add(service_code)
    db.session.commit()
    code = service_code.code
    with app.test_request_context("/"):
        html = render_template("survey/_service_code.html", service_code=service_code)
        bilingual = render_template("survey/_service_code.html", service_code=service_code, bilingual=True)
    assert 'id="service-code"' in html and "<svg" in html and 'class="qr"' in html
    assert f"{app.config['PUBLIC_BASE_URL']}/s/{code}" in html
    assert "Siti Rahmawati · Loket 1" in html
    assert "Berlaku satu kali, sampai pukul 12:00 WIB." in html  # 05:00 UTC + 2 h, in Jakarta (UTC+7)
    assert 'class="l-id"' not in html
    assert '<span class="l-en" lang="en">Valid once, until 12:00 WIB.</span>' in bilingual


def test_the_thank_you_keeps_the_language_of_a_shared_english_link(client, office):
    code = office["desk_code"]
    _, hidden_fields = open_form(client, code)
    fields = {**hidden_fields, **full_answers(office)}
    plain = client.post(f"/s/{code}?lang=en", data=fields)
    assert plain.status_code == 303 and plain.headers["Location"] == f"/s/{code}/thanks?lang=en"
    assert "Thank you" in client.get(plain.headers["Location"]).get_data(as_text=True)
    _, hidden_fields = open_form(client, code)
    pushed = client.post(
        f"/s/{code}?lang=xx", data={**hidden_fields, **full_answers(office)}, headers={"HX-Request": "true"}
    )
    assert pushed.headers["HX-Push-Url"] == f"/s/{code}/thanks"  # an unknown language is not carried
