"""`flask backup` copies a live SQLite database consistently while votes keep arriving."""

import sqlite3
import threading
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from core.backup import BackupError, backup_sqlite
from core.db import db
from kiosk.models import Kiosk
from kiosk.votes import MisuseRules, record_vote
from tests.factories import make_desk, make_kiosk, make_officer, make_period


def test_backup_taken_during_writes_holds_every_committed_vote(app, ctx, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the online backup is for SQLite; PostgreSQL uses pg_dump")
    make_period()
    desk = make_desk()
    make_officer(unit=desk.unit)
    kiosk, _ = make_kiosk(desk)
    kiosk_id = kiosk.id
    committed: list[str] = []
    stop = threading.Event()
    no_rules = MisuseRules(max_per_minute=10**9)

    def write_votes():
        with app.app_context():
            k = db.session.get(Kiosk, kiosk_id)
            while not stop.is_set() and len(committed) < 5000:
                vote = {
                    "uuid": str(uuid.uuid4()),
                    "value": 3,
                    "reasons": ["R_WAKTU"],
                    "cast_at": datetime.now(timezone.utc).isoformat(),
                }
                record_vote(k, vote, rules=no_rules)
                db.session.commit()
                committed.append(vote["uuid"])
            db.session.remove()

    writer = threading.Thread(target=write_votes)
    writer.start()
    while len(committed) < 200:  # votes are flowing
        threading.Event().wait(0.01)
    before = list(committed)
    target = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    during = len(committed)
    stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    assert len(committed) > during or during > len(before)  # writes really went on around it

    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    in_copy = {row[0] for row in copy.execute("SELECT uuid FROM response")}
    assert set(before) <= in_copy  # every vote committed before the backup began
    assert in_copy <= set(committed)  # and nothing that was never committed
    # No half-written vote: each response has both its answers.
    partial = copy.execute(
        "SELECT count(*) FROM response r WHERE (SELECT count(*) FROM answer a WHERE a.response_id = r.id) != 2"
    ).fetchone()[0]
    assert partial == 0
    copy.close()
    assert not (tmp_path / "backup.db.partial").exists()


def test_backup_into_a_missing_folder_says_so(ctx, runner, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    result = runner.invoke(args=["backup", str(tmp_path / "nope" / "b.db")])
    assert result.exit_code != 0 and "does not exist" in result.output


def test_backup_of_postgresql_points_to_pg_dump():
    pg = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(BackupError, match="pg_dump"):
        backup_sqlite(pg, "/tmp/x.db")
