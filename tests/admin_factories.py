"""Factories and client helpers for the admin area's tests (users, signed-in clients, CSRF)."""

import itertools
import re

from werkzeug.datastructures import MultiDict

from appraisal import accounts
from appraisal.db import db
from appraisal.models import AuditLog, Role, User
from tests.conftest import make_officer, make_unit

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(role: Role | str = Role.ADMIN, unit=None, officer=None, password: str = PASSWORD, **overrides) -> User:
    role = Role(role)
    if role == Role.SUPERVISOR and unit is None:
        unit = make_unit()
    if role == Role.OFFICER and officer is None:
        officer = make_officer(unit=unit)
    user = User(**{
        "username": f"user{next(_seq)}", "name": "", "role": role,
        "password_hash": accounts.hash_password(password),
        "unit_id": unit.id if unit else (officer.unit_id if officer else None),
        "officer_id": officer.id if officer else None, **overrides,
    })
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(client, user: User):
    """A signed-in session without going through the form (and its rate limit)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def csrf(client, path: str = "/admin/") -> str:
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = re.search(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, path: str, data: dict | None = None, htmx: bool = False, **kwargs):
    """POST with a valid CSRF token (in the form, or in the header as htmx sends it)."""
    token = csrf(client)
    headers = kwargs.pop("headers", {})
    # A MultiDict keeps repeated names (the four answer labels); a dict keeps (file, name) pairs.
    data = data.copy() if isinstance(data, MultiDict) else dict(data or {})
    if htmx:
        headers.update({"HX-Request": "true", "X-CSRFToken": token})
    else:
        data["csrf_token"] = token
    return client.post(path, data=data, headers=headers, **kwargs)


def audit_entries(**where) -> list[AuditLog]:
    db.session.expire_all()
    query = db.session.query(AuditLog)
    for name, value in where.items():
        query = query.filter(getattr(AuditLog, name) == value)
    return query.order_by(AuditLog.id).all()


def text(response) -> str:
    return response.get_data(as_text=True)
