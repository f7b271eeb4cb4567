"""Accounts in the admin area: signing in and out (with Flask-Login's hooks: whose session it is,
and where a visitor not signed in is sent), one's own account and password, and the
administrator's list of accounts."""

import secrets

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from core.db import db
from core.extensions import htmx, login_manager
from core.web import paginate, saved
from org import access
from org.auth import ADMIN, EVERYONE, Records, load, roles_required, safe_next
from org.locks import clear_sign_in, sign_in_blocks, sign_in_name
from org.models import Role, User

from .errors import LoginError
from .forms import EditUserForm, LoginForm, NewUserForm, PasswordForm
from .operations import authenticate, change_password, create_user, load_user, update_user, users_query
from .sessions import end_sessions, start_session

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


# A browser that signed in to an account is remembered by a signed cookie naming it and the
# accounts it signed in to (at most DEVICE_ACCOUNTS, the latest first): from it, those accounts'
# sign-ins are counted apart from everything else at the same address (see
# ``accounts.operations.authenticate``). It proves nothing but an earlier successful sign-in.
DEVICE_COOKIE = "signin_device"


DEVICE_ACCOUNTS = 10


DEVICE_MAX_AGE = 365 * 24 * 3600


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def _device() -> tuple[str | None, list[str]]:
    """This browser's id and the accounts it signed in to, from its cookie if the cookie is ours."""
    try:
        data = _device_serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
        device, names = data["d"], data["u"]
    except (BadSignature, KeyError, TypeError):
        return None, []
    if not isinstance(device, str) or not isinstance(names, list):
        return None, []
    return device, [name for name in names if isinstance(name, str)][:DEVICE_ACCOUNTS]


def _remember_device(response, username: str) -> None:
    device, names = _device()
    name = sign_in_name(username)
    names = [name] + [other for other in names if other != name][: DEVICE_ACCOUNTS - 1]
    value = _device_serializer().dumps({"d": device or secrets.token_urlsafe(16), "u": names})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        path=url_for("admin.index"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("admin.index"))
    form = LoginForm()
    if request.method == "GET":
        return render_template("accounts/login.html", form=form, next=target)
    device, known = _device()
    try:
        user = authenticate(
            form.username.data,
            form.password.data,
            address=request.remote_addr or "",
            device=device if sign_in_name(form.username.data) in known else None,
        )
    except LoginError as error:
        db.session.commit()  # keep the count of failures
        status = 429 if error.code == "throttled" else 422
        return render_template("accounts/login.html", form=form, error=error.message, next=target), status
    start_session(user)
    db.session.commit()
    session.clear()  # nothing from before signing in carries over
    login_user(user)  # the cookie keeps user.get_id(): the new server-side session's key
    response = redirect(target or url_for("admin.index"), code=303)
    _remember_device(response, user.username)
    return response


@bp.post("/logout")
@roles_required(*EVERYONE)
def logout():
    # Every session of the account ends on the server, so that a copy of this browser's cookie,
    # or a browser left signed in elsewhere, is signed out too.
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out, here and on every other device."), "success")
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
        user = current_user._get_current_object()
        start_session(user)  # change_password ended every session: this browser gets a new one
        db.session.commit()
        login_user(user)
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
        listing = paginate(users_query(search))
        return dict(listing=listing, q=search, sign_in_blocks=sign_in_blocks(user.username for user in listing.items))

    def form_context(self, parent=None):
        return dict(roles=list(Role), units=access.managed_units(current_user))

    def row_context(self, user):
        return dict(self.form_context(), sign_in_blocks=sign_in_blocks([user.username]))

    def edit_form(self, user):
        return EditUserForm(obj=user, id_prefix=f"user-{user.id}", officer_nip=user.officer.nip if user.officer else "")

    def create(self, actor, form, parent=None):
        return create_user(actor, form.values, form.password.data)

    def update(self, actor, user, form):
        return update_user(actor, user, form.values, form.new_password.data)


users = Users()
users.register(bp)


@bp.post("/users/<int:user_id>/unlock")
@roles_required(ADMIN)
def user_unlock(user_id):
    """Let the account sign in again from every source its failures slowed (audited)."""
    user = load(User, user_id)
    clear_sign_in(current_user, user)
    return saved(
        users.row_partial,
        "user-saved",
        url_for("admin.accounts.users"),
        _("%(name)s may sign in again.", name=user.username),
        **users.row(user),
    )
