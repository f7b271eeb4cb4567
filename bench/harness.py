"""Shared pieces of the benchmarks: a fresh database, kiosks to vote from, a gunicorn to hit.

Everything runs on this machine and talks only to 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "suara_bench"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database(backend: str, workdir: Path) -> str:
    """An empty database of the given backend ("sqlite" or "postgresql"); returns its URL."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    import sqlalchemy as sa

    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {PG_BENCH_DB}"))
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB


def prepare_kiosks(database_url: str, count: int) -> list[str]:
    """Migrate, then make an open period, a unit with ``count`` desks, an officer on duty at each
    and a paired kiosk per desk; returns the kiosks' device tokens."""
    from datetime import timedelta

    from flask_migrate import upgrade

    from app import create_app
    from appraisal.models import Period, PeriodStatus
    from config import TestConfig
    from core.db import db
    from kiosk.pairing import new_pairing_code, pair_kiosk
    from org.duty import start_duty
    from org.models import Desk, Officer, Unit

    app = create_app(TestConfig(database_url, TESTING=False))
    tokens = []
    with app.app_context():
        upgrade()
        today = datetime.now(timezone.utc).date()
        db.session.add(
            Period(
                name="Bench",
                starts_on=today - timedelta(days=30),
                ends_on=today + timedelta(days=30),
                status=PeriodStatus.OPEN,
            )
        )
        unit = Unit(code="bench", name="Bench Unit")
        db.session.add(unit)
        past = datetime.now(timezone.utc) - timedelta(days=1)
        for i in range(count):
            desk = Desk(unit=unit, name=f"Loket {i + 1}")
            officer = Officer(unit=unit, nip=f"19900101201501{1 + i % 2}{i:03d}", name=f"Petugas {i + 1}")
            db.session.add_all([desk, officer])
            db.session.flush()
            start_duty(desk, officer, past, via="admin")
            _kiosk, token = pair_kiosk(new_pairing_code(desk, now=past), now=past)
            tokens.append(token)
        db.session.commit()
        db.engine.dispose()
    return tokens


def count_responses(database_url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        n = connection.scalar(sa.text("SELECT count(*) FROM response"))
    engine.dispose()
    return n


@contextmanager
def gunicorn(
    database_url: str,
    workers: int = 2,
    threads: int = 1,
    extra_env: dict | None = None,
    app_target: str = "app:create_app()",
):
    """Serve ``app_target`` with gunicorn (gunicorn.conf.py, as in production) on a free port of
    127.0.0.1; yields (base URL, pid of the master) once every worker is up."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY="bench",
        WEB_CONCURRENCY=str(workers),
        GUNICORN_THREADS=str(threads),
        BIND=f"127.0.0.1:{port}",
        # The per-kiosk limit guards against a stuck or abused tablet; here the simulated
        # kiosks send as fast as they can, which is the point of the measurement.
        KIOSK_VOTE_RATE_LIMIT="1000000 per minute",
    )
    env.update(extra_env or {})
    # gunicorn's own log goes to a file: a pipe nobody reads would block it once full.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open for as long as the server runs)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), app_target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"

    def failed(why: str) -> RuntimeError:
        log.seek(0)
        return RuntimeError(f"gunicorn {why}: " + log.read()[-4000:].decode(errors="replace"))

    try:
        for _ in range(400):
            if process.poll() is not None:
                raise failed("exited")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:
                    if answer.status == 200 and len(worker_pids(process.pid)) >= workers:
                        break
            except OSError:
                pass
            time.sleep(0.05)
        else:
            raise failed("did not come up")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def worker_pids(master_pid: int) -> list[int]:
    """The processes whose parent is ``master_pid`` (gunicorn's workers), from /proc."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    # "pid (comm) state ppid ...": comm may hold spaces, so split after it.
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == master_pid:
                        children.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    return children


def rss_mb(pid: int) -> float:
    """The resident memory of a process (VmRSS), in MB (10^6 bytes); 0 for one that is exiting."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except FileNotFoundError:
        pass
    return 0.0


def temp_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="suara-bench-"))
