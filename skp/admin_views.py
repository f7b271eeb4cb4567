"""The SKP's pages in the admin area, gathered on one blueprint (``skp.blueprint``): each stage's
module adds its routes to it when imported here."""

from . import evaluation_views, lines_views, models, plan_views, unit_views  # noqa: F401  (routes, tables)
from .blueprint import bp

__all__ = ["bp"]
