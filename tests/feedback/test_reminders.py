"""Reminders (admin.feedback.round_remind): every rater with an open request is reminded in the
product (his requests page shows when, in the unit's local time with its zone) and, when an SMTP
server is configured, by e-mail to the address he gave, one message with his personal links;
tested against a local SMTP server (``smtp_sink``). Counts only in the audit log; a rater is not
reminded twice within a day."""

import email
import email.policy
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from appraisal.berakhlak import CODES
from core.db import db, utcnow
from feedback import operations
from feedback.errors import FeedbackError
from feedback.models import Invitation
from org.models import Role
from tests.factories import audit_entries, make_officer, make_period, make_unit, make_user, post, sign_in, text


@pytest.fixture
def world(ctx):
    unit = make_unit(name="Kantor Camat Ujung", timezone="Asia/Makassar")
    ani, budi, citra = (make_officer(unit, name=n) for n in ("Ani", "Budi", "Citra"))
    supervisor = make_user(Role.SUPERVISOR, unit=unit, username="spv")
    round_ = operations.open_round(supervisor, unit, make_period(name="Triwulan IV"))
    peers = [operations.add_peer(supervisor, round_, ani, budi), operations.add_peer(supervisor, round_, ani, citra)]
    db.session.commit()
    users = {o.name: make_user(Role.OFFICER, officer=o) for o in (ani, budi, citra)}
    return dict(round=round_, peers=peers, users=users, supervisor=supervisor, ani=ani, budi=budi, citra=citra)


def _reminded() -> dict[int, tuple]:
    db.session.expire_all()
    return {i.id: (i.reminders, i.reminded_at is not None) for i in db.session.scalars(sa.select(Invitation))}


def _give_address(client, user, address):
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return post(client, "/admin/feedback/requests/email", {"email": address})


def test_reminders_in_the_product_without_mail(client, world):
    budi = world["users"]["Budi"]
    # Citra answers first: she is not reminded.
    operations.answer(world["users"]["Citra"], world["peers"][1], dict.fromkeys(CODES, 3), {})
    db.session.commit()
    sign_in(client, world["supervisor"])
    client.set_cookie("lang", "en")
    page = text(client.get(f"/admin/feedback/rounds/{world['round'].id}"))
    assert "This server sends no e-mail" in page
    sent = post(client, f"/admin/feedback/rounds/{world['round'].id}/remind")
    assert sent.status_code == 303
    reminded = _reminded()
    assert reminded[world["peers"][0].id] == (1, True) and reminded[world["peers"][1].id] == (0, False)
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(Invitation.answered.is_(False), Invitation.withdrawn.is_(False))
    )
    assert sum(n for n, _ in reminded.values()) == waiting
    # The audit log says how many, never who (who was waiting would tell who answered).
    entry = audit_entries(action="remind")[0]
    assert entry.entity == "feedback_round" and entry.after == {"raters": 4, "emailed": 0, "failed": 0}
    assert "Budi" not in entry.label and "Citra" not in entry.label
    sign_in(client, budi)
    client.set_cookie("lang", "en")
    mine = text(client.get("/admin/feedback/requests"))
    assert re.search(r"Reminder sent \d{4}-\d\d-\d\d \d\d:\d\d WITA", mine)
    # Pressed again the same day: nobody to remind, nothing changes.
    sign_in(client, world["supervisor"])
    again = post(client, f"/admin/feedback/rounds/{world['round'].id}/remind")
    assert again.status_code == 409 and "Nobody is waiting to be reminded" in text(again)
    assert _reminded() == reminded and len(audit_entries(action="remind")) == 1


def test_a_reminder_by_email_to_a_local_smtp_server(client, world, smtp_sink):
    budi, ani = world["users"]["Budi"], world["users"]["Ani"]
    assert _give_address(client, budi, "budi@kantor.go.id").status_code == 303
    assert db.session.get(Invitation, world["peers"][0].id).email == "budi@kantor.go.id"
    bad = _give_address(client, ani, "not an address")
    assert bad.status_code == 422 and "Enter an e-mail address" in text(bad)
    assert not db.session.scalars(
        sa.select(Invitation.email).where(Invitation.rater_officer_id == ani.officer_id)
    ).all()[0]

    sign_in(client, world["supervisor"])
    client.set_cookie("lang", "en")
    page = text(client.get(f"/admin/feedback/rounds/{world['round'].id}"))
    assert "also get an e-mail" in page
    sent = post(client, f"/admin/feedback/rounds/{world['round'].id}/remind")
    assert sent.status_code == 303
    assert len(smtp_sink.messages) == 1  # only Budi gave an address
    message = email.message_from_bytes(smtp_sink.messages[0], policy=email.policy.default)
    assert message["To"] == "budi@kantor.go.id" and message["From"] == "suara@kantor.go.id"
    assert "Kantor Camat Ujung" in message["Subject"]
    body = message.get_content()
    budi_invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.rater_officer_id == world["budi"].id)
    ).all()
    for invitation in budi_invitations:
        assert f"/admin/feedback/answer/{operations.link_token(invitation)}" in body
    assert "Anda diminta memberi umpan balik" in body and "You are asked to give feedback" in body
    assert audit_entries(action="remind")[0].after == {"raters": 4, "emailed": 1, "failed": 0}


def test_a_refused_email_is_counted_and_the_reminder_still_stands(client, world, smtp_sink):
    _give_address(client, world["users"]["Budi"], "budi@kantor.go.id")
    smtp_sink.refuse = True
    sign_in(client, world["supervisor"])
    client.set_cookie("lang", "en")
    sent = post(client, f"/admin/feedback/rounds/{world['round'].id}/remind", follow_redirects=True)
    assert "1 e-mails could not be sent." in text(sent)
    assert smtp_sink.messages == []
    assert _reminded()[world["peers"][0].id] == (1, True)
    assert audit_entries(action="remind")[0].after == {"raters": 4, "emailed": 0, "failed": 1}


def test_a_day_later_a_rater_is_reminded_again(ctx, world):
    sup, round_ = world["supervisor"], world["round"]
    now = utcnow()
    first = operations.remind(sup, round_, lambda token: token, now=now)
    with pytest.raises(FeedbackError):
        operations.remind(sup, round_, lambda token: token, now=now + timedelta(hours=2))
    second = operations.remind(sup, round_, lambda token: token, now=now + operations.REMINDER_GAP)
    db.session.commit()
    assert first.raters == second.raters == 4  # three officers and the supervisor account
    assert {n for n, _ in _reminded().values()} == {2}


def test_a_closed_round_sends_no_reminder(client, world):
    operations.close_round(world["supervisor"], world["round"])
    db.session.commit()
    sign_in(client, world["supervisor"])
    refused = post(client, f"/admin/feedback/rounds/{world['round'].id}/remind")
    assert refused.status_code == 409
    assert {n for n, _ in _reminded().values()} == {0}
