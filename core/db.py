"""The database handle and the column types every model shares."""

import contextlib
import os
import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar, Self, cast

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from werkzeug.routing import IntegerConverter

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy waiting orders the writers there
    fcntl = None  # type: ignore[assignment]


class Base(DeclarativeBase):
    # Named constraints, so that Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        """What db.Model is at run time (Flask-SQLAlchemy builds it from Base and its own mixins),
        as a class that mypy can see: mypy takes no attribute of a variable as a base class."""

        __abstract__ = True
        # Every model here declares its table: a Table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[sa.Table]

else:
    # The base class of every model.
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A moment in time, stored as naive UTC (SQLite has no time zones) and read back aware.

    Writing a naive datetime is a programming error: it is refused rather than guessed at.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


@contextlib.contextmanager
def dbapi_cursor(connection: sa.Connection):
    """(a DBAPI cursor of a SQLAlchemy connection, in its transaction, its dialect), for
    statements compiled once (``Prepared``). The driver's errors come out as SQLAlchemy raises
    them for its own statements: its class (an OperationalError for a dropped connection, which
    the app answers with a 503), and a connection found gone is invalidated, so that the pool
    drops it rather than lend it again."""
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        yield cursor, dialect
    except dialect.loaded_dbapi.Error as error:
        try:
            gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        except Exception:  # asking a dead connection may fail too: then it is gone
            gone = True
        if gone:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            None, None, error, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
        ) from error
    finally:
        with contextlib.suppress(dialect.loaded_dbapi.Error):  # a cursor of a connection gone
            cursor.close()


class PerDialect:
    """A feature's statements for one database dialect (``Prepared`` ones), made once per process
    and dialect: ``of(dialect)``. A subclass builds them in ``__init__(self, dialect)``."""

    _made: ClassVar[dict]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._made = {}

    def __init__(self, dialect) -> None:
        pass

    @classmethod
    def of(cls, dialect) -> Self:
        found = cls._made.get(dialect.name)
        if found is None:
            found = cls._made[dialect.name] = cls(dialect)
        return found


class Prepared:
    """A SQLAlchemy Core statement compiled once for one database dialect, run on a DBAPI cursor.

    Its parameters go through the SQLAlchemy types of their columns and its rows come back
    through them, so what is written and compared is what the ORM writes and reads. Hand-written
    because executing a statement through SQLAlchemy works out its cache key and processes every
    parameter through an execution context each time: tens of microseconds a statement, more than
    SQLite takes to run the vote's, on the busiest request there is (see kiosk.votes). Whoever
    makes one keeps it, once per dialect.
    """

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        sql, positions = compiled.string, compiled.positiontup
        inlined = compiled.literal_execute_params
        if inlined:
            # Constants that SQLAlchemy writes into the SQL text at each execution (since 2.1,
            # aggregate_strings' separator): written in once, here.
            required = {name: None for bind, name in compiled.bind_names.items() if bind.required}
            expanded = compiled.construct_expanded_state(required)
            sql, positions = expanded.statement, expanded.positiontup
        self.sql = sql
        processors, constants = {}, {}
        for bind, name in compiled.bind_names.items():
            if bind in inlined:
                continue
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:  # given at each execution
                processors[name] = convert
            else:  # a literal of the statement (a LIMIT, a status): converted once, here
                constants[name] = convert(bind.effective_value) if convert else bind.effective_value
        # Where the driver takes parameters by position (sqlite3): for each position, in order,
        # a constant, or the name of a given value (converted once, however often it is used).
        self.slots = (
            None if positions is None else [(name in constants, constants.get(name, name)) for name in positions]
        )
        self.processors, self.constants = processors, constants
        self.results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in getattr(statement, "selected_columns", ())
        ]
        self.converts_results = any(self.results)

    def params(self, values: dict):
        given = {name: convert(values[name]) if convert else values[name] for name, convert in self.processors.items()}
        if self.slots is None:
            return {**self.constants, **given}
        return tuple(value if constant else given[value] for constant, value in self.slots)

    def execute(self, cursor, values: dict) -> None:
        cursor.execute(self.sql, self.params(values))

    def execute_many(self, cursor, many: list[dict]) -> None:
        cursor.executemany(self.sql, [self.params(values) for values in many])

    def one(self, cursor, values: dict) -> tuple | None:
        """The first row, through the types of the selected columns; None when there is none."""
        cursor.execute(self.sql, self.params(values))
        row = cursor.fetchone()
        if row is None or not self.converts_results:
            return row
        return tuple(convert(value) if convert else value for convert, value in zip(self.results, row))


def enum_column(enum_cls, length=16):
    # Stored as plain strings (not a native ENUM type) so that adding a value needs no DDL.
    return sa.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def referenced(obj) -> bool:
    """Whether any row refers to ``obj`` through a foreign key that would keep it from being
    deleted (one declared ``ON DELETE CASCADE`` or ``SET NULL`` would not). The schema knows who
    keeps rows about a desk, an officer or a unit; the code that deletes one need not."""
    table = obj.__table__
    for other in db.metadata.sorted_tables:
        for key in other.foreign_keys:
            if key.column.table is not table or (key.ondelete or "").upper() in ("CASCADE", "SET NULL"):
                continue
            if has_rows(other, key.parent == getattr(obj, key.column.key)):
                return True
    return False


def changed_one(result) -> bool:
    """Whether an UPDATE changed exactly one row: a compare-and-set that took. (An UPDATE answers a
    CursorResult, which counts its rows; SQLAlchemy types it as any Result.)"""
    return cast(sa.CursorResult, result).rowcount == 1


def has_rows(model, *where) -> bool:
    return db.session.scalar(sa.select(sa.literal(1)).select_from(model).where(*where).limit(1)) is not None


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a vote is written; busy_timeout makes writers queue rather
    # than fail when two gunicorn workers write at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Ids are 32-bit integers in the database: a larger number is no record (and no query; SQLite
# cannot even bind a number beyond 64 bits).
MAX_ID = 2**31 - 1


def id_from(text: str) -> int | None:
    """The id written in ``text`` (ASCII digits only: ``"²".isdigit()`` is true, yet no number);
    None when it is no id."""
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:…>`` in the app's addresses, all of which are ids: a number no id can be matches no
    route (a 404), instead of reaching a database that cannot take it. ASCII digits only:
    Werkzeug's ``\\d+`` also takes other scripts' digits, and ``int("١٢٣")`` is 123, an id nobody
    wrote."""

    regex = r"[0-9]+"

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ):
        super().__init__(map, fixed_digits, min, max, signed)


def engine_options(url: str) -> dict:
    """A pooled connection to a database server is tested before use (pre-ping), so that the
    first request after the server restarted gets a new connection, not an error; an SQLite file
    does not go away under an open connection, and the test would cost every request a query."""
    return {"pool_pre_ping": True} if not url.startswith("sqlite") else {}


def init_db(app) -> None:
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)


class WriteTurns:
    """On SQLite, the busiest writers (the kiosk vote, the phone survey) take turns at the
    database's write lock through a kernel file lock.

    SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps and
    tries again (after 1, 2, 5, 10 ms …, up to ``busy_timeout``), so with several gunicorn workers
    each collision idles a worker for longer than a vote takes. Waiting on ``flock`` instead, the
    next vote starts writing the moment the previous one commits (bench/load: about +14 % votes
    a second, and a lower p99). It only orders those writers among themselves; SQLite's own
    locking still keeps every write correct, with or without it (other writers, such as an admin
    page, do not take a turn). One lock file per database, beside it; one
    open file per process and thread, since ``flock`` does not exclude holders of the same open
    file (a forked worker or another thread would share it)."""

    def __init__(self, database_path: str):
        self.path = database_path + "-votes.lock"
        self._local = threading.local()

    def _fd(self) -> int:
        pid, fd = getattr(self._local, "opened", (None, -1))
        if pid != os.getpid():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._local.opened = (os.getpid(), fd)
        return fd

    def take(self) -> None:
        fcntl.flock(self._fd(), fcntl.LOCK_EX)

    def give_back(self) -> None:
        fcntl.flock(self._fd(), fcntl.LOCK_UN)


_write_turns: dict[str, WriteTurns] = {}


def write_turns_of(engine) -> WriteTurns | None:
    """The turns for an SQLite database file; None for PostgreSQL, whose writers do not exclude
    each other, for an in-memory database (one process) and where there is no ``fcntl``."""
    database = engine.url.database
    if (
        engine.dialect.name != "sqlite"
        or fcntl is None
        or not database
        or database == ":memory:"
        or database.startswith("file:")
    ):
        return None
    turns = _write_turns.get(database)
    if turns is None:
        turns = _write_turns[database] = WriteTurns(os.path.abspath(database))
    return turns


class WriteTurn:
    """One request's turn (``WriteTurns``) on an engine: ``take`` it right before the first write,
    and it is given back as the block ends, after the transaction inside it has committed or
    rolled back:

        with WriteTurn(engine) as turn, engine.begin() as connection:
            ...  # reads
            turn.take()
            ...  # writes

    Nothing to take on PostgreSQL, an in-memory database, or without ``fcntl``."""

    def __init__(self, engine):
        self._turns = write_turns_of(engine)
        self._taken = False

    def take(self) -> None:
        if self._turns is not None and not self._taken:
            self._turns.take()
            self._taken = True

    def __enter__(self) -> "WriteTurn":
        return self

    def __exit__(self, *_exc) -> None:
        if self._taken:
            self._taken = False
            self._turns.give_back()
