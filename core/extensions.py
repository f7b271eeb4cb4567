"""Flask extensions, created unbound here and bound to the app in ``create_app``, so that
blueprints can use them without importing the app."""

import hashlib
import hmac
from datetime import datetime, timezone

from flask import current_app, request
from flask_babel import Babel
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Registers the ``database://`` rate-limit storage (the default: limits shared by every worker).
from . import ratelimits  # noqa: F401


def client_key() -> str:
    """The rate-limit key of a client: a keyed hash of its address, so that no raw IP address is
    ever written anywhere (not even in Redis). The key rotates daily (the UTC date is part of
    it), so that yesterday's keys cannot be linked to today's; limits span minutes, not days."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    day = datetime.now(timezone.utc).date().isoformat()
    message = f"{day}|{request.remote_addr or '-'}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def client_fingerprint() -> str:
    """A finer rate-limit key of a client than ``client_key``: a keyed hash of its address, user
    agent and accepted languages, rotating daily like it. It holds when a browser clears its
    cookies (nothing of it lives in the browser), and no raw address or header is written
    anywhere. Like any header, the user agent is what the client claims: a hint that tells
    apart phones behind one address, never proof of who they are."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = hmac.new(secret, b"client-fingerprint", hashlib.sha256).digest()
    day = datetime.now(timezone.utc).date().isoformat()
    message = "|".join(
        (
            day,
            request.remote_addr or "-",
            request.headers.get("User-Agent", "")[:512],
            request.headers.get("Accept-Language", "")[:256],
        )
    ).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


class PublicCompress(Compress):
    """Compresses what the public gets (kiosk, phone survey, results, static files), but not the
    admin area: its pages carry a CSRF token next to text a user typed, the mix that compression
    turns into a side channel (BREACH). Office PCs are on office networks; the weight that matters
    is the kiosk's and the citizen's phone's."""

    def after_request(self, response):
        if "admin" in request.blueprints:
            return response
        if response.content_length is not None and response.content_length < current_app.config["COMPRESS_MIN_SIZE"]:
            # Flask-Compress would not compress it either; leaving first also spares it its
            # `Vary: Accept-Encoding`, which an answer never compressed does not need.
            return response
        return super().after_request(response)


babel = Babel()
compress = PublicCompress()
csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
limiter = Limiter(key_func=client_key, default_limits=[])
migrate = Migrate()
