"""gunicorn settings for `make run` and production; each can be overridden from the environment.

The app keeps no state in its processes, so workers (and whole machines) can be added freely.
"""

import gc
import os
import shutil
import tempfile
from pathlib import Path

from gunicorn.http import wsgi as gunicorn_wsgi

# Metrics (core.observability): each worker counts into files of PROMETHEUS_MULTIPROC_DIR, and
# prometheus_client decides on that mode when it is first imported, so the variable is set here,
# before the app is loaded. The folder is this instance's alone (a second instance on the machine
# must not sum our files, nor wipe them when it starts): the systemd unit names one under
# /run/suara; without one, a fresh temporary folder, removed when gunicorn exits. Only when
# gunicorn loads this file (as the module "__config__"): read any other way (tests read its
# settings with runpy), it makes no folder and sets no variable.
_OWN_PREFIX = os.path.join(tempfile.gettempdir(), "suara-metrics-")
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if __name__ == "__config__":
    if not _metrics_dir:
        _metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="suara-metrics-")
    os.makedirs(_metrics_dir, exist_ok=True)
# Where the master serves the metrics (host:port; empty: nowhere). Not public: see
# core.observability.serve_metrics. Two instances on one machine need two ports.
METRICS_BIND = os.environ.get("METRICS_BIND", "127.0.0.1:9808")

# `flask demo` reads BIND too, to print this address in the banner of `make run` (appraisal/cli.py).
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Sync workers (one request at a time each), unless GUNICORN_THREADS asks for gthread: measured
# with bench/load, threads cost more CPU per vote than they save on this app's short requests.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 20
# The app is loaded once, in the master, and each worker is a fork of it: a worker is ready at
# once (importing the app takes about a second of CPU), so recycling one costs next to nothing.
preload_app = True
# Recycle workers now and then, so that a slow leak cannot grow without bound.
max_requests = int(os.environ.get("MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Which proxies may say a request came over HTTPS is the app's to decide, in one place
# (Config.TRUSTED_PROXIES, applied with werkzeug's ProxyFix): gunicorn's own reading of
# X-Forwarded-Proto (trusting any client on 127.0.0.1 by default) is switched off.
secure_scheme_headers = {}
accesslog = "-" if os.environ.get("ACCESS_LOG") else None
# The request id first (the app's X-Request-ID: nginx's $request_id, so that nginx's line, this
# one and the app's lines of one request share it); no client address (no raw IP address is kept
# anywhere) and no user agent.
access_log_format = '%({x-request-id}o)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# LOG_FORMAT=json: gunicorn's own lines (start, workers, the access log) as JSON objects too, like
# the app's (core.observability.JsonFormatter); the app puts its one handler on the root logger.
if os.environ.get("LOG_FORMAT") == "json":
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            name: {"level": "INFO", "handlers": [handler], "propagate": False}
            for name, handler in (("gunicorn.error", "error_console"), ("gunicorn.access", "console"))
        },
        "formatters": {"json": {"()": "core.observability.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "error_console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
    }

# gunicorn (25.1 and later) opens a control socket for `gunicornc` at $XDG_RUNTIME_DIR/gunicorn.ctl
# or ~/.gunicorn/gunicorn.ctl: one path for every instance of the user, so a second instance on
# the machine deletes the first's socket and takes its place (and removes it when it stops). Off,
# unless GUNICORN_CONTROL_SOCKET names a path of this instance's own (the systemd unit does).
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def on_starting(server):
    # Files of an earlier run (a killed master leaves them) would be summed into this one's, and
    # their process ids may be reused by this run's workers.
    for stale in Path(_metrics_dir).glob("*.db"):
        stale.unlink()


def when_ready(server):
    from core.observability import serve_metrics

    serve_metrics(METRICS_BIND, server.log)
    # Every template compiled in the master, before the first fork (preload_app): each worker
    # starts with them compiled, where it would compile each on its first use (a large report's
    # takes hundreds of milliseconds), after every start and every recycling; and a template that
    # does not parse stops the start instead of failing a user's page.
    env = server.app.wsgi().jinja_env
    for name in env.list_templates():
        env.get_template(name)


def child_exit(server, worker):
    # A dead worker's counts stay in the sum (counters never go back); only its live gauges go.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    # Told by its name (a reload reads this file again, with the variable already set).
    if _metrics_dir.startswith(_OWN_PREFIX):
        shutil.rmtree(_metrics_dir, ignore_errors=True)


def pre_fork(server, worker):
    # What the app made while loading lives as long as the process: moved out of the garbage
    # collector's generations, it is never scanned again (a full collection over it took ~70 ms)
    # and the forked workers keep sharing its memory pages instead of copying them.
    gc.freeze()


def post_fork(server, worker):
    # No database connection crosses a fork: each worker opens its own (dispose(close=False)
    # forgets the master's, should there be any, without closing them under the master's feet).
    flask_app = server.app.wsgi()
    sqlalchemy = getattr(flask_app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is not None:
        with flask_app.app_context():
            for engine in sqlalchemy.engines.values():
                engine.dispose(close=False)


class _ResponseWithoutBanner(gunicorn_wsgi.Response):
    """gunicorn's HTTP/1 response without its "Server: gunicorn" line. gunicorn has no setting
    for it (benoitc/gunicorn#825 ended with the version dropped from it, the name kept), and the
    value it sends is read from a module constant; the common recipe, ``gunicorn.SERVER = ...`` in
    this file, only renames it, and only if gunicorn's wsgi module was not imported first. So the
    response class ``gunicorn.http.wsgi.create`` builds every response with is this one: the
    same, minus that line. tests/core/test_transport.py runs a real gunicorn and checks that no
    Server header comes back, so an upgrade that moves this code fails loudly, not silently."""

    def default_headers(self):
        return [line for line in super().default_headers() if not line.lower().startswith("server:")]


gunicorn_wsgi.Response = _ResponseWithoutBanner
