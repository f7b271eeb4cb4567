"""The feedback pages in the admin area: one blueprint, its routes in a module per concern
(``round_views``: rounds, raters, invitations and answering; ``results_views``: what a closed
round shows), gathered by ``admin_views``."""

from flask import Blueprint

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
