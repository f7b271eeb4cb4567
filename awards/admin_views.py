"""The admin-area pages of awards (nested under /admin by the admin shell)."""

from flask import Blueprint

from . import models  # noqa: F401  (the tables)

bp = Blueprint("awards", __name__, url_prefix="/awards")
