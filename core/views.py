"""The few addresses that belong to no feature: the start page, the health check and the
language switch."""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from core.i18n import LOCALES

from .db import db
from .web import local_target

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure to answer means "not healthy"
        current_app.logger.warning("health check: database did not answer: %s", error)
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


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
