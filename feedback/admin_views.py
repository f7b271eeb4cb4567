"""The feedback pages in the admin area, gathered on one blueprint (``feedback.blueprint``):
each module adds its routes to it when imported here."""

from . import models, results_views, round_views  # noqa: F401  (each adds its routes to bp; models: the tables)
from .blueprint import bp

__all__ = ["bp"]
