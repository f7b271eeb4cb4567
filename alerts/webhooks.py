"""Webhooks: which addresses alerts may be posted to, and the post itself (JSON, a short
timeout, no redirects). No database here.

A webhook address must be http(s) and name a server other than this machine or a link-local
address (a cloud's metadata service lives there); the address is checked again, resolved, when
it is posted to, and redirects are not followed. Private networks are allowed: an office's chat
server lives on one. ``allow_loopback`` (``ALERTS_WEBHOOK_LOOPBACK`` in the configuration, off)
lets the tests post to a server on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .errors import AlertError

WEBHOOK_TIMEOUT = 5  # seconds: a webhook that takes longer is a failed delivery
MAX_URL = 500


def _refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_loopback:
        return not allow_loopback
    return address.is_link_local or address.is_unspecified or address.is_multicast or address.is_reserved


def check_webhook_url(url: str, allow_loopback: bool = False) -> str:
    """The webhook address, cleaned; AlertError("webhook_url") when it is no http(s) address of a
    server this product may post to."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        raise AlertError("webhook_url") from None
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not hostname or any(c.isspace() for c in url):
        raise AlertError("webhook_url")
    if hostname == "localhost" or hostname.endswith(".localhost"):
        if not allow_loopback:
            raise AlertError("webhook_url")
        return url
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return url  # a name: checked again once resolved, when it is sent to
    if _refused_address(address, allow_loopback):
        raise AlertError("webhook_url")
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect answers as the error it is, never to another address


class WebhookFailed(Exception):
    """The webhook was not reached or did not answer 2xx; the message says why, briefly."""


def post_webhook(url: str, payload: dict, allow_loopback: bool = False, timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST ``payload`` as JSON to ``url``; the answer's status, or WebhookFailed."""
    try:
        check_webhook_url(url, allow_loopback)
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for *_rest, sockaddr in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP):
            if _refused_address(ipaddress.ip_address(str(sockaddr[0]).split("%")[0]), allow_loopback):
                raise WebhookFailed("address refused")
    except (AlertError, ValueError):
        raise WebhookFailed("address refused") from None
    except OSError as error:
        raise WebhookFailed(type(error).__name__) from None
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "SuaraLayanan-alerts/1"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        raise WebhookFailed(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None)
        raise WebhookFailed(
            type(reason).__name__ if isinstance(reason, BaseException) else type(error).__name__
        ) from None
    if not 200 <= status < 300:
        raise WebhookFailed(f"HTTP {status}")
    return status
