"""The admin-area pages of feedback (nested under /admin by the admin shell)."""

from flask import Blueprint

from . import models  # noqa: F401  (the tables)

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
