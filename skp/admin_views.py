"""The SKP's pages in the admin area, gathered on one blueprint (``skp.blueprint``): each stage's
module adds its routes to it when imported here."""

from . import (  # noqa: F401  (each adds its routes to bp; models: the tables)
    document_views,
    evaluation_views,
    lines_views,
    models,
    plan_views,
    realisation_views,
    unit_views,
)
from .blueprint import bp

__all__ = ["bp"]
