"""The refusals of alerts, each with a stable code and a translated message."""

from flask_babel import lazy_gettext as _l

from core.errors import DomainError


class AlertError(DomainError):
    """A state of an alert that forbids an action (409), or a value it cannot take (422, the codes
    in ``UNPROCESSABLE``: a request that can never succeed as sent)."""

    status = 409
    UNPROCESSABLE: frozenset[str] = frozenset(
        {"comment_required", "comment_long", "unknown_rule", "emails_format", "emails_many", "webhook_url"}
    )
    messages = {
        "already_acknowledged": _l("This alert is already acknowledged."),
        "comment_required": _l("Say what was done about it (a short comment)."),
        "comment_long": _l("At most %(max)s characters."),
        "unknown_rule": _l("This is not one of the alert rules."),
        "param_range": _l("Enter a whole number from %(min)s to %(max)s."),
        "emails_format": _l("Enter e-mail addresses separated by commas, e.g. kepala@instansi.go.id."),
        "emails_many": _l("At most %(max)s e-mail addresses."),
        "webhook_url": _l(
            "A webhook address starts with http:// or https://, names a server, and is not this machine or a "
            "link-local address; at most 500 characters."
        ),
    }

    def __init__(self, code: str, **params):
        super().__init__(code, **params)
        if code in self.UNPROCESSABLE or code == "param_range":
            self.status = 422
