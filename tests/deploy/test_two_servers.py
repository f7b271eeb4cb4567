"""Several servers, proven: real nginx (the distribution's package) with the shipped site
(deploy/nginx/suara.conf, changed only in ports, paths and certificate) over HTTPS, in front of two
gunicorn servers (gunicorn.conf.py, each with its own port, control socket and metrics) sharing one
PostgreSQL database and the rate limits' storage (Redis in CI). Through nginx: kiosks paired and
on duty, votes, phone surveys, admin sign-ins; every vote stored once, a session valid on either
server, a limit counted across both, and one server killed (SIGKILL, the whole process group)
while votes keep coming, without losing one that was acknowledged or storing a retried one twice.

Runs on PostgreSQL only (CI's second pass): SQLite is one machine's database by design.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from gunicorn.ctl.client import ControlClient

from app import create_app
from appraisal.models import Indicator
from config import TestConfig, database_url
from core.db import db
from core.responses import Channel, Response
from kiosk.pairing import new_pairing_code
from org.models import Role
from tests.factories import PASSWORD, make_desk, make_officer, make_period, make_unit, make_user
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "suara.conf"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SECRET = "two-servers-" + "x" * 40
VOTE_LIMIT = 30  # per kiosk and minute, for the shared-limit check (KIOSK_VOTE_RATE_LIMIT)

pytestmark = [
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith("postgresql"),
        reason="several servers share PostgreSQL: runs when TEST_DATABASE_URL is PostgreSQL (CI's second pass)",
    ),
    # One stack of servers, built once for the module: its tests stay on one pytest-xdist worker
    # (`make test` distributes with --dist loadgroup).
    pytest.mark.xdist_group("two_servers"),
]


# --- A small HTTP client with cookies, over TLS through nginx or plain to one server ----------------


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.msg
        self.text = response.read().decode(errors="replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Browser:
    """One browser (or tablet): its cookies, sent to whichever address it is pointed at. ``https``
    goes through nginx; ``direct`` goes to one app server as nginx would (the headers a trusted
    proxy sets), which is how a test chooses the server."""

    def __init__(self, stack):
        self.stack = stack
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, form=None, body=None, headers=None, direct=None, timeout=15) -> Answer:
        # A browser's POST from one of the site's pages names it (Referrer-Policy: same-origin), and
        # Flask-WTF requires it over HTTPS.
        headers = {
            "Host": "localhost",
            **({"Referer": "https://localhost/"} if method == "POST" else {}),
            **(headers or {}),
        }
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if direct is None:
            connection = http.client.HTTPSConnection(
                "localhost", self.stack["https_port"], context=self.stack["tls"], timeout=timeout
            )
        else:
            connection = http.client.HTTPConnection("127.0.0.1", direct, timeout=timeout)
            headers.update(
                {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost"}
            )
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = Answer(connection.getresponse())
        finally:
            connection.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def csrf(self, path, **kwargs) -> str:
        page = self.get(path, **kwargs)
        assert page.status == 200, (path, page.status, page.text[:500])
        return re.search(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"', page.text).group(1)


# --- The stack: database, certificate, two gunicorns, nginx ---------------------------------------


def _tail(log: Path) -> str:
    return log.read_text()[-3000:] if log.exists() else ""


def _wait_for(port: int, process: subprocess.Popen, log: Path, says: str | None = None) -> None:
    """Until something listens on ``port`` (a process starting: nothing else to wait on) and, when
    ``says`` is given, the process's own log says so: the answer is from this process, not from
    another that holds the port."""
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, f"exited: {_tail(log)}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            if says is None or says in log.read_text(errors="replace"):
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"nothing of ours listens on {port}: {_tail(log)}"
        time.sleep(0.1)


def _wait_for_file(path: Path, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert process.poll() is None, f"exited: {_tail(log)}"
        assert time.monotonic() < deadline, f"no {path.name} after 60 s: {_tail(log)}"
        time.sleep(0.1)


def _nginx_version(nginx: str) -> tuple[int, ...]:
    banner = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    return tuple(int(part) for part in re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", banner).groups())


def site_config(tmp: Path, https_port: int, http_port: int, servers: list[int], old_nginx: bool) -> str:
    """The shipped site with only ports, paths and the certificate changed: each change must find
    its text, so that the test fails when the shipped file changes under it rather than test
    something else."""
    text = SITE.read_text()
    changes = [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;\n", ""),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl{' http2' if old_nginx else ''};"),
        ("listen [::]:443 ssl;\n", ""),
        ("server 10.0.0.11:8000", f"server 127.0.0.1:{servers[0]}"),
        ("server 10.0.0.12:8000", f"server 127.0.0.1:{servers[1]}"),
        ("/etc/letsencrypt/live/suara.example.go.id/fullchain.pem", str(tmp / "tls.crt")),
        ("/etc/letsencrypt/live/suara.example.go.id/privkey.pem", str(tmp / "tls.key")),
        ("/var/log/nginx/suara.access.log", str(tmp / "nginx-access.log")),
        ("/var/www/letsencrypt", str(tmp / "acme")),
        ("/opt/suara/instance/static-build/", f"{ROOT}/instance/static-build/"),
    ]
    if old_nginx:
        # nginx before 1.25.1 (Debian 12's 1.22) knows HTTP/2 only as a listen parameter (above).
        changes.append(("    http2 on;\n", ""))
    for old, new in changes:
        assert old in text, f"{SITE.name} no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(tmp: Path) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root (a CI container), workers would run as nobody, who cannot read the test's folder.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temp}
    include {tmp / "suara.conf"};
}}
"""


def _certificate(tmp: Path) -> ssl.SSLContext:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(tmp / "tls.key"), "-out", str(tmp / "tls.crt"), "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return ssl.create_default_context(cafile=str(tmp / "tls.crt"))


def _database(url: str):
    """A database of this test's own beside TEST_DATABASE_URL's, made empty."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = engine.url.database + "_servers" + os.environ.get("PYTEST_XDIST_WORKER", "")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return engine, name


def _seed(url: str) -> dict:
    """Migrate the shared database and make an office: an open period, three desks, an officer
    with a PIN at each, an administrator; the pairing codes for the kiosks."""
    app = create_app(TestConfig(url))
    with app.app_context():
        upgrade()
        make_period()
        unit = make_unit(name="Kantor Kecamatan Dua Server")
        desks = [make_desk(unit=unit, name=f"Loket {n}") for n in (1, 2, 3)]
        officers = [make_officer(unit=unit, pin="2468") for _ in desks]
        make_user(Role.ADMIN, username="operator")
        codes = [new_pairing_code(desk) for desk in desks]
        db.session.commit()
        skm = db.session.scalars(sa.select(Indicator.id).where(Indicator.code.in_([f"U{n}" for n in range(1, 10)])))
        seeded = {
            "desk_codes": [desk.code for desk in desks],
            "officer_ids": [officer.id for officer in officers],
            "pairing_codes": codes,
            "skm_ids": list(skm),
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not nginx:
        pytest.fail("nginx is not installed: `make test` installs it (apt-get install nginx).")
    tmp = tmp_path_factory.mktemp("servers")
    (tmp / "acme").mkdir()
    maintenance, name = _database(database_url(TEST_DATABASE_URL))
    url = maintenance.url.set(database=name).render_as_string(hide_password=False)
    processes = []
    try:
        stack = {"url": url, "tmp": tmp, "tls": _certificate(tmp), **_seed(url)}
        limits = os.environ.get("TEST_RATELIMIT_STORAGE_URI", "")
        servers = {}
        for label in ("a", "b"):
            port, metrics = free_port(), free_port()
            env = {
                **{k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "PROMETHEUS_MULTIPROC_DIR")},
                "HOME": str(tmp),  # gunicorn's default control socket would be ~/.gunicorn/gunicorn.ctl
                "BIND": f"127.0.0.1:{port}",
                "METRICS_BIND": f"127.0.0.1:{metrics}",
                "GUNICORN_CONTROL_SOCKET": str(tmp / f"gunicorn-{label}.ctl"),
                "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"metrics-{label}"),
                "WEB_CONCURRENCY": "2",
                "ACCESS_LOG": "1",
                "DATABASE_URL": url,
                "SECRET_KEY": SECRET,
                "TRUSTED_PROXIES": "1",
                "PUBLIC_BASE_URL": "https://localhost",
                # Redis in CI (TEST_RATELIMIT_STORAGE_URI); otherwise the shared database.
                "RATELIMIT_STORAGE_URI": limits if limits.startswith("redis") else "database://",
                "KIOSK_VOTE_RATE_LIMIT": f"{VOTE_LIMIT} per minute",
            }
            log = tmp / f"gunicorn-{label}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"],
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: killed whole, like a machine failing
                )
            processes.append(process)
            servers[label] = {"port": port, "metrics": metrics, "process": process, "log": log, "env": env}
        for server in servers.values():
            # gunicorn's arbiter names the address it bound (gunicorn.arbiter, "Listening at").
            _wait_for(
                server["port"], server["process"], server["log"], f"Listening at: http://127.0.0.1:{server['port']}"
            )
            # Up in full once its control socket is there: gunicorn opens it after the master's
            # when_ready (which compiles the templates) and the first workers' fork.
            _wait_for_file(Path(server["env"]["GUNICORN_CONTROL_SOCKET"]), server["process"], server["log"])
        stack["servers"] = servers

        stack["https_port"], stack["http_port"] = free_port(), free_port()
        old = _nginx_version(nginx) < (1, 25, 1)
        ports = [servers["a"]["port"], servers["b"]["port"]]
        (tmp / "suara.conf").write_text(site_config(tmp, stack["https_port"], stack["http_port"], ports, old))
        (tmp / "nginx.conf").write_text(main_config(tmp))
        command = [nginx, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(tmp / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        _wait_for(stack["https_port"], process, tmp / "nginx-error.log")
        stack["nginx_log"] = tmp / "nginx-access.log"
        yield stack
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with maintenance.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maintenance.dispose()


@pytest.fixture(scope="module")
def database(stack):
    engine = sa.create_engine(stack["url"])
    yield engine
    engine.dispose()


def kiosk_responses(database) -> dict[str, int]:
    """How many times each kiosk vote's uuid is stored."""
    with database.connect() as connection:
        rows = connection.execute(
            sa.select(Response.uuid, sa.func.count()).where(Response.channel == Channel.KIOSK).group_by(Response.uuid)
        ).all()
    return {str(vote_uuid): count for vote_uuid, count in rows}


def pair_and_start_duty(stack, n: int) -> Browser:
    """Tablet ``n``: paired with its desk and its officer on duty, through nginx as a person does."""
    tablet = Browser(stack)
    paired = tablet.post("/kiosk/pair", form={"code": stack["pairing_codes"][n], "csrf_token": tablet.csrf("/kiosk/")})
    assert paired.status == 303 and "kiosk_token" in tablet.cookies, paired.text[:500]
    form = {"officer_id": stack["officer_ids"][n], "pin": "2468", "csrf_token": tablet.csrf("/kiosk/")}
    started = tablet.post("/kiosk/duty/start", form=form)
    assert started.status == 303, started.text[:500]
    return tablet


def vote(tablet: Browser, payload: dict, **kwargs) -> Answer:
    return tablet.post(
        "/kiosk/vote", body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, **kwargs
    )


def new_vote() -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "value": 4,
        "reasons": [],
        "cast_at": datetime.now(UTC).isoformat(),
        "locale": "id",
    }


# --- The tests (in order: the last one kills a server) ----------------------------------------------


def test_nginx_serves_the_site_over_https_only(stack):
    browser = Browser(stack)
    plain = http.client.HTTPConnection("127.0.0.1", stack["http_port"], timeout=5)
    plain.request("GET", "/kiosk/?x=1", headers={"Host": "localhost"})
    redirect = plain.getresponse()
    assert redirect.status == 301 and redirect.getheader("Location") == "https://localhost/kiosk/?x=1"
    plain.close()

    # HTTP/2 offered (ALPN).
    context = ssl.create_default_context(cafile=str(stack["tmp"] / "tls.crt"))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack["https_port"])) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2" and tls.version() in ("TLSv1.2", "TLSv1.3")

    health = browser.get("/healthz")
    assert health.status == 200 and json.loads(health.text)["migrations"] == "current"
    assert health.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]  # one, nginx's
    assert health.header("Server") == "nginx"  # no version, and nothing of gunicorn's
    # The request id nginx made is the app's too: on the answer once, and in one server's log.
    [request_id] = health.headers.get_all("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # Each process writes its access-log line after the answer has gone out: wait for them.
    deadline = time.monotonic() + 10
    while True:
        logs = [server["log"].read_text() for server in stack["servers"].values()]
        written = sum(f"{request_id} " in log for log in logs), request_id in stack["nginx_log"].read_text()
        if written == (1, True) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert written == (1, True)


def test_hashed_static_files_come_from_nginx_with_a_year_of_cache(stack):
    page = Browser(stack).get("/admin/login")
    script = re.search(r'(?:src|href)="(/static/[^"]+\.[0-9a-f]{10}\.(?:js|css))"', page.text).group(1)
    asset = Browser(stack).get(script, headers={"Accept-Encoding": "gzip"})
    assert asset.status == 200
    assert asset.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert asset.header("Content-Encoding") == "gzip"  # the copy the app made beside it
    assert asset.header("X-Content-Type-Options") == "nosniff"
    assert asset.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    # Served by nginx itself: no app server saw it.
    assert not any(script in server["log"].read_text() for server in stack["servers"].values())
    # An un-hashed name goes to the app, which serves it for reading, revalidated on every use.
    original = Browser(stack).get("/static/js/kiosk.js")
    assert original.status == 200 and original.header("Cache-Control") == "no-cache"


def test_each_server_has_its_own_control_socket(stack):
    for server in stack["servers"].values():
        with ControlClient(server["env"]["GUNICORN_CONTROL_SOCKET"], timeout=5) as control:
            listeners = json.dumps(control.send_command("show listeners"))
        assert f"127.0.0.1:{server['port']}" in listeners
        others = [other["port"] for other in stack["servers"].values() if other is not server]
        assert not any(f":{port}" in listeners for port in others)
    assert not (stack["tmp"] / ".gunicorn").exists()


def healthz_count(server) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", server["metrics"], timeout=5)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    found = re.search(
        r'^suara_http_requests_total\{endpoint="core.healthz",method="GET",status="200"\} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found else 0.0


def test_each_server_serves_its_own_metrics(stack):
    a, b = stack["servers"]["a"], stack["servers"]["b"]
    before = healthz_count(a), healthz_count(b)
    for server, times in ((a, 3), (b, 2)):
        for _ in range(times):
            assert Browser(stack).get("/healthz", direct=server["port"]).status == 200
    assert (healthz_count(a), healthz_count(b)) == (before[0] + 3, before[1] + 2)


def test_a_session_signed_in_on_one_server_is_valid_on_the_other(stack):
    a, b = stack["servers"]["a"]["port"], stack["servers"]["b"]["port"]
    admin = Browser(stack)
    token = admin.csrf("/admin/login", direct=a)
    signed_in = admin.post(
        "/admin/login", form={"username": "operator", "password": PASSWORD, "csrf_token": token}, direct=a
    )
    assert signed_in.status == 303, signed_in.text[:500]
    assert admin.get("/admin/", direct=b).status == 200
    assert admin.get("/admin/").status == 200  # through nginx, whichever server
    # Signing out on B ends the session on the server: A refuses it too.
    signed_out = admin.post("/admin/logout", form={"csrf_token": admin.csrf("/admin/", direct=b)}, direct=b)
    assert signed_out.status == 303
    stale = Browser(stack)
    stale.cookies = dict(admin.cookies)
    assert stale.get("/admin/", direct=a).status == 302


def test_phone_surveys_through_nginx_are_stored_once(stack, database):
    sent = []
    for n in range(4):
        phone = Browser(stack)
        form = phone.get(f"/s/{stack['desk_codes'][n % 3]}")
        assert form.status == 200
        fields = {
            name: re.search(rf'name="{name}" value="([^"]+)"', form.text).group(1) for name in ("csrf_token", "uuid")
        }
        fields.update({f"q{element}": "3" for element in stack["skm_ids"]})
        answered = phone.post(f"/s/{stack['desk_codes'][n % 3]}", form=fields)
        assert answered.status == 303, answered.text[:800]
        again = phone.post(f"/s/{stack['desk_codes'][n % 3]}", form=fields)  # a double tap
        assert again.status in (303, 200, 409, 422), again.status
        sent.append(fields["uuid"])
    with database.connect() as connection:
        stored = connection.execute(
            sa.select(Response.uuid, sa.func.count()).where(Response.channel == Channel.QR).group_by(Response.uuid)
        ).all()
    assert sorted((str(u), c) for u, c in stored) == sorted((u, 1) for u in sent)


def test_a_kiosks_limit_is_counted_across_both_servers(stack, database):
    tablet = pair_and_start_duty(stack, 2)
    ports = [server["port"] for server in stack["servers"].values()]
    # Each server has two workers: counted in each process's memory, the limit would let four
    # times as many through.
    answers = [vote(tablet, new_vote(), direct=ports[n % 2]).status for n in range(VOTE_LIMIT + 2)]
    assert answers == [201] * VOTE_LIMIT + [429, 429]


def test_votes_survive_a_server_killed_mid_run(stack, database):
    tablets = [pair_and_start_duty(stack, n) for n in (0, 1)]
    before = kiosk_responses(database)
    acknowledged: list[str] = []
    retried = []
    lock = threading.Lock()
    enough_before_kill = threading.Event()
    killed = threading.Event()
    votes_each = 12

    def run(tablet):
        for _ in range(votes_each):
            payload = new_vote()
            for _attempt in range(20):
                try:
                    status = vote(tablet, payload, timeout=10).status
                except (ConnectionError, TimeoutError, http.client.HTTPException):
                    status = None
                if status == 201:
                    with lock:
                        acknowledged.append(payload["uuid"])
                        if len(acknowledged) >= 8:
                            enough_before_kill.set()
                    break
                # The kiosk keeps the vote and sends it again, with the same uuid.
                with lock:
                    retried.append((payload["uuid"], status, killed.is_set()))
                killed.wait(timeout=0.2)
            else:
                pytest.fail(f"a vote was never acknowledged: {retried[-5:]}")

    threads = [threading.Thread(target=run, args=(tablet,)) for tablet in tablets]
    for thread in threads:
        thread.start()
    assert enough_before_kill.wait(timeout=60)
    victim = stack["servers"]["a"]["process"]
    os.killpg(victim.pid, signal.SIGKILL)  # master and workers at once, mid-request perhaps
    victim.wait(timeout=10)
    killed.set()
    with lock:
        at_kill = len(acknowledged)
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads)

    assert len(acknowledged) == 2 * votes_each and len(set(acknowledged)) == len(acknowledged)
    assert at_kill < len(acknowledged), "no vote was sent after the kill"
    stored = {u: n for u, n in kiosk_responses(database).items() if u not in before}
    # Every acknowledged vote is stored, once; nothing else was stored.
    assert stored == dict.fromkeys(acknowledged, 1)
    # The survivor still answers, and nginx no longer sends anything to the dead one.
    assert Browser(stack).get("/healthz").status == 200
    print(f"\n{len(acknowledged)} votes acknowledged, {at_kill} before the kill; retries: {retried}")
