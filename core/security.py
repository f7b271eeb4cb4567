"""What every response carries and every request is checked for: the security headers (a strict
Content-Security-Policy among them, and HSTS over HTTPS), the refusal of a NUL character anywhere
in a request, and JSON too deeply nested to parse refused as bad input."""

import functools

from flask import Flask, abort, current_app, request
from flask.json.provider import DefaultJSONProvider

from core import static_assets


@functools.cache
def content_security_policy(inline_styles: tuple[str, ...] = ()) -> str:
    """The policy of every page. A page that carries its style sheet inline (the phone survey, see
    static_assets.InlineStyle) gets that style allowed by its hash, with 'unsafe-inline' beside it
    for browsers that know only CSP level 1 (old Android WebViews), which ignore hashes; later
    browsers ignore 'unsafe-inline' in the presence of a hash, so they allow that style alone."""
    style_src = ["'self'", *(["'unsafe-inline'", *inline_styles] if inline_styles else [])]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {' '.join(style_src)}",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


# On every answer that does not set its own (see _security_headers).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


_SECURITY_HEADER_KEYS = tuple((name.lower(), (name, value)) for name, value in SECURITY_HEADERS)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a document nested deeper than the parser can follow is bad input
    (a ValueError, which request.get_json answers with 400, or None when silent), not a server
    fault: the standard parser recurses, and raises RecursionError for it."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _has_nul(value) -> bool:
    # A walk with a stack of its own: JSON nested as deep as the parser allows must not exhaust
    # Python's.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return False


def _refuse_nul():
    """No honest form, link or kiosk sends a NUL character, and PostgreSQL cannot store one in
    text: refuse such a request before any view sees it, alike on SQLite and PostgreSQL."""
    parts = [request.path, *(request.args.values() if request.query_string else ())]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        parts += [value for _key, value in request.form.items(multi=True)] + list(request.form.keys())
    if request.is_json:
        parts.append(request.get_json(silent=True))
    if any(_has_nul(part) for part in parts):
        abort(400)


def _security_headers(response):
    """SECURITY_HEADERS, each unless the response set its own (one pass over its headers); a page
    with an inline style sheet gets the policy that allows it instead of the global one."""
    present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118 (Headers iterate as pairs)
    inlined = static_assets.inlined_style_sources()
    if inlined and "content-security-policy" not in present:
        response.headers["Content-Security-Policy"] = content_security_policy(inlined)
        present.add("content-security-policy")
    response.headers.extend([header for key, header in _SECURITY_HEADER_KEYS if key not in present])
    # HSTS only on an answer that came over HTTPS (browsers ignore it over HTTP anyway): directly,
    # or through the trusted proxies that Config.TRUSTED_PROXIES counts, whose X-Forwarded-Proto
    # werkzeug's ProxyFix turns into request.is_secure. No includeSubDomains: the office's other
    # sites under the same domain are not this app's to force onto HTTPS.
    seconds = current_app.config["HSTS_SECONDS"]
    if seconds and request.is_secure and "strict-transport-security" not in present:
        response.headers["Strict-Transport-Security"] = f"max-age={seconds}"
    return response


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)
