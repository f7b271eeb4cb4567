"""What every admin view does the same way: answer a write, and paginate a long list."""

from datetime import date

from flask import flash, make_response, redirect, render_template, request

from .db import db
from .extensions import htmx

PER_PAGE = 25


def paginate(query, per_page: int = PER_PAGE):
    return db.paginate(query, page=request.args.get("page", 1, type=int), per_page=per_page, error_out=False)


def arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def saved(partial: str, event: str, redirect_to: str, message: str = "", status: int = 200, **context):
    """Answer a successful write (already flushed): commit, then the updated partial with an
    HX-Trigger event for htmx, or a 303 redirect (and a flashed message) for a plain form."""
    db.session.commit()
    if htmx:
        response = make_response(render_template(partial, notice=message, **context) if partial else "", status)
        response.headers["HX-Trigger"] = event
        response.vary.add("HX-Request")
        return response
    if message:
        flash(message, "success")
    return redirect(redirect_to, code=303)
