"""Outgoing e-mail through the SMTP server of ``config.Config`` (SMTP_HOST and the rest): set-up
links, feedback invitations and reminders, alerts. Without a server nothing is sent and each
caller offers another way (a printed slip, the in-product list).

Hand-written over the standard library's ``smtplib``: one message at a time to a server the
operator names is all the product needs, and a mail library would add a dependency for no gain.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app


class MailFailed(Exception):
    """The server refused the message or could not be reached; the log names the failure."""


def mail_configured() -> bool:
    config = current_app.config
    return bool(config.get("SMTP_HOST") and config.get("SMTP_FROM"))


def send_mail(to: str, subject: str, body: str, what: str = "e-mail") -> None:
    """One plain-text message to ``to``. ``what`` names the message in the log (never its body,
    which may carry a code or a link). MailFailed when it was not sent."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message.set_content(body)
    security = (config.get("SMTP_SECURITY") or "starttls").lower()
    timeout = config.get("SMTP_TIMEOUT", 10)
    try:
        server: smtplib.SMTP
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
        current_app.logger.warning("%s not sent: %s", what, type(error).__name__)
        raise MailFailed(type(error).__name__) from None
