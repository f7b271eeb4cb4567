"""A database connection that drops during a request: a 503 that says so in both languages,
with Retry-After, keeping what the citizen typed; never a 500, and nothing stored twice when
the citizen sends again."""

import contextlib
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from appraisal.models import Indicator
from core.db import db, engine_options
from core.responses import Answer, Response, ResponseWriter
from org.duty import start_duty
from org.models import Role
from tests.factories import make_desk, make_officer, make_period, make_user, sign_in

COMMENT = "Petugasnya ramah; antrean <panjang> & lama"
UNAVAILABLE_ID = "Layanan tidak dapat menghubungi basis datanya sesaat"
UNAVAILABLE_EN = "The service could not reach its database for a moment"


@pytest.fixture
def desk_code(ctx):
    make_period()
    desk = make_desk()
    start_duty(desk, make_officer(unit=desk.unit), datetime.now(timezone.utc) - timedelta(hours=1))
    db.session.commit()
    return desk.code


def filled_form(client, code: str) -> dict:
    page = client.get(f"/s/{code}").get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1) for name in ("csrf_token", "uuid")}
    ids = db.session.scalars(
        sa.select(Indicator.id).where(Indicator.skm_element.is_not(None), Indicator.active.is_(True))
    ).all()
    return {**fields, **{f"q{i}": "3" for i in ids}, "gender": "P", "comment": COMMENT}


def stored() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Response)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Answer)),
    )


def kill(dbapi_connection) -> None:
    """What a database restart does to a connection in use: on PostgreSQL its backend is
    terminated (from another connection); SQLite has no server to lose, so the connection is
    closed under the statement."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": dbapi_connection.info.backend_pid})
            other.commit()
    else:
        dbapi_connection.close()


@pytest.fixture(autouse=True)
def _fresh_pool(app):
    """A connection killed under the pool leaves it to find out; start the next test with none."""
    yield
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def connection_dropped_once(when):
    """The connection dies once, before the first statement ``when(statement)`` picks."""
    state = {"dropped": 0}

    def before(connection, cursor, statement, parameters, context, executemany):
        if not state["dropped"] and when(statement):
            state["dropped"] += 1
            kill(connection.connection.dbapi_connection)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield state
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


@contextlib.contextmanager
def connection_dropped_as_a_response_is_written(monkeypatch):
    """The response's writer runs on a DBAPI cursor of its own (core.responses): the connection
    dies just before it writes, once."""
    state = {"dropped": 0}
    write = ResponseWriter.write

    def dropped_first(self, cursor, new, reflags=None, observe_last=None):
        if not state["dropped"]:
            state["dropped"] += 1
            kill(cursor.connection)
        return write(self, cursor, new, reflags, observe_last)

    monkeypatch.setattr(ResponseWriter, "write", dropped_first)
    yield state


@pytest.mark.parametrize("htmx", [False, True])
def test_a_survey_sent_while_the_connection_drops_comes_back_with_what_was_typed(client, desk_code, htmx, monkeypatch):
    form = filled_form(client, desk_code)
    headers = {"HX-Request": "true"} if htmx else {}
    with connection_dropped_as_a_response_is_written(monkeypatch) as state:
        response = client.post(f"/s/{desk_code}", data=form, headers=headers)
    assert state["dropped"] == 1
    monkeypatch.undo()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = html.unescape(response.get_data(as_text=True))
    assert "Jawaban Anda belum tersimpan" in page  # the page's language: Bahasa Indonesia
    assert COMMENT in page and f'value="{form["uuid"]}"' in page  # what was typed, and the same response id
    assert re.search(r'value="3"[^>]*checked|checked[^>]*value="3"', page)
    assert stored() == (0, 0)

    # Sent again, as the page asks: stored, once.
    again = client.post(f"/s/{desk_code}", data=form, headers=headers)
    assert again.status_code in (200, 303)
    assert stored()[0] == 1
    assert client.post(f"/s/{desk_code}", data=form).status_code in (200, 303)
    assert stored()[0] == 1
    response_row = db.session.scalar(sa.select(Response))
    assert response_row.comment == COMMENT and response_row.uuid == form["uuid"]


def test_any_other_page_answers_503_in_both_languages(client, ctx):
    sign_in(client, make_user(Role.ADMIN))
    client.set_cookie("lang", "en")
    with connection_dropped_once(lambda statement: "FROM unit" in statement):
        response = client.get("/admin/units")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = html.unescape(response.get_data(as_text=True))
    assert UNAVAILABLE_EN in page and UNAVAILABLE_ID in page
    assert page.index(UNAVAILABLE_EN) < page.index(UNAVAILABLE_ID)  # the reader's language first
    # The next request gets a working connection.
    assert client.get("/admin/units").status_code == 200


def test_a_json_client_gets_the_503_as_json(client, ctx):
    sign_in(client, make_user(Role.ADMIN))
    with connection_dropped_once(lambda statement: "FROM unit" in statement):
        response = client.get("/admin/units", headers={"Accept": "application/json"})
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == 503 and body["message"].startswith(UNAVAILABLE_ID)
    assert body["messages"]["en"].startswith(UNAVAILABLE_EN)


def test_a_server_database_tests_pooled_connections_before_use():
    """The first request after the server restarted gets a new connection, not an error."""
    assert engine_options("postgresql+psycopg://db/suara") == {"pool_pre_ping": True}
    assert engine_options("sqlite:///suara.db") == {}
