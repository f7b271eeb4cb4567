"""Answering (admin.feedback.answer): the seven BerAKHLAK values with their behaviour guides in the
reader's language, a four-point scale and an optional comment each; the answer stored without
its rater, the invitation marked answered in the same transaction; a second answer, a closed
round, a missing rating and a lost race are refused and change nothing; an anonymous answer is
never in the audit log."""

import re

import pytest
import sqlalchemy as sa
from markupsafe import escape

from appraisal.berakhlak import CODES, VALUES
from core.audit import AuditLog
from core.db import db
from feedback import operations
from feedback.errors import FeedbackError
from feedback.models import Invitation, RaterKind, RoundAnswer
from org.models import Role
from tests.factories import (
    audit_entries,
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
def world(ctx):
    unit = make_unit(name="Kelurahan Melati")
    head = make_officer(unit, name="Rina Kepala")
    ani, budi = make_officer(unit, name="Ani"), make_officer(unit, name="Budi")
    make_line(ani, head)
    supervisor = make_user(Role.SUPERVISOR, unit=unit)
    round_ = operations.open_round(supervisor, unit, make_period())
    peer = operations.add_peer(supervisor, round_, ani, budi)
    db.session.commit()
    users = {o.name: make_user(Role.OFFICER, officer=o) for o in (ani, budi, head)}
    return dict(round=round_, peer=peer, users=users, ani=ani, budi=budi, head=head, supervisor=supervisor)


def _link(invitation) -> str:
    return f"/admin/feedback/answer/{operations.link_token(invitation)}"


def _form(score=3, **extra) -> dict:
    data = {f"score_{code}": str(score) for code in CODES}
    data.update(extra)
    return data


def _answers() -> list[tuple]:
    db.session.expire_all()
    return sorted(
        (a.subject_id, a.kind.value, a.value, a.score, a.comment) for a in db.session.scalars(sa.select(RoundAnswer))
    )


def test_the_form_shows_each_value_with_its_guides_in_both_languages(client, world):
    sign_in(client, world["users"]["Budi"])
    page = text(client.get(_link(world["peer"])))
    for value in VALUES:
        assert value.name_id in page and all(guide in page for guide in value.guides_id)
        assert f'name="score_{value.code}"' in page and f'name="comment_{value.code}"' in page
    assert "Tidak pernah" in page and "Selalu" in page and "anonim" in page
    client.set_cookie("lang", "en")
    page = text(client.get(_link(world["peer"])))
    assert all(str(escape(guide)) in page for value in VALUES for guide in value.guides_en)
    assert "Never" in page and "Always" in page and "Feedback for Ani" in page
    assert len(re.findall(r'type="radio"', page)) == 4 * len(VALUES)


def test_an_answer_is_stored_without_its_rater_and_once(client, world):
    ani, peer = world["ani"], world["peer"]
    sign_in(client, world["users"]["Budi"])
    client.set_cookie("lang", "en")
    before = len(audit_entries())
    sent = post(client, _link(peer), _form(4, score_kompeten="2", comment_kompeten="  Perlu belajar Excel  "))
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/admin/feedback/requests")
    expected = sorted(
        (ani.id, "peer", code, 2 if code == "kompeten" else 4, "Perlu belajar Excel" if code == "kompeten" else None)
        for code in CODES
    )
    assert _answers() == expected
    assert db.session.get(Invitation, peer.id).answered
    # The answer's table has no column that could name the rater or the moment.
    columns = set(RoundAnswer.__table__.columns.keys())
    assert columns == {"id", "round_id", "subject_id", "kind", "value", "score", "comment"}
    # Nothing of an anonymous answer reaches the audit log.
    assert len(audit_entries()) == before
    logged = " ".join(f"{e.label} {e.before} {e.after}" for e in db.session.scalars(sa.select(AuditLog)))
    assert "Excel" not in logged and "kompeten" not in logged

    again = post(client, _link(peer), _form(1))
    assert again.status_code == 409 and "already answered" in text(again)
    assert client.get(_link(peer)).status_code == 409
    assert _answers() == expected
    requests = text(client.get("/admin/feedback/requests"))
    assert _link(peer) not in requests and ">answered<" in requests


def test_a_missing_rating_or_a_long_comment_is_refused_beside_its_value(client, world):
    sign_in(client, world["users"]["Budi"])
    client.set_cookie("lang", "en")
    data = _form(3)
    del data["score_loyal"]
    refused = post(client, _link(world["peer"]), data)
    assert refused.status_code == 422
    page = text(refused)
    error = page[page.index('id="value-loyal-error"') :]
    assert "Choose one of the options." in error[: error.index("</p>")]
    # What was chosen stays chosen: six values at 3, none for Loyal.
    assert len(re.findall(r'value="3" required\s+checked', page)) == 6 and page.count("checked>") == 6
    long = post(client, _link(world["peer"]), _form(3, comment_adaptif="x" * 1001))
    assert long.status_code == 422 and "At most 1000 characters." in text(long)
    bad = post(client, _link(world["peer"]), _form(5))
    assert bad.status_code == 422
    assert _answers() == [] and not db.session.get(Invitation, world["peer"].id).answered


def test_a_closed_round_takes_no_answer(client, world):
    operations.close_round(world["supervisor"], world["round"])
    db.session.commit()
    sign_in(client, world["users"]["Budi"])
    client.set_cookie("lang", "en")
    assert client.get(_link(world["peer"])).status_code == 410
    refused = post(client, _link(world["peer"]), _form(4))
    assert refused.status_code == 410 and "closed" in text(refused)
    assert _answers() == [] and not db.session.get(Invitation, world["peer"].id).answered
    # Another rater's link stays refused as someone else's, whatever its state.
    sign_in(client, world["users"]["Ani"])
    assert client.get(_link(world["peer"])).status_code == 403


def test_the_guarded_update_lets_only_one_of_two_answers_through(ctx, world):
    """Two answers sent at once: each checked an invitation not yet answered, the other committed
    first. The second's guarded update finds no row, so it stores nothing."""
    peer, budi = world["peer"], world["users"]["Budi"]
    stale = db.session.get(Invitation, peer.id)
    assert not stale.answered
    with db.engine.begin() as other:  # the first answer, committed by another request
        other.execute(sa.update(Invitation).where(Invitation.id == peer.id).values(answered=True))
    with pytest.raises(FeedbackError) as refused:
        operations.answer(budi, stale, dict.fromkeys(CODES, 4), {})
    assert refused.value.code == "already_answered"
    db.session.rollback()
    assert _answers() == []


def test_self_and_supervisor_answers_are_logged_as_given_without_ratings(client, world):
    ani, head = world["ani"], world["head"]
    own = db.session.scalar(
        sa.select(Invitation).where(Invitation.kind == RaterKind.SELF, Invitation.subject_id == ani.id)
    )
    boss = db.session.scalar(
        sa.select(Invitation).where(Invitation.kind == RaterKind.SUPERVISOR, Invitation.subject_id == ani.id)
    )
    assert boss.rater_officer_id == head.id
    sign_in(client, world["users"]["Ani"])
    client.set_cookie("lang", "en")
    assert "Your own view of yourself" in text(client.get(_link(own)))
    assert post(client, _link(own), _form(4, comment_loyal="Saya disiplin")).status_code == 303
    sign_in(client, world["users"]["Rina Kepala"])
    assert post(client, _link(boss), _form(2)).status_code == 303
    assert {(kind, n) for kind, n in _kinds()} == {("self", 7), ("supervisor", 7)}
    given = audit_entries(action="give_feedback")
    assert [(e.entity_id, e.after) for e in given] == [(own.id, {"kind": "self"}), (boss.id, {"kind": "supervisor"})]
    assert all("Saya disiplin" not in f"{e.label}{e.after}" for e in given)


def _kinds():
    db.session.expire_all()
    return db.session.execute(sa.select(RoundAnswer.kind, sa.func.count()).group_by(RoundAnswer.kind)).all()


def test_comments_in_english_and_indonesian_are_kept_as_typed(ctx, world):
    budi = world["users"]["Budi"]
    operations.answer(budi, world["peer"], dict.fromkeys(CODES, 3), {"harmonis": "Always helpful — selalu membantu"})
    db.session.commit()
    assert ("Always helpful — selalu membantu") in [a[4] for a in _answers()]
