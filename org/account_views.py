"""Accounts in the admin area: signing in and out, one's own account and password, and the
administrator's list of accounts."""

import hashlib
import hmac

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from core.db import db
from core.errors import DomainError
from core.extensions import limiter
from core.forms import Form, int_or_none, values_from
from core.htmx import render_htmx
from core.web import paginate, refused, saved
from org import accounts

from .auth import ADMIN, EVERYONE, load, roles_required, safe_next
from .errors import LoginError
from .models import Role, User

bp = Blueprint("accounts", __name__)



LOGIN_LIMIT_PER_CLIENT = "5 per minute"


LOGIN_LIMIT_PER_USERNAME = "10 per 15 minutes"


def _hashed_username() -> str:
    """Rate-limit key of the username tried, from any address (a keyed hash: no name is stored)."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    name = request.form.get("username", "").strip().lower()[:80]
    return hmac.new(secret, name.encode(), hashlib.sha256).hexdigest()[:32]


def _login_failed(response) -> bool:
    # Only failed attempts count against the limits; signing in successfully costs nothing.
    return response.status_code == 422


def _login_breach(_limit):
    page = render_template("org/login.html", form=Form("login", {"username": request.form.get("username", "")[:80]}),
                           error=_("Too many sign-in attempts. Wait a few minutes and try again."),
                           next=safe_next(request.form.get("next")))
    return make_response(page, 429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_CLIENT, methods=["POST"], deduct_when=_login_failed, on_breach=_login_breach)
@limiter.limit(LOGIN_LIMIT_PER_USERNAME, methods=["POST"], key_func=lambda: "login-user:" + _hashed_username(),
               deduct_when=_login_failed, on_breach=_login_breach)
def login():
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("admin.index"))
    form = Form("login", values_from(request.form, ["username"]))
    if request.method == "GET":
        return render_template("org/login.html", form=form, next=target)
    try:
        user = accounts.authenticate(request.form.get("username", ""), request.form.get("password", ""))
    except LoginError as error:
        db.session.commit()  # keep the count of failures
        return render_template("org/login.html", form=form, error=error.message, next=target), 422
    db.session.commit()
    session.clear()  # nothing from before signing in carries over
    login_user(user)
    return redirect(target or url_for("admin.index"), code=303)


@bp.post("/logout")
@roles_required(*EVERYONE)
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("admin.accounts.login"), code=303)


@bp.get("/me")
@roles_required(*EVERYONE)
def me():
    return render_template("org/me.html")


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def password():
    form = Form("password")
    if request.method == "POST":
        try:
            accounts.change_password(current_user, request.form.get("current", ""), request.form.get("new", ""),
                                     request.form.get("confirm", ""))
        except DomainError as error:
            db.session.rollback()
            form.fail(error)
            return render_template("org/password.html", form=form), error.status
        db.session.commit()
        login_user(current_user._get_current_object())  # the session's id changed with the password: keep this one
        flash(_("Your password has been changed. Other sessions of this account are signed out."), "success")
        return redirect(url_for("admin.accounts.me"), code=303)
    return render_template("org/password.html", form=form)


USER_FIELDS = ("username", "name", "role", "unit_id", "officer_nip")


def _user_form(prefix: str) -> Form:
    form = Form(prefix, values_from(request.form, USER_FIELDS, ["active"]))
    form.values["unit_id"] = int_or_none(form.values["unit_id"])
    return form


def _user_form_of(user: User) -> Form:
    form = Form.of(f"user-{user.id}", user, ("username", "name", "role", "unit_id", "active"))
    form.values["officer_nip"] = user.officer.nip if user.officer else ""
    return form


def _user_context(user, **extra):
    return dict(user=user, units=accounts.managed_units(current_user), roles=list(Role),
                row_template="org/_user_row.html", title=user.username, back=url_for("admin.accounts.users"), **extra)


@bp.get("/users")
@roles_required(ADMIN)
def users():
    search = request.args.get("q", "")
    listing = paginate(accounts.users_query(search))
    return render_htmx("org/users.html", "org/_users.html", listing=listing, q=search, roles=list(Role),
                       units=accounts.managed_units(current_user), new_form=Form("user-new", {"active": True}))


@bp.post("/users")
@roles_required(ADMIN)
def user_create():
    form = _user_form("user-new")
    context = dict(roles=list(Role), units=accounts.managed_units(current_user))
    try:
        user = accounts.create_user(current_user, form.values, request.form.get("password", ""))
    except DomainError as error:
        return refused("org/users.html", "org/_user_new.html", error, new_form=form, listing=None, q="", **context)
    return saved("org/_user_new.html", "user-created", url_for("admin.accounts.users"),
                 _("Account %(name)s created.", name=user.username), new_form=Form("user-new", {"active": True}),
                 **context)


@bp.get("/users/<int:user_id>/row")
@roles_required(ADMIN)
def user_row(user_id):
    return render_htmx("admin/row_edit.html", "org/_user_row.html", **_user_context(load(User, user_id)))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN)
def user_edit(user_id):
    user = load(User, user_id)
    context = _user_context(user)
    if request.method == "GET":
        return render_htmx("admin/row_edit.html", "org/_user_row.html", form=_user_form_of(user), **context)
    form = _user_form(f"user-{user.id}")
    try:
        accounts.update_user(current_user, user, form.values, request.form.get("new_password", ""))
    except DomainError as error:
        return refused("admin/row_edit.html", "org/_user_row.html", error, form=form, **context)
    return saved("org/_user_row.html", "user-saved", url_for("admin.accounts.users"),
                 _("Account %(name)s saved.", name=user.username), **context)
