"""Request bodies past their limit are refused with 413 before a byte of them is parsed: small for
the kiosk's vote (anyone can send one) and for forms, larger only for the admin area's uploads
(core.limits, BODY_LIMITS). The answer says the limit, in the user's language; nothing is stored;
and a real gunicorn worker sent a huge body does not grow."""

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from core import limits
from core.responses import Response
from org.models import ImportJob
from tests.factories import COOKIE, csrf, make_desk, make_kiosk, text, vote_payload
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
VOTE_LIMIT = 16 * 1024


class Body(io.RawIOBase):
    """A request body of ``size`` bytes made as it is read, counting how much the app read."""

    def __init__(self, size: int, fill: bytes = b" "):
        self.size, self.fill, self.position, self.read_bytes = size, fill, 0, 0

    def readable(self):
        return True

    def seekable(self):  # the test client measures the body by seeking to its end and back
        return True

    def seek(self, offset, whence=0):
        self.position = offset if whence == 0 else self.size + offset if whence == 2 else self.position + offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = self.fill * n
        self.position += n
        self.read_bytes += n
        return n


def send(client, path, body: Body, content_type: str, chunked: bool = False, **kwargs):
    # Chunked: no Content-Length, and a server that ends the stream itself (as gunicorn says).
    environ = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"} if chunked else {}
    return client.open(
        path, method="POST", input_stream=body, content_type=content_type, environ_overrides=environ, **kwargs
    )


@pytest.fixture
def kiosk_client(client, ctx):
    _, token = make_kiosk(make_desk())
    client.set_cookie(COOKIE, token, path="/kiosk/")
    return client


@pytest.mark.parametrize("paired", [False, True])
def test_a_vote_larger_than_its_limit_is_refused_unread(client, ctx, counter, paired):
    if paired:
        _, token = make_kiosk(make_desk())
        client.set_cookie(COOKIE, token, path="/kiosk/")
    body = Body(400 * 1024 * 1024)
    response = send(client, "/kiosk/vote", body, "application/json")
    assert response.status_code == 413
    assert response.get_json() == {
        "error": 413,
        "message": "Yang Anda kirim terlalu besar: paling banyak 16 KB di sini.",
    }
    assert body.read_bytes == 0  # the Content-Length said enough
    assert counter(Response) == 0


def test_a_vote_sent_in_chunks_is_read_no_further_than_its_limit(kiosk_client, counter):
    body = Body(400 * 1024 * 1024)
    response = send(kiosk_client, "/kiosk/vote", body, "application/json", chunked=True)
    assert response.status_code == 413
    assert body.read_bytes <= VOTE_LIMIT + 64 * 1024
    assert counter(Response) == 0


def test_a_vote_within_its_limit_is_read(kiosk_client, counter):
    payload = json.dumps(vote_payload()).encode()
    assert len(payload) < VOTE_LIMIT
    response = kiosk_client.post("/kiosk/vote", data=payload, content_type="application/json")
    assert response.status_code != 413


def test_a_form_larger_than_a_form_is_refused_unread_in_english_too(client, ctx):
    client.set_cookie("lang", "en")
    body = Body(200 * 1024, fill=b"a")
    response = send(client, "/admin/login", body, "application/x-www-form-urlencoded")
    assert response.status_code == 413 and body.read_bytes == 0
    assert "What you sent is too large: at most 64 KB here." in text(response)
    body = Body(200 * 1024, fill=b"a")
    assert send(client, "/s/abcdefghjk", body, "application/x-www-form-urlencoded").status_code == 413
    assert body.read_bytes == 0


def test_an_import_is_allowed_its_file_and_no_more(client, admin, counter):
    # A file over the import's own limit, within the request's: the form's message, beside the field.
    # (Encoded here in memory: the test client would spool a body this large to a file it never closes.)
    token = csrf(client)
    body, length, boundary = stream_encode_multipart(
        {"file": FileStorage(io.BytesIO(b"x" * (3 * 1024 * 1024 + 10)), "a.csv")}, use_tempfile=False
    )
    response = client.post(
        "/admin/officers/import",
        input_stream=body,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 422 and "The file is too large: at most 3 MB." in text(response)
    # Past the request's limit: refused before the form is read.
    body = Body(6 * 1024 * 1024)
    response = send(
        client, "/admin/officers/import", body, "multipart/form-data; boundary=x", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 413 and body.read_bytes == 0
    assert "at most 4 MB here" in text(response)
    assert counter(ImportJob) == 0


def test_the_limit_follows_the_address_not_the_app(client, admin):
    """The import's larger limit is its own: the same body elsewhere in the admin area is too large."""
    body = Body(1024 * 1024)
    assert send(client, "/admin/units", body, "multipart/form-data; boundary=x").status_code == 413
    assert body.read_bytes == 0


def test_a_limit_for_an_address_that_does_not_exist_stops_the_app_from_starting(app):
    assert set(app.config["BODY_LIMITS"]) <= set(app.view_functions)
    other = Flask(__name__)
    other.config["BODY_LIMITS"] = {"kiosk.no_such_view": 1024}
    other.add_url_rule("/", "index", lambda: "")
    with pytest.raises(RuntimeError, match=r"kiosk\.no_such_view"):
        limits.init_app(other)


# --- A real gunicorn worker ---------------------------------------------------------------------


def _memory_kb(pid: int, field: str) -> int:
    """VmRSS (resident now) or VmHWM (the most it was ever resident: a body read and freed again
    shows there, not in VmRSS) of a process, in KB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field}")


def _worker_of(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


def _get(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        return int(connection.recv(64).split()[1])


def _post_huge(port: int, size: int, chunked: bool) -> tuple[int, int]:
    """POST ``size`` bytes of JSON to /kiosk/vote until the server answers; (status, bytes sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        connection.sendall(
            f"POST /kiosk/vote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{length}\r\nConnection: close\r\n\r\n".encode()
        )
        piece = b"[" * (1024 * 1024)
        sent = 0
        connection.setblocking(False)
        answer = b""
        while sent < size:
            try:
                data = (b"%x\r\n%s\r\n" % (len(piece), piece)) if chunked else piece
                connection.send(data)
                sent += len(piece)
            except BlockingIOError:
                time.sleep(0.001)
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer += connection.recv(4096)
                if answer:
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
        connection.setblocking(True)
        connection.settimeout(10)
        try:
            while b"\r\n" not in answer:
                more = connection.recv(4096)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, TimeoutError):
            pass
        return (int(answer.split()[1]) if answer else 0), sent


def test_a_huge_anonymous_vote_does_not_grow_a_real_gunicorn_worker(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "SECRET_KEY": "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'suara.db'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "COOKIE_SECURE": "0",
        "MAX_REQUESTS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        worker = _worker_of(server.pid)
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, "/kiosk/sw.js")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        for _ in range(5):
            _get(port, "/kiosk/sw.js")
        before = _memory_kb(worker, "VmHWM")
        results = {}
        for chunked in (False, True):
            started = time.monotonic()
            status, sent = _post_huge(port, 400 * 1024 * 1024, chunked)
            results["chunked" if chunked else "content-length"] = (status, sent, round(time.monotonic() - started, 3))
            assert status == 413
        after = _memory_kb(worker, "VmHWM")
        print(
            f"\nworker's peak RSS before {before} KB, after two 400 MB votes {after} KB "
            f"(RSS now {_memory_kb(worker, 'VmRSS')} KB); (status, bytes sent before the answer, seconds): {results}"
        )
        assert after - before < 10 * 1024, (before, after)
        assert _get(port, "/kiosk/sw.js") == 200  # and it still serves
    finally:
        server.terminate()
        server.wait(timeout=30)
