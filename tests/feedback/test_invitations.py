"""Personal links (admin.feedback.answer) and the rater's own page (admin.feedback.requests): a link
opens only for its rater, signed in (another gets a 403 in his language, an unknown token a 404,
a withdrawn request a 410); only a keyed hash of the token is stored; the navigation counts open
requests; a rater who leaves the unit keeps his invitation for that round only."""

import re

import pytest
import sqlalchemy as sa

from core.db import db
from feedback import operations
from feedback.models import Invitation, RaterKind
from feedback.raters import subjects
from org.models import Role
from tests.factories import make_line, make_officer, make_period, make_unit, make_user, sign_in, text


@pytest.fixture
def world(ctx):
    unit = make_unit(name="Kelurahan Sukamaju", timezone="Asia/Jayapura")
    head = make_officer(unit, name="Rina Kepala")
    ani, budi, citra = (make_officer(unit, name=n) for n in ("Ani", "Budi", "Citra"))
    for officer in (ani, budi, citra):
        make_line(officer, head)
    supervisor = make_user(Role.SUPERVISOR, unit=unit, username="spv")
    round_ = operations.open_round(supervisor, unit, make_period(name="Triwulan I"))
    peer = operations.add_peer(supervisor, round_, ani, budi)
    db.session.commit()
    users = {o.name: make_user(Role.OFFICER, officer=o) for o in (ani, budi, citra)}
    users["Rina Kepala"] = make_user(Role.OFFICER, officer=head)
    return dict(unit=unit, round=round_, peer=peer, users=users, ani=ani, budi=budi, supervisor=supervisor)


def _link(invitation) -> str:
    return f"/admin/feedback/answer/{operations.link_token(invitation)}"


def test_the_requests_page_lists_the_raters_own_links_and_the_badge_counts_them(client, world):
    budi = world["users"]["Budi"]
    sign_in(client, budi)
    client.set_cookie("lang", "en")
    page = text(client.get("/admin/feedback/requests"))
    mine = db.session.scalars(
        sa.select(Invitation).where(Invitation.rater_officer_id == world["budi"].id).order_by(Invitation.id)
    ).all()
    # Budi rates himself, Ani as a peer, and his supervisor Rina as a team member.
    assert sorted(i.kind.value for i in mine) == ["peer", "self", "subordinate"]
    links = set(re.findall(r'href="(/admin/feedback/answer/[^"]+)"', page))
    assert links == {_link(i) for i in mine}
    assert "As a colleague (anonymous)" in page and "About yourself" in page
    # The navigation's link carries the number of open requests.
    nav = page[page.index('class="admin-nav"') : page.index("</nav>", page.index('class="admin-nav"'))]
    assert "/admin/feedback/requests" in nav and ">3<" in nav


def test_a_link_opens_only_for_its_rater(client, world):
    link = _link(world["peer"])
    sign_in(client, world["users"]["Citra"])
    refused = client.get(link)
    assert refused.status_code == 403 and "Tautan ini milik penilai lain" in text(refused)
    client.set_cookie("lang", "en")
    refused = client.get(link)
    assert refused.status_code == 403 and "This link belongs to another rater" in text(refused)
    assert "Ani" not in text(refused)  # nothing about the request is told
    # Neither may the officer rated, nor the supervisor who invited.
    sign_in(client, world["users"]["Ani"])
    assert client.get(link).status_code == 403
    sign_in(client, world["supervisor"])
    assert client.get(link).status_code == 403
    sign_in(client, world["users"]["Budi"])
    page = client.get(link)
    assert page.status_code == 200 and "Feedback for Ani" in text(page)
    assert client.get("/admin/feedback/answer/not-a-token").status_code == 404
    assert client.get("/admin/feedback/answer/" + "x" * 300).status_code == 404
    anonymous = client.application.test_client().get(link)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]


def test_only_a_keyed_hash_of_the_token_is_stored(ctx, world):
    peer = world["peer"]
    token = operations.link_token(peer)
    assert len(token) >= 40 and peer.token_hash != token and token not in peer.token_hash
    assert operations.find_invitation(token).id == peer.id
    hashes = db.session.scalars(sa.select(Invitation.token_hash)).all()
    assert len(set(hashes)) == len(hashes)
    assert {operations.find_invitation(operations.link_token(i)).id for i in db.session.scalars(sa.select(Invitation))}


def test_a_withdrawn_request_is_gone(client, world):
    operations.withdraw(world["supervisor"], world["peer"])
    db.session.commit()
    sign_in(client, world["users"]["Budi"])
    client.set_cookie("lang", "en")
    gone = client.get(_link(world["peer"]))
    assert gone.status_code == 410 and "withdrawn" in text(gone)
    assert _link(world["peer"]) not in text(client.get("/admin/feedback/requests"))


def test_a_rater_who_leaves_keeps_his_invitation_for_that_round_only(client, world):
    budi = world["budi"]
    budi.unit_id = make_unit(name="Kantor Lain").id
    db.session.commit()
    sign_in(client, world["users"]["Budi"])
    assert client.get(_link(world["peer"])).status_code == 200
    # The round still rates him (he was invited for), his old unit's next round does not.
    assert budi.id in {o.id for o in subjects(world["round"])}
    later = operations.open_round(world["supervisor"], world["unit"], make_period(name="Triwulan II"))
    db.session.commit()
    assert budi.id not in {o.id for o in subjects(later)}
    # Only his line still names Rina as his appraiser, so he rates her as a team member there.
    theirs = db.session.scalars(
        sa.select(Invitation).where(Invitation.round_id == later.id, Invitation.rater_officer_id == budi.id)
    ).all()
    rina = db.session.get(type(budi), world["users"]["Rina Kepala"].officer_id)
    assert [(i.subject_id, i.kind) for i in theirs] == [(rina.id, RaterKind.SUBORDINATE)]


def test_a_supervisor_account_without_an_officer_answers_as_supervisor(client, world):
    head_user = world["users"]["Rina Kepala"]
    rina = db.session.get(type(world["ani"]), head_user.officer_id)
    # Rina has no line: the unit's supervisor account rates her.
    mine = db.session.scalars(sa.select(Invitation).where(Invitation.rater_user_id == world["supervisor"].id)).all()
    assert [(i.subject_id, i.kind) for i in mine] == [(rina.id, RaterKind.SUPERVISOR)]
    sign_in(client, world["supervisor"])
    client.set_cookie("lang", "en")
    assert _link(mine[0]) in text(client.get("/admin/feedback/requests"))
    assert client.get(_link(mine[0])).status_code == 200
    assert client.get(_link(mine[0]).replace("answer/", "answer/x")).status_code == 404
