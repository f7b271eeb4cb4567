"""Suara Layanan: the application factory.

``create_app(test_config=None)`` builds the app; the module-level ``app`` is what
``gunicorn app:app`` and ``flask --app app ...`` run.
"""

import functools
import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

import static_assets
from appraisal.db import db
from extensions import babel, compress, csrf, htmx, limiter, login_manager, migrate
from i18n import LOCALES, bilingual, pair, select_locale


@functools.cache
def content_security_policy(inline_styles: tuple[str, ...] = ()) -> str:
    """The policy of every page. A page that carries its style sheet inline (the phone survey, see
    static_assets.InlineStyle) gets that style allowed by its hash, with 'unsafe-inline' beside it
    for browsers that know only CSP level 1 (old Android WebViews), which ignore hashes; later
    browsers ignore 'unsafe-inline' in the presence of a hash, so they allow that style alone."""
    style_src = ["'self'", *(["'unsafe-inline'", *inline_styles] if inline_styles else [])]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        f"style-src {' '.join(style_src)}",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()

# On every answer that does not set its own (see _security_headers, and kiosk.fast_path).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_SECURITY_HEADER_KEYS = tuple((name.lower(), (name, value)) for name, value in SECURITY_HEADERS)


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, or made once and kept in ``instance/`` for a
    single-machine install (several servers must share one through the environment)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'suara.db'}"
    # Hosting platforms hand out postgres:// addresses; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a vote is written; busy_timeout makes writers queue rather
    # than fail when two gunicorn workers write at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_app(test_config=None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    app.config.from_mapping(
        SECRET_KEY=_secret_key(instance_path),
        SQLALCHEMY_DATABASE_URI=_database_url(instance_path),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("COOKIE_SECURE", "1") != "0",
        # A kiosk page stays open for days: its CSRF token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE=LOCALES[0],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(app.root_path) / "translations"),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        KIOSK_COOKIE_NAME="kiosk_token",
        KIOSK_IDLE_SECONDS=int(os.environ.get("KIOSK_IDLE_SECONDS", "20")),
        KIOSK_REASON_SECONDS=int(os.environ.get("KIOSK_REASON_SECONDS", "8")),
        KIOSK_THANKS_SECONDS=int(os.environ.get("KIOSK_THANKS_SECONDS", "4")),
        # Kiosk misuse rules (see appraisal.services.MisuseRules) and the per-kiosk vote limit.
        MISUSE_BURST_SECONDS=int(os.environ.get("MISUSE_BURST_SECONDS", "3")),
        MISUSE_MAX_PER_MINUTE=int(os.environ.get("MISUSE_MAX_PER_MINUTE", "10")),
        MISUSE_AFTER_DUTY_START_SECONDS=int(os.environ.get("MISUSE_AFTER_DUTY_START_SECONDS", "15")),
        KIOSK_VOTE_RATE_LIMIT=os.environ.get("KIOSK_VOTE_RATE_LIMIT", "120 per minute"),
        # Serve well-formed votes ahead of Flask's request pipeline (kiosk.fast_path); tests
        # switch it off to hold the Flask view to the same answers.
        KIOSK_VOTE_FAST_PATH=True,
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Pages, JSON and the service worker are compressed as they go out (Flask-Compress);
        # static files were compressed once, at start-up (static_assets).
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,
    )
    if test_config is not None:
        app.config.update(test_config)

    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx: trust X-Forwarded-* from that many proxies, no more.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    compress.init_app(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    from admin import bp as admin_bp
    from kiosk import bp as kiosk_bp
    from survey import bp as survey_bp
    app.register_blueprint(admin_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(survey_bp)

    from appraisal.backup import register_backup_cli
    from appraisal.cli import register_cli
    register_cli(app)
    register_backup_cli(app)

    static_assets.init_app(app)
    # Outermost: most kiosk votes are served before the request reaches Flask (see its module).
    from kiosk.fast_path import VoteFastPath
    app.wsgi_app = VoteFastPath(app, app.wsgi_app, SECURITY_HEADERS)
    _register_core_routes(app)
    _register_error_handlers(app)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
    app.jinja_env.globals.update(get_locale=get_locale, LOCALES=LOCALES, bi=bilingual, pair=pair)
    return app


def _register_core_routes(app: Flask) -> None:
    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(sa.text("SELECT 1"))
        except Exception as error:  # any failure to answer means "not healthy"
            app.logger.warning("health check: database did not answer: %s", error)
            db.session.rollback()
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")

    @app.get("/lang/<code>")
    def set_language(code):
        """Remember the visitor's language (for pages without JavaScript); back where they were."""
        target = request.args.get("next", "")
        # Only a local path: never an open redirect.
        if not target.startswith("/") or target.startswith("//"):
            target = url_for("index")
        response = redirect(target)
        if code in LOCALES:
            response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                                secure=app.config["SESSION_COOKIE_SECURE"])
        return response


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _register_error_handlers(app: Flask) -> None:
    from flask_babel import gettext as _
    from werkzeug.exceptions import HTTPException

    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You may not do this."),
        404: lambda: _("This page does not exist."),
        405: lambda: _("This address does not accept that kind of request."),
        413: lambda: _("What you sent is too large."),
        429: lambda: _("Too many attempts. Wait a moment and try again."),
        500: lambda: _("Something went wrong on our side. Please try again."),
    }

    def render_error(status: int, message: str):
        if _wants_json():
            return jsonify(error=status, message=message), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("This form has expired. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        status = error.code or 500
        message = messages.get(status, messages[400])()
        return render_error(status, message)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_error(500, messages[500]())


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


def _refuse_nul():
    """No honest form, link or kiosk sends a NUL character, and PostgreSQL cannot store one in
    text: refuse such a request before any view sees it, alike on SQLite and PostgreSQL."""
    parts = [request.path, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        parts += [value for _key, value in request.form.items(multi=True)] + list(request.form.keys())
    if request.is_json:
        parts.append(request.get_json(silent=True))
    if any(_has_nul(part) for part in parts):
        abort(400)


def _security_headers(response):
    """SECURITY_HEADERS, each unless the response set its own (one pass over its headers); a page
    with an inline style sheet gets the policy that allows it instead of the global one."""
    present = {name.lower() for name in response.headers.keys()}
    inlined = static_assets.inlined_style_sources()
    if inlined and "content-security-policy" not in present:
        response.headers["Content-Security-Policy"] = content_security_policy(inlined)
        present.add("content-security-policy")
    response.headers.extend([header for key, header in _SECURITY_HEADER_KEYS if key not in present])
    return response


app = create_app()
