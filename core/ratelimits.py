"""Rate-limit counters in the app's own database: the default storage of Flask-Limiter.

A limit counted in one process's memory is no limit: ``make run`` serves the app with several
gunicorn workers, and each would count separately (two workers, twice the budget). Redis shares
the counts between workers and servers, but the default install is one machine with an SQLite
file (or one PostgreSQL server) and no Redis. The ``limits`` library ships storages for memory,
Redis, Memcached and MongoDB only (a SQL storage was asked for and never added:
alisaifee/limits#52), and documents subclassing ``limits.storage.Storage`` and registering a
scheme for any other store. So this storage is hand-written, and small: one table of counters,
one atomic statement per hit (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, which SQLite
since 3.35 and PostgreSQL both run atomically, whichever worker or server sends it).

``RATELIMIT_STORAGE_URI=database://`` (the default, ``config.Config``) selects it; a deployment
with Redis sets ``RATELIMIT_STORAGE_URI=redis://...`` and this module is not used.

It supports the fixed-window strategy (Flask-Limiter's default), which needs only a counter and
its expiry per key. Counters are written on a connection of their own, committed at once, so that
a request that fails and rolls back still counts against its budget; except where the hit is part
of what the request stores (``hit_with_transaction``: a survey response's budgets, which count
stored responses), in the request's own transaction.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, PerDialect, Prepared, db, dbapi_cursor

# About one hit in this many also deletes counters long expired: keys carry a client's daily
# hash, so without it the table would keep a row per client per day.
PURGE_ONE_IN = 500
PURGE_AFTER_SECONDS = 24 * 3600
# Where a request keeps the counters it hit (flask.g).
_SEEN = "ratelimit_counters_hit"


class RateLimitCounter(Model):
    """One rate-limit key's count in its current window, and when that window ends (seconds
    since the epoch, as the ``limits`` library counts them). Keys hold no raw address: the
    app's key functions hash them (``core.extensions.client_key``)."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)


def _engine():
    # The app's engine, looked up at each call: Flask-Limiter makes one storage for the whole
    # process, which must count in the database of the app that serves the request.
    return db.engine


def _upsert(dialect):
    """Add ``amount`` to the key's count, starting a new window when the old one has ended;
    the new count and when its window ends."""
    table = RateLimitCounter.__table__
    dml = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
    now = sa.bindparam("now", type_=sa.Float)
    amount = sa.bindparam("amount", type_=sa.Integer)
    ends = sa.bindparam("ends", type_=sa.Float)
    insert = dml(table).values(key=sa.bindparam("key", type_=table.c.key.type), count=amount, expires_at=ends)
    ended = table.c.expires_at <= now
    return insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": sa.case((ended, amount), else_=table.c.count + amount),
            "expires_at": sa.case((ended, ends), else_=table.c.expires_at),
        },
    ).returning(table.c.count, table.c.expires_at)


@dataclass(frozen=True)
class _Counted:
    """A counter after a hit (what ``_row`` reads back, as a row of the table)."""

    count: int
    expires_at: float


class _CounterSQL(PerDialect):
    """The upsert of a hit, compiled once per dialect: a survey response hits two counters and
    every kiosk vote one, and building and compiling the statement each time cost more than
    running it."""

    def __init__(self, dialect):
        self.upsert = Prepared(_upsert(dialect), dialect)


def _count(cursor, dialect, key: str, amount: int, now: float, expiry: float) -> _Counted:
    """One hit of ``amount`` on ``key``'s counter, in the cursor's transaction."""
    upsert = _CounterSQL.of(dialect).upsert
    row = upsert.one(cursor, {"key": key, "amount": amount, "now": now, "ends": now + expiry})
    if row is None:  # an upsert always returns its row
        raise RuntimeError(f"no rate-limit counter {key!r} after its upsert")
    return _Counted(*row)


class DatabaseStorage(Storage):
    """``limits`` storage over the ``rate_limit_counter`` table (see the module's docstring)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = _engine()
        with engine.begin() as connection, dbapi_cursor(connection) as (cursor, dialect):
            row = _count(cursor, dialect, key, amount, now, expiry)
            if random.randrange(PURGE_ONE_IN) == 0:
                table = RateLimitCounter.__table__
                connection.execute(sa.delete(table).where(table.c.expires_at < now - PURGE_AFTER_SECONDS))
        if has_request_context():
            # Flask-Limiter reads the window back (get, get_expiry) for the response's headers
            # right after the hit: the request keeps what the hit returned instead of two more
            # round trips to the database.
            g.setdefault(_SEEN, {})[key] = row
        return int(row.count)

    def _row(self, key: str):
        if has_request_context() and key in g.get(_SEEN, {}):
            return g.get(_SEEN)[key]
        table = RateLimitCounter.__table__
        with _engine().connect() as connection:
            return connection.execute(sa.select(table.c.count, table.c.expires_at).where(table.c.key == key)).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        now = time.time()
        return float(row.expires_at) if row is not None and row.expires_at > now else now

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(sa.select(sa.literal(1)))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        if has_request_context():
            g.pop(_SEEN, None)
        with _engine().begin() as connection:
            return connection.execute(sa.delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        if has_request_context():
            g.get(_SEEN, {}).pop(key, None)
        table = RateLimitCounter.__table__
        with _engine().begin() as connection:
            connection.execute(sa.delete(table).where(table.c.key == key))


def hit_with_transaction(strategy, hits: list[tuple], connection: sa.Connection) -> bool:
    """One hit on each ``(limit, *identifiers)`` of ``hits``, as ``strategy.hit`` counts it;
    whether every one is still within its limit.

    Where the limits are counted in the database (this module's storage), the counters are written
    on ``connection``, in its transaction: used where the hit is part of what the request stores
    (a survey response, counted once it is stored), they commit with it in one write, and roll
    back with it, where counting each on its own connection would be one more
    write transaction each (on SQLite, one more turn of the one writer). Any other storage (Redis)
    counts them as ``strategy.hit`` does."""
    if not isinstance(strategy.storage, DatabaseStorage):
        within_each = [strategy.hit(limit, *identifiers) for limit, *identifiers in hits]  # every one, always
        return all(within_each)
    now = time.time()
    within = True
    with dbapi_cursor(connection) as (cursor, dialect):
        for limit, *identifiers in hits:
            counted = _count(cursor, dialect, limit.key_for(*identifiers), 1, now, limit.get_expiry())
            within &= counted.count <= limit.amount
    return within
