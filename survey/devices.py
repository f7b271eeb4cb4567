"""The browser that minted a one-time code, recognised again when it tries to answer it.

A one-time code proves a service only if the citizen answers it, not the officer: so the device
that minted it (the kiosk's tablet, the officer's own browser) may not answer it. Each browser
that mints a code gets a random id in a long-lived cookie; only a keyed hash of it is stored on
the code. A cookie is a hint, not a fact (clearing it defeats this check): the per-duty minting
rate (``survey.operations.issue_service_code``) bounds what a cleared cookie can gain.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app, request

DEVICE_COOKIE = "device"
DEVICE_MAX_AGE = 5 * 365 * 24 * 3600


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"survey-device", hashlib.sha256).digest()


def device_hash(device_id: str | None) -> str | None:
    """The keyed hash stored on a code (the raw id never is)."""
    if not device_id or len(device_id) > 64:
        return None
    return hmac.new(_key(), device_id.encode(), hashlib.sha256).hexdigest()


def request_device() -> str | None:
    """The hash of the device id this request's browser carries, if any."""
    return device_hash(request.cookies.get(DEVICE_COOKIE))


def minting_device() -> tuple[str, str | None]:
    """(hash to store on a new code, new raw id to set as the cookie or None when the browser
    already has one)."""
    current = request.cookies.get(DEVICE_COOKIE)
    hashed = device_hash(current)
    if hashed is not None:
        return hashed, None
    fresh = secrets.token_urlsafe(24)
    return device_hash(fresh), fresh


def remember_device(response, fresh: str | None):
    """Give the browser its device id (on the whole site, so that /s/ sees it too)."""
    if fresh is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            fresh,
            max_age=DEVICE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
