"""Feedback rounds (admin.feedback.rounds, round): opening a round per unit and open period with its
default raters (self, supervisor by the reporting line or the unit's supervisor account,
subordinates), peers chosen with suggestions from the duty roster, withdrawing, closing; the
round page shows anonymous kinds as counts only; refusals change nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from appraisal.models import PeriodStatus
from core.db import db
from feedback import operations
from feedback.models import FeedbackRound, Invitation, RaterKind, RoundStatus
from feedback.raters import duty_days, peer_suggestions
from org.models import Duty, Role
from tests.factories import (
    audit_entries,
    make_desk,
    make_line,
    make_officer,
    make_period,
    make_unit,
    make_user,
    post,
    sign_in,
    text,
)


@pytest.fixture
def office(ctx):
    unit = make_unit(name="Kantor Camat Ujung", timezone="Asia/Makassar")
    head = make_officer(unit, name="Rina Kepala")
    staff = [make_officer(unit, name=name) for name in ("Ani", "Budi", "Citra", "Dedi")]
    for officer in staff[:3]:
        make_line(officer, head)
    supervisor = make_user(Role.SUPERVISOR, unit=unit, username="spv")
    period = make_period(name="Triwulan IV")
    return dict(unit=unit, head=head, staff=staff, supervisor=supervisor, period=period)


def _invitations(round_id: int) -> set[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Invitation).where(Invitation.round_id == round_id))
    return {(i.subject_id, i.kind.value, i.rater_officer_id, i.rater_user_id, i.withdrawn) for i in rows}


def _open(client, office, **data):
    sign_in(client, office["supervisor"])
    client.set_cookie("lang", "en")
    form = {"unit": office["unit"].id, "period": office["period"].id, "min_raters": "3", **data}
    return post(client, "/admin/feedback/rounds", form)


def test_opening_a_round_invites_self_supervisor_and_subordinates(client, office):
    head, staff, supervisor = office["head"], office["staff"], office["supervisor"]
    answer = _open(client, office)
    assert answer.status_code == 303
    round_ = db.session.scalar(sa.select(FeedbackRound))
    assert answer.headers["Location"].endswith(f"/admin/feedback/rounds/{round_.id}")
    assert (round_.unit_id, round_.period_id, round_.status, round_.min_raters) == (
        office["unit"].id,
        office["period"].id,
        RoundStatus.OPEN,
        3,
    )
    expected = {(o.id, "self", o.id, None, False) for o in [head, *staff]}
    # The first three have a line to the head; Dedi and the head have none: the unit's account.
    expected |= {(o.id, "supervisor", head.id, None, False) for o in staff[:3]}
    expected |= {(o.id, "supervisor", None, supervisor.id, False) for o in (head, staff[3])}
    expected |= {(head.id, "subordinate", o.id, None, False) for o in staff[:3]}
    assert _invitations(round_.id) == expected
    assert [e.action for e in audit_entries(entity="feedback_round")] == ["open"]
    invites = audit_entries(entity="feedback_invitation")
    assert len(invites) == len(expected) and {e.action for e in invites} == {"invite"}
    assert {e.after["kind"] for e in invites} == {"self", "supervisor", "subordinate"}

    page = text(client.get(f"/admin/feedback/rounds/{round_.id}"))
    assert "Kantor Camat Ujung" in page and "WITA" in page
    assert f'id="officer-{head.id}"' in page
    # Pressing "invite missing" again makes nothing twice.
    again = post(client, f"/admin/feedback/rounds/{round_.id}/invite")
    assert again.status_code == 303 and _invitations(round_.id) == expected


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"min_raters": "2"}, 422, "Enter a whole number from 3 to 20."),
        ({"period": "999999"}, 422, "Choose one of the options."),
        ({"due_on": "2000-01-01"}, 422, "cannot be in the past"),
    ],
)
def test_a_bad_round_is_refused_and_nothing_changes(client, office, change, status, message):
    answer = _open(client, office, **change)
    assert answer.status_code == status and message in text(answer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound)) == 0
    assert audit_entries() == []


def test_a_round_needs_an_open_period_and_one_per_unit_and_period(client, office):
    draft = make_period(status=PeriodStatus.DRAFT, name="Draf", starts_on=date(2040, 1, 1), ends_on=date(2040, 3, 31))
    refused = _open(client, office, period=draft.id)
    assert refused.status_code == 409 and "only in an open period" in text(refused)
    assert _open(client, office).status_code == 303
    twice = _open(client, office)
    assert twice.status_code == 409 and "already has a feedback round" in text(twice)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound)) == 1


def test_another_units_supervisor_and_an_officer_are_refused(client, office):
    other = make_user(Role.SUPERVISOR, unit=make_unit())
    sign_in(client, other)
    answer = post(
        client, "/admin/feedback/rounds", {"unit": office["unit"].id, "period": office["period"].id, "min_raters": 3}
    )
    assert answer.status_code == 403
    round_ = operations.open_round(office["supervisor"], office["unit"], office["period"])
    db.session.commit()
    assert client.get(f"/admin/feedback/rounds/{round_.id}").status_code == 403
    assert post(client, f"/admin/feedback/rounds/{round_.id}/close").status_code == 403
    officer = make_user(Role.OFFICER, officer=office["staff"][0])
    sign_in(client, officer)
    assert client.get("/admin/feedback/rounds").status_code == 403
    assert client.get(f"/admin/feedback/rounds/{round_.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(FeedbackRound, round_.id).status == RoundStatus.OPEN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound)) == 1


def _duty(officer, desk, day: date, hours=(8, 12)):
    db.session.add(
        Duty(
            officer_id=officer.id,
            desk_id=desk.id,
            # 08:00 WITA is 00:00 UTC.
            started_at=datetime(day.year, day.month, day.day, hours[0] - 8, tzinfo=UTC),
            ended_at=datetime(day.year, day.month, day.day, hours[1] - 8, tzinfo=UTC),
            started_via="admin",
            ended_via="admin",
        )
    )


def test_peers_are_suggested_by_shared_duty_days(ctx, office):
    ani, budi, citra, dedi = office["staff"]
    period = office["period"]
    desk_a, desk_b = make_desk(office["unit"]), make_desk(office["unit"])
    elsewhere = make_desk(make_unit())
    first = period.starts_on
    for n in range(3):  # Ani and Citra share three days
        _duty(ani, desk_a, first + timedelta(days=n))
        _duty(citra, desk_b, first + timedelta(days=n))
    _duty(dedi, desk_b, first + timedelta(days=1))  # Dedi one
    _duty(budi, elsewhere, first)  # another unit's desk: not shared here
    _duty(budi, desk_b, first - timedelta(days=5))  # before the period: not counted
    db.session.commit()
    round_ = operations.open_round(office["supervisor"], office["unit"], period)
    db.session.commit()
    days = duty_days(round_)
    suggested = [(o.name, n) for o, n in peer_suggestions(round_, ani, days)]
    assert suggested == [("Citra", 3), ("Dedi", 1), ("Budi", 0), ("Rina Kepala", 0)]
    assert "Ani" not in [name for name, _n in suggested]


def test_adding_peers_and_what_is_refused(client, office):
    ani, budi, citra, dedi = office["staff"]
    round_ = operations.open_round(office["supervisor"], office["unit"], office["period"])
    db.session.commit()
    sign_in(client, office["supervisor"])
    client.set_cookie("lang", "en")
    url = f"/admin/feedback/rounds/{round_.id}/officers/{ani.id}/peers"
    before = _invitations(round_.id)

    refused = post(client, url, {"peer": ani.id}, htmx=True)
    assert refused.status_code == 422 and "cannot rate herself as a peer" in text(refused)
    outsider = make_officer(make_unit(), name="Orang Luar")
    refused = post(client, url, {"peer": outsider.id}, htmx=True)
    assert refused.status_code == 422 and "same unit" in text(refused)
    # The head already rates Ani as her supervisor.
    refused = post(client, url, {"peer": office["head"].id}, htmx=True)
    assert refused.status_code == 409 and "already asked" in text(refused)
    assert _invitations(round_.id) == before

    added = post(client, url, {"peer": budi.id}, htmx=True)
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "raters-changed"
    assert f'id="officer-{ani.id}"' in text(added) and "<html" not in text(added)
    assert "Budi is asked to rate Ani." in text(added)
    plain = post(client, url, {"peer": citra.id})
    assert plain.status_code == 303
    assert _invitations(round_.id) - before == {
        (ani.id, "peer", budi.id, None, False),
        (ani.id, "peer", citra.id, None, False),
    }
    # Two peers, fewer than the round's three: not even how many answered is shown.
    page = text(client.get(f"/admin/feedback/rounds/{round_.id}"))
    section = page[page.index(f'id="officer-{ani.id}"') :]
    section = section[: section.index("</section>")]
    assert "nor how many answered" in section and "of 2 answered" not in section
    invited = [e for e in audit_entries(entity="feedback_invitation") if e.after["kind"] == "peer"]
    assert [e.label for e in invited] == ["Budi → Ani", "Citra → Ani"]


def test_withdrawing_is_refused_once_a_rater_of_that_kind_answered(client, office):
    ani, budi, citra, dedi = office["staff"]
    sup = office["supervisor"]
    round_ = operations.open_round(sup, office["unit"], office["period"])
    peers = [operations.add_peer(sup, round_, ani, peer) for peer in (budi, citra, dedi)]
    db.session.commit()
    sign_in(client, sup)
    client.set_cookie("lang", "en")
    # Before anybody answered, a peer can be removed, and added again.
    gone = post(client, f"/admin/feedback/invitations/{peers[2].id}/withdraw", htmx=True)
    assert gone.status_code == 200 and "Dedi is no longer asked." in text(gone)
    db.session.expire_all()
    assert db.session.get(Invitation, peers[2].id).withdrawn
    assert [e.action for e in audit_entries(entity="feedback_invitation", entity_id=peers[2].id)] == [
        "invite",
        "withdraw",
    ]
    again = operations.add_peer(sup, round_, ani, dedi)
    db.session.commit()
    assert again.id == peers[2].id and not again.withdrawn

    budi_user = make_user(Role.OFFICER, officer=budi)
    operations.answer(budi_user, peers[0], dict.fromkeys(_codes(), 3), {})
    db.session.commit()
    # Now removing Citra would tell whether she answered: refused for every peer alike.
    refused = post(client, f"/admin/feedback/invitations/{peers[1].id}/withdraw", htmx=True)
    assert refused.status_code == 409 and "already answered" in text(refused)
    db.session.expire_all()
    assert not db.session.get(Invitation, peers[1].id).withdrawn

    # The page: counts for peers, never which one answered.
    page = text(client.get(f"/admin/feedback/rounds/{round_.id}"))
    section = page[page.index(f'id="officer-{ani.id}"') :]
    section = section[: section.index("</section>")]
    peers_part = section[section.index("Peers (anonymous)") : section.index("Team members (anonymous)")]
    assert "1 of 3 answered" in peers_part
    assert ">answered<" not in peers_part and "waiting" not in peers_part


def test_closing_a_round_makes_it_final(client, office):
    ani, budi = office["staff"][:2]
    round_ = operations.open_round(office["supervisor"], office["unit"], office["period"])
    db.session.commit()
    sign_in(client, office["supervisor"])
    client.set_cookie("lang", "en")
    closed = post(client, f"/admin/feedback/rounds/{round_.id}/close")
    assert closed.status_code == 303
    db.session.expire_all()
    round_ = db.session.get(FeedbackRound, round_.id)
    assert round_.status == RoundStatus.CLOSED and round_.closed_by == office["supervisor"].id
    assert [e.action for e in audit_entries(entity="feedback_round")] == ["open", "close"]
    before = _invitations(round_.id)
    refused = post(client, f"/admin/feedback/rounds/{round_.id}/officers/{ani.id}/peers", {"peer": budi.id})
    assert refused.status_code == 409 and "This round is closed" in text(refused)
    assert post(client, f"/admin/feedback/rounds/{round_.id}/close").status_code == 409
    assert _invitations(round_.id) == before
    page = text(client.get(f"/admin/feedback/rounds/{round_.id}"))
    assert "Send reminders" not in page and f"/admin/feedback/rounds/{round_.id}/results" in page


def test_the_rounds_page_lists_rounds_with_counts(client, office):
    round_ = operations.open_round(office["supervisor"], office["unit"], office["period"])
    db.session.commit()
    sign_in(client, office["supervisor"])
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/feedback/rounds"))
    invited = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation))
    assert f"/admin/feedback/rounds/{round_.id}" in page and f"0 of {invited} answered" in page
    assert RaterKind.PEER.anonymous and not RaterKind.SELF.anonymous


def _codes():
    from appraisal.berakhlak import CODES

    return CODES
