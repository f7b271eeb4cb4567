"""One picture per value in the SKP evaluation (issue 16, item 5): beside each value's rating,
the closed 360° round of the period seen from every side, the citizens' U6, U7 and kiosk for
Berorientasi Pelayanan with the period's minimum n, the gap between self and others and a
suggested rating; the appraiser still decides. An open round shows nothing yet."""

from fractions import Fraction

from appraisal.scoring import Rating
from core.db import db
from skp.evaluation import evaluation_context
from tests.factories import add_survey, add_vote, make_answers, make_desk, make_officer, make_round, sign_in, text
from tests.skp.evaluation_world import make_world


def _answers(world, round_, peers, supervisor=4, own=None):
    for score in peers:
        make_answers(round_, world.officer, "peer", score, rater=make_officer(unit=world.unit))
    if supervisor is not None:
        make_answers(round_, world.officer, "supervisor", supervisor, rater=world.appraiser)
    if own is not None:
        make_answers(round_, world.officer, "self", own, rater=world.officer)


def _page(client, world, user) -> str:
    sign_in(client, user)
    client.set_cookie("lang", "en")
    response = client.get(f"/admin/skp/{world.skp.id}/periods/{world.period.id}")
    assert response.status_code == 200
    return text(response)


def _value(page: str, code: str) -> str:
    start = page.index(f'id="value-{code}"')
    return page[start : page.index("</article>", start)]


def test_each_value_is_seen_from_every_side_once_the_round_closes(client, ctx):
    world = make_world()
    world.period.min_n = 2
    db.session.commit()
    desk = make_desk(unit=world.unit)
    for _ in range(2):
        add_survey(world.period, desk, world.officer, [3, 3, 3, 3, 3, 4, 3, 3, 3])
        add_vote(world.period, desk, world.officer, 4)
    round_ = make_round(world.unit, world.period, status="closed")
    _answers(world, round_, [3, 4, 4], supervisor=4, own=2)

    context = evaluation_context(world.skp, world.period, world.appraiser_user, "en")
    assert context["feedback_round"].id == round_.id and len(context["picture_values"]) == 7
    service = context["picture_values"]["berorientasi_pelayanan"].picture
    assert [(s.key, s.mean, s.n) for s in service.sides] == [
        ("u6", Fraction(4), 2),
        ("u7", Fraction(3), 2),
        ("kiosk", Fraction(4), 2),
        ("supervisor", Fraction(4), 1),
        ("peer", Fraction(11, 3), 3),
        ("subordinate", None, 0),
        ("self", Fraction(2), 1),
    ]
    # citizens (4 + 3 + 4) / 3 = 11/3 as one side, supervisor 4, peers 11/3: (11/3 + 4 + 11/3) / 3
    assert service.others == Fraction(34, 9) and service.gap == 2 - Fraction(34, 9)
    assert service.suggested == Rating.DI_ATAS
    kompeten = context["picture_values"]["kompeten"].picture
    assert kompeten.citizen_sides == () and kompeten.others == Fraction(23, 6)

    for user in (world.appraiser_user, world.officer_user, world.supervisor):
        page = _page(client, world, user)
        assert f"/admin/feedback/rounds/{round_.id}/results/{world.officer.id}" in page
        for code in ("berorientasi_pelayanan", "akuntabel", "kolaboratif"):
            section = _value(page, code)
            assert f'id="picture-{code}"' in section and 'data-side="peer" data-shown="yes"' in section
            # the picture sits beside the value's rating, in the same card
            assert "Rating" in section
        service_section = _value(page, "berorientasi_pelayanan")
        assert 'data-side="u6" data-shown="yes"' in service_section and "Citizens: kiosk" in service_section
        assert 'data-side="u6"' not in _value(page, "akuntabel")


def test_citizens_below_the_periods_minimum_are_not_shown(ctx):
    world = make_world()
    desk = make_desk(unit=world.unit)
    add_survey(world.period, desk, world.officer, [4] * 9)
    round_ = make_round(world.unit, world.period, status="closed")
    _answers(world, round_, [3, 3, 3])
    service = evaluation_context(world.skp, world.period, world.appraiser_user)["picture_values"]
    sides = {s.key: s for s in service["berorientasi_pelayanan"].picture.sides}
    assert (sides["u6"].mean, sides["u6"].n, sides["u6"].hidden) == (None, 1, "data")


def test_two_peers_stay_hidden_in_the_evaluation(client, ctx):
    world = make_world()
    round_ = make_round(world.unit, world.period, status="closed")
    _answers(world, round_, [1, 2], supervisor=4)
    context = evaluation_context(world.skp, world.period, world.officer_user)
    picture = context["picture_values"]["harmonis"].picture
    assert not picture.side("peer").shown and picture.others == 4
    page = _page(client, world, world.officer_user)
    assert 'data-side="peer" data-shown="yes"' not in page and "1.50" not in page
    assert "Hidden: fewer than 3 answered" in _value(page, "harmonis")


def test_an_open_round_shows_nothing_yet(client, ctx):
    world = make_world()
    round_ = make_round(world.unit, world.period, status="open")
    _answers(world, round_, [4, 4, 4, 4], supervisor=4, own=4)
    context = evaluation_context(world.skp, world.period, world.officer_user)
    assert context["feedback_round"].id == round_.id and context["picture"] is None
    page = _page(client, world, world.officer_user)
    assert 'id="picture-' not in page and "still open" in page


def test_without_a_round_the_evaluation_is_as_before(client, ctx):
    world = make_world()
    context = evaluation_context(world.skp, world.period, world.appraiser_user)
    assert (context["feedback_round"], context["picture"], context["picture_values"]) == (None, None, {})
    assert 'id="feedback-round-note"' not in _page(client, world, world.appraiser_user)
