"""The evaluation's workflow through its pages, by role: the officer, her appraiser (by the
reporting line), the appraiser's superior, another unit's supervisor and an administrator. Each
refusal answers with its status and message, and changes nothing."""

from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db
from org.models import ReportingLine
from reports.closing import close_period
from skp import evaluation as ops
from skp.models import Evaluation, EvaluationStatus, Objection
from tests.factories import make_period, post, sign_in, text
from tests.skp.evaluation_world import NOW, SIX, all_rated, make_world, state


@pytest.fixture
def world(ctx):
    return make_world()


def _url(world, action: str = "") -> str:
    base = f"/admin/skp/{world.skp.id}/periods/{world.period.id}"
    return f"{base}/{action}" if action else base


def _as(client, user, lang: str = "en"):
    sign_in(client, user)
    client.set_cookie("lang", lang)
    return client


def _ratings_form(world, rows=("sesuai", "sesuai", "sesuai"), **overrides) -> dict:
    data = {f"row_{row.id}": rating for row, rating in zip(world.rows, rows, strict=True)}
    data.update({f"value_{code}": "sesuai" for code in SIX})
    data.update(
        service_rating="sesuai",
        service_reason="Pengamatan langsung di loket",
        results_rating="sesuai",
        behaviour_rating="sesuai",
        results_reason="",
        behaviour_reason="",
    )
    data.update(overrides)
    return data


def _evaluation(world) -> Evaluation | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Evaluation).where(Evaluation.skp_id == world.skp.id))


def test_the_whole_workflow_by_role(client, world):
    # The appraiser rates and signs.
    _as(client, world.appraiser_user)
    page = client.get(_url(world))
    assert page.status_code == 200
    html = text(page)
    assert "Save the ratings" in html and "Sign the evaluation" in html
    assert "Layanan KTP selesai" in html and "Budi Santoso" in html and "Dewi Lestari" in html
    answer = post(client, _url(world, "ratings"), _ratings_form(world))
    assert answer.status_code == 303 and answer.headers["Location"].endswith(_url(world) + "#ratings")
    answer = post(client, _url(world, "sign"))
    assert answer.status_code == 303
    evaluation = _evaluation(world)
    assert (evaluation.status, evaluation.predikat) == (EvaluationStatus.SIGNED, "baik")

    # The officer sees it and objects.
    _as(client, world.officer_user)
    html = text(client.get(_url(world)))
    assert "Acknowledge the evaluation" in html and "Send the objection" in html and "Save the ratings" not in html
    answer = post(client, _url(world, "objection"), {"reason": "Hasil utama pertama melampaui target"})
    assert answer.status_code == 303
    assert _evaluation(world).status == EvaluationStatus.OBJECTED

    # The appraiser's superior decides.
    _as(client, world.superior_user)
    html = text(client.get(_url(world)))
    assert "Decide the objection" in html and "Hasil utama pertama melampaui target" in html
    answer = post(
        client,
        _url(world, "objection/decision"),
        {"decision": "grant", "results_rating": "sesuai", "behaviour_rating": "di_atas", "reason": "Perilaku baik"},
    )
    assert answer.status_code == 303
    evaluation = _evaluation(world)
    assert (evaluation.status, evaluation.behaviour_rating, evaluation.predikat) == (
        EvaluationStatus.DECIDED,
        "di_atas",
        "baik",
    )
    html = text(client.get(_url(world)))
    assert "Objection granted" in html and "Perilaku baik" in html and "WIB" in html


def test_the_page_shows_times_in_the_units_zone(client, world):
    world.unit.timezone = "Asia/Makassar"
    db.session.commit()
    evaluation = ops.evaluation_for(world.skp, world.period)
    ops.save_ratings(
        world.appraiser_user, evaluation, **all_rated(world), results_rating="sesuai", behaviour_rating="sesuai"
    )
    ops.sign(world.appraiser_user, evaluation, now=NOW)  # 03:00 UTC is 11:00 WITA
    db.session.commit()
    _as(client, world.officer_user)
    assert "2026-11-20 11:00 WITA" in text(client.get(_url(world)))


@pytest.mark.parametrize("who", ["officer_user", "superior_user", "supervisor", "admin"])
def test_who_may_see_the_page(client, world, who):
    _as(client, getattr(world, who))
    assert client.get(_url(world)).status_code == 200


def test_another_units_supervisor_sees_nothing(client, world):
    _as(client, world.other_supervisor)
    page = client.get(_url(world))
    assert page.status_code == 403
    assert "You may not do this." in text(page)


@pytest.mark.parametrize("who", ["officer_user", "superior_user", "supervisor", "other_supervisor", "admin"])
def test_only_the_appraiser_rates_and_signs(client, world, who):
    _as(client, getattr(world, who))
    before = state()
    for action, data in (("ratings", _ratings_form(world)), ("sign", {})):
        answer = post(client, _url(world, action), data)
        assert answer.status_code == 403, action
        assert "You may not do this." in text(answer)
    assert state() == before


def _signed(world):
    evaluation = ops.evaluation_for(world.skp, world.period)
    ops.save_ratings(
        world.appraiser_user, evaluation, **all_rated(world), results_rating="sesuai", behaviour_rating="sesuai"
    )
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    db.session.commit()
    return evaluation


@pytest.mark.parametrize("who", ["appraiser_user", "superior_user", "supervisor", "other_supervisor", "admin"])
def test_only_the_officer_acknowledges_or_objects(client, world, who):
    _signed(world)
    _as(client, getattr(world, who))
    before = state()
    assert post(client, _url(world, "acknowledge")).status_code == 403
    assert post(client, _url(world, "objection"), {"reason": "Atas nama petugas"}).status_code == 403
    assert state() == before


@pytest.mark.parametrize("who", ["officer_user", "appraiser_user", "supervisor", "other_supervisor", "admin"])
def test_only_the_superior_decides(client, world, who):
    evaluation = _signed(world)
    ops.file_objection(world.officer_user, evaluation, "Keberatan")
    db.session.commit()
    _as(client, getattr(world, who))
    before = state()
    answer = post(
        client,
        _url(world, "objection/decision"),
        {"decision": "grant", "results_rating": "di_atas", "behaviour_rating": "di_atas", "reason": "Naik"},
    )
    assert answer.status_code == 403
    assert state() == before
    assert db.session.scalar(sa.select(Objection.status)).value == "open"


def test_di_atas_refused_with_a_clear_message_in_both_languages(client, world):
    _as(client, world.appraiser_user)
    before = state()
    data = _ratings_form(world, rows=("di_atas", "di_bawah", "di_atas"), results_rating="di_atas")
    answer = post(client, _url(world, "ratings"), data)
    assert answer.status_code == 422
    assert "no main (utama) result is below expectations" in text(answer)
    assert state() == before
    client.set_cookie("lang", "id")
    answer = post(client, _url(world, "ratings"), data)
    assert answer.status_code == 422
    assert "tidak ada hasil kerja utama" in text(answer)
    assert state() == before


def test_a_bad_rating_value_is_a_422_and_changes_nothing(client, world):
    _as(client, world.appraiser_user)
    before = state()
    answer = post(client, _url(world, "ratings"), _ratings_form(world, behaviour_rating="sangat_luar_biasa"))
    assert answer.status_code == 422
    assert "Choose one of the options." in text(answer)
    assert state() == before


def test_signing_incomplete_is_a_409_with_what_is_missing(client, world):
    _as(client, world.appraiser_user)
    post(client, _url(world, "ratings"), _ratings_form(world, results_rating="", **{f"row_{world.extra.id}": ""}))
    before = state()
    answer = post(client, _url(world, "sign"))
    assert answer.status_code == 409
    assert "1 work result(s), 0 value(s) and 1 overall rating(s) are still missing" in text(answer)
    assert state() == before


def test_an_objection_without_a_reason_is_a_422(client, world):
    _signed(world)
    _as(client, world.officer_user)
    before = state()
    answer = post(client, _url(world, "objection"), {"reason": "  "})
    assert answer.status_code == 422
    assert "Say why you object to this evaluation." in text(answer)
    assert state() == before


def test_a_closed_period_page_offers_no_action_and_refuses_posts(client, world):
    _signed(world)
    close_period(world.period, world.admin)
    db.session.commit()
    _as(client, world.officer_user)
    html = text(client.get(_url(world)))
    assert "Acknowledge the evaluation" not in html and "Closed period" in html
    before = state()
    answer = post(client, _url(world, "acknowledge"))
    assert answer.status_code == 409
    assert "This period is closed" in text(answer)
    assert state() == before


def test_a_period_outside_the_skps_year_is_not_found(client, world):
    other = make_period(name="Triwulan I 2027", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    _as(client, world.appraiser_user)
    assert client.get(f"/admin/skp/{world.skp.id}/periods/{other.id}").status_code == 404
    assert client.get(f"/admin/skp/{world.skp.id + 99}/periods/{world.period.id}").status_code == 404


def test_the_preview_answers_the_appraiser_alone_and_saves_nothing(client, world):
    _as(client, world.appraiser_user)
    before = state()
    data = _ratings_form(world, rows=("di_atas", "di_bawah", "di_atas"), results_rating="di_atas")
    answer = post(client, _url(world, "ratings/preview"), data, htmx=True)
    assert answer.status_code == 200
    html = text(answer)
    assert html.lstrip().startswith('<div id="ratings-summary"')
    assert 'id="above-refused"' in html and 'id="predikat-preview"' in html
    assert state() == before
    # A value that is no rating counts as none.
    answer = post(client, _url(world, "ratings/preview"), _ratings_form(world, behaviour_rating="x"), htmx=True)
    assert answer.status_code == 200 and 'id="predikat-preview"' not in text(answer)
    for who in ("officer_user", "superior_user", "other_supervisor"):
        _as(client, getattr(world, who))
        assert post(client, _url(world, "ratings/preview"), data, htmx=True).status_code == 403


def test_ratings_sent_after_the_period_closed_are_refused_with_the_reason(client, world):
    _as(client, world.appraiser_user)
    close_period(world.period, world.admin)
    db.session.commit()
    before = state()
    answer = post(client, _url(world, "ratings"), _ratings_form(world))
    assert answer.status_code == 409
    assert "This period is closed" in text(answer) and "Save the ratings" not in text(answer)
    assert state() == before


def test_without_a_line_the_units_supervisor_appraises_and_an_administrator_decides(client, ctx):
    world = make_world()
    db.session.execute(sa.delete(ReportingLine))
    db.session.commit()
    # The appraiser of the line before is now nobody's appraiser.
    _as(client, world.appraiser_user)
    assert post(client, _url(world, "ratings"), _ratings_form(world)).status_code == 403
    _as(client, world.supervisor)
    assert post(client, _url(world, "ratings"), _ratings_form(world)).status_code == 303
    assert post(client, _url(world, "sign")).status_code == 303
    evaluation = _evaluation(world)
    assert evaluation.status == EvaluationStatus.SIGNED
    # The supervisor's account has no officer: the evaluation names the account, not an ASN.
    assert (evaluation.appraiser_name, evaluation.appraiser_is_asn) == ("kasubag", False)
    assert evaluation.appraiser_unit == "Kantor Kecamatan Menteng" and evaluation.superior_name == ""
    _as(client, world.officer_user)
    assert post(client, _url(world, "objection"), {"reason": "Mohon ditinjau"}).status_code == 303
    decision = {"decision": "reject", "results_rating": "", "behaviour_rating": "", "reason": "Sudah sesuai"}
    for who in ("supervisor", "other_supervisor", "superior_user"):
        _as(client, getattr(world, who))
        assert post(client, _url(world, "objection/decision"), decision).status_code == 403
    _as(client, world.admin)
    assert post(client, _url(world, "objection/decision"), decision).status_code == 303
    evaluation = _evaluation(world)
    assert (evaluation.status, evaluation.predikat) == (EvaluationStatus.DECIDED, "baik")
