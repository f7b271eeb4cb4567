"""The appraiser's evaluation of an SKP in a period (skp.evaluation): the ratings and their
rules, signing and the predikat, the unit head's rating, and a closed period's evaluations
frozen like its scores."""

import pytest
import sqlalchemy as sa

from appraisal.models import PeriodStatus, RatingDecision
from core.db import db
from core.errors import AccessDenied, AdminError, Invalid
from reports.closing import close_period, reopen_period
from skp import evaluation as ops
from skp.errors import SkpError
from skp.models import Evaluation, EvaluationStatus, Objection, SkpStatus
from tests.factories import audit_entries, make_unit_result
from tests.skp.evaluation_world import NOW, SIX, all_rated, make_world, state


@pytest.fixture
def world(ctx):
    return make_world()


def _rate(world, **overrides):
    evaluation = ops.evaluation_for(world.skp, world.period)
    args = {**all_rated(world), "results_rating": "sesuai", "behaviour_rating": "sesuai", **overrides}
    ops.save_ratings(world.appraiser_user, evaluation, now=NOW, **args)
    db.session.commit()
    return evaluation


def test_evaluation_for_makes_one_draft_per_skp_and_period(world):
    first = ops.evaluation_for(world.skp, world.period)
    second = ops.evaluation_for(world.skp, world.period)
    db.session.commit()
    assert first.id == second.id
    assert first.status == EvaluationStatus.DRAFT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 1


def test_saving_ratings_keeps_rows_values_and_a_new_service_decision(world):
    evaluation = _rate(world, rows={world.main1.id: "di_atas", world.main2.id: "sesuai", world.extra.id: "sesuai"})
    db.session.expire_all()
    assert {r.result_id: r.rating for r in evaluation.row_ratings} == {
        world.main1.id: "di_atas",
        world.main2.id: "sesuai",
        world.extra.id: "sesuai",
    }
    assert {v.value: v.rating for v in evaluation.value_ratings} == dict.fromkeys(SIX, "sesuai")
    decisions = db.session.scalars(sa.select(RatingDecision)).all()
    assert [(d.officer_id, d.rating, d.decided_by) for d in decisions] == [
        (world.officer.id, "sesuai", world.appraiser_user.id)
    ]
    # Saving the same service rating again writes no second decision.
    _rate(world)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RatingDecision)) == 1
    # Clearing a row's rating removes it.
    _rate(world, rows={world.extra.id: ""})
    db.session.expire_all()
    assert world.extra.id not in {r.result_id for r in evaluation.row_ratings}
    entries = audit_entries(entity="skp_evaluation", action="rate")
    assert len(entries) == 3 and entries[0].user_id == world.appraiser_user.id


def test_service_rating_against_the_citizens_suggestion_needs_a_reason(world):
    # No responses: the suggestion is None, so any rating departs from it.
    evaluation = ops.evaluation_for(world.skp, world.period)
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        ops.save_ratings(world.appraiser_user, evaluation, service_rating="di_atas", service_reason="  ")
    assert set(refused.value.fields) == {"service_reason"}


def test_unknown_rows_values_and_ratings_are_refused(world):
    evaluation = ops.evaluation_for(world.skp, world.period)
    db.session.commit()
    with pytest.raises(SkpError) as refused:
        ops.save_ratings(world.appraiser_user, evaluation, rows={999999: "sesuai"})
    assert refused.value.code == "unknown_result" and refused.value.status == 422
    with pytest.raises(SkpError) as refused:
        ops.save_ratings(world.appraiser_user, evaluation, values={"berorientasi_pelayanan": "sesuai"})
    assert refused.value.code == "unknown_value"
    with pytest.raises(Invalid) as refused:
        ops.save_ratings(world.appraiser_user, evaluation, behaviour_rating="luar_biasa")
    assert refused.value.fields == {"behaviour_rating": ("choice", {})}


@pytest.mark.parametrize(
    ("rows", "allowed"),
    [
        (("di_atas", "di_atas", "sesuai"), True),  # most above, no main one below
        (("di_atas", "di_atas", "di_bawah"), True),  # the additional one below does not stop it
        (("di_atas", "di_bawah", "di_atas"), False),  # a main result below expectations
        (("di_atas", "sesuai", "sesuai"), False),  # not most above
    ],
)
def test_di_atas_for_results_follows_the_rule(world, rows, allowed):
    evaluation = ops.evaluation_for(world.skp, world.period)
    db.session.commit()
    args = {**all_rated(world, rows=rows), "results_rating": "di_atas", "behaviour_rating": "sesuai"}
    if allowed:
        ops.save_ratings(world.appraiser_user, evaluation, now=NOW, **args)
        assert evaluation.results_rating == "di_atas"
    else:
        before = state()
        with pytest.raises(Invalid) as refused:
            ops.save_ratings(world.appraiser_user, evaluation, now=NOW, **args)
        assert refused.value.fields == {"results_rating": ("results_above_refused", {})}
        db.session.rollback()
        assert state() == before


def test_a_later_save_cannot_put_a_main_row_below_a_di_atas_it_keeps(world):
    evaluation = _rate(world, **all_rated(world, rows=("di_atas", "di_atas", "sesuai")), results_rating="di_atas")
    with pytest.raises(Invalid):
        ops.save_ratings(
            world.appraiser_user,
            evaluation,
            **all_rated(world, rows=("di_atas", "di_bawah", "sesuai")),
            results_rating="di_atas",
            behaviour_rating="sesuai",
        )


@pytest.mark.parametrize(
    ("results", "behaviour", "predikat"),
    [
        ("di_atas", "di_atas", "sangat_baik"),
        ("di_atas", "sesuai", "baik"),
        ("sesuai", "di_atas", "baik"),
        ("sesuai", "di_bawah", "kurang"),
        ("di_bawah", "sesuai", "butuh_perbaikan"),
        ("di_bawah", "di_bawah", "sangat_kurang"),
    ],
)
def test_signing_sets_the_predikat_of_the_matrix_and_copies_who_appraised(world, results, behaviour, predikat):
    rows = ("di_atas", "di_atas", "di_atas") if results == "di_atas" else (results,) * 3
    evaluation = _rate(world, **all_rated(world, rows=rows), results_rating=results, behaviour_rating=behaviour)
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert evaluation.status == EvaluationStatus.SIGNED
    assert evaluation.predikat == predikat
    assert evaluation.signed_at == NOW and evaluation.signed_by == world.appraiser_user.id
    assert (evaluation.appraiser_name, evaluation.appraiser_nip, evaluation.appraiser_rank) == (
        "Budi Santoso",
        world.appraiser.nip,
        "III/b",
    )
    assert evaluation.appraiser_position == "Kepala Seksi Pelayanan"
    assert evaluation.appraiser_unit == "Kantor Kecamatan Menteng" and evaluation.appraiser_is_asn
    assert (evaluation.superior_name, evaluation.superior_nip, evaluation.superior_rank) == (
        "Dewi Lestari",
        world.superior.nip,
        "IV/a",
    )
    [entry] = audit_entries(entity="skp_evaluation", action="sign")
    assert entry.after["predikat"] == predikat


def test_signing_needs_every_rating(world):
    evaluation = ops.evaluation_for(world.skp, world.period)
    ops.save_ratings(
        world.appraiser_user,
        evaluation,
        rows={world.main1.id: "sesuai"},
        values={"akuntabel": "sesuai"},
        results_rating="sesuai",
    )
    db.session.commit()
    before = state()
    with pytest.raises(SkpError) as refused:
        ops.sign(world.appraiser_user, evaluation)
    assert refused.value.code == "evaluation_incomplete"
    assert refused.value.params == {"rows": 2, "values": 6, "overall": 1}
    db.session.rollback()
    assert state() == before


def test_signing_needs_an_agreed_skp(world):
    evaluation = _rate(world)
    world.skp.status = SkpStatus.DRAFT
    db.session.commit()
    with pytest.raises(SkpError) as refused:
        ops.sign(world.appraiser_user, evaluation)
    assert refused.value.code == "evaluation_skp_not_agreed"


def test_a_signed_evaluation_changes_only_after_the_appraiser_reopens_it(world):
    evaluation = _rate(world)
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    db.session.commit()
    with pytest.raises(SkpError) as refused:
        ops.save_ratings(world.appraiser_user, evaluation, behaviour_rating="di_atas")
    assert refused.value.code == "evaluation_not_draft"
    db.session.rollback()
    ops.reopen(world.appraiser_user, evaluation, now=NOW)
    db.session.commit()
    assert evaluation.status == EvaluationStatus.DRAFT and evaluation.predikat is None and evaluation.signed_at is None
    [entry] = audit_entries(entity="skp_evaluation", action="reopen")
    assert entry.before["predikat"] == "baik"
    _rate(world, behaviour_rating="di_atas")
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    assert evaluation.predikat == "baik"  # sesuai / di atas


def test_an_answered_evaluation_cannot_be_reopened(world):
    evaluation = _rate(world)
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    ops.acknowledge(world.officer_user, evaluation, now=NOW)
    db.session.commit()
    assert evaluation.status == EvaluationStatus.ACKNOWLEDGED and evaluation.acknowledged_at == NOW
    with pytest.raises(SkpError) as refused:
        ops.reopen(world.appraiser_user, evaluation)
    assert refused.value.code == "not_reopenable"


# --- The head of the unit: her results follow the unit's result ------------------------------------


@pytest.fixture
def head_world(ctx):
    return make_world(head=True)


def test_head_cannot_be_signed_before_the_unit_has_a_result(head_world):
    world = head_world
    evaluation = ops.evaluation_for(world.skp, world.period)
    ops.save_ratings(world.appraiser_user, evaluation, **all_rated(world), behaviour_rating="sesuai")
    db.session.commit()
    assert evaluation.results_rating is None
    with pytest.raises(SkpError) as refused:
        ops.sign(world.appraiser_user, evaluation)
    assert refused.value.code == "head_no_unit_result"
    # Nor may the appraiser choose her results rating meanwhile.
    with pytest.raises(Invalid) as chosen:
        ops.save_ratings(world.appraiser_user, evaluation, results_rating="sesuai", behaviour_rating="sesuai")
    assert chosen.value.fields == {"results_rating": ("head_results_fixed", {})}


@pytest.mark.parametrize(
    ("unit_result", "results", "predikat"),
    [("istimewa", "di_atas", "sangat_baik"), ("baik", "sesuai", "baik"), ("kurang", "di_bawah", "butuh_perbaikan")],
)
def test_head_results_follow_the_unit_result(head_world, unit_result, results, predikat):
    world = head_world
    make_unit_result(world.unit, world.period, unit_result)
    evaluation = ops.evaluation_for(world.skp, world.period)
    # The rows do not matter: even all rows below expectations give the unit's rating.
    ops.save_ratings(
        world.appraiser_user,
        evaluation,
        **all_rated(world, rows=("di_bawah",) * 3, values="di_atas", service="di_atas"),
        behaviour_rating="di_atas",
    )
    db.session.commit()
    assert evaluation.results_rating == results
    with pytest.raises(Invalid):
        other = "sesuai" if results != "sesuai" else "di_bawah"
        ops.save_ratings(world.appraiser_user, evaluation, results_rating=other, behaviour_rating="di_atas")
    db.session.rollback()
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    assert (evaluation.results_rating, evaluation.predikat) == (results, predikat)


# --- A closed period: frozen -----------------------------------------------------------------------


def _signed(world):
    evaluation = _rate(world)
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    db.session.commit()
    return evaluation


def test_a_closed_period_freezes_every_write_and_reopening_allows_them_again(world):
    draft = _rate(world)
    close_period(world.period, world.admin)
    db.session.commit()
    assert world.period.status == PeriodStatus.CLOSED
    before = state()
    writes = [
        lambda: ops.save_ratings(world.appraiser_user, draft, **all_rated(world, values="di_atas")),
        lambda: ops.sign(world.appraiser_user, draft),
        lambda: ops.reopen(world.appraiser_user, draft),
        lambda: ops.acknowledge(world.officer_user, draft),
        lambda: ops.file_objection(world.officer_user, draft, "Tidak sesuai"),
    ]
    for write in writes:
        with pytest.raises(AdminError) as refused:
            write()
        assert refused.value.code == "period_closed"
        db.session.rollback()
    assert state() == before

    reopen_period(world.period, world.admin, "Koreksi penilaian")
    db.session.commit()
    ops.sign(world.appraiser_user, draft, now=NOW)
    db.session.commit()
    assert draft.status == EvaluationStatus.SIGNED


def test_a_closed_period_freezes_the_answer_and_the_decision(world):
    evaluation = _signed(world)
    objection = ops.file_objection(world.officer_user, evaluation, "Target tidak realistis", now=NOW)
    db.session.commit()
    close_period(world.period, world.admin)
    db.session.commit()
    before = state()
    with pytest.raises(AdminError) as refused:
        ops.decide_objection(world.superior_user, objection, True, "di_atas", "di_atas", "Bukti cukup")
    assert refused.value.code == "period_closed"
    db.session.rollback()
    assert state() == before
    assert db.session.get(Objection, objection.id).status.value == "open"


def test_a_draft_period_takes_no_evaluation(world):
    world.period.status = PeriodStatus.DRAFT
    db.session.commit()
    evaluation = ops.evaluation_for(world.skp, world.period)
    with pytest.raises(AdminError) as refused:
        ops.save_ratings(world.appraiser_user, evaluation, behaviour_rating="sesuai")
    assert refused.value.code == "period_draft"


def test_only_the_appraiser_rates(world):
    evaluation = ops.evaluation_for(world.skp, world.period)
    db.session.commit()
    for user in (world.officer_user, world.superior_user, world.supervisor, world.other_supervisor, world.admin):
        with pytest.raises(AccessDenied):
            ops.save_ratings(user, evaluation, behaviour_rating="sesuai")
        db.session.rollback()


# --- What the page shows: suggestions, the citizens' evidence, the curve ------------------------


def test_the_page_suggests_but_does_not_impose(world):
    evaluation = _rate(world, rows={world.main1.id: "di_atas", world.main2.id: "di_atas", world.extra.id: "sesuai"})
    context = ops.evaluation_context(world.skp, world.period, world.appraiser_user)
    assert context["results_suggestion"] == "di_atas" and context["above_allowed"]
    assert context["behaviour_suggestion"] == "sesuai"
    assert context["results_rating"] == "sesuai"  # the appraiser's own, not the suggestion
    assert context["preview"] == "baik" and context["predikat"] is None
    # Berorientasi Pelayanan: the latest decision is what the form starts from.
    assert context["service"]["prefill"] == "sesuai" and context["service"]["decision"] is not None
    assert context["can_rate"] and not context["can_answer"] and not context["can_decide"]
    assert context["missing"] == {"rows": 0, "values": 0, "overall": 0}
    assert evaluation.status == EvaluationStatus.DRAFT


def test_the_service_rating_starts_from_the_citizens_suggestion(world):
    from tests.factories import add_vote, make_desk

    world.period.min_n = 5
    desk = make_desk(unit=world.unit)
    for day in range(8):
        add_vote(world.period, desk, world.officer, 4, at=NOW.replace(day=1 + day))
    db.session.commit()
    context = ops.evaluation_context(world.skp, world.period, world.appraiser_user)
    assert context["service"]["decision"] is None
    assert context["service"]["suggested"] == "di_atas" and context["service"]["prefill"] == "di_atas"
    assert context["service"]["n"] == 8 and context["service"]["value"] == 100


def test_the_appraiser_is_warned_when_the_predikat_would_break_the_curve(world):
    # A unit rated Baik: at most 70 % Baik, at least one Butuh Perbaikan or Kurang. A lone Baik
    # breaks both.
    make_unit_result(world.unit, world.period, "baik")
    _rate(world)
    context = ops.evaluation_context(world.skp, world.period, world.appraiser_user)
    assert len(context["curve_breaches"]) == 2
    assert any("Butuh Perbaikan" in text for text in context["curve_breaches"])
    # Only the appraiser, and only before signing, is warned.
    assert ops.evaluation_context(world.skp, world.period, world.officer_user)["curve_breaches"] == []
    # A warning, not a block.
    ops.sign(world.appraiser_user, ops.find_evaluation(world.skp, world.period), now=NOW)
    assert ops.evaluation_context(world.skp, world.period, world.appraiser_user)["curve_breaches"] == []
