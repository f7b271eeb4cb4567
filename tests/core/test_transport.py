"""What the site says about itself on the wire: HSTS exactly when a request came over HTTPS
(directly, or through as many proxies as TRUSTED_PROXIES trusts), and no server banner from
gunicorn, checked on a real gunicorn serving 127.0.0.1."""

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app
from config import TestConfig
from core.db import db
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
YEAR = "max-age=31536000"


@pytest.fixture
def make_app(app):
    """Another app on the same database (/healthz and /lang need no table of their own); its
    connections are closed after the test (psycopg warns of any left to the garbage collector)."""
    made = []

    def make(**overrides):
        made.append(create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"], **overrides)))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def test_hsts_over_https_only(client):
    assert client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"] == YEAR
    assert client.get("/lang/en", base_url="https://localhost").headers["Strict-Transport-Security"] == YEAR
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_a_forwarded_https_counts_only_from_a_trusted_proxy(make_app, client):
    # TRUSTED_PROXIES = 0 (the default): whoever connects could have written the header.
    forged = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers
    behind = make_app(TRUSTED_PROXIES=1).test_client()
    assert behind.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers["Strict-Transport-Security"] == YEAR
    assert "Strict-Transport-Security" not in behind.get("/healthz").headers
    assert "Strict-Transport-Security" not in behind.get("/healthz", headers={"X-Forwarded-Proto": "http"}).headers
    # The client forged "https"; the one trusted proxy appended what it saw: plain HTTP.
    assert (
        "Strict-Transport-Security" not in behind.get("/healthz", headers={"X-Forwarded-Proto": "https, http"}).headers
    )


def test_hsts_can_be_switched_off(make_app):
    quiet = make_app(HSTS_SECONDS=0).test_client()
    assert "Strict-Transport-Security" not in quiet.get("/healthz", base_url="https://localhost").headers


def _get(port: int, path: str, headers: dict | None = None, attempts: int = 100):
    for _ in range(attempts):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.1)  # gunicorn is still starting: nothing else to wait on but its socket
        finally:
            connection.close()
    pytest.fail("gunicorn did not answer")


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "TRUSTED_PROXIES": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gunicorn.db'}",
        "SECRET_KEY": "gunicorn-test",
    }
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield port
        finally:
            process.terminate()
            # Longer than gunicorn's graceful_timeout, after which its master ends the workers itself.
            process.wait(timeout=30)


def test_gunicorn_sends_no_server_banner_and_hsts_behind_a_trusted_proxy(gunicorn):
    plain = _get(gunicorn, "/kiosk/sw.js")  # not /healthz: this database was never migrated (503)
    assert plain.status == 200
    assert plain.getheader("Server") is None
    assert plain.getheader("Strict-Transport-Security") is None
    behind = _get(gunicorn, "/lang/en?next=/", {"X-Forwarded-Proto": "https"})
    assert behind.status == 302 and behind.getheader("Server") is None
    assert behind.getheader("Strict-Transport-Security") == YEAR
    missing = _get(gunicorn, "/no-such-page")
    assert missing.status == 404 and missing.getheader("Server") is None
