"""Citizens' comments in the admin area: hiding an abusive one keeps it and is audited; a
supervisor sees and hides only their unit's."""

from core.db import db
from core.responses import Response
from org.models import Role
from tests.factories import add_survey, audit_entries, make_desk, make_period, make_unit, make_user, post, sign_in, text


def test_hiding_a_comment_keeps_it_and_is_audited(client, admin):
    response = add_survey(make_period(), make_desk(), None, [], comment="Petugasnya lambat semua!")
    db.session.commit()
    make_user(Role.SUPERVISOR, unit=make_unit())
    page = text(client.get("/admin/comments"))
    assert "Petugasnya lambat semua!" in page
    hidden = post(client, f"/admin/comments/{response.id}/hide", htmx=True)
    assert hidden.status_code == 200 and hidden.headers["HX-Trigger"] == "comment-changed" and "Hidden" in text(hidden)
    db.session.expire_all()
    row = db.session.get(Response, response.id)
    assert row.comment_hidden is True and row.comment == "Petugasnya lambat semua!"
    assert post(client, f"/admin/comments/{response.id}/hide", htmx=True).status_code == 409
    only_hidden = text(client.get("/admin/comments?hidden=no", headers={"HX-Request": "true"}))
    assert "Petugasnya lambat" not in only_hidden
    [entry] = audit_entries(entity="comment")
    assert (entry.action, entry.entity_id, entry.after) == ("hide", response.id, {"comment_hidden": True})


def test_a_supervisor_sees_and_hides_only_their_units_comments(client, ctx):
    own, other = make_unit(), make_unit()
    period = make_period()
    mine = add_survey(period, make_desk(unit=own), None, [], comment="Antre lama")
    theirs = add_survey(period, make_desk(unit=other), None, [], comment="Rahasia unit lain")
    db.session.commit()
    sign_in(client, make_user(Role.SUPERVISOR, unit=own))
    html = text(client.get("/admin/comments"))
    assert "Antre lama" in html and "Rahasia unit lain" not in html
    assert post(client, f"/admin/comments/{theirs.id}/hide").status_code == 403
    assert post(client, f"/admin/comments/{mine.id}/hide").status_code == 303
    db.session.expire_all()
    assert db.session.get(Response, theirs.id).comment_hidden is False
