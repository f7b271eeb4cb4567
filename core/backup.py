"""A consistent copy of a live SQLite database, taken while votes keep arriving.

SQLite's online backup API copies the database as it stood at one moment (in WAL mode the
writers go on meanwhile); the copy is written beside the target and renamed into place, so a
half-written file never carries the target's name. PostgreSQL has its own tools (pg_dump).
"""

import os
import sqlite3
from pathlib import Path
from typing import cast

import click
import sqlalchemy as sa
from flask import Flask

from .db import db


class BackupError(Exception):
    pass


def backup_sqlite(engine: sa.Engine, target: Path) -> dict[str, int]:
    """Copy the SQLite database behind ``engine`` to ``target``; returns row counts of the copy."""
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "This database is PostgreSQL: back it up with pg_dump, e.g. "
            '`pg_dump --format=custom --file=suara.dump "$DATABASE_URL"` (see the README).'
        )
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(partial)
        try:
            # pages=-1: one step, so the copy is a single consistent snapshot.
            cast(sqlite3.Connection, raw.driver_connection).backup(destination, pages=-1)
            check = destination.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"The copy failed its integrity check: {check}")
            counts = {
                table: destination.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in ("unit", "officer", "response", "answer")
            }
        finally:
            destination.close()
    except Exception:
        partial.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    os.replace(partial, target)
    return counts


def register_backup_cli(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup(path):
        """Copy the live SQLite database to PATH, consistently, while the app keeps running."""
        try:
            counts = backup_sqlite(db.engine, path)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backup written to {path}: " + ", ".join(f"{n} {table}" for table, n in counts.items()))
