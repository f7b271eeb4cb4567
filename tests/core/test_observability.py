"""What an operator watches (core.observability): the request id on every answer and log line,
logs as JSON on request, Prometheus metrics summed over gunicorn's workers on an address that is
not the app's, and /healthz saying whether the migrations are current."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import stamp
from prometheus_client import REGISTRY

from app import create_app
from appraisal.models import Indicator
from config import TestConfig
from core import observability
from core.db import db
from tests.factories import make_desk, make_kiosk, make_period, paired_client, vote_payload
from tests.ports import free_port
from tests.survey.conftest import office  # noqa: F401  (a fixture: an office with an open period)

ROOT = Path(__file__).resolve().parents[2]
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def make_app(app, tmp_path):
    """Another app, on the suite's database unless told otherwise; closed after the test, and the
    log handler given back to the suite's app (the last app made sets the format)."""
    made = []

    def make(url=None, **overrides):
        made.append(create_app(TestConfig(url or app.config["SQLALCHEMY_DATABASE_URI"], **overrides)))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()
    observability.configure_logging(app)


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# --- Request id -----------------------------------------------------------------------------------


def test_every_answer_carries_a_request_id_of_its_own(client):
    first, second = client.get("/healthz"), client.get("/no/such/page")
    assert HEX_ID.fullmatch(first.headers["X-Request-ID"]) and HEX_ID.fullmatch(second.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_request_id_is_taken_only_from_a_trusted_proxy_and_only_if_it_looks_like_one(client, make_app):
    nginx_id = "5f2b8a0c9d1e4f3a8b7c6d5e4f3a2b1c"
    # No proxy trusted (the default): whoever connects could choose ids that muddle the logs.
    assert client.get("/healthz", headers={"X-Request-ID": nginx_id}).headers["X-Request-ID"] != nginx_id
    behind = make_app(TRUSTED_PROXIES=1).test_client()
    assert behind.get("/healthz", headers={"X-Request-ID": nginx_id}).headers["X-Request-ID"] == nginx_id
    for forged in ("abc", "x" * 129, "id with spaces", "abcdefgh\tFAKE LOG LINE", 'abcdefgh"}'):
        answered = behind.get("/healthz", headers={"X-Request-ID": forged}).headers["X-Request-ID"]
        assert HEX_ID.fullmatch(answered), forged


def test_the_log_lines_of_a_request_carry_its_id(make_app, tmp_path):
    # A database without the schema: /healthz logs a warning, and answers 503.
    behind = make_app(f"sqlite:///{tmp_path / 'empty.db'}", TRUSTED_PROXIES=1)
    errors = io.StringIO()
    response = behind.test_client().get("/healthz", headers={"X-Request-ID": "req-0123456789"}, errors_stream=errors)
    assert response.status_code == 503 and response.headers["X-Request-ID"] == "req-0123456789"
    [line] = errors.getvalue().splitlines()
    assert "[WARNING] [req-0123456789] app: health check: the database is at revision none" in line


def test_json_logs_one_object_a_line_with_the_request_id(make_app, tmp_path):
    broken = make_app(f"sqlite:///{tmp_path / 'empty.db'}", LOG_FORMAT="json")

    @broken.get("/boom")
    def boom():
        raise RuntimeError("the disk is on fire")

    errors = io.StringIO()
    response = broken.test_client().get("/boom", errors_stream=errors)
    assert response.status_code == 500
    [entry] = [json.loads(line) for line in errors.getvalue().splitlines()]
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert (entry["level"], entry["logger"]) == ("ERROR", "app")
    assert entry["message"] == "unhandled error"
    assert "RuntimeError: the disk is on fire" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_a_line_written_outside_any_request_has_no_request_id():
    record = logging.LogRecord("suara", logging.INFO, __file__, 1, "started %s", ("ok",), None)
    assert json.loads(observability.JsonFormatter().format(record))["request_id"] is None
    assert "[INFO] [-] suara: started ok" in observability.TextFormatter().format(record)


def test_an_unknown_log_format_stops_the_app_from_starting(app):
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json"):
        create_app(TestConfig(app.config["SQLALCHEMY_DATABASE_URI"], LOG_FORMAT="xml"))


# --- Metrics --------------------------------------------------------------------------------------


def test_votes_are_counted_by_outcome_with_their_latency(client, factories):
    make_period()
    _, token = make_kiosk(make_desk())
    recorded = sample("suara_kiosk_votes_total", outcome="recorded")
    refused = sample("suara_kiosk_votes_total", outcome="refused")
    created = sample("suara_http_requests_total", endpoint="kiosk.vote", method="POST", status="201")
    timed = sample("suara_http_request_duration_seconds_count", endpoint="kiosk.vote")
    payload = vote_payload()
    assert paired_client(client, token).post("/kiosk/vote", json=payload).status_code == 201
    assert client.post("/kiosk/vote", json=payload).status_code == 201  # sent again: acknowledged again
    client.delete_cookie("kiosk_token", path="/kiosk/")
    assert client.post("/kiosk/vote", json=vote_payload()).status_code == 401
    assert sample("suara_kiosk_votes_total", outcome="recorded") == recorded + 2
    assert sample("suara_kiosk_votes_total", outcome="refused") == refused + 1
    assert sample("suara_http_requests_total", endpoint="kiosk.vote", method="POST", status="201") == created + 2
    assert sample("suara_http_request_duration_seconds_count", endpoint="kiosk.vote") == timed + 3


def answer(client, office, value: int) -> int:  # noqa: F811  (office: the fixture imported above)
    """Open the desk's survey and send it with every SKM element answered ``value``; the status."""
    html = client.get(f"/s/{office['desk_code']}").get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1) for name in ("csrf_token", "uuid")}
    elements = db.session.scalars(sa.select(Indicator.id).where(Indicator.code.in_([f"U{n}" for n in range(1, 10)])))
    fields.update({f"q{element}": str(value) for element in elements}, service=str(office["ktp_id"]))
    return client.post(f"/s/{office['desk_code']}", data=fields).status_code


def test_surveys_are_counted_by_outcome(app, office):  # noqa: F811  (the fixture imported above)
    recorded = sample("suara_surveys_total", outcome="recorded")
    refused = sample("suara_surveys_total", outcome="refused")
    # Two phones: a second answer from one phone is its own case (a repeat).
    assert answer(app.test_client(), office, 4) == 303
    phone = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', phone.get(f"/s/{office['desk_code']}").get_data(as_text=True)
    )
    assert phone.post("/s/nosuchcode0", data={"csrf_token": token.group(1)}).status_code == 404
    assert sample("suara_surveys_total", outcome="recorded") == recorded + 1
    assert sample("suara_surveys_total", outcome="refused") == refused + 1


def test_server_errors_are_counted_and_unknown_addresses_share_one_label(make_app, client):
    broken = make_app()

    @broken.get("/boom")
    def boom():
        raise RuntimeError("boom")

    errors = sample("suara_http_errors_total", endpoint="boom")
    unmatched = sample("suara_http_requests_total", endpoint="unmatched", method="GET", status="404")
    assert broken.test_client().get("/boom", errors_stream=io.StringIO()).status_code == 500
    for path in ("/wp-login.php", "/.env", "/a/b/c"):
        assert client.get(path).status_code == 404
    assert sample("suara_http_errors_total", endpoint="boom") == errors + 1
    assert sample("suara_http_requests_total", endpoint="unmatched", method="GET", status="404") == unmatched + 3


def test_a_count_that_fails_does_not_fail_the_vote(client, factories, monkeypatch, caplog):
    make_period()
    _, token = make_kiosk(make_desk())

    class Gone:
        def labels(self, *values):
            raise FileNotFoundError("the metrics folder was removed")

    monkeypatch.setattr(observability, "REQUESTS", Gone())
    answered = paired_client(client, token).post("/kiosk/vote", json=vote_payload())
    assert answered.status_code == 201 and answered.headers["X-Request-ID"]
    assert "metrics: could not count this request" in caplog.text


def test_the_app_itself_serves_no_metrics(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_are_on_the_loopback_address_unless_the_operator_says_otherwise(tmp_path):
    # Read as gunicorn reads it, in a process of its own (the file sets the environment).
    env = {key: value for key, value in os.environ.items() if key not in ("METRICS_BIND", "PROMETHEUS_MULTIPROC_DIR")}
    script = "import runpy; print(runpy.run_path('gunicorn.conf.py')['METRICS_BIND'])"
    default = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert default.stdout.strip() == "127.0.0.1:9808"


# --- A real gunicorn: workers summed, JSON lines, no shared control socket -------------------------


def _get(url: str, headers: dict | None = None):
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()
        except (ConnectionError, urllib.error.URLError):
            assert time.monotonic() < deadline, f"no answer from {url}"
            time.sleep(0.1)  # gunicorn is still starting: nothing else to wait on but its socket


def test_gunicorn_sums_its_workers_counts_and_writes_json_lines(tmp_path):
    port, metrics_port = free_port(), free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in ("PROMETHEUS_MULTIPROC_DIR", "XDG_RUNTIME_DIR")
        },
        "HOME": str(home),
        "BIND": f"127.0.0.1:{port}",
        "METRICS_BIND": f"127.0.0.1:{metrics_port}",
        "WEB_CONCURRENCY": "3",
        "TRUSTED_PROXIES": "1",
        "ACCESS_LOG": "1",
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'suara.db'}",
        "SECRET_KEY": "observability-test",
    }
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            ids = [f"probe-{n:04d}-abcdef" for n in range(30)]
            for request_id in ids:
                status, headers, _ = _get(f"http://127.0.0.1:{port}/kiosk/sw.js", {"X-Request-ID": request_id})
                assert status == 200 and headers["X-Request-ID"] == request_id
            status, _, text = _get(f"http://127.0.0.1:{metrics_port}/metrics")
            assert status == 200
            served = re.search(
                r'^suara_http_requests_total\{endpoint="kiosk.service_worker",method="GET",status="200"\} (\S+)$',
                text,
                re.MULTILINE,
            )
            assert served and float(served.group(1)) == 30.0, text
        finally:
            server.terminate()
            # Longer than gunicorn's graceful_timeout, after which its master ends the workers itself.
            server.wait(timeout=30)
    lines = log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is a JSON object
    access = [entry["message"] for entry in entries if entry["logger"] == "gunicorn.access"]
    assert sorted(line.split()[0] for line in access) == ids  # each worker writes its own lines
    assert "127.0.0.1" not in "\n".join(access)  # no client address in the access log
    assert any("metrics: serving on" in entry["message"] for entry in entries)
    # No control socket unless one of this instance's own is named (see the two-server test).
    assert not (home / ".gunicorn").exists()
    assert not any("Control socket listening" in entry["message"] for entry in entries)


# --- /healthz -------------------------------------------------------------------------------------


def test_healthz_is_503_until_the_database_is_at_the_head_of_the_migrations(make_app, tmp_path):
    fresh = make_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    client = fresh.test_client()
    errors = io.StringIO()
    response = client.get("/healthz", errors_stream=errors)
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "ok", "migrations": "pending"}
    assert "run `flask --app app db upgrade`" in errors.getvalue()
    with fresh.app_context():
        stamp(revision="0010")  # an older release's schema
    assert client.get("/healthz", errors_stream=io.StringIO()).get_json()["migrations"] == "pending"
    with fresh.app_context():
        stamp()  # the head
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}
