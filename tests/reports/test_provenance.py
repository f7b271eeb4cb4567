"""Provenance on the sheet (issue 13, item 6): counted responses by kind, left-out ones by reason,
and warnings of unusual patterns, on the officer's sheet (both languages) and the supervisor's
review list; the warnings' rules as a pure function, checked against hand-computed numbers."""

import html
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from appraisal.models import PeriodStatus
from core.db import db
from core.responses import Channel, Flag, Given, NewResponse, Response, record_response
from org.models import Role
from reports.closing import close_period
from reports.provenance import SERVICE_CODE, Evidence, evidence_by_officer, mint_peak, warnings_of
from reports.queries import compute_officer_sheet, compute_unit_report
from reports.snapshots import officer_sheet, unit_report
from survey.models import ServiceCode
from tests.browser.a11y import assert_accessible
from tests.factories import (
    NOW,
    PASSWORD,
    add_survey,
    add_vote,
    kiosk_question,
    make_desk,
    make_officer,
    make_period,
    make_response,
    make_user,
    sign_in,
    text,
)
from tests.reports.test_report_queries import queries_of


def evidence(**values) -> Evidence:
    found = Evidence()
    for key, value in values.items():
        if key in ("counted", "excluded"):
            getattr(found, key).update(value)
        else:
            setattr(found, key, value)
    return found


# --- The rules, pure -----------------------------------------------------------------------------


def test_a_share_of_top_faces_far_above_the_officers_history_warns():
    # 36 of 40 votes at the top face (90 %) against 60 of 100 before (60 %): 30 points above, and
    # z = (36 - 40 x 0.6) / sqrt(40 x 0.6 x 0.4) = 12 / sqrt(9.6) = 12 / 3.098 = 3.87 >= 3.
    found = warnings_of(evidence(counted={"kiosk": 40}, top=36, before_kiosk=100, before_top=60))
    assert found == [{"code": "top_share", "share": 90, "before": 60, "n": 40, "before_n": 100}]
    # 30 of 40 (75 %): 15 points above, but z = (30 - 24) / 3.098 = 1.94: chance, no warning.
    assert warnings_of(evidence(counted={"kiosk": 40}, top=30, before_kiosk=100, before_top=60)) == []
    # Without 30 votes of history, or with fewer than 20 now, nothing to compare.
    assert warnings_of(evidence(counted={"kiosk": 40}, top=40, before_kiosk=29, before_top=0)) == []
    assert warnings_of(evidence(counted={"kiosk": 19}, top=19, before_kiosk=100, before_top=10)) == []
    # A history with no top face at all: any excess is infinitely unlikely, the margin decides.
    assert warnings_of(evidence(counted={"kiosk": 20}, top=3, before_kiosk=30, before_top=0))[0]["share"] == 15
    assert warnings_of(evidence(counted={"kiosk": 20}, top=2, before_kiosk=30, before_top=0)) == []


def test_regular_intervals_and_late_arrivals_warn():
    assert warnings_of(evidence(regular=1, counted={"kiosk": 5})) == [{"code": "regular", "n": 1}]
    # Late: at least 10, and at least 10 % of what arrived (here 100 responses).
    assert warnings_of(evidence(late=10, counted={"kiosk": 90}, excluded={"kiosk": 10})) == [
        {"code": "late", "n": 10, "of": 100, "minutes": 1}
    ]
    assert warnings_of(evidence(late=9, counted={"kiosk": 91})) == []
    assert warnings_of(evidence(late=10, counted={"kiosk": 101})) == []  # 10 < 10.1


def test_many_codes_minted_in_a_short_time_warn():
    # Ten-minute windows 0 and 1 hold 6 + 5 = 11 codes: within twenty minutes, more than 10.
    assert mint_peak({0: 6, 1: 5}) == (11, 0)
    assert mint_peak({0: 6, 2: 5, 3: 1}) == (6, 0)
    assert mint_peak({7: 3, 8: 9, 9: 4}) == (13, 8)
    at = datetime(2026, 11, 12, 2, 0, tzinfo=timezone.utc)
    assert warnings_of(evidence(minted_peak=11, minted_peak_at=at)) == [
        {"code": "minted", "n": 11, "at": at, "minutes": 20}
    ]
    assert warnings_of(evidence(minted_peak=10, minted_peak_at=at)) == []


def test_the_service_code_columns_read_by_name_are_the_models():
    # reports may not import survey: it names the two columns it reads, checked here.
    for column in SERVICE_CODE.c:
        model_column = ServiceCode.__table__.c[column.name]
        assert type(model_column.type) is type(column.type)
    assert SERVICE_CODE.name == ServiceCode.__tablename__


# --- An officer's provenance from the database ---------------------------------------------------


def arrived_late(period, desk, officer, face: int, minutes: int) -> Response:
    """A kiosk vote received ``minutes`` after the time it claims (an offline queue delivering)."""
    response_id = record_response(
        NewResponse(
            uuid=str(uuid.uuid4()),
            channel=Channel.KIOSK,
            unit_id=desk.unit_id,
            desk_id=desk.id,
            officer_id=officer.id,
            period_id=period.id,
            cast_at=NOW - timedelta(minutes=minutes),
            received_at=NOW,
            answers=(Given(kiosk_question().id, face),),
        )
    )
    return db.session.get(Response, response_id)


def busy_officer():
    """An officer with every kind of response, some left out, an unusual period and codes minted
    in a hurry. Returns (period, desk, officer)."""
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)  # the unit is in WIB (Asia/Jakarta)
    earlier = make_period(
        starts_on=period.starts_on - timedelta(days=120),
        ends_on=period.starts_on - timedelta(days=30),
        status=PeriodStatus.CLOSED,
        min_n=1,
    )
    before = datetime.combine(earlier.starts_on + timedelta(days=5), datetime.min.time(), timezone.utc)
    for i in range(100):  # history: 60 of 100 at the top face
        add_vote(earlier, desk, officer, 4 if i < 60 else 3, at=before + timedelta(minutes=5 * i))
    for i in range(40):  # now: 36 of 40 at the top face
        add_vote(period, desk, officer, 4 if i < 36 else 3)
    for _ in range(12):  # 12 top faces delivered 30 minutes late
        arrived_late(period, desk, officer, 4, minutes=30)
    for _ in range(2):
        make_response(
            period,
            desk,
            officer,
            [Given(kiosk_question().id, 4)],
            channel=Channel.KIOSK,
            flags=Flag.REGULAR,
            regular=True,
        )
    add_vote(period, desk, officer, 4, flags=Flag.BURST)
    add_survey(period, desk, officer, [3] * 9)
    add_survey(period, desk, officer, [4] * 9)
    for _ in range(3):
        add_survey(period, desk, officer, [4] * 9, verified=True)
    add_survey(period, desk, officer, [4] * 9, verified=True, flags=Flag.REPEAT)
    # Twelve one-time codes a minute apart from 02:00 UTC (09:00 WIB) on the period's tenth day.
    minted = datetime.combine(period.starts_on + timedelta(days=10), datetime.min.time(), timezone.utc)
    minted += timedelta(hours=2)
    for i in range(12):
        db.session.add(
            ServiceCode(
                code=f"T{uuid.uuid4().hex[:20]}",
                officer_id=officer.id,
                desk_id=desk.id,
                created_at=minted + timedelta(minutes=i),
                expires_at=minted + timedelta(minutes=i + 15),
            )
        )
    db.session.commit()
    return period, desk, officer, minted


def test_the_provenance_counts_each_kind_and_reason(factories):
    period, desk, officer, minted = busy_officer()
    found = evidence_by_officer(period, [officer.id], desk.unit.timezone)[officer.id]
    # Kiosk: 40 + 12 late counted; 2 regular + 1 burst left out. Surveys: 2 through printed codes,
    # 3 verified counted and 1 verified left out as a repeat.
    assert found.counted == {"kiosk": 52, "qr_static": 2, "qr_verified": 3}
    assert found.excluded == {"kiosk": 3, "qr_static": 0, "qr_verified": 1}
    assert {key: n for key, n in found.reasons.items() if n} == {"regular": 2, "burst": 1, "repeat": 1}
    assert (found.top, found.before_top, found.before_kiosk) == (48, 60, 100)
    assert (found.regular, found.late, found.minted, found.minted_peak) == (2, 12, 12, 12)
    assert found.minted_peak_at == minted
    # 48 of 52 = 92 % against 60 %: z = (48 - 31.2) / sqrt(52 x 0.24) = 16.8 / 3.533 = 4.76.
    # Late: 12 of 61 received (52 + 3 kiosk, 2 + 3 + 1 surveys), at least 10 and 10 %.
    assert [w["code"] for w in warnings_of(found)] == ["top_share", "regular", "late", "minted"]
    assert warnings_of(found)[0] == {"code": "top_share", "share": 92, "before": 60, "n": 52, "before_n": 100}
    assert warnings_of(found)[2] == {"code": "late", "n": 12, "of": 61, "minutes": 1}
    sheet = compute_officer_sheet(period, officer)
    assert sheet["provenance"]["counted"] == found.counted and sheet["flags"] == found.reasons
    # Nothing was removed: every response is stored, and only the flagged ones are left out.
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Response).where(Response.period_id == period.id)) == 61
    )
    assert sheet["excluded"] == 4


def test_an_upheld_dispute_shows_as_a_reason_and_nothing_else_changes(factories):
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    add_vote(period, desk, officer, 4)
    disputed = add_vote(period, desk, officer, 1, flags=Flag.DISPUTE_UPHELD)
    db.session.commit()
    sheet = compute_officer_sheet(period, officer)
    assert sheet["provenance"]["counted"]["kiosk"] == 1 and sheet["provenance"]["excluded"]["kiosk"] == 1
    assert sheet["provenance"]["reasons"]["dispute_upheld"] == 1
    assert sheet["kiosk"]["value"] == 100 and db.session.get(Response, disputed.id) is not None


# --- The pages --------------------------------------------------------------------------------------


def row_of(page: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', page, re.S)
    assert match, (attribute, value)
    return re.sub(r"\s+", " ", match.group(1))


def test_the_sheet_shows_provenance_and_warnings_in_both_languages(client, factories):
    period, desk, officer, _minted = busy_officer()
    sign_in(client, make_user(Role.SUPERVISOR, unit=desk.unit))
    url = f"/admin/reports/{period.id}/officers/{officer.id}"
    expected = {
        "en": [
            "Where the responses came from",
            "Kiosk votes",
            "Phone surveys through a one-time code (verified)",
            (
                "92% of the counted kiosk votes gave the top face, against 60% in this officer's earlier periods "
                "(52 votes now, 100 before)."
            ),
            "2 responses came at machine-regular intervals (left out).",
            "12 of 61 responses arrived more than 1 min after the time they claim",
            f"12 one-time codes were minted within 20 minutes (from {period.starts_on + timedelta(days=10)} 09:00 WIB)",
            "Taps at machine-regular intervals",
        ],
        "id": [
            "Asal tanggapan",
            "Penilaian di kios",
            "Survei ponsel melalui kode sekali pakai (terverifikasi)",
            (
                "92% suara kios yang dihitung memilih wajah terbaik, dibanding 60% pada periode-periode sebelumnya "
                "petugas ini (52 suara sekarang, 100 sebelumnya)."
            ),
            "2 tanggapan datang dengan selang waktu yang teratur seperti mesin (tidak dihitung).",
            "12 dari 61 tanggapan tiba lebih dari 1 menit setelah waktu yang diakuinya",
            f"12 kode sekali pakai dibuat dalam 20 menit (mulai {period.starts_on + timedelta(days=10)} 09:00 WIB)",
        ],
    }
    for lang, phrases in expected.items():
        client.set_cookie("lang", lang)
        response = client.get(url)
        assert response.status_code == 200
        page = html.unescape(text(response))
        for phrase in phrases:
            assert phrase in page, (lang, phrase)
        assert row_of(page, "data-kind", "kiosk").endswith("<td>52</td><td>3</td>")
        assert row_of(page, "data-kind", "qr_static").endswith("<td>2</td><td>0</td>")
        assert row_of(page, "data-kind", "qr_verified").endswith("<td>3</td><td>1</td>")
        assert row_of(page, "data-kind", "total").endswith("<td>57</td><td>4</td>")
        assert row_of(page, "data-reason", "regular").endswith("<td>2</td>")
        assert row_of(page, "data-reason", "burst").endswith("<td>1</td>")
        assert row_of(page, "data-reason", "repeat").endswith("<td>1</td>")
        assert re.findall(r'data-warning="(\w+)"', page) == ["top_share", "regular", "late", "minted"]


def test_a_sheet_without_anything_unusual_says_so(client, factories):
    period, desk = make_period(min_n=1), make_desk()
    officer = make_officer(unit=desk.unit)
    add_vote(period, desk, officer, 3)
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=desk.unit))
    client.set_cookie("lang", "en")
    page = html.unescape(text(client.get(f"/admin/reports/{period.id}/officers/{officer.id}")))
    assert "No unusual pattern in this period's responses." in page and "data-warning" not in page
    assert row_of(page, "data-kind", "kiosk").endswith("<td>1</td><td>0</td>")


def test_the_review_list_shows_each_officers_warnings(client, factories):
    period, desk, officer, _minted = busy_officer()
    calm = make_officer(unit=desk.unit, name="Tenang")
    add_vote(period, desk, calm, 3)
    db.session.commit()
    report = compute_unit_report(period, desk.unit)
    warned = {row["officer_id"]: [w["code"] for w in row["warnings"]] for row in report["officers"]}
    assert warned == {officer.id: ["top_share", "regular", "late", "minted"], calm.id: []}
    sign_in(client, make_user(Role.SUPERVISOR, unit=desk.unit))
    for lang, phrase in (
        ("en", "2 responses came at machine-regular intervals (left out)."),
        ("id", "2 tanggapan datang dengan selang waktu yang teratur seperti mesin (tidak dihitung)."),
    ):
        client.set_cookie("lang", lang)
        page = html.unescape(text(client.get(f"/admin/reports/{period.id}/units/{desk.unit_id}")))
        assert phrase in page, lang
        assert re.findall(r'data-warning="(\w+)"', page) == ["top_share", "regular", "late", "minted"]


def test_the_review_list_reads_the_warnings_in_a_fixed_number_of_queries(client, factories):
    period, desk = make_period(min_n=1), make_desk()
    sign_in(client, make_user(Role.SUPERVISOR, unit=desk.unit))
    url = f"/admin/reports/{period.id}/units/{desk.unit_id}"
    make_officer(unit=desk.unit)
    officers = [make_officer(unit=desk.unit) for _ in range(2)]
    for officer in officers:
        add_vote(period, desk, officer, 4)
        add_survey(period, desk, officer, [3] * 9, verified=True)
    db.session.commit()
    few, _ = queries_of(client, url)
    for _ in range(6):
        officer = make_officer(unit=desk.unit)
        add_vote(period, desk, officer, 4, flags=Flag.BURST)
        add_survey(period, desk, officer, [4] * 9, verified=True)
    db.session.commit()
    many, _ = queries_of(client, url)
    assert many == few


@pytest.mark.browser
def test_the_sheet_and_the_review_list_in_chromium(a11y_context, live_server, screenshot, factories):
    """The provenance panel and the review list's warnings as a supervisor sees them, checked with
    axe; screenshots to look at."""
    period, desk, officer, _minted = busy_officer()
    boss = make_user(Role.SUPERVISOR, unit=desk.unit)
    page = a11y_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        page.goto(f"{live_server}/admin/login")
        page.locator("#login-username").fill(boss.username)
        page.locator("#login-password").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.goto(f"{live_server}/admin/reports/{period.id}/officers/{officer.id}")
        panel = page.locator("#provenance")
        expect(panel.get_by_role("heading", name="Asal tanggapan")).to_be_visible()
        expect(panel.locator("[data-warning]")).to_have_count(4)
        panel.scroll_into_view_if_needed()
        screenshot(page, "sheet-provenance", full_page=False)
        assert_accessible(page, "sheet-provenance", include="#provenance")
        page.goto(f"{live_server}/admin/reports/{period.id}/units/{desk.unit_id}")
        officers = page.locator("#ranking-title")
        officers.scroll_into_view_if_needed()
        expect(page.locator("td [data-warning]")).to_have_count(4)
        screenshot(page, "review-list-warnings", full_page=False)
        assert_accessible(page, "review-list-warnings", exclude=".chart-svg text")
    finally:
        page.close()


def test_a_closed_period_keeps_its_provenance_frozen(factories):
    period, desk, officer, minted = busy_officer()
    admin = make_user(Role.ADMIN)
    close_period(period, admin)
    db.session.commit()
    frozen = officer_sheet(period, officer)
    assert frozen["frozen"] and frozen["provenance"] == compute_officer_sheet(period, officer)["provenance"]
    assert frozen["provenance"]["warnings"][3]["at"] == minted  # a moment, read back as one
    assert unit_report(period, desk.unit)["officers"][0]["warnings"][1] == {"code": "regular", "n": 2}
