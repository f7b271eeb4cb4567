"""What every admin view does the same way: answer a write, and paginate a long list."""

from datetime import date

from flask import flash, make_response, redirect, render_template, request

from .db import MAX_ID, db, id_from
from .htmx import wants_partial

PER_PAGE = 25


def paginate(query, per_page: int = PER_PAGE):
    # A page past any list is an empty one; past MAX_ID its offset would not fit the database.
    page = min(request.args.get("page", 1, type=int), MAX_ID)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def arg_id(name: str) -> int | None:
    """The id in the query string's ``name``; None when absent or a number no id can be."""
    return id_from(request.args.get(name, ""))


def arg_date(name: str) -> date | None:
    return request.args.get(name, type=date.fromisoformat)  # None when it is no date


def saved(partial: str, event: str, redirect_to: str, message: str = "", status: int = 200, **context):
    """Answer a successful write (already flushed): commit, then the updated partial with an
    HX-Trigger event for htmx, or a 303 redirect (and a flashed message) for a plain form."""
    db.session.commit()
    if wants_partial():
        response = make_response(render_template(partial, notice=message, **context) if partial else "", status)
        response.headers["HX-Trigger"] = event
        response.vary.add("HX-Request")
        return response
    if message:
        flash(message, "success")
    return redirect(redirect_to, code=303)
