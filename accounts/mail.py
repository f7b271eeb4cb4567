"""Sending an officer their set-up link by e-mail, through the SMTP server of ``config.Config``
(SMTP_HOST and the rest; ``core.mail``). Without one, links are printed on slips instead."""

from __future__ import annotations

from flask_babel import gettext as _

from core.mail import MailFailed, mail_configured, send_mail

from .errors import SetupError

__all__ = ["mail_configured", "send_setup_link"]


def send_setup_link(to: str, officer_name: str, username: str, address: str, code: str, expires: str) -> None:
    """One message with the link, the code and the username; SetupError("mail_failed") when the
    server refuses it or cannot be reached (the caller rolls the new link back: nothing half-done)."""
    subject = _("Set up your Suara Layanan account")
    text = (
        "\n\n".join(
            [
                _("Hello %(name)s,", name=officer_name),
                _(
                    "An account of Suara Layanan has been made for you. Open this link to choose your own "
                    "password and kiosk PIN:"
                ),
                address,
                "\n".join(
                    [
                        _("Or open %(entry)s and type the code %(code)s.", entry=address.rsplit("/", 1)[0], code=code),
                        _("Your username: %(username)s", username=username),
                        _("The link works once, until %(expires)s.", expires=expires),
                    ]
                ),
                _("Nobody from the office will ever ask you for your password or PIN."),
            ]
        )
        + "\n"
    )
    try:
        send_mail(to, subject, text, what="set-up link e-mail")
    except MailFailed:
        raise SetupError("mail_failed") from None
