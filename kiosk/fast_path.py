"""The kiosk vote served as plain WSGI, ahead of Flask's request pipeline.

``POST /kiosk/vote`` is the busiest request there is: every kiosk of a deployment sends one per
citizen, and a kiosk back online flushes its whole queue at once. Its database work is one read
and one write (``appraisal.services.VoteTransaction``), about 0.4 ms; Flask's request pipeline
around it (request and session contexts, the limiter's, CSRF's, login's and compression's hooks,
the NUL guard, the security headers) cost as much again. This middleware serves a vote that is
plainly well formed without that pipeline, with the same code underneath:

- the same ``VoteTransaction`` (read, per-kiosk limit, record, heartbeat, commit), the same
  misuse rules and the same per-kiosk limit, counted in the limiter's own storage;
- the same answer: 201 with the vote's JSON, the ``X-RateLimit-*`` and ``Retry-After`` headers
  and the app's security headers.

Anything else goes to the Flask view (``kiosk.routes.vote``), which remains the one place that
knows every refusal and its message in the user's language: another method or address, a body
that is not JSON or is large, a NUL character anywhere, no device cookie or an unknown one, a
vote with something wrong in it, a kiosk over its limit, or an error of any kind. Nothing has been
written when a request is handed over (the write is the last step and the transaction is rolled
back), and the hand-over says whether the kiosk's limit was already counted for this request, so
that a refused or faulty vote is counted once, as on the Flask path. ``tests/test_vote_fast.py``
holds both paths to the same answers and the same stored rows.
"""

from __future__ import annotations

import io
import json

from werkzeug.http import parse_cookie

from .errors import VoteError
from .votes import VoteTransaction

# Set on a request handed over after its limit was counted: True (allowed) or False (refused).
# An environ key with a dot cannot come from a client (headers arrive as HTTP_*).
LIMIT_DECIDED = "suara.vote_limit_allowed"

# Votes are a few hundred bytes; anything larger is left to the app and its MAX_CONTENT_LENGTH.
MAX_FAST_BODY = 16 * 1024


def _is_json(content_type: str) -> bool:
    """Werkzeug's ``Request.is_json``: application/json or application/*+json."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


class VoteFastPath:
    """WSGI middleware: ``app.wsgi_app = VoteFastPath(app, app.wsgi_app, headers)``."""

    def __init__(self, app, wsgi_app, headers: tuple[tuple[str, str], ...]):
        from core.extensions import limiter

        from .views import VOTE_LIMIT_SCOPE, kiosk_key_of, misuse_rules, rate_limit_headers, vote_limit_item

        self.app, self.wsgi_app, self.headers = app, wsgi_app, list(headers)
        self.limiter = limiter
        self.scope, self.kiosk_key_of, self.misuse_rules = VOTE_LIMIT_SCOPE, kiosk_key_of, misuse_rules
        self.rate_limit_headers, self.vote_limit_item = rate_limit_headers, vote_limit_item
        # The address the kiosk blueprint gives the view, relative to the app's root.
        self.path = next(rule.rule for rule in app.url_map.iter_rules("kiosk.vote"))

    def __call__(self, environ, start_response):
        if (environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST"
                or not self.app.config.get("KIOSK_VOTE_FAST_PATH", True)):
            return self.wsgi_app(environ, start_response)
        answer = self._serve(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _serve(self, environ) -> tuple[str, list, bytes] | None:
        """The answer to a vote served here, or None to hand the request to the app (with its body
        put back for the app to read)."""
        if not _is_json(environ.get("CONTENT_TYPE", "")):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if not 0 < length <= min(MAX_FAST_BODY, limit or MAX_FAST_BODY):
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # from here on, a hand-over reads it again
        # A NUL character, raw or escaped: the app's guard refuses the request (app._refuse_nul).
        query = environ.get("QUERY_STRING", "")
        if len(body) != length or b"\\u0000" in body or b"\x00" in body or "%00" in query or "\x00" in query:
            return None
        try:
            payload = json.loads(body)
        except ValueError:
            return None
        token = parse_cookie(environ).get(self.app.config["KIOSK_COOKIE_NAME"])
        if not token:
            return None
        try:
            with self.app.app_context():
                return self._vote(environ, token, payload)
        except Exception:  # the app answers it again, and logs or reports what it finds
            self.app.logger.warning("vote fast path: handed over after an error", exc_info=True)
            return None

    def _vote(self, environ, token: str, payload) -> tuple[str, list, bytes] | None:
        with VoteTransaction() as votes:
            if votes.read(token, payload, rules=self.misuse_rules()) is None or votes.error is not None:
                return None
            limiter = self.limiter
            counting = limiter.enabled and limiter.initialized
            if counting:
                item, identity = self.vote_limit_item(), (self.scope, self.kiosk_key_of(token))
                allowed = limiter.limiter.hit(item, *identity)
                environ[LIMIT_DECIDED] = allowed
                if not allowed:
                    return None
            try:
                result, _created = votes.record()
            except VoteError:
                return None
            votes.touch()
            votes.commit()
        # As jsonify writes it (compact, keys sorted, a newline), byte for byte.
        body = (self.app.json.dumps(result.as_json(), separators=(",", ":")) + "\n").encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *self.headers]
        if counting and self.app.config.get("RATELIMIT_HEADERS_ENABLED"):
            headers += self.rate_limit_headers(item, identity)
        return "201 CREATED", headers, body
