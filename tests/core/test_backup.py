"""`flask backup` copies a live SQLite database consistently while votes keep arriving."""

import shutil
import sqlite3
import threading
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from config import TestConfig
from core.backup import BackupError, backup_sqlite
from core.db import db
from core.responses import Response
from kiosk.models import Kiosk
from kiosk.votes import MisuseRules, record_vote
from org.models import Desk, Unit
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


def _state() -> dict:
    """What a restore must bring back: the units by name, the desks, the votes by their id."""
    return {
        "units": set(db.session.scalars(sa.select(Unit.name))),
        "desks": set(db.session.scalars(sa.select(Desk.name))),
        "votes": set(db.session.scalars(sa.select(Response.uuid))),
    }


def _vote(kiosk: Kiosk) -> None:
    vote = {"uuid": str(uuid.uuid4()), "value": 4, "reasons": [], "cast_at": datetime.now(timezone.utc).isoformat()}
    record_vote(kiosk, vote, rules=MisuseRules(max_per_minute=10**9))
    db.session.commit()


def test_restore_as_the_readme_says_brings_back_the_data_as_at_the_backup(tmp_path):
    """The README's restore, step by step, on a database of its own: servers stopped, the live
    file and its -wal/-shm set aside, the backup copied into place, `flask db upgrade`."""
    live, backup = tmp_path / "suara.db", tmp_path / "suara-backup.db"
    app = create_app(TestConfig(f"sqlite:///{live}", "memory://"))
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        make_period()
        desk = make_desk(name="Loket 1")
        make_officer(unit=desk.unit)
        kiosk, _ = make_kiosk(desk)
        for _ in range(3):
            _vote(kiosk)
        at_backup = _state()

        result = runner.invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output

        # After the backup: another vote, a unit renamed, a desk added.
        _vote(kiosk)
        desk.unit.name = "Renamed after the backup"
        make_desk(unit=desk.unit, name="Loket 2")
        db.session.commit()
        assert _state() != at_backup

        db.session.remove()
        db.engine.dispose()  # every server stopped: no connection holds the file
        aside = tmp_path / "before-restore"
        aside.mkdir()
        for name in (live.name, live.name + "-wal", live.name + "-shm"):
            if (tmp_path / name).exists():
                (tmp_path / name).rename(aside / name)
        shutil.copyfile(backup, live)
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output

        assert _state() == at_backup
        assert db.session.scalar(sa.text("PRAGMA integrity_check")) == "ok"
        _vote(db.session.scalars(sa.select(Kiosk)).one())  # and it takes votes again
        assert len(_state()["votes"]) == len(at_backup["votes"]) + 1
        db.session.remove()
        db.engine.dispose()
