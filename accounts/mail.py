"""Sending an officer their set-up link by e-mail, through the SMTP server of ``config.Config``
(SMTP_HOST and the rest). Without one, links are printed on slips instead."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _

from .errors import SetupError


def mail_configured() -> bool:
    config = current_app.config
    return bool(config.get("SMTP_HOST") and config.get("SMTP_FROM"))


def send_setup_link(to: str, officer_name: str, username: str, address: str, code: str, expires: str) -> None:
    """One message with the link, the code and the username; SetupError("mail_failed") when the
    server refuses it or cannot be reached (the caller rolls the new link back: nothing half-done)."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = _("Set up your Suara Layanan account")
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message.set_content(
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
    security = (config.get("SMTP_SECURITY") or "starttls").lower()
    timeout = config.get("SMTP_TIMEOUT", 10)
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(
                config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=timeout)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # The log names the failure, never the message (it carries the code).
        current_app.logger.warning("set-up link e-mail not sent: %s", type(error).__name__)
        raise SetupError("mail_failed") from None
