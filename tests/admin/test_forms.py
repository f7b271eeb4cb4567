"""The admin area's forms (``core.forms``): what each kind of field makes of what was typed, the
messages it refuses with, how the domain's refusals land on the fields, and that a refused write
keeps nothing; and the forms of an officer's appraisal sheet, refused in both languages."""

import io
from datetime import date

import pytest
import sqlalchemy as sa

from appraisal.disputes import file_dispute
from appraisal.models import Dispute, DisputeStatus, RatingDecision
from core.db import db
from core.errors import AdminError, Invalid
from core.forms import (
    AdminForm,
    BooleanField,
    DateField,
    IdField,
    IntegerField,
    MaxLength,
    RecordField,
    Required,
    TextField,
)
from org.models import Desk, Role, Unit
from tests.factories import (
    add_vote,
    make_desk,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    refused,
    sign_in,
)


class SampleForm(AdminForm):
    name = TextField("Name", [Required(), MaxLength(5)])
    count = IntegerField("Count", empty=0)
    day = DateField("Day")
    unit_id = IdField("Unit", [Required(None)])
    desk_id = RecordField("Desk", model=Desk, code="unknown_desk")
    active = BooleanField("Active", default=True)


class NameForm(AdminForm):
    name = TextField("Name", [Required(), MaxLength(5)])


def form_for(app, data: dict, **options) -> SampleForm:
    with app.test_request_context("/admin/", method="POST", data=data, headers={"Cookie": "lang=en"}):
        form = SampleForm(**options)
        form.validate()
        return form


def test_a_field_keeps_its_name_and_takes_its_id_from_the_form(app, ctx):
    with app.test_request_context("/admin/"):
        form = SampleForm.blank("sample-12")
    assert (form.name.name, form.name.id, form.id) == ("name", "sample-12-name", "sample-12-form")
    assert form.active.data is True and form.count.data is None  # the defaults of a new form


def test_what_each_field_makes_of_what_was_typed(app, ctx):
    desk = make_desk()
    form = form_for(app, {"name": "  Ani ", "count": "", "day": "2031-02-03", "unit_id": "7", "desk_id": str(desk.id)})
    assert form.errors == {}
    assert form.values == {
        "name": "Ani",
        "count": 0,
        "day": date(2031, 2, 3),
        "unit_id": 7,
        "desk_id": desk,
        "active": False,
    }  # a checkbox left unticked is not sent at all


def test_each_field_refuses_with_the_domains_messages(app, ctx):
    form = form_for(app, {"name": "Anindita", "count": "dua", "day": "3 Feb", "unit_id": "x", "desk_id": "999"})
    assert form.name.errors == ["At most 5 characters."]
    assert form.count.errors == ["Enter a whole number."]
    assert form.day.errors == ["Enter a date as YYYY-MM-DD."]
    assert form.desk_id.errors == ["Choose a desk from the list."]
    assert form.unit_id.errors == [] and form.unit_id.data is None  # marked required, refused by the operation
    assert form.unit_id.flags.required and form.name.flags.required and not form.count.flags.required
    assert form_for(app, {"name": " "}).name.errors == ["This field is required."]


def test_a_value_typed_is_shown_again_as_it_was(app, ctx):
    form = form_for(app, {"name": "Anindita", "count": "dua"})
    assert (form.name._value(), form.count._value(), form.day._value()) == ("Anindita", "dua", "")


def test_the_domains_refusal_lands_on_its_field_or_above_the_form(app, ctx):
    with app.test_request_context("/admin/", headers={"Cookie": "lang=en"}):
        form = SampleForm.blank()
        form.fail(Invalid({"name": "code_taken", "elsewhere": ("too_long", {"max": 3})}))
        assert form.name.errors == ["This code is already used."] and form.error == "At most 3 characters."
        form = SampleForm.blank()
        form.fail(AdminError("desk_inactive"))
        assert form.error == "This desk is switched off." and form.name.errors == ()


def test_a_refused_write_keeps_nothing(app, ctx, counter):
    def write():
        db.session.add(Unit(code="sementara", name="Sementara"))
        db.session.flush()
        raise AdminError("unit_in_use")

    with app.test_request_context("/admin/", method="POST", data={"name": "Ani"}):
        form = NameForm()
        assert form.submit(write) is False and form.status == 409 and form.error
    assert counter(Unit) == 0
    with app.test_request_context("/admin/", method="POST", data={"name": "Anindita"}):
        form = NameForm()
        assert form.submit(write) is False and form.status == 422  # the write is not even tried
    with app.test_request_context("/admin/", method="POST", data={"name": "Ani"}):
        form = NameForm()
        assert form.submit(lambda: "done") is True and form.result == "done" and form.status == 200


# --- The forms of an officer's appraisal sheet -----------------------------------------------------------


@pytest.fixture
def sheet(ctx):
    period, desk = make_period(min_n=2), make_desk()
    officer = make_officer(unit=desk.unit)
    votes = [add_vote(period, desk, officer, face) for face in (4, 4, 3)]  # 91.67: above expectations
    db.session.commit()
    return dict(period=period, officer=officer, votes=votes, unit=desk.unit)


@pytest.mark.parametrize(
    "form,field,english,indonesian",
    [
        ({"rating": "luar biasa", "reason": "x"}, None, "Choose one of the options.", "Pilih salah satu pilihan."),
        (
            {"rating": "sesuai", "reason": " "},
            "decision-reason",
            "Give a reason when your rating differs from the suggestion.",
            "Berikan alasan jika rating Anda berbeda dari saran.",
        ),
        (
            {"rating": "sesuai", "reason": "r" * 1001},
            "decision-reason",
            "At most 1000 characters.",
            "Paling banyak 1000 karakter.",
        ),
    ],
)
def test_a_rating_is_refused_in_both_languages(client, sheet, form, field, english, indonesian):
    sign_in(client, make_user(Role.SUPERVISOR, unit=sheet["unit"]))
    url = f"/admin/reports/{sheet['period'].id}/officers/{sheet['officer'].id}/decision"
    [page, _] = refused(client, url, form, field, english, indonesian)
    if field is None:
        assert 'id="decision-rating-error"' in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RatingDecision)) == 0


@pytest.mark.parametrize(
    "reason,english,indonesian",
    [
        (" ", "Say why this response should not count.", "Tuliskan alasan tanggapan ini tidak semestinya dihitung."),
        ("r" * 1001, "At most 1000 characters.", "Paling banyak 1000 karakter."),
    ],
)
def test_a_dispute_is_refused_in_both_languages(client, sheet, reason, english, indonesian):
    sign_in(client, make_user(Role.OFFICER, officer=sheet["officer"]))
    vote = sheet["votes"][2]
    refused(
        client,
        f"/admin/reports/responses/{vote.id}/dispute",
        {"reason": reason},
        f"dispute-{vote.id}-reason",
        english,
        indonesian,
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispute)) == 0


@pytest.mark.parametrize(
    "form,field,english,indonesian",
    [
        (
            {"ruling": "uphold", "resolution": ""},
            "resolution",
            "Give the reason for your ruling.",
            "Tuliskan alasan keputusan Anda.",
        ),
        (
            {"ruling": "perhaps", "resolution": "Jadwal cocok"},
            None,
            "Choose one of the options.",
            "Pilih salah satu pilihan.",
        ),
    ],
)
def test_a_ruling_is_refused_in_both_languages(client, sheet, form, field, english, indonesian):
    me = make_user(Role.OFFICER, officer=sheet["officer"])
    sign_in(client, me)
    vote = sheet["votes"][2]
    dispute = file_dispute(me, vote, "Saya sedang istirahat")
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=sheet["unit"]))
    refused(
        client,
        f"/admin/reports/disputes/{dispute.id}",
        form,
        f"ruling-{dispute.id}-{field}" if field else None,
        english,
        indonesian,
    )
    db.session.expire_all()
    assert db.session.get(Dispute, dispute.id).status == DisputeStatus.OPEN


def test_a_unit_scope_is_not_a_form_field(client, ctx):
    # Another unit's officer's sheet refuses before any form is read: 403, not a message.
    sheet_unit, other = make_unit(), make_unit()
    period, officer = make_period(), make_officer(unit=sheet_unit)
    sign_in(client, make_user(Role.SUPERVISOR, unit=other))
    response = post(client, f"/admin/reports/{period.id}/officers/{officer.id}/decision", {"rating": "x"})
    assert response.status_code == 403


def test_what_no_one_types_is_no_value(app, ctx):
    # A file where text is expected, an id beyond the database's integers: no value, and no crash.
    with app.test_request_context(
        "/admin/",
        method="POST",
        headers={"Cookie": "lang=en"},
        data={"name": (io.BytesIO(b"x"), "name.txt"), "unit_id": "9" * 30, "desk_id": "2147483648", "count": "²"},
    ):
        form = SampleForm()
        form.validate()
    assert (form.name.data, form.unit_id.data, form.desk_id.data, form.count.data) == ("", None, None, None)
    assert form.name.errors == ["This field is required."] and form.desk_id.errors == ["Choose a desk from the list."]
    assert form.count.errors == ["Enter a whole number."]
