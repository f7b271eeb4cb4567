"""Accounts in the admin area: signing in and out (with Flask-Login's hooks: whose session it is,
and where a visitor not signed in is sent), one's own account and password, and the
administrator's list of accounts."""

import secrets

from flask import (
    Blueprint,
    Response,
    abort,
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

from core.db import db, utcnow
from core.extensions import htmx, limiter, login_manager
from core.web import arg_id, paginate, saved
from org import access
from org.auth import ADMIN, EVERYONE, MANAGERS, OFFICER, Records, load, roles_required, safe_next
from org.locks import clear_sign_in, sign_in_blocks, sign_in_name
from org.models import Officer, Role, User, local_clock

from .errors import LoginError, SetupError
from .forms import EditUserForm, LoginForm, NewUserForm, OnboardForm, OwnPinForm, PasswordForm, ResetForm, SetupForm
from .mail import mail_configured, send_setup_link
from .operations import authenticate, change_password, create_user, has_password, load_user, update_user, users_query
from .sessions import end_sessions, start_session
from .setup import (
    accounts_waiting,
    change_own_pin,
    clean_code,
    complete_setup,
    create_accounts,
    find_link,
    format_code,
    latest_links,
    officers_without_account,
    renew_links,
    reset_officer,
)

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
    roles = dict.fromkeys(actions, (ADMIN,))
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


# --- Set-up links: accounts for officers, their first password and PIN, resets -------------------------
# The codes exist only in the answer that made them (a sheet of slips to print, or an e-mail):
# only their keyed hashes are stored (``accounts.setup``).


def setup_address(code: str) -> str:
    """The address a slip prints and its QR code encodes: under PUBLIC_BASE_URL, like posters."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("admin.accounts.setup_link", code=code)


def _slips(issued, title: str):
    return render_template(
        "accounts/slips.html",
        issued=issued,
        title=title,
        address=setup_address,
        entry_address=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("admin.accounts.setup"),
    )


def _onboarding_page(form=None, status: int = 200):
    unit_id = arg_id("unit") if form is None else form.unit_id.data
    units = access.managed_units(current_user)
    if unit_id is not None and not access.can_manage_unit(current_user, unit_id):
        abort(403)
    waiting = accounts_waiting(current_user, unit_id)
    latest = latest_links([user.id for user in waiting])
    return render_template(
        "accounts/onboarding.html",
        units=units,
        unit_id=unit_id,
        without=officers_without_account(current_user, unit_id),
        waiting=waiting,
        latest=latest,
        form=form or OnboardForm.blank(unit_id=unit_id),
        now=utcnow(),
    ), status


@bp.get("/onboarding")
@roles_required(*MANAGERS)
def onboarding():
    """Officers without an account, and accounts still waiting for their officer to set them up."""
    return _onboarding_page()


def _bulk(make, title):
    form = OnboardForm()
    if form.submit(lambda: make(current_user, form.unit_id.data)):
        db.session.commit()
        if not form.result:
            flash(_("There was nobody to make a set-up link for."), "info")
            return redirect(url_for("admin.accounts.onboarding", unit=form.unit_id.data or None), code=303)
        return _slips(form.result, title)
    return _onboarding_page(form, form.status)


@bp.post("/onboarding/accounts")
@roles_required(*MANAGERS)
def onboarding_accounts():
    return _bulk(create_accounts, _("New accounts and their set-up links"))


@bp.post("/onboarding/links")
@roles_required(*MANAGERS)
def onboarding_links():
    return _bulk(renew_links, _("New set-up links"))


@bp.get("/officers/<int:officer_id>/setup-link")
@roles_required(*MANAGERS)
def officer_reset(officer_id):
    """Are you sure? A reset stops the officer's PIN and password at once: asked first."""
    officer = load(Officer, officer_id, lambda officer: officer.unit_id)
    return render_template("accounts/reset.html", officer=officer, form=ResetForm.blank(), mail=mail_configured())


@bp.post("/officers/<int:officer_id>/setup-link")
@roles_required(*MANAGERS)
def officer_setup_link(officer_id):
    """Reset the officer's password and PIN (or make their account) and hand them a new link:
    printed on a slip, or e-mailed when an address is given."""
    officer = load(Officer, officer_id, lambda officer: officer.unit_id)
    form = ResetForm()

    def reset():
        if form.email.data and not mail_configured():
            raise SetupError("no_mail")
        issued = reset_officer(current_user, officer)
        if form.email.data:
            send_setup_link(
                form.email.data,
                officer.name,
                issued.user.username,
                setup_address(issued.code),
                issued.shown_code,
                local_clock(issued.expires_at, officer.unit.timezone, "%Y-%m-%d %H:%M"),
            )
        return issued

    if not form.submit(reset):
        flash(form.error or "; ".join(form.email.errors), "error")
        return redirect(url_for("admin.org.officer", officer_id=officer.id), code=303)
    db.session.commit()
    if form.email.data:
        flash(_("A set-up link has been sent to %(email)s.", email=form.email.data), "success")
        return redirect(url_for("admin.org.officer", officer_id=officer.id), code=303)
    return _slips([form.result], _("Set-up link of %(name)s", name=officer.name))


def _setup_page(form, link=None, error=None, status: int = 200):
    return render_template("accounts/setup.html", form=form, link=link, error=error), status


# Guessing codes is slowed per client (a keyed hash of its address, ``core.extensions.client_key``):
# only refusals count, so an office whose officers all set up from one address is never held back.
SETUP_LIMIT = "10 per minute;60 per hour"


def _refused(response) -> bool:
    return response.status_code >= 400


@bp.get("/setup")
@limiter.limit(SETUP_LIMIT, deduct_when=_refused)
def setup():
    """Where an officer types the code of their slip (the slip's QR code opens ``setup_link``)."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.accounts.me"))
    return _setup_page(SetupForm.blank())


@bp.get("/setup/<code>")
@limiter.limit(SETUP_LIMIT, deduct_when=_refused)
def setup_link(code):
    try:
        link = find_link(code)
    except SetupError as error:
        return _setup_page(SetupForm.blank(), error=error.message, status=error.status)
    return _setup_page(SetupForm.blank(code=format_code(clean_code(code))), link=link)


@bp.post("/setup")
@limiter.limit(SETUP_LIMIT, deduct_when=_refused)
def setup_submit():
    form = SetupForm()
    try:
        link = find_link(form.code.data)
    except SetupError as error:
        return _setup_page(SetupForm.blank(), error=error.message, status=error.status)
    form.username = link.user.username
    if not form.submit(lambda: complete_setup(form.code.data, form.password.data, form.pin.data)):
        return _setup_page(form, link=None if form.error else link, error=form.error, status=form.status)
    user = form.result
    start_session(user)
    db.session.commit()
    session.clear()
    login_user(user)
    flash(_("Your account is ready: your password and kiosk PIN are set. Only you know them."), "success")
    response = redirect(url_for("admin.accounts.me"), code=303)
    _remember_device(response, user.username)
    return response


@bp.route("/me/pin", methods=["GET", "POST"])
@roles_required(OFFICER)
@limiter.limit("10 per hour", key_func=lambda: f"pin:{current_user.id}", methods=["POST"], deduct_when=_refused)
def my_pin():
    """The officer's own kiosk PIN, changed with the current PIN or the password."""
    form = OwnPinForm()
    if request.method == "GET":
        return render_template("accounts/pin.html", form=OwnPinForm.blank())
    if form.submit(lambda: change_own_pin(current_user, form.current.data, form.new.data)):
        db.session.commit()
        flash(_("Your kiosk PIN has been changed."), "success")
        return redirect(url_for("admin.accounts.me"), code=303)
    return render_template("accounts/pin.html", form=form), form.status


@bp.app_template_filter("set_up")
def set_up_filter(user: User | None) -> bool:
    """Has the account's owner chosen a password (an officer's account waits for its set-up link)?"""
    return user is not None and has_password(user)
