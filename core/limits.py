"""How large a request may be, by what it is for, known before a byte of its body is read.

Werkzeug refuses a body larger than ``request.max_content_length`` with 413 at the first read
when its Content-Length says so, without reading it; a body that comes in chunks is read no
further than the limit, and refused past it (``_MaxStream``). Flask takes that limit from MAX_CONTENT_LENGTH, one number for the whole app; here a
view may have its own (``BODY_LIMITS``, by endpoint), so that the kiosk's vote, which anyone can
send, stays small, forms stay small, and only the uploads of the admin area are larger. The
limit follows the address the request was matched to, so it holds before any hook of any
extension reads the body (CSRFProtect reads the form of every POST first of all).
"""

from __future__ import annotations

from flask import Flask, current_app
from flask import Request as FlaskRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_content_length, get_input_stream


class _MaxStream(LimitedStream):
    """A body sent in chunks (no Content-Length), read up to its maximum and refused past it.
    Werkzeug's own stream for this stops quietly at the maximum when a body is read whole
    (``read()``, as JSON and url-encoded forms are), and the truncated body would be parsed as if
    it were all; this one is given one byte more than the maximum, and reaching that byte is 413."""

    def readinto(self, buffer) -> int | None:
        read = super().readinto(buffer)
        if self._pos >= self.limit:
            raise RequestEntityTooLarge()
        return read


class Request(FlaskRequest):
    @cached_property
    def stream(self):
        limit = self.max_content_length
        if (
            limit is not None
            and not self.shallow
            and self.environ.get("wsgi.input_terminated")
            and get_content_length(self.environ) is None
        ):
            return _MaxStream(self.environ["wsgi.input"], limit + 1, is_max=True)
        return get_input_stream(self.environ, max_content_length=limit)

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None and current_app:
            limit = current_app.config.get("BODY_LIMITS", {}).get(self.url_rule.endpoint)
            if limit is not None:
                return limit
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def size_label(size: int) -> str:
    """A limit as a person reads it: "16 KB", "4 MB"."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{max(1, size // 1024)} KB"


def init_app(app: Flask) -> None:
    """After the blueprints: a limit for an address that no longer exists would be no limit."""
    unknown = set(app.config.get("BODY_LIMITS", {})) - set(app.view_functions)
    if unknown:
        raise RuntimeError(f"BODY_LIMITS names addresses the app does not have: {sorted(unknown)}")
    app.request_class = Request
