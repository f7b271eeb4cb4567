"""Accounts in the admin area: signing in and out (with Flask-Login's hooks: whose session it is,
and where a visitor not signed in is sent), one's own account and password, and the
administrator's list of accounts."""

import hashlib
import hmac

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from core.db import db
from core.extensions import htmx, limiter, login_manager
from core.web import paginate
from org import access
from org.auth import ADMIN, EVERYONE, Records, roles_required, safe_next
from org.models import Role, User

from .errors import LoginError
from .forms import EditUserForm, LoginForm, NewUserForm, PasswordForm
from .operations import authenticate, change_password, create_user, load_user, update_user, users_query

bp = Blueprint("accounts", __name__)


login_manager.login_view = "admin.accounts.login"
login_manager.login_message = _l("Sign in to continue.")
login_manager.login_message_category = "info"
# No "remember me": a shared office PC must not keep anyone signed in after the browser closes.
login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(user_id: str):
    return load_user(user_id)


@login_manager.unauthorized_handler
def _unauthorized():
    login = url_for("admin.accounts.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
    if htmx:
        # htmx would swap the login page into a table cell: make it load the whole page instead.
        response = Response(status=401)
        response.headers["HX-Redirect"] = login
        return response
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login)


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
    form = LoginForm.blank(username=request.form.get("username", "")[:80])
    page = render_template("accounts/login.html", form=form, next=safe_next(request.form.get("next")),
                           error=_("Too many sign-in attempts. Wait a few minutes and try again."))
    return make_response(page, 429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_CLIENT, methods=["POST"], deduct_when=_login_failed, on_breach=_login_breach)
@limiter.limit(LOGIN_LIMIT_PER_USERNAME, methods=["POST"], key_func=lambda: "login-user:" + _hashed_username(),
               deduct_when=_login_failed, on_breach=_login_breach)
def login():
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("admin.index"))
    form = LoginForm()
    if request.method == "GET":
        return render_template("accounts/login.html", form=form, next=target)
    try:
        user = authenticate(form.username.data, form.password.data)
    except LoginError as error:
        db.session.commit()  # keep the count of failures
        return render_template("accounts/login.html", form=form, error=error.message, next=target), 422
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
    return render_template("accounts/me.html")


@bp.route("/password", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def password():
    form = PasswordForm(username=current_user.username)
    if request.method == "GET":
        return render_template("accounts/password.html", form=form)
    if form.submit(lambda: change_password(current_user, form.current.data, form.new.data)):
        db.session.commit()
        login_user(current_user._get_current_object())  # the session's id changed with the password: keep it
        flash(_("Your password has been changed. Other sessions of this account are signed out."), "success")
        return redirect(url_for("admin.accounts.me"), code=303)
    return render_template("accounts/password.html", form=form), form.status


class Users(Records):
    name, model, url = "user", User, "/users"
    blueprint = "admin.accounts"
    form, create_form = EditUserForm, NewUserForm
    list_endpoint = "users"
    actions = ("list", "create", "row", "edit")  # an account is switched off, never deleted: the log names it
    roles = dict.fromkeys(actions, [ADMIN])
    page, list_partial = "accounts/users.html", "accounts/_users.html"
    new_partial, row_partial = "accounts/_user_new.html", "accounts/_user_row.html"
    title_attribute = "username"
    messages = dict(created=_l("Account %(name)s created."), saved=_l("Account %(name)s saved."))

    def list_context(self, parent=None):
        search = request.args.get("q", "")
        return dict(listing=paginate(users_query(search)), q=search)

    def form_context(self, parent=None):
        return dict(roles=list(Role), units=access.managed_units(current_user))

    def row_context(self, user):
        return self.form_context()

    def edit_form(self, user):
        return EditUserForm(obj=user, id_prefix=f"user-{user.id}", officer_nip=user.officer.nip if user.officer else "")

    def create(self, actor, form, parent=None):
        return create_user(actor, form.values, form.password.data)

    def update(self, actor, user, form):
        return update_user(actor, user, form.values, form.new_password.data)


users = Users()
users.register(bp)
