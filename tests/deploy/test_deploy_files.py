"""The files an operator deploys with (deploy/) agree with the code: the environment example names
every variable the app and gunicorn read, nginx lets through the largest body the app accepts,
the systemd units are valid and start what `make run` starts, and the backup script makes a
backup (and forgets old ones) on SQLite and, in CI's second pass, on PostgreSQL."""

import ast
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def variables_read(path: Path, reader: str) -> set[str]:
    """The names a module reads from the environment: the upper-case string constants inside
    ``reader`` (config.py's Config.__init__, whose loops name variables as strings too) or, for
    gunicorn.conf.py (reader ""), the keys of every os.environ lookup."""
    tree = ast.parse(path.read_text())
    if reader:
        [owner] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Config"]
        [scope] = [node for node in owner.body if isinstance(node, ast.FunctionDef) and node.name == reader]
        return {
            node.value
            for node in ast.walk(scope)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.value)
        }
    return set(re.findall(r'os\.environ(?:\.get\(|\[)"([A-Z][A-Z0-9_]+)"', path.read_text()))


def test_the_environment_example_names_every_variable_read():
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (DEPLOY / "suara.env.example").read_text(), re.MULTILINE))
    read = variables_read(ROOT / "config.py", "__init__") | variables_read(ROOT / "gunicorn.conf.py", "")
    assert {"SECRET_KEY", "DATABASE_URL", "BIND", "METRICS_BIND", "LOG_FORMAT"} <= read  # the reading works
    # PROMETHEUS_MULTIPROC_DIR belongs to the unit (its runtime folder), not to the shared file.
    assert read - documented - {"PROMETHEUS_MULTIPROC_DIR"} == set()
    assert "PROMETHEUS_MULTIPROC_DIR=/run/suara/metrics" in (DEPLOY / "suara.service").read_text()


def test_nginx_lets_through_the_largest_body_the_app_accepts():
    site = (DEPLOY / "nginx" / "suara.conf").read_text()
    [size] = re.findall(r"^\s*client_max_body_size (\d+)m;", site, re.MULTILINE)
    largest = max(Config.MAX_CONTENT_LENGTH, *Config.BODY_LIMITS.values())
    assert int(size) == math.ceil(largest / (1024 * 1024))


def test_nginx_passes_what_the_app_trusts_from_its_proxy():
    site = (DEPLOY / "nginx" / "suara.conf").read_text()
    for header, value in (
        ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
        ("X-Forwarded-Proto", "$scheme"),
        ("X-Forwarded-Host", "$host"),
        ("X-Request-ID", "$request_id"),
    ):
        assert f"proxy_set_header {header} {value};" in site
    assert "http2 on;" in site and not re.search(r"^\s*listen [^;]*http2", site, re.MULTILINE)  # the deprecated form
    assert "$remote_addr" not in site  # no client address in its log


def test_the_unit_starts_what_make_run_starts_and_is_hardened():
    unit = (DEPLOY / "suara.service").read_text()
    make_run = re.search(r"\$\(BIN\)/gunicorn (.+)", (ROOT / "Makefile").read_text()).group(1)
    [start] = re.findall(r"^ExecStart=/opt/suara/\.venv/bin/gunicorn (.+)$", unit, re.MULTILINE)
    assert start.split() == make_run.replace("'", "").split()
    for setting in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "ProtectHome=yes",
        "CapabilityBoundingSet=",
        "User=suara",
        "ReadWritePaths=/opt/suara/instance",
        "EnvironmentFile=/etc/suara/suara.env",
        "GUNICORN_CONTROL_SOCKET=/run/suara/gunicorn.ctl",
    ):
        assert re.search(rf"^(Environment=)?{re.escape(setting)}$", unit, re.MULTILINE), setting
    # nginx serves the static files from the folder the unit lets the app write them to.
    assert "alias /opt/suara/instance/static-build/;" in (DEPLOY / "nginx" / "suara.conf").read_text()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_the_systemd_units_are_valid(tmp_path):
    units = sorted(path.name for path in DEPLOY.iterdir() if path.suffix in (".service", ".timer"))
    assert {"suara.service", "suara-backup.service", "suara-backup.timer"} <= set(units)
    for name in units:
        # Installed in this checkout instead of /opt/suara, so that the commands they run exist.
        (tmp_path / name).write_text((DEPLOY / name).read_text().replace("/opt/suara", str(ROOT)))
    names = [str(tmp_path / name) for name in units]
    verified = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True)
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr


def _backup(tmp_path: Path, database_url: str) -> tuple[Path, Path]:
    """Run deploy/suara-backup as the unit does, with an old backup that must go; (the new one,
    the old one)."""
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "suara-20200101T000000Z.db"
    old.write_bytes(b"an old backup")
    forty_days_ago = time.time() - 40 * 24 * 3600
    os.utime(old, (forty_days_ago, forty_days_ago))
    env = {**os.environ, "DATABASE_URL": database_url, "BACKUP_DIR": str(backups), "BACKUP_KEEP_DAYS": "30"}
    done = subprocess.run([DEPLOY / "suara-backup"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [made] = [path for path in backups.iterdir() if path != old]
    assert done.stdout.strip().splitlines()[-1] == f"backup written: {made}"
    return made, old


def test_the_backup_script_copies_an_sqlite_database_and_forgets_old_backups(tmp_path):
    url = f"sqlite:///{tmp_path / 'suara.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    made, old = _backup(tmp_path, url)
    assert re.fullmatch(r"suara-\d{8}T\d{6}Z\.db", made.name) and not old.exists()
    with sqlite3.connect(made) as copy:
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="runs when TEST_DATABASE_URL is PostgreSQL (CI's second pass)",
)
def test_the_backup_script_dumps_postgresql(app, tmp_path):
    # The suite's database, as the app names it (postgresql+psycopg://; under pytest-xdist the
    # worker's own): the script drops the driver.
    made, old = _backup(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"])
    assert re.fullmatch(r"suara-\d{8}T\d{6}Z\.dump", made.name) and not old.exists()
    listing = subprocess.run(["pg_restore", "--list", made], capture_output=True, text=True, check=True).stdout
    assert "TABLE public response" in listing and "TABLE public alembic_version" in listing
