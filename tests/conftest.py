"""Fixtures shared by every test (the factories are in ``tests/factories.py``).

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. The schema
is built once per run by the real Alembic migrations (so the migrations are tested on both), and
every table is emptied after each test.
"""

import contextvars
import os
import socketserver
import threading

# Before anything imports hypothesis: its example database lives in the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(os.path.dirname(__file__), "..", ".hypothesis"))

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings

from app import create_app
from appraisal.models import Indicator
from appraisal.standard import insert_missing
from config import TestConfig
from core import recount
from core.db import db
from core.extensions import limiter
from core.responses import Response
from org.models import Role, Unit
from tests.browser.a11y import a11y_context  # noqa: F401  (a fixture, for every page checked with axe)
from tests.factories import make_desk, make_kiosk, make_officer, make_period, make_unit, make_user, sign_in

# Developers' runs explore new random examples each time (that is how the NUL bug was found);
# CI runs a fixed set, so that a submission cannot fail on an example nobody has seen.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "artifacts")


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        # Under pytest-xdist each worker empties and refills its own database: one shared by
        # two workers would have one test's clean-up delete another's rows.
        base = sa.engine.make_url(url)
        name = f"{base.database}_{worker}"
        engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            if connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    return url


def _ratelimit_storage_uri() -> str:
    uri = os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and uri.startswith("redis://") and uri.rsplit("/", 1)[-1].isdigit():
        # Each worker its own Redis database, counting down from the one named (a reset between
        # tests clears a whole database).
        prefix, number = uri.rsplit("/", 1)
        uri = f"{prefix}/{int(number) - int(worker.removeprefix('gw'))}"
    return uri


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        _reset_postgres(url)
    app = create_app(TestConfig(url, _ratelimit_storage_uri()))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # psycopg warns about connections left open at exit


class IsolatedClient(FlaskClient):
    """Serves each request in a context of its own, as a real server does, even while the test
    holds an application context (the ``ctx`` fixture): otherwise Flask reuses the test's
    context, and what extensions cache on it (the user, the CSRF token, the language) would
    leak from one request into the next."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            # The test reads what the request committed, not what its own session remembers.
            db.session.expire_all()
        return response


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test starts from the migrated schema with the standard indicators and nothing else."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            # Whatever the test stored, the writer's running tallies must equal a recount of it.
            if connection.scalar(sa.select(Response.id).limit(1)) is not None:
                wrong = recount.differences(connection)
                assert not wrong, "the kept tallies differ from a recount:\n" + "\n".join(wrong[:20])
            # A unit names its head, an officer of the unit: the one cycle among the tables.
            connection.execute(Unit.__table__.update().values(head_officer_id=None))
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            insert_missing(connection, Indicator.__table__)
        limiter.reset()


@pytest.fixture
def ctx(app):
    """An application context for tests that use the models directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def admin(client, ctx):
    """An administrator of every unit, signed in on ``client``, reading the pages in English."""
    user = make_user(Role.ADMIN, username="pusat")
    sign_in(client, user)
    client.set_cookie("lang", "en")
    return user


# --- Factories --------------------------------------------------------------------------------
# Each takes overrides as keywords and commits, so that what it made is visible to requests.


@pytest.fixture
def factories(ctx):
    """The factories, with an application context around the test."""

    class Factories:
        unit = staticmethod(make_unit)
        desk = staticmethod(make_desk)
        officer = staticmethod(make_officer)
        period = staticmethod(make_period)
        kiosk = staticmethod(make_kiosk)

    return Factories


@pytest.fixture
def counter(ctx):
    """Count rows of a model: ``counter(Response)``."""

    def count(model, *where) -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return count


# --- Browser tests ----------------------------------------------------------------------------
# Real Chromium from the system's packages, driven by Playwright; screenshots go to artifacts/.

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    import shutil

    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install chromium).")
    return path


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on 127.0.0.1 in a background thread; yields its base URL."""
    import threading

    from tests.browser.helpers import app_server

    server = app_server(app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves artifacts/screenshots/name.png."""
    folder = os.path.join(ARTIFACTS, "screenshots")
    os.makedirs(folder, exist_ok=True)

    def take(page, name: str, **options) -> str:
        path = os.path.join(folder, f"{name}.png")
        # Hiding the caret injects a <style>, which our CSP refuses (and logs as an error).
        options.setdefault("caret", "initial")
        page.screenshot(path=path, **options)
        return path

    return take


# --- A local SMTP server for the tests of outgoing e-mail ---------------------------------------------
# A tiny SMTP sink on the standard library's socketserver: it speaks just enough of RFC 5321 for
# smtplib (EHLO, MAIL, RCPT, DATA, QUIT) and keeps each message. Small enough to read at a glance,
# and no test dependency to pin for it (aiosmtpd would be one).


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 sink ready")
        message = None
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if message is not None:
                if command == ".":
                    self.server.messages.append(b"".join(message))
                    message = None
                    self.reply("250 queued")
                else:
                    message.append(line[1:] if line.startswith(b"..") else line)
            elif verb == "EHLO":
                self.reply("250 sink")
            elif verb == "DATA":
                message = []
                self.reply("354 go ahead")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            elif self.server.refuse and verb == "RCPT":
                self.reply("550 no such mailbox")
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_sink(app):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.messages, server.refuse = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {key: app.config[key] for key in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_SECURITY")}
    app.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=server.server_address[1], SMTP_FROM="suara@kantor.go.id", SMTP_SECURITY="none"
    )
    yield server
    app.config.update(saved)
    server.shutdown()
    server.server_close()
