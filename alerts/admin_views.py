"""The admin-area pages of alerts (nested under /admin by the admin shell)."""

from flask import Blueprint

from . import models  # noqa: F401  (the tables)

bp = Blueprint("alerts", __name__, url_prefix="/alerts")
