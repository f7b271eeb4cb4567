"""Anonymity that holds (issue 16, item 2), checked on every page and export that the officer, a
peer and a supervisor can open: peers and subordinates only in aggregate and only from the
round's minimum of raters (two: hidden; three: shown; never below three), counted from the
answered invitations; comments without names, sorted by their text; nothing before the round
closes; no colleague reads another's results."""

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from core.db import db
from feedback import queries
from feedback.models import FeedbackRound, RaterKind, RoundAnswer, RoundStatus
from tests.factories import make_answers, make_invitation, make_skp, sign_in, text
from tests.feedback.results_world import make_world, rate

TWO_PEERS = [1, 2]  # mean 1.50: must never show
THREE_PEERS = [1, 2, 2]  # mean 1.67


def _page(client, user, url: str) -> str:
    sign_in(client, user)
    client.set_cookie("lang", "en")
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return text(response)


def _export_rows(client, user, world, fmt: str) -> list[list[str]]:
    sign_in(client, user)
    client.set_cookie("lang", "en")
    response = client.get(world.export_url(fmt))
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def surfaces(client, world) -> dict[str, str]:
    """Every page that shows the round's results, as the officer and a supervisor read them."""
    skp = make_skp(world.officer, year=2026)
    evaluation = f"/admin/skp/{skp.id}/periods/{world.period.id}"
    return {
        "officer results": _page(client, world.officer_user, world.results_url),
        "officer evaluation": _page(client, world.officer_user, evaluation),
        "supervisor results": _page(client, world.supervisor, world.results_url),
        "appraiser results": _page(client, world.appraiser_user, world.results_url),
        "appraiser evaluation": _page(client, world.appraiser_user, evaluation),
        "supervisor round": _page(client, world.supervisor, f"/admin/feedback/rounds/{world.round.id}/results"),
    }


def peer_rows(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows if row[3] == "Peers"]


def test_two_peers_are_hidden_everywhere(client, ctx):
    world = make_world()
    rate(world, "peer", TWO_PEERS)
    rate(world, "supervisor", [4])
    pages = surfaces(client, world)
    for name, page in pages.items():
        assert 'data-side="peer" data-shown="yes"' not in page, name
        assert "1.50" not in page, name
        for peer in world.peers:
            assert peer.name not in page, name
    for name in ("officer results", "officer evaluation", "supervisor results"):
        assert 'data-side="peer" data-shown="no"' in pages[name], name
        assert "Hidden: fewer than 3 answered" in pages[name], name
        assert 'data-side="supervisor" data-shown="yes"' in pages[name], name
    for fmt in ("csv", "xlsx"):
        rows = peer_rows(_export_rows(client, world.supervisor, world, fmt))
        assert len(rows) == 7  # one per value
        assert all(row[6] == "" and row[7] == "Hidden: fewer than 3 answered" for row in rows), rows


def test_three_peers_are_shown_as_an_aggregate_everywhere(client, ctx):
    world = make_world()
    rate(world, "peer", THREE_PEERS)
    pages = surfaces(client, world)
    for name in ("officer results", "officer evaluation", "supervisor results", "appraiser evaluation"):
        assert 'data-side="peer" data-shown="yes"' in pages[name], name
        assert "1.67" in pages[name], name
        for peer in world.peers:
            assert peer.name not in pages[name], name
    for fmt in ("csv", "xlsx"):
        rows = peer_rows(_export_rows(client, world.supervisor, world, fmt))
        assert {(row[4], row[5], row[6], row[7]) for row in rows} == {("3", "3", "1.67", "Yes")}


def test_subordinates_follow_the_same_rule(ctx):
    world = make_world()
    for score in (4, 4):
        make_answers(world.round, world.officer, "subordinate", score)
    found = queries.subject_results(world.round, world.officer, "en")
    assert all(not v.picture.side("subordinate").shown for v in found.values)
    make_answers(world.round, world.officer, "subordinate", 1)
    found = queries.subject_results(world.round, world.officer, "en")
    assert {v.picture.side("subordinate").mean for v in found.values} == {3}


def test_a_round_asking_four_raters_hides_three(client, ctx):
    world = make_world(min_raters=4)
    rate(world, "peer", THREE_PEERS)
    page = _page(client, world.officer_user, world.results_url)
    assert 'data-side="peer" data-shown="yes"' not in page and "Hidden: fewer than 4 answered" in page
    assert "1.67" not in page
    assert all(row[6] == "" for row in peer_rows(_export_rows(client, world.supervisor, world, "csv")))
    rate(world, "peer", [1], start=3)  # the fourth peer
    assert 'data-side="peer" data-shown="yes"' in _page(client, world.officer_user, world.results_url)


def test_a_minimum_below_three_in_the_database_still_hides_two(ctx):
    world = make_world()
    rate(world, "peer", TWO_PEERS)
    # Around the check constraint (as a bad migration or hand edit might): the floor still holds.
    world.round.min_raters = 2
    with db.session.no_autoflush:
        found = queries.subject_results(world.round, world.officer, "en")
    assert found.threshold == 3
    assert not any(v.picture.side("peer").shown for v in found.values)
    db.session.rollback()


def test_raters_are_counted_from_answered_invitations_not_answer_rows(ctx):
    world = make_world()
    rate(world, "peer", TWO_PEERS)
    # A third set of answer rows without an answered invitation (and a withdrawn invitation)
    # makes no third rater.
    for value in ("kompeten", "akuntabel"):
        db.session.add(
            RoundAnswer(round_id=world.round.id, subject_id=world.officer.id, kind=RaterKind.PEER, value=value, score=4)
        )
    make_invitation(world.round, world.officer, "peer", rater=world.peers[2], withdrawn=True)
    make_invitation(world.round, world.officer, "peer", rater=world.peers[3], answered=False)
    db.session.commit()
    found = queries.subject_results(world.round, world.officer, "en")
    assert found.raters["peer"] == 2
    assert not any(v.picture.side("peer").shown for v in found.values)


def test_an_open_round_shows_the_officer_nothing(client, ctx):
    world = make_world(status="open")
    rate(world, "peer", [4, 4, 4, 4])
    rate(world, "supervisor", [4])
    rate(world, "self", [4])
    pages = surfaces(client, world)
    for name in ("officer results", "supervisor results", "supervisor round"):
        assert 'id="round-open"' in pages[name], name
        assert 'data-shown="yes"' not in pages[name] and "4.00" not in pages[name], name
    for name in ("officer evaluation", "appraiser evaluation"):
        assert 'id="picture-' not in pages[name] and "still open" in pages[name], name
    rows = _export_rows(client, world.supervisor, world, "csv")[1:]
    assert rows and all(row[6] == "" and row[7] == "Shown when the round closes" for row in rows)


def test_no_colleague_reads_the_officers_results(client, ctx):
    world = make_world()
    rate(world, "peer", THREE_PEERS)
    skp = make_skp(world.officer, year=2026)
    for peer_user in world.peer_users:
        sign_in(client, peer_user)
        assert client.get(world.results_url).status_code == 403
        assert client.get(world.export_url("csv")).status_code == 403
        assert client.get(world.export_url("xlsx")).status_code == 403
        assert client.get(f"/admin/feedback/rounds/{world.round.id}/results").status_code == 403
        assert client.get(f"/admin/skp/{skp.id}/periods/{world.period.id}").status_code == 403
        mine = client.get("/admin/feedback/mine")
        assert mine.status_code == 200 and world.officer.name not in text(mine)
    sign_in(client, world.other_supervisor)
    assert client.get(world.results_url).status_code == 403
    assert client.get(world.export_url("csv")).status_code == 403


def test_comments_carry_no_name_and_are_sorted_by_their_text(client, ctx):
    world = make_world()
    rate(world, "peer", [3, 3, 3], comments=["Zaman berubah, ia ikut", "akurat dalam berkas", "Membantu rekan baru"])
    rate(world, "supervisor", [4])
    page = _page(client, world.officer_user, world.results_url)
    start = page.index('id="picture-kompeten"')
    section = page[start : page.index("</section>", start)]
    positions = [section.index(c) for c in ("akurat dalam berkas", "Membantu rekan baru", "Zaman berubah, ia ikut")]
    assert positions == sorted(positions)
    for peer in world.peers:
        assert peer.name not in page
    export = "\n".join(",".join(row) for row in _export_rows(client, world.supervisor, world, "csv"))
    assert "akurat" not in export  # comments stay on the pages


def test_comments_of_a_hidden_kind_are_not_shown(client, ctx):
    world = make_world()
    rate(world, "peer", [3, 3], comments=["rahasia satu", "rahasia dua"])
    for user in (world.officer_user, world.supervisor):
        assert "rahasia" not in _page(client, user, world.results_url)


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.CLOSED])
def test_answer_rows_keep_no_trace_of_their_rater(ctx, status):
    """The schema's side of the rule: an answer names no rater, invitation or time."""
    columns = set(RoundAnswer.__table__.columns.keys())
    assert columns == {"id", "round_id", "subject_id", "kind", "value", "score", "comment"}
    world = make_world(status=status.value)
    rate(world, "peer", [2, 3, 4])
    keys = db.session.scalars(sa.select(RoundAnswer.id).order_by(RoundAnswer.id)).all()
    assert len(keys) == 21 and len(set(keys)) == 21 and all(len(key) == 32 for key in keys)
    assert db.session.get(FeedbackRound, world.round.id).status == status
