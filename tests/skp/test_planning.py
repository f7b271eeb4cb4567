"""The planning stage of the SKP: the officer or her appraiser drafts the work results, the
appraiser adds expectations, both agree; any change after an agreement clears both; every change
is audited; whoever else tries is refused with nothing changed (skp.planning, skp.plan_views)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core.db import db
from org.models import Role
from skp.models import Expectation, Realisation, Skp, SkpStatus, WorkResult
from skp.planning import add_result, agree, create_skp, move_result, set_expectation, update_result
from skp.queries import get_skp, periods_of_year, skps_for
from tests.factories import (
    audit_entries,
    make_evaluation,
    make_line,
    make_officer,
    make_period,
    make_result,
    make_skp,
    make_unit,
    make_user,
    post,
    sign_in,
    text,
)

YEAR = 2026
ROW = {
    "kind": "utama",
    "aspect": "kuantitas",
    "description": "Layanan KTP-el selesai",
    "leader_result": "Pelayanan administrasi kependudukan yang cepat",
    "indicator": "Jumlah permohonan yang diselesaikan",
    "target": "600",
    "target_unit": "layanan",
    "measure": "",
}


@pytest.fixture
def office(ctx):
    """A unit whose head (with a supervisor account) appraises Siti; the head's superior, the
    Camat, works at another unit."""
    unit = make_unit(name="Kecamatan Menteng")
    head = make_officer(unit, name="Rina Kepala")
    siti = make_officer(unit, name="Siti Petugas")
    budi = make_officer(unit, name="Budi Petugas")
    camat = make_officer(make_unit(name="Kantor Walikota"), name="Hendra Camat")
    make_line(siti, head, camat, valid_from=date(2025, 1, 1))
    make_line(budi, head, camat, valid_from=date(2025, 1, 1))
    return dict(
        unit=unit,
        head=head,
        siti=siti,
        budi=budi,
        camat=camat,
        siti_user=make_user(Role.OFFICER, officer=siti, username="siti"),
        budi_user=make_user(Role.OFFICER, officer=budi, username="budi"),
        head_user=make_user(Role.SUPERVISOR, unit=unit, officer=head, username="rina"),
    )


def as_user(client, user, lang="en"):
    sign_in(client, user)
    client.set_cookie("lang", lang)
    return client


def state(skp_id: int) -> dict:
    """What a refusal must leave as it was: the plan, its rows and expectations, the audit log."""
    db.session.expire_all()
    skp = db.session.get(Skp, skp_id)
    return dict(
        status=skp.status,
        agreed=(skp.officer_agreed_at, skp.appraiser_agreed_at),
        rows=[(r.id, r.kind, r.position, r.description, r.target) for r in skp.results],
        expectations=sorted((e.value, e.text) for e in skp.expectations),
        audit=len(audit_entries()),
    )


# --- Creating an SKP ---------------------------------------------------------------------------------


def test_the_officer_starts_her_own_skp_and_lands_on_it(client, office):
    as_user(client, office["siti_user"])
    answer = post(client, f"/admin/skp/officers/{office['siti'].id}/years/{YEAR}")
    assert answer.status_code == 303
    skp = get_skp(office["siti"], YEAR)
    assert answer.headers["Location"].endswith(f"/admin/skp/{skp.id}")
    assert skp.status == SkpStatus.DRAFT and skp.created_by == office["siti_user"].id
    [entry] = audit_entries(entity="skp")
    assert entry.action == "create" and entry.unit_id == office["unit"].id
    # Starting it again goes to the one there is.
    again = post(client, f"/admin/skp/officers/{office['siti'].id}/years/{YEAR}")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/admin/skp/{skp.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Skp)) == 1


def test_the_appraiser_starts_the_skp_of_her_appraisee(client, office):
    as_user(client, office["head_user"])
    assert post(client, f"/admin/skp/officers/{office['siti'].id}/years/{YEAR}").status_code == 303
    assert get_skp(office["siti"], YEAR).created_by == office["head_user"].id


@pytest.mark.parametrize("who", ["budi_user", "other_supervisor", "unit_supervisor_without_line_rights"])
def test_others_cannot_start_an_skp(client, office, who):
    users = {
        "budi_user": office["budi_user"],
        "other_supervisor": make_user(Role.SUPERVISOR, unit=make_unit()),
        # A supervisor of the unit who is not the appraiser the line names.
        "unit_supervisor_without_line_rights": make_user(Role.SUPERVISOR, unit=office["unit"]),
    }
    as_user(client, users[who])
    assert post(client, f"/admin/skp/officers/{office['siti'].id}/years/{YEAR}").status_code == 403
    assert get_skp(office["siti"], YEAR) is None and audit_entries() == []


def test_a_year_out_of_range_is_refused(ctx, office):
    from skp.errors import SkpError

    with pytest.raises(SkpError) as refused:
        create_skp(office["siti_user"], office["siti"], 1999)
    assert refused.value.code == "year_range" and refused.value.status == 422


# --- Rows ----------------------------------------------------------------------------------------------


def test_rows_are_added_by_htmx_and_by_a_plain_form(client, office):
    skp = make_skp(office["siti"], YEAR, agreed=False)
    as_user(client, office["siti_user"])
    answer = post(client, f"/admin/skp/{skp.id}/results", ROW, htmx=True)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "skp-changed"
    html = text(answer)
    assert html.lstrip().startswith('<div id="plan-results">') and "Layanan KTP-el selesai" in html
    assert "Saved." in html
    plain = post(
        client,
        f"/admin/skp/{skp.id}/results",
        {
            **ROW,
            "kind": "tambahan",
            "description": "Piket layanan Sabtu",
            "target": "12,5",
            "measure": "verified_share",
        },
    )
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/admin/skp/{skp.id}#plan-results")
    db.session.expire_all()
    rows = {r.kind.value: r for r in db.session.get(Skp, skp.id).results}
    assert (rows["utama"].position, rows["utama"].target, rows["utama"].measure) == (0, Decimal("600"), None)
    assert (rows["tambahan"].position, rows["tambahan"].target) == (0, Decimal("12.5"))
    assert rows["tambahan"].measure.value == "verified_share"
    assert [e.action for e in audit_entries(entity="skp_result")] == ["create", "create"]
    page = text(client.get(f"/admin/skp/{skp.id}"))
    assert "Share of the phone surveys verified by a one-time code" in page
    as_user(client, office["siti_user"], "id")
    assert "12,5" in text(client.get(f"/admin/skp/{skp.id}"))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("description", "", "This field is required."),
        ("target", "-5", "Enter a number of at least 0"),
        ("target", "1.234", "Enter a number of at least 0"),
        ("target", "banyak", "Enter a number of at least 0"),
        ("aspect", "kecepatan", "Choose one of the options."),
        ("kind", "utama2", "Choose one of the options."),
        ("measure", "salary", "Choose one of the options."),
        ("indicator", "x" * 501, "At most 500 characters."),
    ],
)
def test_a_bad_row_is_shown_again_with_its_message_and_nothing_is_saved(client, office, field, value, message):
    skp = make_skp(office["siti"], YEAR, agreed=False)
    before = state(skp.id)
    as_user(client, office["siti_user"])
    answer = post(client, f"/admin/skp/{skp.id}/results", {**ROW, field: value}, htmx=True)
    assert answer.status_code == 422
    html = text(answer)
    error = html[html.index(f'id="result-new-{field}-error"') :]
    assert message in error[: error.index("</p>")]
    assert state(skp.id) == before
    plain = post(client, f"/admin/skp/{skp.id}/results", {**ROW, field: value})
    assert plain.status_code == 422 and "<html" in text(plain) and message in text(plain)


def test_editing_moving_and_removing_rows(client, office):
    skp = make_skp(office["siti"], YEAR, agreed=False)
    first = make_result(skp, description="Pertama")
    second = make_result(skp, description="Kedua", position=1)
    as_user(client, office["head_user"])
    edit = client.get(f"/admin/skp/{skp.id}/results/{first.id}/edit", headers={"HX-Request": "true"})
    assert edit.status_code == 200 and 'id="result-' in text(edit) and 'value="100"' in text(edit)
    assert "<html" in text(client.get(f"/admin/skp/{skp.id}/results/{first.id}/edit"))
    answer = post(
        client, f"/admin/skp/{skp.id}/results/{first.id}", {**ROW, "description": "Pertama, diubah"}, htmx=True
    )
    assert answer.status_code == 200 and "Pertama, diubah" in text(answer)
    post(client, f"/admin/skp/{skp.id}/results/{second.id}/move", {"direction": "up"}, htmx=True)
    db.session.expire_all()
    assert [r.description for r in db.session.get(Skp, skp.id).results] == ["Kedua", "Pertama, diubah"]
    # Moving the first one up changes nothing.
    post(client, f"/admin/skp/{skp.id}/results/{second.id}/move", {"direction": "up"})
    assert post(client, f"/admin/skp/{skp.id}/results/{second.id}/move", {"direction": "sideways"}).status_code == 422
    assert post(client, f"/admin/skp/{skp.id}/results/{second.id}/delete").status_code == 303
    db.session.expire_all()
    assert [r.description for r in db.session.get(Skp, skp.id).results] == ["Pertama, diubah"]
    assert [e.action for e in audit_entries(entity="skp_result")] == ["update", "update", "delete"]


def test_a_row_with_a_realisation_cannot_be_removed_and_a_rated_one_cannot_change(client, office):
    period = make_period(starts_on=date(YEAR, 1, 1), ends_on=date(YEAR, 3, 31))
    skp = make_skp(office["siti"], YEAR)
    row = make_result(skp)
    db.session.add(Realisation(result_id=row.id, period_id=period.id, achieved=Decimal("50")))
    db.session.commit()
    before = state(skp.id)
    as_user(client, office["siti_user"])
    refused = post(client, f"/admin/skp/{skp.id}/results/{row.id}/delete", htmx=True)
    assert refused.status_code == 409 and "can no longer be removed" in text(refused)
    assert state(skp.id) == before

    from skp.models import RowRating

    evaluation = make_evaluation(office["siti"], period)
    db.session.add(RowRating(evaluation_id=evaluation.id, result_id=row.id, rating="sesuai"))
    db.session.commit()
    before = state(skp.id)
    refused = post(client, f"/admin/skp/{skp.id}/results/{row.id}", {**ROW, "target": "1"}, htmx=True)
    assert refused.status_code == 409 and "A signed evaluation has rated this work result" in text(refused)
    assert state(skp.id) == before
    page = text(client.get(f"/admin/skp/{skp.id}"))
    assert "A signed evaluation has rated this work result: it no longer changes." in page
    assert f"/results/{row.id}/edit" not in page


def test_a_row_of_another_skp_is_not_found(client, office):
    mine = make_skp(office["siti"], YEAR, agreed=False)
    theirs = make_skp(office["budi"], YEAR, agreed=False)
    row = make_result(theirs)
    as_user(client, office["siti_user"])
    assert post(client, f"/admin/skp/{mine.id}/results/{row.id}/delete").status_code == 404
    assert db.session.get(WorkResult, row.id) is not None


# --- Expectations --------------------------------------------------------------------------------------


def test_the_appraiser_writes_expectations_and_the_officer_reads_them(client, office):
    skp = make_skp(office["siti"], YEAR, agreed=False)
    as_user(client, office["head_user"])
    answer = post(client, f"/admin/skp/{skp.id}/values/akuntabel", {"text": "Tepat waktu setiap pagi"}, htmx=True)
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "skp-changed"
    assert 'id="value-akuntabel"' in text(answer)
    assert [(e.value, e.text) for e in db.session.get(Skp, skp.id).expectations] == [
        ("akuntabel", "Tepat waktu setiap pagi")
    ]
    assert post(client, f"/admin/skp/{skp.id}/values/akuntabel", {"text": ""}).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Expectation)) == 0
    assert [e.action for e in audit_entries(entity="skp_expectation")] == ["create", "delete"]
    assert post(client, f"/admin/skp/{skp.id}/values/jujur", {"text": "x"}).status_code == 404

    set_expectation(office["head_user"], db.session.get(Skp, skp.id), "kolaboratif", "Membantu rekan di loket lain")
    db.session.commit()
    as_user(client, office["siti_user"])
    page = text(client.get(f"/admin/skp/{skp.id}"))
    assert "Membantu rekan di loket lain" in page and "Berorientasi Pelayanan" not in page  # English names
    assert "Service-oriented" in page and "Understands and meets the public" in page
    before = state(skp.id)
    assert post(client, f"/admin/skp/{skp.id}/values/kolaboratif", {"text": "Tidak ada"}).status_code == 403
    assert state(skp.id) == before
    as_user(client, office["siti_user"], "id")
    assert "Memahami dan memenuhi kebutuhan masyarakat" in text(client.get(f"/admin/skp/{skp.id}"))


# --- Agreement -------------------------------------------------------------------------------------------


def test_both_agree_and_any_change_after_clears_both(client, office):
    skp = make_skp(office["siti"], YEAR, agreed=False)
    as_user(client, office["siti_user"])
    refused = post(client, f"/admin/skp/{skp.id}/agree", htmx=True)
    assert refused.status_code == 409 and "at least one main (utama) work result" in text(refused)
    row = make_result(skp)
    answer = post(client, f"/admin/skp/{skp.id}/agree", htmx=True)
    assert answer.status_code == 200 and "Your agreement is recorded." in text(answer)
    db.session.expire_all()
    skp = db.session.get(Skp, skp.id)
    assert skp.officer_agreed_at is not None and skp.appraiser_agreed_at is None and skp.status == SkpStatus.DRAFT
    again = post(client, f"/admin/skp/{skp.id}/agree", htmx=True)
    assert again.status_code == 409 and "You have already agreed" in text(again)

    as_user(client, office["head_user"])
    answer = post(client, f"/admin/skp/{skp.id}/agree")
    assert answer.status_code == 303
    db.session.expire_all()
    skp = db.session.get(Skp, skp.id)
    assert skp.status == SkpStatus.AGREED and skp.appraiser_agreed_by == office["head_user"].id
    page = text(client.get(f"/admin/skp/{skp.id}"))
    assert "Agreed by both: the planning is done." in page and page.count("Agreed on ") == 2

    # The appraiser lowers a target: both agreements go, and the page says so.
    answer = post(client, f"/admin/skp/{skp.id}/results/{row.id}", {**ROW, "target": "500"}, htmx=True)
    assert "must both agree again" in text(answer)
    db.session.expire_all()
    skp = db.session.get(Skp, skp.id)
    assert (skp.status, skp.officer_agreed_at, skp.appraiser_agreed_at) == (SkpStatus.DRAFT, None, None)
    cleared = [e for e in audit_entries(entity="skp") if e.action == "update"][-1]
    assert cleared.after["status"] == "draft" and cleared.before["status"] == "agreed"
    assert cleared.unit_id == office["unit"].id


@pytest.mark.parametrize("change", ["add", "edit", "move", "remove", "expectation"])
def test_every_kind_of_change_clears_an_agreement(ctx, office, change):
    skp = make_skp(office["siti"], YEAR)
    first, second = make_result(skp), make_result(skp, position=1)
    head = office["head_user"]
    values = {**ROW, "target": Decimal("600"), "lower_is_better": False}
    if change == "add":
        result = add_result(head, skp, values)
    elif change == "edit":
        result = update_result(head, first, values)
    elif change == "move":
        result = move_result(head, second, -1)
    elif change == "remove":
        from skp.planning import remove_result

        result = remove_result(head, first)
    else:
        result = set_expectation(head, skp, "adaptif", "Belajar aplikasi baru")
    db.session.commit()
    assert result.cleared
    assert (skp.status, skp.officer_agreed_at, skp.appraiser_agreed_at) == (SkpStatus.DRAFT, None, None)


def test_an_edit_that_changes_nothing_keeps_the_agreement(ctx, office):
    skp = make_skp(office["siti"], YEAR)
    row = make_result(skp, **{k: v for k, v in ROW.items() if k not in ("kind", "aspect", "measure", "target")})
    values = {**ROW, "target": Decimal("100"), "lower_is_better": False}
    assert not update_result(office["siti_user"], row, values).cleared
    assert skp.status == SkpStatus.AGREED


# --- Refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["budi", "other_supervisor", "unit_supervisor", "admin"])
def test_who_may_not_plan_is_refused_and_nothing_changes(client, office, who):
    skp = make_skp(office["siti"], YEAR)
    row = make_result(skp)
    users = {
        "budi": office["budi_user"],
        "other_supervisor": make_user(Role.SUPERVISOR, unit=make_unit()),
        # The unit's supervisor and an administrator see a plan that a line gives to its
        # appraiser, but neither drafts nor agrees to it.
        "unit_supervisor": make_user(Role.SUPERVISOR, unit=office["unit"]),
        "admin": make_user(Role.ADMIN),
    }
    before = state(skp.id)
    as_user(client, users[who])
    may_view = who in ("unit_supervisor", "admin")
    assert client.get(f"/admin/skp/{skp.id}").status_code == (200 if may_view else 403)
    for path, data in [
        (f"/admin/skp/{skp.id}/results", ROW),
        (f"/admin/skp/{skp.id}/results/{row.id}", ROW),
        (f"/admin/skp/{skp.id}/results/{row.id}/move", {"direction": "down"}),
        (f"/admin/skp/{skp.id}/results/{row.id}/delete", {}),
        (f"/admin/skp/{skp.id}/values/akuntabel", {"text": "Nilai saya harus tinggi"}),
        (f"/admin/skp/{skp.id}/agree", {}),
    ]:
        assert post(client, path, data).status_code == 403, path
        assert post(client, path, data, htmx=True).status_code == 403, path
    assert client.get(f"/admin/skp/{skp.id}/results/{row.id}/edit").status_code == 403
    assert state(skp.id) == before


def test_the_operations_refuse_on_their_own_too(ctx, office):
    from core.errors import AccessDenied

    skp = make_skp(office["siti"], YEAR, agreed=False)
    make_result(skp)
    with pytest.raises(AccessDenied):
        add_result(office["budi_user"], skp, {**ROW, "target": Decimal("1"), "lower_is_better": False})
    with pytest.raises(AccessDenied):
        agree(office["budi_user"], skp)
    with pytest.raises(AccessDenied):
        set_expectation(office["siti_user"], skp, "akuntabel", "Saya sendiri")


# --- Reads and the index ------------------------------------------------------------------------------


def test_periods_of_a_year_and_the_team(ctx, office):
    q2 = make_period(name="Triwulan II", starts_on=date(YEAR, 4, 1), ends_on=date(YEAR, 6, 30))
    q1 = make_period(name="Triwulan I", starts_on=date(YEAR, 1, 1), ends_on=date(YEAR, 3, 31))
    make_period(name="Triwulan IV lalu", starts_on=date(YEAR - 1, 10, 1), ends_on=date(YEAR - 1, 12, 31))
    assert [p.id for p in periods_of_year(YEAR)] == [q1.id, q2.id]
    skp = make_skp(office["siti"], YEAR)
    make_evaluation(office["siti"], q1, predikat="baik")
    overview = skps_for(office["head_user"], YEAR)
    assert overview.own.officer.id == office["head"].id and overview.own.skp is None
    assert [row.officer.name for row in overview.team] == ["Budi Petugas", "Siti Petugas"]
    siti = overview.team[1]
    assert siti.skp.id == skp.id and siti.evaluations[q1.id].predikat == "baik" and q2.id not in siti.evaluations
    # An officer without a manager's role sees only whom she appraises.
    assert skps_for(office["siti_user"], YEAR).team == []


def test_the_index_shows_my_skp_and_my_team(client, office, monkeypatch):
    monkeypatch.setattr("skp.queries.utcnow", lambda: datetime(YEAR, 12, 31, 18, 0, tzinfo=UTC))
    q1 = make_period(name="Triwulan I", starts_on=date(YEAR + 1, 1, 1), ends_on=date(YEAR + 1, 3, 31))
    skp = make_skp(office["siti"], YEAR + 1)
    make_evaluation(office["siti"], q1, predikat="sangat_baik", status="acknowledged")
    as_user(client, office["head_user"])
    # 31 December, 18:00 UTC is already 1 January in Jakarta: the next year's SKP is shown.
    page = text(client.get("/admin/skp/"))
    assert f"SKP {YEAR + 1}" in page
    assert "My SKP" in page and f"Start the SKP {YEAR + 1}" in page  # the head has none yet
    team = page[page.index(f'id="team-{office["siti"].id}"') :]
    team = team[: team.index("</tr>")]
    assert f"/admin/skp/{skp.id}" in team and "Acknowledged" in team and "Sangat Baik" in team
    assert "Reporting lines of Kecamatan Menteng" in page
    budi = page[page.index(f'id="team-{office["budi"].id}"') :]
    assert f"Start the SKP {YEAR + 1}" in budi[: budi.index("</tr>")]
    as_user(client, office["siti_user"])
    mine = text(client.get(f"/admin/skp/?year={YEAR + 1}"))
    assert f"Open my SKP {YEAR + 1}" in mine and "Reporting lines of" not in mine
    assert client.get("/admin/skp/?year=abc").status_code == 200
    assert 'href="/admin/skp/"' in text(client.get("/admin/", follow_redirects=True))


def test_two_starts_at_once_make_one_skp(ctx, office, monkeypatch):
    """The officer and her appraiser press "start" together: the second finds the first one's
    row only in the unique constraint, and is told so instead of failing."""
    from skp.errors import SkpError

    make_skp(office["siti"], YEAR, agreed=False)
    monkeypatch.setattr("skp.planning.has_rows", lambda *where: False)  # both checked before either wrote
    with pytest.raises(SkpError) as refused:
        create_skp(office["head_user"], office["siti"], YEAR)
    assert refused.value.code == "skp_exists" and refused.value.status == 409
    db.session.commit()  # the transaction is still usable
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Skp)) == 1


def test_the_audit_log_shows_the_plans_changes(client, office):
    skp = make_skp(office["siti"], YEAR)
    row = make_result(skp)
    update_result(office["siti_user"], row, {**ROW, "target": Decimal("700"), "lower_is_better": False})
    db.session.commit()
    as_user(client, make_user(Role.ADMIN))
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "SKP 2026 Siti Petugas: Layanan KTP-el selesai" in text(page)
