"""Each unit's public lobby screen."""

from flask import Blueprint

bp = Blueprint("home", __name__, url_prefix="/lobi")
