"""Suara Layanan: the application factory.

``create_app(config=None)`` builds the app: configuration, extensions, blueprints and commands,
nothing else. ``gunicorn 'app:create_app()'`` serves it and ``flask --app app ...`` runs its
commands; importing this module builds nothing and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from accounts.cli import COMMANDS as ACCOUNT_COMMANDS
from admin import bp as admin_area
from alerts.cli import COMMANDS as ALERT_COMMANDS
from config import Config
from core import limits, observability, security, static_assets
from core.backup import register_backup_cli
from core.db import IdConverter, db, init_db
from core.errors import register_error_handlers
from core.extensions import babel, compress, csrf, htmx, limiter, login_manager, migrate
from core.i18n import LOCALES, bilingual, bilingual_plural, pair, select_locale
from core.sessions import SessionInterface
from core.views import bp as core_views
from demo.cli import COMMANDS as DEMO_COMMANDS
from home.views import bp as home_views
from kiosk.cli import COMMANDS as KIOSK_COMMANDS
from kiosk.views import bp as kiosk_views
from org.cli import COMMANDS as ORG_COMMANDS
from reports.cli import COMMANDS as PERIOD_COMMANDS
from reports.views import bp as reports_views
from survey.views import bp as survey_views


def create_app(config: Config | None = None) -> Flask:
    """The app with ``config``; by default the environment's (``Config``)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config or Config(Path(app.instance_path)))
    observability.init_app(app)  # first: the request id is there for every later hook to log

    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx: trust X-Forwarded-* from that many proxies, no more.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.url_map.converters["int"] = IdConverter
    app.session_interface = SessionInterface()
    init_db(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    compress.init_app(app)
    security.init_app(app)
    register_error_handlers(app)

    for blueprint in (core_views, kiosk_views, survey_views, reports_views, home_views, admin_area):
        app.register_blueprint(blueprint)
    limits.init_app(app)
    for command in (
        *ORG_COMMANDS,
        *ACCOUNT_COMMANDS,
        *KIOSK_COMMANDS,
        *ALERT_COMMANDS,
        *PERIOD_COMMANDS,
        *DEMO_COMMANDS,
    ):
        app.cli.add_command(command)
    register_backup_cli(app)

    static_assets.init_app(app)
    app.jinja_env.globals.update(get_locale=get_locale, LOCALES=LOCALES, bi=bilingual, nbi=bilingual_plural, pair=pair)
    return app
