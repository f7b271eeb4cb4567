"""Flask's signed-cookie sessions, opened only for the views that use one.

- A view that neither reads nor writes the session says so (``@sessionless``): its requests
  get Flask's null session, so the cookie a browser sends along is neither verified nor sent
  back. The kiosk's vote is one: every vote of a deployment comes through it, and the tablet's
  cookie (its CSRF token for the duty panel) means nothing to it.
- The signing serializer is made once per secret key: Flask builds it anew on every request,
  though it depends on the keys alone.

Flask opens the session before it matches the address to a view, so the views are found by
their address: those without variables in it, the only kind marked.
"""

from flask.sessions import SecureCookieSessionInterface


def sessionless(view):
    """Mark a view that never touches the session (see the module's docstring)."""
    view.sessionless = True
    return view


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._keys = None
        self._serializer = None
        self._sessionless: frozenset | None = None

    def open_session(self, app, request):
        if self._sessionless is None:
            self._sessionless = frozenset(
                rule.rule
                for rule in app.url_map.iter_rules()
                if not rule.arguments and getattr(app.view_functions.get(rule.endpoint), "sessionless", False)
            )
        if request.path in self._sessionless:
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys != self._keys:
            self._serializer, self._keys = super().get_signing_serializer(app), keys
        return self._serializer
