"""The officer's objection (keberatan) to a signed evaluation, decided by the appraiser's
superior (skp.evaluation.file_objection, decide_objection)."""

import pytest

from core.db import db
from core.errors import AccessDenied, Invalid
from org.models import Role
from skp import evaluation as ops
from skp.errors import SkpError
from skp.models import EvaluationStatus, ObjectionStatus
from tests.factories import audit_entries, make_line, make_user
from tests.skp.evaluation_world import NOW, all_rated, make_world, state


@pytest.fixture
def world(ctx):
    return make_world()


@pytest.fixture
def signed(world):
    """Signed Baik (sesuai / sesuai)."""
    evaluation = ops.evaluation_for(world.skp, world.period)
    ops.save_ratings(
        world.appraiser_user,
        evaluation,
        **all_rated(world, rows=("di_atas", "di_atas", "sesuai")),
        results_rating="sesuai",
        behaviour_rating="sesuai",
        now=NOW,
    )
    ops.sign(world.appraiser_user, evaluation, now=NOW)
    db.session.commit()
    return evaluation


def _object(world, evaluation):
    objection = ops.file_objection(world.officer_user, evaluation, "Dua hasil utama di atas ekspektasi", now=NOW)
    db.session.commit()
    return objection


def test_the_officer_objects_with_a_reason(world, signed):
    objection = _object(world, signed)
    assert signed.status == EvaluationStatus.OBJECTED
    assert objection.status == ObjectionStatus.OPEN and objection.filed_by == world.officer_user.id
    assert (objection.results_before, objection.behaviour_before, objection.predikat_before) == (
        "sesuai",
        "sesuai",
        "baik",
    )
    [entry] = audit_entries(entity="skp_evaluation", action="object")
    assert entry.after["reason"] == "Dua hasil utama di atas ekspektasi"


def test_an_objection_needs_a_reason_and_a_signed_evaluation(world, signed):
    before = state()
    with pytest.raises(Invalid) as refused:
        ops.file_objection(world.officer_user, signed, "   ")
    assert refused.value.fields == {"reason": ("objection_reason", {})}
    db.session.rollback()
    assert state() == before
    _object(world, signed)
    with pytest.raises(SkpError) as twice:
        ops.file_objection(world.officer_user, signed, "Sekali lagi")
    assert twice.value.code == "evaluation_not_signed"


def test_the_superior_grants_and_the_predikat_changes_with_before_and_after_kept(world, signed):
    objection = _object(world, signed)
    ops.decide_objection(world.superior_user, objection, True, "di_atas", "di_atas", "Bukti dukung lengkap", now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert signed.status == EvaluationStatus.DECIDED
    assert (signed.results_rating, signed.behaviour_rating, signed.predikat) == ("di_atas", "di_atas", "sangat_baik")
    assert objection.status == ObjectionStatus.GRANTED
    assert (objection.predikat_before, objection.predikat_after) == ("baik", "sangat_baik")
    assert (objection.results_after, objection.behaviour_after) == ("di_atas", "di_atas")
    assert objection.decision_reason == "Bukti dukung lengkap"
    assert objection.decided_by == world.superior_user.id and objection.decided_at == NOW
    [entry] = audit_entries(entity="skp_objection", action="grant_objection")
    assert entry.before["predikat"] == "baik" and entry.after["predikat"] == "sangat_baik"


def test_a_granted_objection_still_follows_the_di_atas_rule(world, signed):
    objection = _object(world, signed)
    # Make a main row below expectations: "di atas" for the results is then refused.
    next(r for r in signed.row_ratings if r.result_id == world.main1.id).rating = "di_bawah"
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        ops.decide_objection(world.superior_user, objection, True, "di_atas", "sesuai", "Bukti dukung")
    assert refused.value.fields == {"results_rating": ("results_above_refused", {})}


def test_the_superior_rejects_and_the_ratings_stand(world, signed):
    objection = _object(world, signed)
    ops.decide_objection(world.superior_user, objection, False, "di_atas", "di_atas", "Penilaian sudah sesuai bukti")
    db.session.commit()
    db.session.expire_all()
    assert signed.status == EvaluationStatus.DECIDED
    assert (signed.results_rating, signed.behaviour_rating, signed.predikat) == ("sesuai", "sesuai", "baik")
    assert objection.status == ObjectionStatus.REJECTED
    assert objection.predikat_after == objection.predikat_before == "baik"


def test_a_decision_needs_a_reason_and_granted_ratings(world, signed):
    objection = _object(world, signed)
    before = state()
    with pytest.raises(Invalid) as refused:
        ops.decide_objection(world.superior_user, objection, False, None, None, "")
    assert refused.value.fields == {"reason": ("ruling_reason", {})}
    db.session.rollback()
    with pytest.raises(Invalid) as refused:
        ops.decide_objection(world.superior_user, objection, True, None, "sesuai", "Bukti")
    assert refused.value.fields == {"results_rating": ("choice", {})}
    db.session.rollback()
    assert state() == before


@pytest.mark.parametrize("who", ["appraiser_user", "officer_user", "supervisor", "other_supervisor", "admin"])
def test_only_the_superior_decides(world, signed, who):
    objection = _object(world, signed)
    before = state()
    with pytest.raises(AccessDenied):
        ops.decide_objection(getattr(world, who), objection, True, "di_atas", "di_atas", "Saya setuju")
    db.session.rollback()
    assert state() == before


def test_an_administrator_who_is_the_officer_cannot_decide_her_own(world, signed):
    # Without a superior on the line an administrator decides, but never on her own objection
    # (a line cannot name the officer her own superior: the database refuses it).
    make_line(world.officer, world.appraiser, None, valid_from=world.period.starts_on)
    objection = _object(world, signed)
    officer_admin = world.officer_user
    officer_admin.role = Role.ADMIN
    db.session.commit()
    with pytest.raises(AccessDenied):
        ops.decide_objection(officer_admin, objection, True, "di_atas", "di_atas", "Saya setuju dengan diri saya")
    db.session.rollback()
    # Another administrator may.
    other = make_user(Role.ADMIN, username="admin2")
    ops.decide_objection(other, objection, False, None, None, "Tetap")
    assert objection.status == ObjectionStatus.REJECTED


def test_a_decided_objection_is_not_decided_twice(world, signed):
    objection = _object(world, signed)
    ops.decide_objection(world.superior_user, objection, False, None, None, "Tetap")
    db.session.commit()
    with pytest.raises(SkpError) as refused:
        ops.decide_objection(world.superior_user, objection, True, "di_atas", "di_atas", "Berubah pikiran")
    assert refused.value.code == "objection_decided"


def test_only_the_officer_objects_or_acknowledges(world, signed):
    before = state()
    for user in (world.appraiser_user, world.superior_user, world.supervisor, world.admin):
        with pytest.raises(AccessDenied):
            ops.file_objection(user, signed, "Atas nama petugas")
        with pytest.raises(AccessDenied):
            ops.acknowledge(user, signed)
        db.session.rollback()
    assert state() == before
