"""A period may weigh verified survey responses (through one-time service codes) above the
others in an officer's survey score: checked against values worked out by hand."""

from decimal import Decimal
from fractions import Fraction

import pytest

from appraisal import scoring
from appraisal.policy import policy_of, set_policy
from core.db import db
from core.errors import Invalid
from org.models import Role
from reports.queries import officer_rows, officer_scores
from tests.factories import add_survey, make_desk, make_officer, make_period, make_user, post, sign_in

NINE = 9


def test_the_weighted_nrr_by_hand():
    # Three answers 2, 2, 4 (the 4 verified) weighed 2: (2 + 2 + 2 x 4) / (1 + 1 + 2) = 3.
    assert scoring.verified_nrr(8, 3, 4, 1, 2) == 3
    assert scoring.verified_nrr(8, 3, 4, 1, 1) == Fraction(8, 3) == scoring.nrr(8, 3)
    assert scoring.verified_nrr(8, 3, 0, 0, Decimal("2.5")) == Fraction(8, 3)  # nothing verified
    # Weight 1.5: (2 + 2 + 1.5 x 4) / (1 + 1 + 1.5) = 10 / 3.5.
    assert scoring.verified_nrr(8, 3, 4, 1, Decimal("1.5")) == Fraction(20, 7)
    for bad in (Decimal("0.5"), 6):
        with pytest.raises(ValueError):
            scoring.verified_nrr(8, 3, 4, 1, bad)
    with pytest.raises(ValueError):
        scoring.verified_nrr(8, 3, 8, 4, 2)  # more verified answers than answers


@pytest.fixture
def officer_with_two_kinds(factories):
    """Two unverified surveys answering 2 everywhere, one verified answering 4 everywhere."""
    period = make_period(min_n=1)
    desk = make_desk()
    officer = make_officer(unit=desk.unit)
    add_survey(period, desk, officer, [2] * NINE)
    add_survey(period, desk, officer, [2] * NINE)
    add_survey(period, desk, officer, [4] * NINE, verified=True)
    db.session.commit()
    return period, officer


def test_weight_one_scores_every_response_alike(officer_with_two_kinds):
    period, officer = officer_with_two_kinds
    qr = officer_scores(period, officer)["qr"]
    assert qr["value"] == Fraction(8, 3) * 25  # 66.67: the plain IKM of (2, 2, 4)
    assert officer_scores(period, officer)["verified"] == 1


def test_a_verified_weight_of_two_by_hand(officer_with_two_kinds):
    period, officer = officer_with_two_kinds
    period.verified_weight = Decimal("2.00")
    db.session.commit()
    data = officer_scores(period, officer)
    # Each element's NRR: (2 + 2 + 2 x 4) / 4 = 3; IKM = 3 x 25 = 75.00. n stays 3 responses.
    assert data["qr"]["value"] == 75 and data["qr"]["n"] == 3
    assert scoring.display(data["qr"]["value"]) == Decimal("75.00")
    # The period report (rankings, exports) computes the same.
    [row] = officer_rows(period, policy_of(period))
    assert row["qr"]["value"] == 75 and row["verified"] == 1


def test_the_weight_is_set_on_the_policy_form_and_checked(client, factories, ctx):
    period = make_period()
    admin = make_user(Role.ADMIN, username="pusat-weight")
    sign_in(client, admin)
    page = client.get(f"/admin/periods/{period.id}/policy").get_data(as_text=True)
    assert 'name="verified_weight"' in page and 'value="1.00"' in page
    data = {"min_n": "30", "qr_weight_pct": "70", "rating_above": "88.31", "rating_below": "76.61"}
    refused = post(client, f"/admin/periods/{period.id}/policy", {**data, "verified_weight": "7"})
    assert refused.status_code == 422 and "1 sampai 5" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert period.verified_weight == Decimal("1.00")
    saved = post(client, f"/admin/periods/{period.id}/policy", {**data, "verified_weight": "1,5"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert period.verified_weight == Decimal("1.50")
    with pytest.raises(Invalid):
        set_policy(admin, period, {**data, "verified_weight": "0.5"})


def test_verified_responses_are_labelled_on_the_sheet_and_in_the_export(client, officer_with_two_kinds):
    import csv
    import io

    period, officer = officer_with_two_kinds
    sign_in(client, make_user(Role.ADMIN, username="pusat-sheet"))
    sheet = client.get(f"/admin/reports/{period.id}/officers/{officer.id}").get_data(as_text=True)
    assert sheet.count('<span class="badge">terverifikasi</span>') == 1  # one of the three responses
    exported = client.get(f"/admin/reports/{period.id}/appraisals.csv")
    assert exported.status_code == 200
    header, row = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))[:2]
    assert header[-1] == "Responden survei terverifikasi (kode sekali pakai)" and row[-1] == "1"
