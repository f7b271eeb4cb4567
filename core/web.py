"""What every view does the same way: answer a write, paginate a long list, and go back only to a
page of this site (``local_target``)."""

import unicodedata
from datetime import date
from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, request
from werkzeug.urls import iri_to_uri

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


def saved(partial: str | None, event: str, redirect_to: str, message: str = "", status: int = 200, **context):
    """Answer a successful write (already flushed): commit, then the updated partial with an
    HX-Trigger event for htmx, or a 303 redirect (and a flashed message) for a plain form."""
    if db.session.registry.has():  # a write on a connection of its own (a survey) made none
        db.session.commit()
    if wants_partial():
        response = make_response(render_template(partial, notice=message, **context) if partial else "", status)
        response.headers["HX-Trigger"] = event
        response.vary.add("HX-Request")
        return response
    if message:
        flash(message, "success")
    return redirect(redirect_to, code=303)


def _url_has_allowed_host_and_scheme(url: str, allowed_hosts: set[str], require_https: bool = False) -> bool:
    """Django's ``django.utils.http.url_has_allowed_host_and_scheme`` (Django 5.x, BSD licence),
    ported line by line: the check that years of reported bypasses have shaped. Kept as Django
    writes it so that it can be compared with its source; ``local_target`` adds what it leaves
    to its callers."""
    if url is not None:
        url = url.strip()
    if not url:
        return False
    # Chrome treats \ completely as / in paths but it could be part of some basic auth
    # credentials so we need to check both URLs.
    return _django_check(url, allowed_hosts, require_https) and _django_check(
        url.replace("\\", "/"), allowed_hosts, require_https
    )


def _django_check(url: str, allowed_hosts: set[str], require_https: bool) -> bool:
    # Django's _url_has_allowed_host_and_scheme.
    # Chrome considers any URL with more than two slashes to be absolute, but urlsplit is not so
    # flexible. Treat any url with three slashes as unsafe.
    if url.startswith("///"):
        return False
    try:
        url_info = urlsplit(url)
    except ValueError:  # e.g. invalid IPv6 addresses
        return False
    # Forbid URLs like http:///example.com - with a scheme, but without a hostname. In that URL,
    # example.com is not the hostname but a path component; Chrome will still consider
    # example.com to be the hostname, so this syntax must not be allowed.
    if not url_info.netloc and url_info.scheme:
        return False
    # Forbid URLs that start with control characters. Some browsers (like Chrome) ignore quite a
    # few control characters at the start of a URL and might consider the URL as scheme relative.
    if unicodedata.category(url[0])[0] == "C":
        return False
    scheme = url_info.scheme
    # Consider URLs without a scheme (e.g. //example.com/p) to be http.
    if not url_info.scheme and url_info.netloc:
        scheme = "http"
    valid_schemes = ["https"] if require_https else ["http", "https"]
    return (not url_info.netloc or url_info.netloc in allowed_hosts) and (not scheme or scheme in valid_schemes)


def local_target(target: str | None) -> str | None:
    """``target`` (a ``next=`` parameter, a Referer) as a path of this site to redirect to, or None.

    Every redirect to an address the request supplied goes through here. Django's check decides
    (an absolute address is accepted only for this very host and scheme); on top of it: no
    control character anywhere (a browser drops a tab or a newline inside an address, which is
    how ``/%09/evil.com`` becomes ``//evil.com``; a newline would also break the header), and
    the answer is the path, query and fragment alone, percent-encoded, so the Location header
    never names a host."""
    if not target or len(target) > 2048:
        return None
    if any(unicodedata.category(ch)[0] == "C" for ch in target):
        return None
    if not _url_has_allowed_host_and_scheme(target, {request.host}, require_https=request.is_secure):
        return None
    parts = urlsplit(target.strip())
    if not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
        return None  # a relative path ("evil.com", "?x") resolves against wherever the user is
    local = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return iri_to_uri(local)
