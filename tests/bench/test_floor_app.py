"""bench/floor_app.py, the survey's floor on this stack, does what it says it does: the work it
measures must be the work any survey here has to do (a token checked, the answers checked, the
response and its answers stored once), or the floor it reports flatters nothing but itself."""

import importlib.util
import re
import sqlite3
import uuid
from pathlib import Path

import pytest

FLOOR = Path(__file__).resolve().parents[2] / "bench" / "floor_app.py"


@pytest.fixture
def floor(tmp_path, monkeypatch):
    database = tmp_path / "floor.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    spec = importlib.util.spec_from_file_location("floor_app_under_test", FLOOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # reads DATABASE_URL as it loads, like gunicorn's import
    yield module.app.test_client(), database
    if module._connection is not None:
        module._connection.close()


def _stored(database: Path) -> tuple[list, list]:
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "floor_response" not in tables:
            return [], []
        responses = connection.execute("SELECT uuid, code, gender, comment FROM floor_response").fetchall()
        answers = connection.execute("SELECT question, value FROM floor_answer ORDER BY question").fetchall()
    return responses, answers


def _form(client) -> dict:
    page = client.get("/s/loket-1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fields = sorted(set(re.findall(r'name="(q\d+)"', page)), key=lambda name: int(name[1:]))
    assert fields == [f"q{n}" for n in range(1, 10)]
    return {"csrf_token": token, "uuid": str(uuid.uuid4()), **dict.fromkeys(fields, "3"), "gender": "P"}


def test_a_checked_survey_is_stored_once_with_its_nine_answers_and_thanked_in_indonesian(floor):
    client, database = floor
    form = _form(client)
    answer = client.post("/s/loket-1", data={**form, "comment": "Cepat"})
    assert answer.status_code == 200
    assert "Terima kasih!" in answer.get_data(as_text=True)
    responses, answers = _stored(database)
    assert responses == [(form["uuid"], "loket-1", "P", "Cepat")]
    assert answers == [(n, 3) for n in range(1, 10)]


@pytest.mark.parametrize(
    "change",
    [
        {"csrf_token": "forged"},  # the session's token is checked, as the app's CSRFProtect does
        {"q4": "5"},  # an answer outside 1-4
        {"q9": ""},  # an answer missing
        {"uuid": "not-a-uuid"},
        {"gender": "X"},
    ],
)
def test_a_survey_that_fails_a_check_stores_nothing(floor, change):
    client, database = floor
    answer = client.post("/s/loket-1", data={**_form(client), **change})
    assert answer.status_code in (400, 422)
    assert _stored(database) == ([], [])
