"""The SKP's pages in the admin area: one blueprint, its routes in a module per stage
(``lines_views``, ``plan_views``, ``realisation_views``, ``evaluation_views``, ``unit_views``, ``document_views``), gathered by
``admin_views``."""

from flask import Blueprint

bp = Blueprint("skp", __name__, url_prefix="/skp")
