"""A unit's distribution of predikat against its curve (skp.distribution, skp.unit_views): counted
from real evaluations, the breaches said in words in both languages, the unit's result set only
by whoever may rate the unit, and the page by role."""

import html
import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from appraisal.models import PeriodStatus
from core.db import db
from core.errors import AccessDenied, AdminError, Invalid
from org.models import Role
from skp import distribution as dist
from skp.models import UnitResult
from skp.rules import OrgResult, Predikat
from tests.factories import (
    add_vote,
    audit_entries,
    make_desk,
    make_evaluation,
    make_line,
    make_officer,
    make_period,
    make_skp,
    make_unit,
    make_unit_result,
    make_user,
    post,
    sign_in,
    text,
)

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def office(ctx):
    """A unit of ten officers (one its head) appraised by its head, whose own appraiser sits in
    the office above; a second unit beside it."""

    class Office:
        pass

    o = Office()
    o.period = make_period(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31), name="Triwulan IV 2026")
    o.above = make_unit(name="Dinas Kependudukan")
    o.unit = make_unit(name="Kecamatan Sukamaju", timezone="Asia/Makassar")
    o.other = make_unit(name="Kecamatan Lain")
    o.chief = make_officer(unit=o.above, name="Kepala Dinas")
    o.head = make_officer(unit=o.unit, name="Camat Sukamaju")
    o.unit.head_officer_id = o.head.id
    db.session.commit()
    make_line(o.head, o.chief)
    o.officers = [make_officer(unit=o.unit, name=f"Petugas {chr(65 + i)}") for i in range(9)]
    for officer in o.officers:
        make_line(officer, o.head, o.chief)
    o.chief_user = make_user(Role.OFFICER, officer=o.chief)
    o.head_user = make_user(Role.OFFICER, officer=o.head)
    o.supervisor = make_user(Role.SUPERVISOR, unit=o.unit)
    o.other_supervisor = make_user(Role.SUPERVISOR, unit=o.other)
    o.officer_user = make_user(Role.OFFICER, officer=o.officers[0])
    o.admin = make_user(Role.ADMIN)
    return o


def _rate(o, predikat_list):
    """Signed evaluations of the head and the nine officers, in order."""
    for officer, predikat in zip([o.head, *o.officers], predikat_list, strict=True):
        make_evaluation(officer, o.period, predikat, appraiser=o.chief if officer is o.head else o.head)


def url(o, period=None):
    return f"/admin/skp/units/{o.unit.id}/periods/{(period or o.period).id}"


# --- Counting -----------------------------------------------------------------------------------


def test_counts_signed_and_final_evaluations_one_per_officer(office):
    o = office
    make_evaluation(o.head, o.period, "sangat_baik", status="acknowledged")
    make_evaluation(o.officers[0], o.period, "baik", status="signed")
    make_evaluation(o.officers[1], o.period, "baik", status="decided")
    make_evaluation(o.officers[2], o.period, "kurang", status="objected")
    make_evaluation(o.officers[3], o.period, None, status="draft")  # not signed: not counted
    # Another unit's officer, and the same officer's evaluation of another period, are not.
    make_evaluation(make_officer(unit=o.other), o.period, "sangat_kurang")
    earlier = make_period(status=PeriodStatus.CLOSED, starts_on=date(2026, 7, 1), ends_on=date(2026, 9, 30))
    make_evaluation(o.officers[4], earlier, "sangat_kurang")

    shown = dist.distribution(o.unit, o.period)
    assert shown["counts"] == {
        Predikat.SANGAT_BAIK: 1,
        Predikat.BAIK: 2,
        Predikat.BUTUH_PERBAIKAN: 0,
        Predikat.KURANG: 1,
        Predikat.SANGAT_KURANG: 0,
    }
    assert shown["total"] == 4
    assert len(shown["rows"]) == 10
    assert {officer.id for officer in shown["pending"]} == {x.id for x in o.officers[3:]}
    assert shown["result"] is None and shown["curve"] is None and shown["breaches"] == []


def test_an_officer_who_moved_is_counted_where_the_period_began(office):
    o = office
    mover = o.officers[0]
    add_vote(o.period, make_desk(o.unit), mover, 4, at=T0)
    mover.unit_id = o.other.id
    db.session.commit()
    make_evaluation(mover, o.period, "sangat_baik")
    assert dist.distribution(o.unit, o.period)["counts"][Predikat.SANGAT_BAIK] == 1
    assert dist.distribution(o.other, o.period)["total"] == 0
    assert mover.id not in {row["officer"].id for row in dist.distribution(o.other, o.period)["rows"]}


def test_a_switched_off_officer_never_rated_is_not_waited_for(office):
    o = office
    o.officers[8].active = False
    db.session.commit()
    shown = dist.distribution(o.unit, o.period)
    assert o.officers[8].id not in {officer.id for officer in shown["pending"]}


def test_breaches_come_from_the_evaluations_and_the_units_result(office):
    o = office
    _rate(o, ["sangat_baik"] + ["baik"] * 8 + ["butuh_perbaikan"])
    make_unit_result(o.unit, o.period, "baik")
    shown = dist.distribution(o.unit, o.period)
    assert shown["curve"].result is OrgResult.BAIK
    assert [(b.rule.predikat, b.count, b.total) for b in shown["breaches"]] == [((Predikat.BAIK,), 8, 10)]
    with force_locale("en"):
        assert dist.breach_text(shown["breaches"][0]) == "At most 70 % may be Baik: 8 of 10 (80 %) are."
    with force_locale("id"):
        assert dist.breach_text(shown["breaches"][0]) == "Paling banyak 70 % boleh Baik: 8 dari 10 (80 %)."
    # Istimewa allows 8 Baik: the same unit, another result, no breach.
    db.session.scalar(sa.select(UnitResult)).result = "istimewa"
    db.session.commit()
    assert dist.distribution(o.unit, o.period)["breaches"] == []


def test_the_chart_marks_the_curves_limits_on_each_bar(office):
    o = office
    _rate(o, ["sangat_baik"] * 2 + ["baik"] * 8)
    make_unit_result(o.unit, o.period, "baik")
    chart = dist.distribution(o.unit, o.period)["chart"]
    rows = {tuple(row["group"]): row for row in chart["rows"]}
    assert list(rows) == [("sangat_baik",), ("baik",), ("butuh_perbaikan",), ("kurang",), ("sangat_kurang",),
                          ("butuh_perbaikan", "kurang")]  # fmt: skip
    baik, pair = rows[("baik",)], rows[("butuh_perbaikan", "kurang")]
    assert baik["text"] == "8 (80 %)" and baik["breach"]
    assert pair["text"] == "0 (0 %)" and pair["breach"]
    assert not rows[("sangat_baik",)]["breach"] and rows[("sangat_baik",)]["marks"] == []
    # 70 % of 10 officers on an axis of 0..10: 7/10 of the plot from its left edge.
    assert [m["label"] for m in baik["marks"]] == ["≤ 70 %"]
    assert baik["marks"][0]["x"] == pytest.approx(chart["label_width"] + chart["plot"] * 0.7, abs=0.1)
    assert baik["w"] == pytest.approx(chart["plot"] * 0.8, abs=0.1)
    assert [m["label"] for m in pair["marks"]] == ["≥ 1"]


def test_the_curve_is_read_from_the_configured_file(office, app, tmp_path, monkeypatch):
    import json

    from skp.rules import DEFAULT_CURVES

    data = json.loads(DEFAULT_CURVES.read_text())
    data["curves"]["baik"] = [{"kind": "at_most", "predikat": ["baik"], "percent": 90}]
    path = tmp_path / "curves.json"
    path.write_text(json.dumps(data))
    monkeypatch.setitem(app.config, "SKP_CURVES_FILE", str(path))
    o = office
    _rate(o, ["sangat_baik"] * 2 + ["baik"] * 8)
    make_unit_result(o.unit, o.period, "baik")
    assert dist.distribution(o.unit, o.period)["breaches"] == []


# --- Setting the unit's result ------------------------------------------------------------------------


def test_the_heads_appraiser_sets_the_units_result_and_each_change_is_audited(office):
    o = office
    row = dist.set_unit_result(o.chief_user, o.unit, o.period, "baik", " Target tercapai ", now=T0)
    db.session.commit()
    assert (row.result, row.reason, row.set_by) == ("baik", "Target tercapai", o.chief_user.id)
    later = datetime(2026, 12, 1, tzinfo=timezone.utc)
    dist.set_unit_result(o.chief_user, o.unit, o.period, OrgResult.ISTIMEWA, "Semua target terlampaui", now=later)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitResult)) == 1
    entries = audit_entries(entity="skp_unit_result")
    assert [(e.action, e.before, e.after) for e in entries] == [
        ("create", None, {"result": "baik", "reason": "Target tercapai", "period": o.period.id}),
        (
            "update",
            {"result": "baik", "reason": "Target tercapai"},
            {"result": "istimewa", "reason": "Semua target terlampaui"},
        ),
    ]
    assert entries[0].unit_id == o.unit.id and entries[1].user_id == o.chief_user.id
    # The same again changes nothing and logs nothing.
    dist.set_unit_result(o.chief_user, o.unit, o.period, "istimewa", "Semua target terlampaui")
    db.session.commit()
    assert len(audit_entries(entity="skp_unit_result")) == 2


@pytest.mark.parametrize("who", ["head_user", "supervisor", "other_supervisor", "officer_user"])
def test_only_whoever_may_rate_the_unit_sets_its_result(office, who):
    o = office
    with pytest.raises(AccessDenied):
        dist.set_unit_result(getattr(o, who), o.unit, o.period, "istimewa", "Saya sendiri")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitResult)) == 0


def test_an_administrator_records_it_on_the_superiors_behalf(office):
    o = office
    dist.set_unit_result(o.admin, o.unit, o.period, "kurang", "Banyak target tidak tercapai")
    db.session.commit()
    assert db.session.scalar(sa.select(UnitResult.result)) == "kurang"


def test_no_result_while_the_period_is_closed_or_draft(office):
    o = office
    for status, code in ((PeriodStatus.CLOSED, "period_closed"), (PeriodStatus.DRAFT, "period_draft")):
        o.period.status = status
        db.session.commit()
        with pytest.raises(AdminError) as refused:
            dist.set_unit_result(o.chief_user, o.unit, o.period, "baik", "Alasan")
        assert refused.value.code == code
        db.session.rollback()


def test_a_result_needs_one_of_the_five_and_a_reason(office):
    o = office
    with pytest.raises(Invalid) as refused:
        dist.set_unit_result(o.chief_user, o.unit, o.period, "sangat_baik", "  ")
    assert {name: code for name, (code, _params) in refused.value.fields.items()} == {
        "org_result": "choice",
        "reason": "unit_result_reason",
    }


# --- The page by role -------------------------------------------------------------------------------


def test_the_page_says_what_breaks_the_curve_in_both_languages(client, office):
    o = office
    _rate(o, ["sangat_baik"] + ["baik"] * 8 + ["butuh_perbaikan"])
    make_unit_result(o.unit, o.period, "baik", reason="Target unit tercapai")
    sign_in(client, o.supervisor)
    client.set_cookie("lang", "en")
    page = html.unescape(text(client.get(url(o))))
    assert "At most 70 % may be Baik: 8 of 10 (80 %) are." in page
    assert "Target unit tercapai" in page
    assert "Set the unit's result" not in page  # the supervisor may see, not rate
    for officer in [o.head, *o.officers]:
        assert officer.name in page
    assert f"/admin/skp/periods/{o.period.id}/siasn.csv?unit={o.unit.id}" in page
    client.set_cookie("lang", "id")
    page = html.unescape(text(client.get(url(o))))
    assert "Paling banyak 70 % boleh Baik: 8 dari 10 (80 %)." in page


def test_each_officer_links_to_her_evaluation_and_document(client, office):
    o = office
    skp = make_skp(o.officers[0], year=2026)
    make_evaluation(o.officers[0], o.period, "baik")
    sign_in(client, o.admin)
    page = text(client.get(url(o)))
    assert f"/admin/skp/{skp.id}/periods/{o.period.id}/document" in page
    assert f'href="/admin/skp/{skp.id}/periods/{o.period.id}"' in page


def test_the_raters_form_sets_the_result(client, office):
    o = office
    sign_in(client, o.chief_user)
    client.set_cookie("lang", "en")
    assert "Set the unit's result" in html.unescape(text(client.get(url(o))))
    answer = post(client, url(o), {"org_result": "butuh_perbaikan", "reason": "Dua target utama meleset"})
    assert answer.status_code == 303
    assert db.session.scalar(sa.select(UnitResult.result)) == "butuh_perbaikan"
    page = html.unescape(text(client.get(answer.headers["Location"])))
    assert "Dua target utama meleset" in page and "At least 60 % must be Butuh Perbaikan" in page


def test_a_result_without_a_reason_is_refused_in_the_users_language(client, office):
    o = office
    sign_in(client, o.chief_user)
    for lang, message in (("en", "Say why the unit's result is this."), ("id", "Jelaskan alasan")):
        client.set_cookie("lang", lang)
        answer = post(client, url(o), {"org_result": "baik", "reason": ""})
        assert answer.status_code == 422
        assert message in html.unescape(text(answer))
    answer = post(client, url(o), {"org_result": "luar_biasa", "reason": "x"})
    assert answer.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitResult)) == 0


@pytest.mark.parametrize("who", ["officer_user", "other_supervisor", "head_user"])
def test_others_may_not_see_the_page(client, office, who):
    o = office
    sign_in(client, getattr(o, who))
    assert client.get(url(o)).status_code == 403


@pytest.mark.parametrize("who", ["supervisor", "officer_user", "other_supervisor", "head_user"])
def test_others_may_not_set_the_result(client, office, who):
    o = office
    sign_in(client, getattr(o, who))
    assert post(client, url(o), {"org_result": "istimewa", "reason": "Saya mau"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitResult)) == 0


def test_a_closed_period_shows_its_result_without_the_form(client, office):
    o = office
    make_unit_result(o.unit, o.period, "baik")
    o.period.status = PeriodStatus.CLOSED
    db.session.commit()
    sign_in(client, o.chief_user)
    page = text(client.get(url(o)))
    assert 'name="reason"' not in page
    assert post(client, url(o), {"org_result": "istimewa", "reason": "Terlambat"}).status_code == 409
    assert db.session.scalar(sa.select(UnitResult.result)) == "baik"


def test_a_draft_period_has_no_page(client, office):
    o = office
    draft = make_period(status=PeriodStatus.DRAFT, starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    sign_in(client, o.admin)
    assert client.get(url(o, draft)).status_code == 404
    assert client.get(f"/admin/skp/units/{o.unit.id}/periods/999999").status_code == 404


def test_the_page_names_who_is_not_evaluated_yet(client, office):
    o = office
    make_evaluation(o.head, o.period, "baik")
    make_evaluation(o.officers[0], o.period, None, status="draft")
    sign_in(client, o.supervisor)
    client.set_cookie("lang", "en")
    page = html.unescape(text(client.get(url(o))))
    waiting = re.search(r'<p id="pending">([^<]*)</p>', page).group(1)
    assert waiting.startswith("Not evaluated yet (no signed evaluation): ")
    assert o.officers[0].name in waiting and o.officers[8].name in waiting and o.head.name not in waiting
    assert "1 of 10" in page
