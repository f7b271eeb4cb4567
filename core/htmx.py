"""htmx: one helper decides page or partial."""

from .extensions import htmx


def render_htmx(page: str, partial: str, status: int = 200, **context):
    """Render the partial for an htmx request, the full page otherwise (a first load, a boosted
    link or a history restore). The page template includes the partial, so both stay in step."""
    from flask import make_response, render_template

    use_partial = bool(htmx) and not htmx.boosted and not htmx.history_restore_request
    response = make_response(render_template(partial if use_partial else page, **context), status)
    response.vary.add("HX-Request")
    return response
