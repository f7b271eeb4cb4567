"""What `make run` prints: the demo's banner names the address gunicorn really listens on (its
BIND, as gunicorn.conf.py reads it), not a fixed one; and a gunicorn started as `make run`
starts it answers there."""

import json
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from demo.cli import DEFAULT_BIND, served_at
from tests.factories import make_desk

ROOT = Path(__file__).resolve().parents[2]


def banner(runner) -> dict[str, str]:
    """What `flask demo --if-empty` prints over an office that exists already (so that it loads
    nothing): the banner's lines by their first word ("Suara", "Kiosk:", "Admin:", "Health:",
    "QR")."""
    make_desk()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "left as it is" in result.output, result.output
    return {
        line.split()[0]: line.strip() for line in result.output.splitlines() if line.startswith("  ") and line.strip()
    }


@pytest.mark.parametrize(
    "bind, url, note",
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", ""),
        ("127.0.0.1:9123", "http://127.0.0.1:9123", ""),
        ("localhost", "http://localhost:8000", ""),  # gunicorn's port when none is given
        ("192.168.1.20:80", "http://192.168.1.20:80", ""),
        ("[::1]:8001", "http://[::1]:8001", ""),
        ("0.0.0.0:9000", "http://127.0.0.1:9000", "and on every other address of this machine, port 9000"),
        (":9000", "http://127.0.0.1:9000", "and on every other address of this machine, port 9000"),
        ("[::]:9000", "http://[::1]:9000", "and on every other address of this machine, port 9000"),
        ("unix:/run/suara.sock", None, "listening on unix:/run/suara.sock"),
        ("127.0.0.1:http", None, "BIND=127.0.0.1:http is not an address gunicorn understands"),
    ],
)
def test_the_address_served_for_each_kind_of_bind(bind, url, note):
    assert served_at(bind) == (url, note)


def test_the_banner_defaults_to_gunicorns_default_address(runner, ctx, app, monkeypatch):
    monkeypatch.delenv("BIND", raising=False)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    lines = banner(runner)
    assert lines["Suara"] == "Suara Layanan is starting on http://127.0.0.1:8000"
    assert lines["Health:"] == "Health: http://127.0.0.1:8000/healthz"
    assert lines["Lobby:"].startswith("Lobby:  http://127.0.0.1:8000/lobi/")
    assert "QR" not in lines  # the QR codes point to where the app is
    # gunicorn.conf.py, read as gunicorn reads it, has the same default.
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["bind"] == DEFAULT_BIND


def test_the_banner_follows_bind_and_says_where_qr_codes_point(runner, ctx, app, monkeypatch):
    monkeypatch.setenv("BIND", "0.0.0.0:9000")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:8000/")
    lines = banner(runner)
    assert lines["Suara"] == (
        "Suara Layanan is starting on http://127.0.0.1:9000 (and on every other address of this machine, port 9000)"
    )
    assert lines["Kiosk:"].startswith("Kiosk:  http://127.0.0.1:9000/kiosk/  (pair it with code ")
    assert lines["Admin:"] == "Admin:  http://127.0.0.1:9000/admin/  sign in as"
    assert lines["Health:"] == "Health: http://127.0.0.1:9000/healthz"
    assert lines["QR"] == "QR codes and posters point to http://127.0.0.1:8000 (PUBLIC_BASE_URL)"


def test_a_unix_socket_leaves_the_addresses_to_the_proxy_in_front(runner, ctx, app, monkeypatch):
    monkeypatch.setenv("BIND", "unix:/run/suara.sock")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://suara.example.go.id")
    lines = banner(runner)
    assert lines["Suara"] == (
        "Suara Layanan is starting on https://suara.example.go.id (listening on unix:/run/suara.sock)"
    )
    assert lines["Health:"] == "Health: https://suara.example.go.id/healthz"
    assert "QR" not in lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def test_gunicorn_answers_at_the_address_the_banner_prints(runner, ctx, app, monkeypatch, tmp_path):
    bind = f"0.0.0.0:{free_port()}"
    monkeypatch.setenv("BIND", bind)
    health = banner(runner)["Health:"].split()[1]
    assert health == f"http://127.0.0.1:{bind.split(':')[1]}/healthz"
    # As `make run` starts it: gunicorn.conf.py, with BIND from the environment (and without
    # the control socket, whose one default path a gunicorn already running may hold).
    env = dict(
        os.environ,
        BIND=bind,
        WEB_CONCURRENCY="1",
        SECRET_KEY="banner-test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'banner.db'}",
    )
    # As `make run` does first: /healthz answers 200 only on a database at the migrations' head.
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "gunicorn.conf.py",
                "--no-control-socket",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"gunicorn exited: {log.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(health, timeout=2) as answer:
                    assert (answer.status, json.load(answer)) == (
                        200,
                        {"status": "ok", "database": "ok", "migrations": "current"},
                    )
                    break
            except OSError:
                assert time.monotonic() < deadline, f"nothing answered at {health}: {log.read_text()[-2000:]}"
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
