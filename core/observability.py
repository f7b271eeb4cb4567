"""What an operator watches: a request id on every log line and every answer, logs as text or as
JSON (LOG_FORMAT), Prometheus metrics, and whether the database's schema is the code's.

- **Request id.** Each request gets one: the trusted proxy's ``X-Request-ID`` (nginx sends its
  ``$request_id``) when TRUSTED_PROXIES says a proxy is in front and the value looks like an id,
  otherwise a new one. It is sent back in the answer's ``X-Request-ID``, and every log line
  written while the request is served carries it (gunicorn's access log line too, through
  gunicorn.conf.py's ``access_log_format``), so that one complaint leads to every line of it, on
  whichever server it was served.
- **Metrics.** Requests by endpoint, method and status, their latency by endpoint, server errors,
  kiosk votes and phone surveys, counted per endpoint as each answer leaves (so that no feature
  needs to know about metrics). Under gunicorn each worker writes its counts to files in
  PROMETHEUS_MULTIPROC_DIR (prometheus_client's multi-process mode, chosen by that variable when
  prometheus_client is first imported: gunicorn.conf.py sets it first), and the master serves
  their sum from ``serve_metrics`` on an address of its own: see there why not ``/metrics``.
- **Schema.** ``schema_revisions`` compares the revision the database is at with the head of
  ``migrations/``; ``/healthz`` (core.views) answers 503 while they differ.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler, wsgi_errors_stream
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id may look like when a proxy hands one over: nginx's $request_id is 32 hex
# digits; other proxies send UUIDs. Anything else (spaces, quotes, a line break to forge a log
# line, a megabyte) is replaced by an id of our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] [%(request_id)s] %(name)s: %(message)s"

# Bounded label values only: an endpoint name (a fixed set; "unmatched" for any address the app
# does not have, so that a scanner cannot grow the series without bound), a method of HTTP's own.
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The endpoints that a kiosk vote and a phone survey arrive at: their answers are counted apart.
VOTE_ENDPOINT = "kiosk.vote"
SURVEY_ENDPOINT = "survey.submit"

REQUESTS = Counter(
    "suara_http_requests", "Requests answered, by endpoint, method and status.", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "suara_http_request_duration_seconds",
    "Time from the request reaching the app to its answer leaving it, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ERRORS = Counter("suara_http_errors", "Answers that were a server error (5xx), by endpoint.", ["endpoint"])
VOTES = Counter(
    "suara_kiosk_votes",
    "Kiosk votes answered, by outcome: recorded (stored, or already stored and acknowledged "
    "again), limited (the per-kiosk limit), refused (bad or not paired), error (a server error).",
    ["outcome"],
)
SURVEYS = Counter(
    "suara_surveys",
    "Phone surveys sent, by outcome: recorded, refused (invalid, or a code that may not be answered), limited, error.",
    ["outcome"],
)


# --- Request id -----------------------------------------------------------------------------------


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def _assign_request_id() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # Only a proxy the app trusts may name the request: whoever connects directly could otherwise
    # choose ids that collide with others' and muddle the logs.
    trusted = current_app.config["TRUSTED_PROXIES"] > 0 and _REQUEST_ID.fullmatch(given)
    g.request_id = given if trusted else uuid.uuid4().hex
    g.request_started = time.perf_counter()


# --- Logs -----------------------------------------------------------------------------------------


class _RequestIdFormatter(logging.Formatter):
    """Gives each record the id of the request it was written in ("-" outside any)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return super().format(record)


class TextFormatter(_RequestIdFormatter):
    """One line a record: time, process, level, request id, logger, message."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)


class JsonFormatter(_RequestIdFormatter):
    """One JSON object a line, for a log shipper: time (UTC, ISO 8601), level, logger, process,
    request_id (null outside a request), message, and the traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        super().format(record)  # fills record.message, record.exc_text and record.request_id
        request_id = getattr(record, "request_id", "-")
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "request_id": None if request_id == "-" else request_id,
            "message": record.message,
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    return JsonFormatter() if log_format == "json" else TextFormatter()


class _AppLogHandler(logging.StreamHandler):
    """The one handler the app puts on the root logger, so that every library's lines (SQLAlchemy,
    Flask-Limiter, ...) come out formatted like the app's. It writes where Flask's own handler
    would: the server's error stream during a request (gunicorn's error log), stderr otherwise."""

    def __init__(self):
        super().__init__(wsgi_errors_stream)


def configure_logging(app: Flask) -> None:
    """Route the app's log through the root logger, formatted as LOG_FORMAT says. Safe to call for
    every app a process makes (the tests make many): the handler of an earlier call is replaced,
    and handlers that others put on the root logger (pytest's, an operator's) are left alone."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _AppLogHandler)]:
        root.removeHandler(handler)
    handler = _AppLogHandler()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    root.addHandler(handler)
    # Flask's own handler would write each of the app's lines a second time, unformatted.
    app.logger.removeHandler(default_handler)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.DEBUG if app.debug else logging.INFO)


# --- Metrics --------------------------------------------------------------------------------------


def _outcome(status: int) -> str:
    if status >= 500:
        return "error"
    if status == 429:
        return "limited"
    return "refused" if status >= 400 else "recorded"


def _count(response):
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    try:
        _observe(response.status_code, g.pop("request_started", None))
    except Exception:  # a vote already stored must not turn into a 500 because a count failed
        current_app.logger.exception("metrics: could not count this request")
    return response


def _observe(status: int, started: float | None) -> None:
    endpoint = request.url_rule.endpoint if request.url_rule is not None else UNMATCHED
    REQUESTS.labels(endpoint, request.method if request.method in _METHODS else "other", str(status)).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    if status >= 500:
        ERRORS.labels(endpoint).inc()
    # A view may say its outcome where the status does not (a refused survey sent without
    # JavaScript is redirected back to its form: a 303 that recorded nothing).
    outcome = g.get("metrics_outcome") or _outcome(status)
    if endpoint == VOTE_ENDPOINT:
        VOTES.labels(outcome).inc()
    elif endpoint == SURVEY_ENDPOINT and request.method == "POST":
        SURVEYS.labels(outcome).inc()


def metrics_registry() -> CollectorRegistry:
    """The sum over every process of this server, read from PROMETHEUS_MULTIPROC_DIR."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def serve_metrics(bind: str, log: logging.Logger) -> None:
    """Serve the metrics of this server (every worker's, summed) on ``bind`` (host:port), from a
    thread of gunicorn's master; an empty ``bind`` serves none.

    Why a port of its own rather than ``/metrics`` in the app: everything the app answers is
    public, through nginx, and the app cannot tell an operator's request from a citizen's behind
    it (the proxy's X-Forwarded-For is all it sees). An address that nginx never forwards to,
    bound to 127.0.0.1 unless the operator names an internal one (METRICS_BIND), is private by
    construction, whatever any proxy in front is configured to do. It also keeps scrapes out of
    the app's own request counts and latencies, and answers while every worker is busy.

    A port already taken is logged, not fatal: the app serving citizens matters more than its
    metrics."""
    if not bind:
        return
    host, _, port = bind.rpartition(":")
    try:
        start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=metrics_registry())
    except (OSError, ValueError) as error:
        log.error("metrics: cannot serve on %s: %s", bind, error)
        return
    log.info("metrics: serving on http://%s/metrics", bind)


# --- Schema ---------------------------------------------------------------------------------------

_HEADS = "observability.migration_heads"


def schema_revisions(connection: sa.Connection) -> tuple[set[str], set[str]]:
    """(the revisions the database is at, the heads of ``migrations/``): equal when the schema is
    the code's. The heads are read from the files once a process; the database's, every call."""
    heads = current_app.extensions.get(_HEADS)
    if heads is None:
        script = ScriptDirectory(current_app.extensions["migrate"].directory)
        heads = current_app.extensions[_HEADS] = frozenset(script.get_heads())
    # Read as Alembic keeps it (one row a head), without Alembic's MigrationContext, which logs
    # a line each time it is made: a health check runs every few seconds.
    at = (
        set(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
        if sa.inspect(connection).has_table("alembic_version")
        else set()
    )
    return at, set(heads)


def init_app(app: Flask) -> None:
    """Before every other hook, so that the request id is there for whatever they log, and the
    latency counts their time too."""
    configure_logging(app)
    app.before_request(_assign_request_id)
    app.after_request(_count)
