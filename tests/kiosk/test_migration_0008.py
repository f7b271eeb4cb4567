"""Migration 0008 makes a response's period optional. On SQLite that rebuilds the response table;
the rows that refer to it (answers, which go with their response, and disputes) must all stay."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from config import TestConfig
from core.db import db


def _values(table: sa.Table, **given) -> dict:
    """A row for ``table``: what is given, and something of the right type for every other column
    that must have a value (the schema at 0007, whatever the migrations before it added)."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type.python_type
        row[column.name] = {int: 1, bool: False, str: "x", datetime: datetime(2026, 1, 1), date: date(2026, 1, 1)}.get(
            kind, "x"
        )
    return row


def test_the_answers_and_disputes_of_stored_responses_survive_0008(tmp_path):
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'old.db'}", "memory://"))
    with app.app_context():
        upgrade(revision="0007")
        tables = sa.MetaData()
        tables.reflect(bind=db.engine)
        t = tables.tables
        with db.engine.begin() as connection:
            connection.execute(t["unit"].insert().values(_values(t["unit"], id=1, code="u1", timezone="Asia/Jakarta")))
            connection.execute(t["desk"].insert().values(_values(t["desk"], id=1, unit_id=1)))
            connection.execute(t["officer"].insert().values(_values(t["officer"], id=1, unit_id=1, nip="1")))
            connection.execute(t["period"].insert().values(_values(t["period"], id=1, status="open")))
            indicator = connection.scalar(sa.select(t["indicator"].c.id).where(t["indicator"].c.code == "KIOSK"))
            connection.execute(
                t["response"]
                .insert()
                .values(
                    _values(
                        t["response"],
                        id=1,
                        uuid="00000000-0000-4000-8000-000000000001",
                        channel="kiosk",
                        unit_id=1,
                        desk_id=1,
                        officer_id=1,
                        period_id=1,
                    )
                )
            )
            connection.execute(t["answer"].insert().values(response_id=1, indicator_id=indicator, value=4))
            connection.execute(
                t["dispute"]
                .insert()
                .values(_values(t["dispute"], id=1, response_id=1, officer_id=1, period_id=1, status="open"))
            )

        upgrade()

        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT response_id, value FROM answer")).all() == [(1, 4)]
            assert connection.execute(sa.text("SELECT response_id FROM dispute")).all() == [(1,)]
            assert connection.execute(sa.text("SELECT period_id FROM response")).all() == [(1,)]
            # Foreign keys are enforced again for the app's connections, and nothing dangles.
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        db.engine.dispose()
