"""gunicorn settings for `make run` and production; each can be overridden from the environment.

The app keeps no state in its processes, so workers (and whole machines) can be added freely.
"""

import gc
import os

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
