"""The real app as bench/pageweight and bench/render serve it with gunicorn: unchanged, plus two
things that only the benchmarks use.

- Every request that reaches the server is written as one JSON line to ``$BENCH_REQUEST_LOG``
  (method, path, status, Content-Encoding, and the bytes of the response as gunicorn writes them:
  status line and headers, its own included, chunk framing and body), so that requests a browser
  makes outside the page (the service worker's own fetches, a favicon) are counted too.
- ``/__bench__/baseline/<name>`` serves ``$BENCH_BASELINE_DIR/<name>.html`` through the app
  itself (the same compression and headers as any page): the baseline of bench/render.
"""

import json
import os
from pathlib import Path

from flask import abort, send_from_directory

from app import create_app

flask_app = create_app()
LOG = os.environ.get("BENCH_REQUEST_LOG")
BASELINE_DIR = os.environ.get("BENCH_BASELINE_DIR")


@flask_app.get("/__bench__/baseline/<name>")
def bench_baseline(name):
    if not BASELINE_DIR or not name.isidentifier():
        abort(404)
    response = send_from_directory(Path(BASELINE_DIR), f"{name}.html", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


class RequestLog:
    """WSGI middleware: one line per request, written when its body has been sent."""

    def __init__(self, wsgi_app, path: str):
        self.wsgi_app = wsgi_app
        self.path = path

    def __call__(self, environ, start_response):
        record = {
            "method": environ["REQUEST_METHOD"],
            "path": environ.get("PATH_INFO", ""),
            "service_worker": environ.get("HTTP_SERVICE_WORKER") == "script",
            "accept_encoding": environ.get("HTTP_ACCEPT_ENCODING", ""),
        }

        def logged_start_response(status, headers, exc_info=None):
            named = {k.lower(): v for k, v in headers}
            record["status"] = int(status.split()[0])
            record["encoding"] = named.get("content-encoding", "")
            record["content_type"] = named.get("content-type", "").split(";")[0]
            # What gunicorn (sync worker, HTTP/1.1) writes before the body: its status line, its
            # Server, Date and Connection headers, the app's headers, a blank line; and chunked
            # framing when the app gives no length for a body.
            record["chunked"] = (
                "content-length" not in named
                and record["status"] not in (204, 304)
                and environ["REQUEST_METHOD"] != "HEAD"
            )
            record["header_bytes"] = (
                len(f"HTTP/1.1 {status}\r\n")
                + len("Server: gunicorn\r\n")
                + len("Date: Sun, 22 Nov 2026 12:00:00 GMT\r\n")
                + len("Connection: close\r\n")
                + (len("Transfer-Encoding: chunked\r\n") if record["chunked"] else 0)
                + sum(len(f"{k}: {v}\r\n") for k, v in headers)
                + 2
            )
            return start_response(status, headers, exc_info)

        if environ.get("HTTP_X_BENCH_UNCOUNTED"):  # the benchmark's own requests (its baseline)
            return self.wsgi_app(environ, start_response)
        body = self.wsgi_app(environ, logged_start_response)
        return self._counted(body, record)

    def _counted(self, body, record):
        sent = framing = 0
        try:
            for chunk in body:
                sent += len(chunk)
                framing += len(f"{len(chunk):x}\r\n\r\n") if chunk else 0
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            record["body_bytes"] = sent
            record["bytes"] = record.get("header_bytes", 0) + sent + (framing + 5 if record.get("chunked") else 0)
            line = (json.dumps(record) + "\n").encode()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)


app = RequestLog(flask_app, LOG) if LOG else flask_app
