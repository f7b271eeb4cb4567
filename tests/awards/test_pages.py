"""The pages of the officer of the month: the unit's months, a month's standings with the
proposal and the confirmation form, the certificate (print and a real PDF, in both languages) and
each officer's history, each behind its scope."""

import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from awards import queries, rules
from awards.models import Award, AwardStatus
from core.db import db, utcnow
from org.models import Role
from tests.factories import (
    add_vote,
    audit_entries,
    make_desk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    sign_in,
    text,
)

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "artifacts", "awards")


class World:
    pass


@pytest.fixture
def world(client, factories):
    """A unit in WITA with last month ended (real time: the views read the clock) and three
    officers in it: Budi first, Citra second, Dedi without enough responses."""
    w = World()
    w.unit = make_unit(timezone="Asia/Makassar", name="Kantor Samsat Makassar")
    desk = make_desk(unit=w.unit)
    today = queries.local_today(w.unit, utcnow())
    w.month = rules.previous_month(today)
    w.period = make_period(starts_on=rules.previous_month(w.month), ends_on=today + timedelta(days=40), min_n=3)
    w.best = make_officer(unit=w.unit, name="Budi Solid", position="Pengelola Layanan")
    w.second = make_officer(unit=w.unit, name="Citra Biasa")
    w.few = make_officer(unit=w.unit, name="Dedi Sedikit")
    at = datetime(w.month.year, w.month.month, 10, 3, tzinfo=timezone.utc)
    for officer, faces in ((w.best, [4] * 8 + [3] * 2), (w.second, [3] * 10), (w.few, [4] * 2)):
        for i, face in enumerate(faces):
            add_vote(w.period, desk, officer, face, at=at + timedelta(minutes=i))
    db.session.commit()
    w.supervisor = make_user(Role.SUPERVISOR, unit=w.unit)
    w.key = f"{w.month:%Y-%m}"
    w.url = f"/admin/awards/units/{w.unit.id}/periods/{w.period.id}/months/{w.key}"
    return w


def award_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Award))


def confirm(client, w, **data):
    return post(client, w.url + "/confirm", {"officer": w.best.id, "citation": "Ramah dan cepat.", **data})


def test_the_supervisor_sees_the_months_and_confirms_the_proposal(client, world):
    w = world
    sign_in(client, w.supervisor)
    client.set_cookie("lang", "en")
    assert client.get("/admin/awards/").headers["Location"].endswith(f"/admin/awards/units/{w.unit.id}")
    months = text(client.get(f"/admin/awards/units/{w.unit.id}"))
    assert w.url in months and "awaiting confirmation" in months and "in progress (provisional)" in months
    page = text(client.get(w.url))
    assert "proposal" in page and "Budi Solid" in page
    assert page.index("Budi Solid") < page.index("Citra Biasa") < page.index("Dedi Sedikit")
    assert "Not enough data" in page  # Dedi: 2 votes, below 3
    assert 'name="officer"' in page and f'<option value="{w.best.id}" selected>' in page
    answer = confirm(client, w)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(w.url)
    award = db.session.scalar(sa.select(Award))
    assert (award.officer_id, award.n, award.status) == (w.best.id, 10, AwardStatus.CONFIRMED)
    page = text(client.get(w.url))
    assert "Confirmed: Budi Solid" in page and "WITA" in page and 'id="confirm"' not in page
    assert f"/admin/awards/{award.id}/certificate" in page


def test_the_page_speaks_bahasa_indonesia_by_default(client, world):
    sign_in(client, world.supervisor)
    page = text(client.get(world.url))
    assert "Usulan sistem" in page and "Petugas terbaik bulan ini" in page and "Tetapkan" in page
    assert "The product" not in page


def test_a_refused_confirmation_shows_why_beside_its_field_and_changes_nothing(client, world):
    w = world
    sign_in(client, w.supervisor)
    client.set_cookie("lang", "en")
    answer = confirm(client, w, officer=w.second.id, reason="")
    assert answer.status_code == 422
    page = text(answer)
    assert 'id="confirm-reason-error"' in page and "Say why you recognise another officer" in page
    answer = confirm(client, w, officer=w.few.id, reason="He tried")
    assert answer.status_code == 422 and 'id="confirm-officer-error"' in text(answer)
    answer = confirm(client, w, officer="", reason="")
    assert answer.status_code == 422
    answer = confirm(client, w, citation="x" * 501)
    assert answer.status_code == 422 and "At most 500 characters." in text(answer)
    assert award_count() == 0 and audit_entries(entity="award") == []
    assert confirm(client, w).status_code == 303
    answer = confirm(client, w, officer=w.second.id, reason="again")
    assert answer.status_code == 409 and "already has a confirmed officer of the month" in text(answer)
    assert award_count() == 1


def test_the_current_month_is_provisional_and_cannot_be_confirmed(client, world):
    w = world
    sign_in(client, w.supervisor)
    client.set_cookie("lang", "en")
    current = rules.next_month(w.month)
    url = f"/admin/awards/units/{w.unit.id}/periods/{w.period.id}/months/{current:%Y-%m}"
    page = text(client.get(url))
    assert "provisional" in page and 'id="confirm"' not in page
    answer = post(client, url + "/confirm", {"officer": w.best.id})
    assert answer.status_code == 409 and "has not ended yet" in text(answer)
    assert award_count() == 0


@pytest.mark.parametrize("month", ["2026-13", "abcd", "1999-01", "0000-01"])
def test_a_month_that_is_not_offered_is_not_found(client, world, month):
    sign_in(client, world.supervisor)
    assert (
        client.get(f"/admin/awards/units/{world.unit.id}/periods/{world.period.id}/months/{month}").status_code == 404
    )


def test_another_units_supervisor_and_an_officer_are_refused(client, world):
    w = world
    sign_in(client, make_user(Role.SUPERVISOR, unit=make_unit()))
    assert client.get(w.url).status_code == 403
    assert client.get(f"/admin/awards/units/{w.unit.id}").status_code == 403
    assert confirm(client, w).status_code == 403
    sign_in(client, make_user(Role.OFFICER, officer=w.best))
    assert client.get(w.url).status_code == 403
    assert confirm(client, w).status_code == 403
    assert award_count() == 0


def confirmed(w) -> Award:
    from awards.operations import confirm_award

    award = confirm_award(w.supervisor, w.unit, w.period, w.month, w.best.id, citation="Pelayanan paling ramah.")
    db.session.commit()
    return award


def test_withdrawing_through_the_page(client, world):
    w = world
    award = confirmed(w)
    sign_in(client, w.supervisor)
    client.set_cookie("lang", "en")
    answer = post(client, f"/admin/awards/{award.id}/withdraw", {"reason": ""})
    assert answer.status_code == 422 and "Say why the award is withdrawn." in text(answer)
    db.session.expire_all()
    assert db.session.get(Award, award.id).status == AwardStatus.CONFIRMED
    answer = post(client, f"/admin/awards/{award.id}/withdraw", {"reason": "Complaint upheld."})
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Award, award.id).status == AwardStatus.WITHDRAWN
    page = text(client.get(w.url))
    assert "Withdrawn awards of this month" in page and "Complaint upheld." in page and 'id="confirm"' in page
    assert client.get(f"/admin/awards/{award.id}/certificate").status_code == 404
    history = text(client.get(f"/admin/awards/officers/{w.best.id}"))
    assert "withdrawn" in history and "Complaint upheld." in history


def test_the_certificate_in_both_languages_for_the_supervisor_and_the_officer(client, world):
    w = world
    award = confirmed(w)
    sign_in(client, w.supervisor)
    page = text(client.get(f"/admin/awards/{award.id}/certificate"))
    assert "Budi Solid" in page and "Pelayanan paling ramah." in page and "WITA" in page
    english = text(client.get(f"/admin/awards/{award.id}/certificate?lang=en"))
    assert "Certificate of recognition" in english and "Officer of the month" in english
    sign_in(client, make_user(Role.OFFICER, officer=w.best))
    assert client.get(f"/admin/awards/{award.id}/certificate").status_code == 200
    sign_in(client, make_user(Role.OFFICER, officer=w.second))
    assert client.get(f"/admin/awards/{award.id}/certificate").status_code == 403
    assert client.get(f"/admin/awards/{award.id}/certificate.pdf").status_code == 403
    sign_in(client, make_user(Role.SUPERVISOR, unit=make_unit()))
    assert client.get(f"/admin/awards/{award.id}/certificate").status_code == 403


@pytest.mark.parametrize("lang, words", [("id", "Piagam Penghargaan"), ("en", "Certificate of recognition")])
def test_the_certificate_pdf_is_a_real_pdf_with_the_name(client, world, tmp_path, lang, words):
    w = world
    award = confirmed(w)
    sign_in(client, make_user(Role.OFFICER, officer=w.best))
    answer = client.get(f"/admin/awards/{award.id}/certificate.pdf?lang={lang}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert f'filename="piagam-{w.best.nip}-{w.key}-{lang}.pdf"' in answer.headers["Content-Disposition"]
    path = tmp_path / "certificate.pdf"
    path.write_bytes(answer.data)
    words_in_pdf = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = " ".join(words_in_pdf.split())
    assert "Budi Solid" in flat and words.upper() in flat.upper() and "Pelayanan paling ramah." in flat
    assert "Download PDF" not in flat and "Unduh PDF" not in flat
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert re.search(r"Pages:\s+1\n", info), info  # one page, A4 landscape (841.89 x 595.28 pt)
    assert "841.89 x 595.276" in info
    os.makedirs(ARTIFACTS, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(path), os.path.join(ARTIFACTS, f"certificate-{lang}")], check=True
    )


def test_the_award_history_for_the_officer_and_the_supervisor(client, world):
    w = world
    award = confirmed(w)
    sign_in(client, make_user(Role.OFFICER, officer=w.best))
    client.set_cookie("lang", "en")
    assert client.get("/admin/awards/").headers["Location"].endswith(f"/admin/awards/officers/{w.best.id}")
    page = text(client.get(f"/admin/awards/officers/{w.best.id}"))
    assert "Award history" in page and "ranking score 88.52 from 10 counted responses" in page
    assert f"/admin/awards/{award.id}/certificate" in page
    assert client.get(f"/admin/awards/officers/{w.second.id}").status_code == 403  # another officer's
    sign_in(client, make_user(Role.OFFICER, officer=w.second))
    page = text(client.get(f"/admin/awards/officers/{w.second.id}"))
    assert "You have no awards yet" in page
    sign_in(client, w.supervisor)
    assert "Budi Solid" in text(client.get(f"/admin/awards/officers/{w.best.id}"))
    sign_in(client, make_user(Role.SUPERVISOR, unit=make_unit()))
    assert client.get(f"/admin/awards/officers/{w.best.id}").status_code == 403


def test_an_award_of_a_month_no_longer_offered_is_withdrawn_from_the_history(client, world):
    w = world
    old = make_period(
        starts_on=w.period.starts_on - timedelta(days=200),
        ends_on=w.period.starts_on - timedelta(days=120),
        status="closed",
    )
    # The period between them is the one before the open period: the old one is no longer offered.
    make_period(
        starts_on=old.ends_on + timedelta(days=1), ends_on=w.period.starts_on - timedelta(days=1), status="closed"
    )
    award = Award(unit_id=w.unit.id, period_id=old.id, month=old.starts_on.replace(day=1), officer_id=w.best.id)
    db.session.add(award)
    db.session.commit()
    sign_in(client, w.supervisor)
    client.set_cookie("lang", "en")
    answer = post(client, f"/admin/awards/{award.id}/withdraw", {"reason": " "})
    assert answer.status_code == 422 and "Say why the award is withdrawn." in text(answer)
    answer = post(client, f"/admin/awards/{award.id}/withdraw", {"reason": "Entered by mistake."})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/admin/awards/officers/{w.best.id}")
    db.session.expire_all()
    assert db.session.get(Award, award.id).status == AwardStatus.WITHDRAWN
