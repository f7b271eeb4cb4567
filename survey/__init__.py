"""The phone survey: QR codes and posters for desks and officers, and the SKM questionnaire."""

from flask import Blueprint

bp = Blueprint("survey", __name__)

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
