"""htmx: one helper decides page or partial."""

from flask import make_response, render_template

from .extensions import htmx


def wants_partial() -> bool:
    """An htmx request that swaps a part of the page; a first load, a boosted link or a history
    restore wants the whole page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_htmx(page: str, partial: str, status: int = 200, **context):
    """Render the partial for an htmx request, the full page otherwise. The page template
    includes the partial, so both stay in step."""
    response = make_response(render_template(partial if wants_partial() else page, **context), status)
    response.vary.add("HX-Request")
    return response
