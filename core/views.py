"""The few addresses that belong to no feature: the start page, the health check and the
language switch."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from core.i18n import LOCALES

from .db import db
from .observability import schema_revisions
from .web import local_target

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    """Whether this server can serve: the database answers, and its schema is the one the code
    expects (a release whose migrations were not run would fail on its first write). What the
    revisions are goes to the log, not to whoever asks."""
    try:
        at, heads = schema_revisions(db.session.connection())
    except Exception as error:  # any failure to answer means "not healthy"
        current_app.logger.warning("health check: database did not answer: %s", error)
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    if at != heads:
        current_app.logger.warning(
            "health check: the database is at revision %s, the code expects %s: run `flask --app app db upgrade`",
            ", ".join(sorted(at)) or "none",
            ", ".join(sorted(heads)),
        )
        return jsonify(status="error", database="ok", migrations="pending"), 503
    return jsonify(status="ok", database="ok", migrations="current")


@bp.get("/lang/<code>")
def set_language(code):
    """Remember the visitor's language (for pages without JavaScript); back where they were."""
    response = redirect(local_target(request.args.get("next")) or url_for("core.index"))
    if code in LOCALES:
        response.set_cookie(
            "lang",
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
