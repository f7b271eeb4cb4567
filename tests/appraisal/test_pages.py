"""What every unit shares, in the admin pages: appraisal periods (create, open, close, reopen),
survey indicators (new versions when answered) and the weights of the SKM elements."""

from datetime import date, datetime, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from appraisal.indicators import weighted_indicators
from appraisal.models import Indicator, Period, PeriodStatus
from appraisal.policy import Policy, weights_for
from core.audit import AuditLog
from core.db import db
from core.errors import AccessDenied
from org.models import Role
from reports.closing import close_period, reopen_period
from tests.factories import (
    add_survey,
    add_vote,
    answers_by_code,
    audit_entries,
    make_desk,
    make_period,
    make_user,
    post,
    refused,
    text,
)

# --- Periods -------------------------------------------------------------------------------------------


def test_create_open_close_and_reopen_a_period(client, admin):
    response = post(
        client,
        "/admin/periods",
        {"name": "Triwulan I 2027", "starts_on": "2027-01-01", "ends_on": "2027-03-31"},
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "period-created"
    period = db.session.scalar(sa.select(Period))
    assert period.status == PeriodStatus.DRAFT
    assert post(client, f"/admin/periods/{period.id}/close", htmx=True).status_code == 409  # not open yet
    response = post(client, f"/admin/periods/{period.id}/open", htmx=True)
    assert response.status_code == 200 and "Period Triwulan I 2027 is open." in text(response)
    # Closing is a job: the row's button starts it and htmx goes to its page, which takes its
    # steps (each answer asks for the next) until the period is closed.
    response = post(client, f"/admin/periods/{period.id}/close", htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/admin/periods/{period.id}/job"
    db.session.expire_all()
    assert db.session.get(Period, period.id).status == PeriodStatus.CLOSING
    page = text(client.get(f"/admin/periods/{period.id}/job"))
    assert "Closing Triwulan I 2027" in page and 'hx-trigger="load delay:200ms, submit"' in page
    for _ in range(5):
        page = text(post(client, f"/admin/periods/{period.id}/job/step", htmx=True))
        if 'data-status="done"' in page:
            break
    assert "Period Triwulan I 2027 is closed: 0 reports and sheets are frozen." in page
    db.session.expire_all()
    assert db.session.get(Period, period.id).status == PeriodStatus.CLOSED
    assert post(client, f"/admin/periods/{period.id}/close", htmx=True).status_code == 409  # closed already
    no_reason = post(client, f"/admin/periods/{period.id}/reopen", {"reason": " "}, htmx=True)
    assert no_reason.status_code == 422 and "Say why" in text(no_reason)
    form = client.get(f"/admin/periods/{period.id}/reopen", headers={"HX-Request": "true"})
    assert 'name="reason"' in text(form)
    client.set_cookie("lang", "id")
    response = post(client, f"/admin/periods/{period.id}/reopen", {"reason": "Late kiosk uploads"})
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/periods/{period.id}/job"
    page = text(post(client, f"/admin/periods/{period.id}/job/step"))
    assert "Periode Triwulan I 2027 dibuka kembali." in page
    db.session.expire_all()
    assert db.session.get(Period, period.id).status == PeriodStatus.OPEN
    entries = audit_entries(entity="period")
    assert [e.action for e in entries] == ["create", "open", "close_start", "close", "reopen"]
    assert entries[-1].before == {"status": "closed"} and entries[-1].after == {
        "status": "open",
        "reason": "Late kiosk uploads",
    }


def test_periods_may_not_overlap(client, admin, counter):
    make_period(name="Triwulan I", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31))
    response = post(
        client, "/admin/periods", {"name": "Maret", "starts_on": "2027-03-15", "ends_on": "2027-04-15"}, htmx=True
    )
    assert response.status_code == 422 and "overlaps Triwulan I" in text(response)
    backwards = post(
        client, "/admin/periods", {"name": "X", "starts_on": "2027-05-02", "ends_on": "2027-05-01"}, htmx=True
    )
    assert backwards.status_code == 422 and "must not be before" in text(backwards)
    garbage = post(client, "/admin/periods", {"name": "X", "starts_on": "1 Mei", "ends_on": ""}, htmx=True)
    assert garbage.status_code == 422 and "YYYY-MM-DD" in text(garbage)
    assert counter(Period) == 1


def test_a_period_with_responses_cannot_be_deleted_nor_moved(client, admin, counter):
    period = make_period()
    add_vote(period, make_desk(), None, 3)
    db.session.commit()
    refused = post(client, f"/admin/periods/{period.id}/delete", htmx=True)
    assert refused.status_code == 409 and "cannot be deleted" in text(refused)
    moved = post(
        client,
        f"/admin/periods/{period.id}/edit",
        {"name": period.name, "starts_on": "2020-01-01", "ends_on": "2020-02-01"},
        htmx=True,
    )
    assert moved.status_code == 422 and "can no longer change" in text(moved)
    renamed = post(
        client,
        f"/admin/periods/{period.id}/edit",
        {"name": "Renamed", "starts_on": period.starts_on.isoformat(), "ends_on": period.ends_on.isoformat()},
        htmx=True,
    )
    assert renamed.status_code == 200
    empty = make_period(status=PeriodStatus.DRAFT, starts_on=date(2030, 1, 1), ends_on=date(2030, 3, 31))
    assert post(client, f"/admin/periods/{empty.id}/delete").status_code == 303
    assert counter(Period) == 1


def test_close_period_is_the_domain_function_issue_4_builds_on(ctx):
    admin = make_user(Role.ADMIN)
    period = make_period()
    close_period(period, admin, datetime(2026, 12, 31, 17, tzinfo=timezone.utc))
    db.session.commit()
    started, entry = audit_entries(entity="period")
    assert (started.action, entry.action) == ("close_start", "close")
    assert entry.at == started.at == datetime(2026, 12, 31, 17, tzinfo=timezone.utc)
    supervisor = make_user(Role.SUPERVISOR)
    with pytest.raises(AccessDenied):
        reopen_period(period, supervisor, "why not")


# --- Indicators ----------------------------------------------------------------------------------------


def _indicator_form(indicator: Indicator, **changes) -> dict:
    form = {
        "kind": indicator.kind.value,
        "channel": indicator.channel.value,
        "text_id": indicator.text_id,
        "text_en": indicator.text_en,
        "skm_element": indicator.skm_element or "",
        "position": indicator.position,
        "weight": "" if indicator.weight is None else str(indicator.weight),
        "active": "1",
    }
    form.update(changes)
    # A checkbox left unticked is not sent at all.
    data = [(k, v) for k, v in form.items() if k not in ("labels_id", "labels_en") and not (k == "active" and not v)]
    for name in ("labels_id", "labels_en"):
        data += [(name, label) for label in changes.get(name, getattr(indicator, name))]
    return data


def test_the_nine_skm_elements_are_there_from_the_start(client, admin):
    html = text(client.get("/admin/indicators"))
    for element in range(1, 10):
        assert f"<code>U{element}</code>" in html
    assert len(weighted_indicators()) == 9


def test_editing_an_unanswered_indicator_changes_it_in_place(client, admin, counter):
    u9 = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U9"))
    before = counter(Indicator)
    response = post(
        client,
        f"/admin/indicators/{u9.id}/edit",
        MultiDict(_indicator_form(u9, text_id="Bagaimana kualitas ruang tunggu?")),
        htmx=True,
    )
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "indicator-saved"
    db.session.expire_all()
    assert (
        db.session.get(Indicator, u9.id).text_id == "Bagaimana kualitas ruang tunggu?" and counter(Indicator) == before
    )


def test_editing_an_answered_indicator_makes_a_new_version_and_keeps_past_answers(client, admin, counter):
    u7 = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U7"))
    old_text, old_labels = u7.text_id, list(u7.labels_id)
    answered = add_survey(make_period(), make_desk(), None, [4, 4, 4, 4, 4, 4, 2])
    db.session.commit()
    before = counter(Indicator)
    response = post(
        client,
        f"/admin/indicators/{u7.id}/edit",
        MultiDict(_indicator_form(u7, text_id="Apakah petugas sopan?", labels_id=["Tidak", "Kurang", "Ya", "Sangat"])),
        htmx=True,
    )
    assert response.status_code == 200 and "U7-v2" in text(response)
    db.session.expire_all()
    old = db.session.get(Indicator, u7.id)
    assert (old.text_id, old.labels_id, old.active) == (old_text, old_labels, False)
    new = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U7-v2"))
    assert (new.text_id, new.labels_id, new.skm_element, new.active) == (
        "Apakah petugas sopan?",
        ["Tidak", "Kurang", "Ya", "Sangat"],
        "U7",
        True,
    )
    assert answers_by_code(answered)["U7"] == 2  # the answer still means what it meant
    assert counter(Indicator) == before + 1
    assert [e.action for e in audit_entries(entity="indicator")] == ["version", "create"]
    # Settings that do not change meaning are edited in place, even on an answered indicator.
    response = post(
        client, f"/admin/indicators/{u7.id}/edit", MultiDict(_indicator_form(old, position="42", active="")), htmx=True
    )
    db.session.expire_all()
    assert db.session.get(Indicator, u7.id).position == 42 and counter(Indicator) == before + 1


def test_an_answered_indicator_cannot_be_deleted(client, admin, counter):
    u1 = db.session.scalar(sa.select(Indicator).where(Indicator.code == "U1"))
    add_survey(make_period(), make_desk(), None, [3])
    db.session.commit()
    refused = post(client, f"/admin/indicators/{u1.id}/delete", htmx=True)
    assert refused.status_code == 409 and "switch it off instead" in text(refused)
    assert db.session.get(Indicator, u1.id) is not None


def test_create_an_indicator_and_refuse_a_bad_one(client, admin, counter):
    before = counter(Indicator)
    good = MultiDict(
        [
            ("code", "R_ANTRE"),
            ("kind", "reason"),
            ("channel", "kiosk"),
            ("text_id", "Antrean"),
            ("text_en", "Queue"),
            ("skm_element", "U3"),
            ("position", "120"),
            ("active", "1"),
        ]
    )
    response = post(client, "/admin/indicators", good, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "indicator-created"
    created = db.session.scalar(sa.select(Indicator).where(Indicator.code == "R_ANTRE"))
    assert (created.kind.value, created.channel.value, created.labels_id) == ("reason", "kiosk", [])
    bad = MultiDict(
        [
            ("code", "U10"),
            ("kind", "scale"),
            ("channel", "qr"),
            ("text_id", ""),
            ("skm_element", "U3"),
            ("labels_id", "a"),
            ("position", "x"),
            ("active", "1"),
        ]
    )
    refused = post(client, "/admin/indicators", bad, htmx=True)
    html = text(refused)
    assert refused.status_code == 422
    assert "This field is required." in html and "all four answer labels" in html and "Enter a whole number." in html
    repeated = MultiDict(
        [("code", "U10"), ("kind", "scale"), ("channel", "qr"), ("text_id", "Lagi U3?"), ("skm_element", "U3")]
        + [("labels_id", x) for x in "abcd"]
        + [("active", "1")]
    )
    refused = post(client, "/admin/indicators", repeated, htmx=True)
    assert refused.status_code == 422 and "already measures element U3" in text(refused)
    assert counter(Indicator) == before + 1


def test_weights_are_all_empty_or_sum_to_one(client, admin):
    skm = weighted_indicators()
    thirds = {f"weight-{i.id}": "0.111" for i in skm}
    refused = post(client, "/admin/indicators/weights", thirds, htmx=True)
    assert refused.status_code == 409 and "add up to 0.999" in text(refused)
    partial = post(client, "/admin/indicators/weights", {f"weight-{skm[0].id}": "1"}, htmx=True)
    assert partial.status_code == 409 and "not for all" in text(partial)
    garbage = post(client, "/admin/indicators/weights", {f"weight-{skm[0].id}": "lots"}, htmx=True)
    assert garbage.status_code == 422 and "from 0 to 1" in text(garbage)
    db.session.expire_all()
    assert all(i.weight is None for i in weighted_indicators())
    weights = {f"weight-{i.id}": ("0.2" if n == 0 else "0.1") for n, i in enumerate(skm)}
    saved = post(client, "/admin/indicators/weights", weights, htmx=True)
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "weights-saved"
    db.session.expire_all()
    assert sum(i.weight for i in weighted_indicators()) == Decimal("1")
    assert len(audit_entries(entity="indicator", action="update")) == 9
    # Now weighted: switching one element off would break the sum, so it is refused.
    u1 = db.session.get(Indicator, skm[0].id)
    off = post(client, f"/admin/indicators/{u1.id}/edit", MultiDict(_indicator_form(u1, active="")), htmx=True)
    assert off.status_code == 409 and "add up to exactly 1" in text(off)
    db.session.expire_all()
    assert db.session.get(Indicator, u1.id).active is True


# --- Every form of what every unit shares, refused field by field ---------------------------------------

TOO_LONG = ("At most {} characters.", "Paling banyak {} karakter.")
REQUIRED = ("This field is required.", "Kolom ini wajib diisi.")
CHOICE = ("Choose one of the options.", "Pilih salah satu pilihan.")


def _period(**values):
    return {"name": "Triwulan III 2031", "starts_on": "2031-07-01", "ends_on": "2031-09-30", **values}


def _indicator(**values):
    data = {
        "code": "U10",
        "kind": "scale",
        "channel": "qr",
        "text_id": "Bagaimana kebersihan ruang tunggu?",
        "skm_element": "",
        "weight": "",
        "position": "10",
        "active": "1",
        **values,
    }
    labels = data.pop("labels", ["Buruk", "Kurang", "Baik", "Sangat baik"])
    return MultiDict(list(data.items()) + [("labels_id", label) for label in labels])


BAD_INPUT = [
    # (what is sent: (a period with responses, a closed period) -> url, form, field id; the messages; the model)
    (lambda p, c: ("/admin/periods", _period(name=""), "period-new-name"), REQUIRED, Period),
    (lambda p, c: ("/admin/periods", _period(name="n" * 101), "period-new-name"), TOO_LONG, Period, 100),
    (
        lambda p, c: ("/admin/periods", _period(starts_on="1 Juli"), "period-new-starts_on"),
        ("Enter a date as YYYY-MM-DD.", "Tulis tanggal sebagai TTTT-BB-HH."),
        Period,
    ),
    (lambda p, c: ("/admin/periods", _period(ends_on=""), "period-new-ends_on"), REQUIRED, Period),
    (
        lambda p, c: ("/admin/periods", _period(ends_on="2031-06-30"), "period-new-ends_on"),
        ("The end date must not be before the start date.", "Tanggal akhir tidak boleh sebelum tanggal mulai."),
        Period,
    ),
    (
        lambda p, c: (
            "/admin/periods",
            _period(starts_on=p.ends_on.isoformat(), ends_on="2040-01-01"),
            "period-new-starts_on",
        ),
        ("This period overlaps", "Periode ini tumpang tindih dengan"),
        Period,
    ),
    (
        lambda p, c: (f"/admin/periods/{p.id}/edit", _period(name=p.name), f"period-{p.id}-starts_on"),
        (
            "This period has responses: its dates can no longer change.",
            "Periode ini memiliki tanggapan: tanggalnya tidak dapat diubah lagi.",
        ),
        Period,
    ),
    (
        lambda p, c: (f"/admin/periods/{c.id}/reopen", {"reason": " "}, f"reopen-{c.id}-reason"),
        ("Say why the period is reopened.", "Tuliskan alasan periode dibuka kembali."),
        Period,
    ),
    (
        lambda p, c: (f"/admin/periods/{c.id}/reopen", {"reason": "r" * 501}, f"reopen-{c.id}-reason"),
        TOO_LONG,
        Period,
        500,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(code=""), "indicator-new-code"),
        ("Use lowercase letters, digits and dashes only.", "Gunakan huruf kecil, angka, dan tanda hubung saja."),
        Indicator,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(code="U1"), "indicator-new-code"),
        ("This code is already used.", "Kode ini sudah dipakai."),
        Indicator,
    ),
    (lambda p, c: ("/admin/indicators", _indicator(kind="essay"), "indicator-new-kind"), CHOICE, Indicator),
    (lambda p, c: ("/admin/indicators", _indicator(channel="fax"), "indicator-new-channel"), CHOICE, Indicator),
    (lambda p, c: ("/admin/indicators", _indicator(text_id=""), "indicator-new-text_id"), REQUIRED, Indicator),
    (
        lambda p, c: ("/admin/indicators", _indicator(text_en="t" * 301), "indicator-new-text_en"),
        TOO_LONG,
        Indicator,
        300,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(skm_element="X3"), "indicator-new-skm_element"),
        ("An SKM element is U followed by a number, e.g. U3.", "Unsur SKM ditulis U diikuti angka, misalnya U3."),
        Indicator,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(skm_element="U3"), "indicator-new-skm_element"),
        (
            "Another active survey question already measures element U3.",
            "Pertanyaan survei aktif lain sudah mengukur unsur U3.",
        ),
        Indicator,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(weight="1.5"), "indicator-new-weight"),
        (
            "Enter a number from 0 to 1, e.g. 0.125, or leave it empty.",
            "Tulis angka dari 0 sampai 1, misalnya 0.125, atau kosongkan.",
        ),
        Indicator,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(position="sepuluh"), "indicator-new-position"),
        ("Enter a whole number.", "Tulis bilangan bulat."),
        Indicator,
    ),
    (
        lambda p, c: ("/admin/indicators", _indicator(labels=["Buruk", "", "Baik"]), None),
        (
            "A scale question needs all four answer labels, from worst to best.",
            "Pertanyaan skala memerlukan keempat label jawaban, dari terburuk sampai terbaik.",
        ),
        Indicator,
    ),
    (
        lambda p, c: (f"/admin/periods/{p.id}/policy", _policy(min_n="0"), "policy-min_n"),
        ("Enter a whole number of at least 1.", "Tulis bilangan bulat paling kecil 1."),
        Period,
    ),
    (
        lambda p, c: (f"/admin/periods/{p.id}/policy", _policy(qr_weight_pct="101"), "policy-qr_weight_pct"),
        ("Enter a whole number from 0 to 100.", "Tulis bilangan bulat dari 0 sampai 100."),
        Period,
    ),
    (
        lambda p, c: (f"/admin/periods/{p.id}/policy", _policy(rating_above="88.315"), "policy-rating_above"),
        (
            "Enter a score from 25 to 100 with at most two decimals, e.g. 88.31.",
            "Tulis skor dari 25 sampai 100 dengan paling banyak dua angka desimal, misalnya 88.31.",
        ),
        Period,
    ),
    (
        lambda p, c: (f"/admin/periods/{p.id}/policy", _policy(rating_below="95"), "policy-rating_below"),
        (
            "The lower threshold must not be above the upper one.",
            "Ambang bawah tidak boleh lebih tinggi daripada ambang atas.",
        ),
        Period,
    ),
]


def _policy(**values):
    return {
        "min_n": "30",
        "qr_weight_pct": "70",
        "rating_above": "88.31",
        "rating_below": "76.61",
        "verified_weight": "1",
        **values,
    }


@pytest.mark.parametrize("case", BAD_INPUT, ids=[f"{i}" for i in range(len(BAD_INPUT))])
def test_each_bad_value_is_refused_in_both_languages_and_nothing_changes(client, admin, counter, case):
    make_input, (english, indonesian), model, *limit = case
    period = make_period(name="Triwulan I 2031", starts_on=date(2031, 1, 1), ends_on=date(2031, 3, 31), min_n=30)
    add_vote(period, make_desk(), None, 3, at=datetime(2031, 2, 1, tzinfo=timezone.utc))
    closed = make_period(
        name="Triwulan IV 2030", status=PeriodStatus.CLOSED, starts_on=date(2030, 10, 1), ends_on=date(2030, 12, 31)
    )
    db.session.commit()
    url, data, field_id = make_input(period, closed)
    if limit:
        english, indonesian = english.format(limit[0]), indonesian.format(limit[0])
    rows, entries = counter(model), counter(AuditLog)
    refused(client, url, data, field_id, english, indonesian)
    assert counter(model) == rows and counter(AuditLog) == entries
    db.session.expire_all()
    stored = db.session.get(Period, period.id)
    assert (stored.name, stored.starts_on, stored.min_n) == ("Triwulan I 2031", date(2031, 1, 1), 30)
    assert db.session.get(Period, closed.id).status == PeriodStatus.CLOSED


def test_the_scoring_policy_is_set_and_a_closed_periods_policy_is_frozen(client, admin):
    period = make_period(min_n=30)
    page = client.get(f"/admin/periods/{period.id}/policy")
    assert page.status_code == 200 and 'id="policy-min_n"' in text(page) and 'value="30"' in text(page)
    saved = post(client, f"/admin/periods/{period.id}/policy", _policy(min_n="12", rating_above="90,5"))
    assert saved.status_code == 303 and saved.headers["Location"] == f"/admin/periods/{period.id}/policy"
    db.session.expire_all()
    stored = db.session.get(Period, period.id)
    assert (stored.min_n, stored.rating_above) == (12, Decimal("90.5"))
    [entry] = audit_entries(entity="period")
    assert (entry.before, entry.after) == (
        {"min_n": 30, "rating_above": "88.31"},
        {"min_n": 12, "rating_above": "90.5"},
    )
    closed = make_period(status=PeriodStatus.CLOSED, starts_on=date(2020, 1, 1), ends_on=date(2020, 3, 31))
    assert "disabled" in text(client.get(f"/admin/periods/{closed.id}/policy"))
    refused(
        client,
        f"/admin/periods/{closed.id}/policy",
        _policy(min_n="12"),
        None,
        "This period is closed: its scores are frozen. An administrator can reopen it.",
        "Periode ini sudah ditutup: skornya sudah dikunci. Administrator dapat membukanya kembali.",
        status=409,
    )
    db.session.expire_all()
    assert db.session.get(Period, closed.id).min_n == 30


@pytest.mark.parametrize(
    "weights,status,english,indonesian",
    [
        (
            {0: "lots"},
            422,
            "Enter a number from 0 to 1, e.g. 0.125, or leave it empty.",
            "Tulis angka dari 0 sampai 1, misalnya 0.125, atau kosongkan.",
        ),
        (
            {0: "0.0000001"},
            422,
            "Enter a number from 0 to 1, e.g. 0.125, or leave it empty.",
            "Tulis angka dari 0 sampai 1, misalnya 0.125, atau kosongkan.",
        ),
        (
            {0: "1"},
            409,
            "Weights are set for some survey elements but not for all",
            "Bobot diisi untuk sebagian unsur survei tetapi tidak semua",
        ),
        (dict.fromkeys(range(9), "0,111"), 409, "they add up to 0.999", "sekarang jumlahnya 0.999"),
    ],
)
def test_bad_weights_are_refused_in_both_languages(client, admin, weights, status, english, indonesian):
    skm = weighted_indicators()
    form = {f"weight-{skm[n].id}": value for n, value in weights.items()}
    field_id = f"weights-weight-{skm[0].id}" if status == 422 else None
    refused(client, "/admin/indicators/weights", form, field_id, english, indonesian, status=status)
    db.session.expire_all()
    assert all(i.weight is None for i in weighted_indicators()) and audit_entries() == []


def test_the_weights_come_again_on_their_own_address(client, admin):
    page = client.get("/admin/indicators/weights")
    partial = client.get("/admin/indicators/weights", headers={"HX-Request": "true"})
    assert page.status_code == partial.status_code == 200
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in partial.headers["Vary"]
    assert "<html" in text(page) and 'id="indicators"' in text(page) and 'id="weights"' in text(page)
    assert "<html" not in text(partial) and text(partial).lstrip().startswith('<div id="weights"')
    assert 'hx-get="/admin/indicators/weights"' in text(partial)
    assert f'name="weight-{weighted_indicators()[0].id}"' in text(partial)


def test_the_policy_form_names_the_regulations_defaults_in_both_languages(client, admin):
    period = make_period()
    english = text(client.get(f"/admin/periods/{period.id}/policy"))
    for hint in (
        "never as a grade. Default 30.",
        "Default 70 (survey 70%, kiosk 30%).",
        "On the 25–100 scale. Default 88.31, the lower bound of grade A.",
        "Default 76.61, the lower bound of grade B.",
    ):
        assert hint in english
    client.set_cookie("lang", "id")
    indonesian = text(client.get(f"/admin/periods/{period.id}/policy"))
    for hint in (
        "Nilai bawaan 30.",
        "Nilai bawaan 70 (survei 70%, kios 30%).",
        "Pada skala 25–100. Nilai bawaan 88.31, batas bawah mutu A.",
        "Nilai bawaan 76.61, batas bawah mutu B.",
    ):
        assert hint in indonesian


def test_weights_count_only_where_the_scoring_takes_them(ctx):
    def policy(**weights):
        return Policy(30, Fraction(7, 10), Fraction(3, 10), Decimal("88.31"), Decimal("76.61"), weights)

    half = Fraction(1, 2)
    assert weights_for(["U1", "U2"], policy(U1=half, U2=half)) == {"U1": half, "U2": half}
    assert weights_for(["U1", "U2"], policy(U1=None, U2=None)) is None  # 1/n each
    assert weights_for(["U1", "U2"], policy(U1=half)) is None  # not for all of them
    assert weights_for(["U1"], policy(U1=half, U2=half)) is None  # not summing to 1 over them
    assert weights_for([], policy()) is None
