"""gunicorn settings for `make run` and production; each can be overridden from the environment.

The app keeps no state in its processes, so workers (and whole machines) can be added freely.
"""

import gc
import os

from gunicorn.http import wsgi as gunicorn_wsgi

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
errorlog = "-"


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
