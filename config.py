"""Configuration: one class with every default, the environment read here and nowhere else.

``create_app()`` uses ``Config(instance_path)``; the test suite uses ``create_app(TestConfig(...))``.
Defaults are class attributes, and what the environment sets is read in ``__init__``;
``app.config.from_object`` takes both.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from core.i18n import LOCALES

ROOT = Path(__file__).resolve().parent


class Config:
    """Defaults for a single machine (`make run`). Each can be set from the environment; the
    README's "Configuration" table lists them."""

    PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    # Every request body past its limit is refused (413) before a byte of it is parsed
    # (core.limits). Forms (the admin area's, the phone survey's, the kiosk's duty panel) are a
    # few kilobytes; the kiosk's vote, open to anyone, is a few hundred bytes; only the admin
    # area's uploads are larger: an officer import (org.forms.IMPORT_MAX_BYTES, 3 MB) and a
    # photo (org.forms.PHOTO_MAX_BYTES, 512 KB), each with room for the form around the file,
    # so that a file a little too large gets the form's own message.
    MAX_CONTENT_LENGTH = 64 * 1024
    BODY_LIMITS = {
        "kiosk.vote": 16 * 1024,
        "admin.org.officer_import_upload": 4 * 1024 * 1024,
        "admin.org.officer_photo_upload": 1024 * 1024,
        "admin.skp.realisation": 6 * 1024 * 1024,  # an SKP evidence file: at most 5 MB
    }
    # A kiosk page stays open for days: its CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = LOCALES[0]
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    # Rate limits are counted in the app's own database (core.ratelimits), so that every worker
    # and server of an install shares one count; a deployment with Redis sets redis://...
    RATELIMIT_STORAGE_URI = "database://"
    RATELIMIT_HEADERS_ENABLED = True
    KIOSK_COOKIE_NAME = "kiosk_token"
    KIOSK_IDLE_SECONDS = 20
    KIOSK_REASON_SECONDS = 8
    KIOSK_THANKS_SECONDS = 4
    # Kiosk misuse rules (see kiosk.votes.MisuseRules) and the per-kiosk vote limit.
    MISUSE_BURST_SECONDS = 3
    MISUSE_MAX_PER_MINUTE = 10
    MISUSE_AFTER_DUTY_START_SECONDS = 15
    # When a vote may claim a past time, and machine-regular taps (see kiosk.votes.MisuseRules;
    # a desk's ceiling of votes an hour is its unit's setting).
    MISUSE_LATE_SECONDS = 30
    MISUSE_OUTAGE_FLUSH_SECONDS = 3600
    MISUSE_REGULAR_RUN = 6
    MISUSE_REGULAR_SPREAD_SECONDS = 1
    MISUSE_REGULAR_MAX_INTERVAL_SECONDS = 120
    KIOSK_VOTE_RATE_LIMIT = "120 per minute"
    # What one client may send to the phone survey (survey.views): beyond either limit a response
    # is kept, flagged RATE_LIMITED and left out of scores. Per hour per client (a keyed hash of
    # its address): generous, because a whole office's Wi-Fi or a mobile operator's NAT can share
    # one address. Per day per client and officer (or desk) rated: the browser's cookie already
    # flags its second response of the day to the same officer (REPEAT), and this holds when
    # cookies are cleared; the client is a keyed daily hash of its address, user agent and
    # languages (core.extensions.client_fingerprint), which citizens behind one operator's address
    # with the same phone and browser share, hence a few a day rather than one.
    SURVEY_RATE_LIMIT = "30 per hour"
    SURVEY_DAILY_LIMIT = "3 per day"
    # How many proxies (nginx) in front may set X-Forwarded-* (werkzeug's ProxyFix, in app.py):
    # behind one that terminates HTTPS, its X-Forwarded-Proto makes the request secure, and HSTS
    # is sent. 0 trusts no header: whoever connects could claim anything.
    TRUSTED_PROXIES = 0
    # Strict-Transport-Security on answers over HTTPS (core.security): a year, the usual value
    # once HTTPS works; 0 sends none.
    HSTS_SECONDS = 365 * 24 * 3600
    # Sessions of the admin area, held on the server (accounts.sessions): signed out after this
    # long without a request (office PCs are shared), and after this long in any case.
    SESSION_IDLE_MINUTES = 120
    SESSION_LIFETIME_HOURS = 12
    # Pages, JSON and the service worker are compressed as they go out (Flask-Compress); static
    # files were compressed once, at start-up (core.static_assets).
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5
    # How log lines are written (core.observability): "text", one line a record, or "json", one
    # JSON object a line for a log shipper; each carries the id of the request it was written in.
    LOG_FORMAT = "text"
    # The distribution curves of the SKP (skp.rules.load_curves): a JSON file like skp/curves.json;
    # empty for the product's own (the percentages come from secondary sources).
    SKP_CURVES_FILE = ""
    # Outgoing e-mail (officers' set-up links, accounts.mail): none while SMTP_HOST is empty, and
    # set-up links are then printed on slips. SMTP_SECURITY: "starttls", "ssl" or "none".
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_FROM = ""
    SMTP_SECURITY = "starttls"
    SMTP_TIMEOUT = 10
    # A duty still open when its unit closes ends by itself at the closing time (org.roster): the
    # kiosk checks its own desk whenever it loads a page, and `flask duty end-overdue` runs on a
    # timer (deploy/suara-duty.timer).
    DUTY_END_AT_CLOSING = True
    # How long one step of a period's close computes in a request of its page before it writes
    # what it has (reports.closing); the command line takes longer steps.
    PERIOD_JOB_STEP_SECONDS = 0.5

    def __init__(self, instance_path: Path, environ: Mapping[str, str] = os.environ):
        """Read the environment, once. A secret key and an SQLite database under ``instance/``
        serve a single machine; several servers share both through the environment."""
        self.SECRET_KEY = environ.get("SECRET_KEY") or _instance_secret(instance_path)
        self.SQLALCHEMY_DATABASE_URI = database_url(
            environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'suara.db'}"
        )
        self.PUBLIC_BASE_URL = environ.get("PUBLIC_BASE_URL", self.PUBLIC_BASE_URL)
        self.SESSION_COOKIE_SECURE = environ.get("COOKIE_SECURE", "1") != "0"
        self.RATELIMIT_STORAGE_URI = environ.get("RATELIMIT_STORAGE_URI", self.RATELIMIT_STORAGE_URI)
        self.TRUSTED_PROXIES = int(environ.get("TRUSTED_PROXIES", self.TRUSTED_PROXIES))
        for name in (
            "HSTS_SECONDS",
            "SESSION_IDLE_MINUTES",
            "SESSION_LIFETIME_HOURS",
            "KIOSK_IDLE_SECONDS",
            "KIOSK_REASON_SECONDS",
            "KIOSK_THANKS_SECONDS",
            "MISUSE_BURST_SECONDS",
            "MISUSE_MAX_PER_MINUTE",
            "MISUSE_AFTER_DUTY_START_SECONDS",
            "MISUSE_LATE_SECONDS",
            "MISUSE_OUTAGE_FLUSH_SECONDS",
            "MISUSE_REGULAR_RUN",
            "MISUSE_REGULAR_SPREAD_SECONDS",
            "MISUSE_REGULAR_MAX_INTERVAL_SECONDS",
        ):
            if name in environ:
                setattr(self, name, int(environ[name]))
        for name in ("KIOSK_VOTE_RATE_LIMIT", "SURVEY_RATE_LIMIT", "SURVEY_DAILY_LIMIT"):
            setattr(self, name, environ.get(name, getattr(self, name)))
        self.LOG_FORMAT = environ.get("LOG_FORMAT", self.LOG_FORMAT)
        self.SKP_CURVES_FILE = environ.get("SKP_CURVES_FILE", self.SKP_CURVES_FILE)
        for name in ("SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_SECURITY"):
            setattr(self, name, environ.get(name, getattr(self, name)))
        self.SMTP_PORT = int(environ.get("SMTP_PORT", self.SMTP_PORT))


class TestConfig(Config):
    """The test suite's: a database of its own (SQLite in a temporary folder, or PostgreSQL from
    TEST_DATABASE_URL), rate limits in memory or in TEST_RATELIMIT_STORAGE_URI, and nothing read
    from the developer's environment."""

    __test__ = False  # a configuration, not a test class for pytest to collect
    TESTING = True
    SECRET_KEY = "test-secret"
    SERVER_NAME = None
    # The suite's duties start an hour back on the real clock, which may be after closing time;
    # the tests of the auto-end switch it on with an injected clock.
    DUTY_END_AT_CLOSING = False

    def __init__(self, database_url: str, ratelimit_storage_uri: str = "memory://", **overrides):
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.RATELIMIT_STORAGE_URI = ratelimit_storage_uri
        for name, value in overrides.items():
            setattr(self, name, value)


def database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// addresses; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance_path: Path) -> str:
    """The secret key of a single-machine install, made once and kept in ``instance/``."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
