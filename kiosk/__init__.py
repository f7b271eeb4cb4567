"""The kiosk: a tablet at a loket where citizens rate the service with four faces."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
