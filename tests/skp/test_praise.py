"""Praise between colleagues (issue 16, item 4): an officer praises a colleague of her unit on a
BerAKHLAK value or her work as a whole, in the open period; the praise is a named, dated
continuous-feedback note ("colleague") that the evaluation shows; anyone else, and any bad
input, is refused with nothing stored."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from appraisal.models import PeriodStatus
from core.db import db
from core.errors import AccessDenied, AdminError
from org.models import Role
from skp.errors import SkpError
from skp.models import FeedbackNote, SkpStatus
from skp.realisation import add_praise, page_context, praise_targets
from tests.factories import (
    audit_entries,
    make_line,
    make_officer,
    make_period,
    make_skp,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
    text,
)

URL = "/admin/skp/praise"


@pytest.fixture
def office(ctx):
    """A WITA unit: Ani (agreed SKP) with her appraiser Budi, her colleague Citra who praises,
    Dedi (SKP still a draft); an officer of another unit with an agreed SKP; an open period."""
    unit = make_unit(timezone="Asia/Makassar")
    period = make_period()
    ani, budi, citra = (make_officer(unit=unit, name=name) for name in ("Ani", "Budi", "Citra"))
    dedi = make_officer(unit=unit, name="Dedi")
    make_line(ani, budi)
    elsewhere = make_officer(name="Eko")
    year = period.starts_on.year
    return {
        "unit": unit,
        "period": period,
        "ani": ani,
        "skp": make_skp(ani, year=year),
        "draft": make_skp(dedi, year=year, agreed=False),
        "far_skp": make_skp(elsewhere, year=year),
        "elsewhere": elsewhere,
        "ani_user": make_user(Role.OFFICER, officer=ani, name="Ani"),
        "budi_user": make_user(Role.OFFICER, officer=budi, name="Budi"),
        "citra_user": make_user(Role.OFFICER, officer=citra, name="Citra"),
        "supervisor": make_user(Role.SUPERVISOR, unit=unit),
    }


def notes() -> list[tuple]:
    db.session.expire_all()
    return [
        (n.skp_id, n.value, n.text, n.author_role)
        for n in db.session.scalars(sa.select(FeedbackNote).order_by(FeedbackNote.id))
    ]


def test_a_colleague_praises_and_the_evaluation_shows_it(client, office):
    sign_in(client, office["citra_user"])
    client.set_cookie("lang", "en")
    page = text(client.get(URL))
    # Only colleagues of her unit with an agreed SKP are offered: Ani (not Dedi, not Eko, not herself).
    assert f'<option value="{office["ani"].id}"' in page
    for officer_id in (office["draft"].officer_id, office["elsewhere"].id, office["citra_user"].officer_id):
        assert f'<option value="{officer_id}"' not in page
    response = post(
        client, URL, {"colleague": str(office["ani"].id), "value": "kolaboratif", "text": "Sigap membantu loket lain"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    assert notes() == [(office["skp"].id, "kolaboratif", "Sigap membantu loket lain", "colleague")]
    entry = audit_entries(entity="skp_feedback")[0]
    assert entry.after["author_role"] == "colleague" and entry.after["value"] == "kolaboratif"
    after = text(client.get(URL))
    assert "Your praise for Ani is added." in after and "Sigap membantu loket lain" in after and "WITA" in after

    # Ani and her appraiser read it on the evaluation, under the value, named and dated.
    for user in (office["ani_user"], office["budi_user"]):
        sign_in(client, user)
        evaluation = text(client.get(f"/admin/skp/{office['skp'].id}/periods/{office['period'].id}"))
        region = evaluation[evaluation.index('id="feedback-value-kolaboratif"') :]
        assert "Sigap membantu loket lain" in region[:3000]
        assert "Citra (Colleague, praise)" in region[:3000]


def test_praise_on_the_work_as_a_whole(client, office):
    sign_in(client, office["citra_user"])
    assert post(client, URL, {"colleague": str(office["ani"].id), "text": "Terima kasih"}).status_code == 303
    context = page_context(office["skp"], office["period"], office["ani_user"])
    assert [(n["text"], n["role"]) for n in context["general"]["notes"]] == [("Terima kasih", "colleague")]


@pytest.mark.parametrize(
    ("data", "field", "english", "indonesian"),
    [
        ({"text": "Bagus"}, "praise-colleague", "Choose one of the options.", "Pilih salah satu pilihan."),
        (
            {"colleague": "elsewhere", "text": "Bagus"},
            "praise-colleague",
            "Choose one of the options.",
            "Pilih salah satu pilihan.",
        ),
        (
            {"colleague": "dedi", "text": "Bagus"},
            "praise-colleague",
            "Choose one of the options.",
            "Pilih salah satu pilihan.",
        ),
        (
            {"colleague": "citra", "text": "Bagus"},
            "praise-colleague",
            "Choose one of the options.",
            "Pilih salah satu pilihan.",
        ),
        ({"colleague": "ani", "text": "  "}, "praise-text", "This field is required.", "Kolom ini wajib diisi."),
        (
            {"colleague": "ani", "text": "x" * 2001},
            "praise-text",
            "At most 2000 characters.",
            "Paling banyak 2000 karakter.",
        ),
        (
            {"colleague": "ani", "text": "Bagus", "value": "malas"},
            None,
            "This is not one of the BerAKHLAK values.",
            "Ini bukan salah satu nilai BerAKHLAK.",
        ),
    ],
)
def test_bad_praise_is_refused_and_nothing_is_stored(client, office, data, field, english, indonesian):
    ids = {
        "ani": office["ani"].id,
        "elsewhere": office["elsewhere"].id,
        "dedi": office["draft"].officer_id,
        "citra": office["citra_user"].officer_id,
    }
    data = {**data, **({"colleague": str(ids[data["colleague"]])} if "colleague" in data else {})}
    sign_in(client, office["citra_user"])
    refused(client, URL, data, field, english, indonesian, status=422)
    assert notes() == [] and audit_entries() == []


def test_no_praise_without_an_open_period(client, office):
    office["period"].status = PeriodStatus.CLOSED
    db.session.commit()
    sign_in(client, office["citra_user"])
    client.set_cookie("lang", "en")
    assert "No period is open today" in text(client.get(URL))
    response = post(client, URL, {"colleague": str(office["ani"].id), "text": "Bagus"})
    assert response.status_code == 409 and "No period is open today" in text(response)
    assert notes() == []


def test_an_account_without_an_officer_praises_nobody(client, office):
    sign_in(client, office["supervisor"])
    client.set_cookie("lang", "en")
    assert "Only officers praise their colleagues" in text(client.get(URL))
    assert post(client, URL, {"colleague": str(office["ani"].id), "text": "Bagus"}).status_code == 422
    assert notes() == []


def test_the_operation_refuses_anyone_but_a_colleague_and_a_closed_skp(office):
    skp, period = office["skp"], office["period"]
    with pytest.raises(AccessDenied):  # herself
        add_praise(office["ani_user"], skp, period, "Saya hebat")
    with pytest.raises(AccessDenied):  # an account without an officer
        add_praise(office["supervisor"], skp, period, "Bagus")
    with pytest.raises(AccessDenied):  # an officer of another unit
        add_praise(make_user(Role.OFFICER, officer=office["elsewhere"]), skp, period, "Bagus")
    with pytest.raises(SkpError, match="unknown_value"):
        add_praise(office["citra_user"], skp, period, "Bagus", value="malas")
    skp.status = SkpStatus.DRAFT
    with pytest.raises(SkpError, match="skp_not_agreed"):
        add_praise(office["citra_user"], skp, period, "Bagus")
    skp.status = SkpStatus.AGREED
    period.status = PeriodStatus.CLOSED
    with pytest.raises(AdminError, match="period_closed"):
        add_praise(office["citra_user"], skp, period, "Bagus")
    db.session.rollback()
    assert notes() == []


def test_praise_is_dated_in_the_units_local_time(office):
    add_praise(
        office["citra_user"], office["skp"], office["period"], "Ramah", now=datetime(2026, 3, 1, 23, 5, tzinfo=UTC)
    )
    db.session.commit()
    # Outside a request the labels are in Bahasa Indonesia, the default language.
    shown = page_context(office["skp"], office["period"], office["budi_user"])["general"]["notes"]
    assert [(n["when"], n["author"], n["role_label"]) for n in shown] == [
        ("2026-03-02 07:05 WITA", "Citra", "Rekan kerja, pujian")
    ]
    assert [o.name for o, _ in praise_targets(office["citra_user"], office["period"])] == ["Ani"]
