"""The demo's SKP (demo.skp): reporting lines with each unit's head, an agreed plan for every
officer, the closed quarter evaluated to the end (one objection decided by the appraiser's
superior) with its unit results and curves, and the open quarter in progress, nothing signed."""

from datetime import UTC, datetime

import sqlalchemy as sa

from appraisal.models import Period, PeriodStatus
from core.db import db
from demo.data import ensure_demo_accounts, load_demo
from org.access import appraiser_line, can_appraise, can_decide_objection
from org.models import Officer, ReportingLine, Unit, User
from skp.distribution import distribution
from skp.models import (
    Evaluation,
    EvaluationStatus,
    EvidenceFile,
    FeedbackNote,
    Objection,
    ObjectionStatus,
    Realisation,
    Skp,
    SkpStatus,
    UnitResult,
)
from skp.queries import skps_for

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Triwulan IV 2026 is open, Triwulan III closed


def test_the_demo_holds_a_year_of_skp(ctx):
    """One demo, loaded once (it takes a while), checked part by part below."""
    message = load_demo(7, NOW)
    ensure_demo_accounts(NOW)
    db.session.commit()
    periods = {p.status: p for p in db.session.scalars(sa.select(Period))}
    demo = dict(message=message, previous=periods[PeriodStatus.CLOSED], current=periods[PeriodStatus.OPEN])
    _lines_heads_and_ranks(demo)
    _every_officer_has_an_agreed_plan_for_the_year(demo)
    _the_closed_quarter_is_evaluated_to_the_end(demo)
    _each_unit_has_a_result_and_its_curve_holds(demo)
    _the_open_quarter_is_in_progress(demo)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _lines_heads_and_ranks(demo):
    units = db.session.scalars(sa.select(Unit).where(Unit.code != "pimpinan-daerah").order_by(Unit.id)).all()
    assert len(units) == 2
    for unit in units:
        head = db.session.get(Officer, unit.head_officer_id)
        assert head is not None and head.unit_id == unit.id
        staff = [o for o in unit.officers if o.id != head.id]
        assert len(staff) == 6
        for officer in staff:
            line = appraiser_line(officer, demo["previous"].starts_on, demo["current"].ends_on)
            assert line.appraiser_id == head.id and line.superior_id is not None
            assert officer.rank
        head_line = appraiser_line(head, demo["previous"].starts_on, demo["current"].ends_on)
        assert head_line.superior_id is not None and head_line.appraiser.unit.code == "pimpinan-daerah"
    # The demo's supervisor account is the first unit's head; the officer account is Siti's.
    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
    assert supervisor.officer_id == units[0].head_officer_id and supervisor.unit_id == units[0].id
    siti = db.session.scalar(sa.select(Officer).where(Officer.name == "Siti Rahmawati"))
    assert can_appraise(supervisor, siti, demo["current"])
    assert _count(ReportingLine) == 2 * (6 + 2)


def _every_officer_has_an_agreed_plan_for_the_year(demo):
    skps = db.session.scalars(sa.select(Skp)).all()
    assert len(skps) == 2 * (6 + 1) and {skp.year for skp in skps} == {2026}
    for skp in skps:
        assert skp.status == SkpStatus.AGREED
        assert skp.officer_agreed_at is not None and skp.appraiser_agreed_at is not None
        assert 4 <= len(skp.results) <= 5 and any(r.kind.value == "tambahan" for r in skp.results)
        assert skp.expectations
    bound = {r.measure.value for skp in skps for r in skp.results if r.measure is not None}
    assert {"officer_satisfaction", "verified_share", "unit_ikm", "services_rated"} == bound
    assert "14 plans agreed" in demo["message"]


def _the_closed_quarter_is_evaluated_to_the_end(demo):
    previous = demo["previous"]
    evaluations = db.session.scalars(sa.select(Evaluation).where(Evaluation.period_id == previous.id)).all()
    assert len(evaluations) == 14
    statuses = sorted(e.status.value for e in evaluations)
    assert statuses == ["acknowledged"] * 13 + ["decided"]
    assert all(e.predikat and e.signed_at and e.appraiser_name and e.superior_name for e in evaluations)
    [objection] = db.session.scalars(sa.select(Objection)).all()
    assert objection.status == ObjectionStatus.REJECTED and objection.decision_reason
    assert objection.evaluation.skp.officer.name == "Agus Prasetyo"
    assert objection.predikat_before == objection.predikat_after == "butuh_perbaikan"
    decider = db.session.get(User, objection.decided_by)
    assert can_decide_objection(decider, objection.evaluation.skp.officer, previous)
    # Realisation with evidence (a file for every officer's first row, links for the others) and
    # feedback from both sides.
    assert _count(Realisation, Realisation.period_id == previous.id) == 12 * 5 + 2 * 4  # every row
    assert _count(EvidenceFile) == 14
    assert _count(Realisation, Realisation.period_id == previous.id, Realisation.evidence_url.is_not(None)) > 0
    roles = set(db.session.scalars(sa.select(FeedbackNote.author_role).where(FeedbackNote.period_id == previous.id)))
    assert roles == {"appraiser", "officer", "colleague"}  # colleagues' praise: demo.feedback
    # Nothing of the closed quarter changes any more.
    assert previous.status == PeriodStatus.CLOSED


def _each_unit_has_a_result_and_its_curve_holds(demo):
    previous = demo["previous"]
    assert _count(UnitResult, UnitResult.period_id == previous.id) == 2
    for unit in db.session.scalars(sa.select(Unit).where(Unit.code != "pimpinan-daerah")):
        shown = distribution(unit, previous)
        assert shown["total"] == 7 and shown["result"] is not None and shown["curve"] is not None
        assert shown["breaches"] == [], (unit.name, shown["breaches"])
        assert shown["pending"] == []
    first = db.session.scalar(sa.select(Unit).where(Unit.code == "kec-cempaka-putih"))
    counts = {p.value: n for p, n in distribution(first, previous)["counts"].items() if n}
    assert counts == {"sangat_baik": 2, "baik": 4, "butuh_perbaikan": 1}


def _the_open_quarter_is_in_progress(demo):
    current = demo["current"]
    assert _count(Realisation, Realisation.period_id == current.id) == 2 * 3 * 2
    notes = (FeedbackNote.period_id == current.id, FeedbackNote.author_role != "colleague")
    assert _count(FeedbackNote, *notes) == 2 * 3  # colleagues' praise comes from demo.feedback
    signed = _count(Evaluation, Evaluation.period_id == current.id, Evaluation.status != EvaluationStatus.DRAFT)
    assert signed == 0
    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
    overview = skps_for(supervisor, 2026)
    assert overview.own.skp is not None and len(overview.team) == 6
    assert all(row.skp.status == SkpStatus.AGREED for row in overview.team)
